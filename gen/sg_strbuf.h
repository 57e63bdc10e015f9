/* sg_strbuf: a growable, always NUL-terminated text buffer for emitted files.
 *
 * Every generated file is built in one of these and written in one go, so a
 * failure never leaves half a file.  Allocation failure aborts the program
 * with a message (there is nothing sensible to emit without memory).
 */
#ifndef SG_STRBUF_H
#define SG_STRBUF_H

#include <stddef.h>

typedef struct sg_strbuf {
    char *buf;    /* text, NUL-terminated; never NULL after sg_sb_init */
    size_t len;   /* bytes used, excluding the NUL */
    size_t alloc; /* bytes allocated */
} sg_strbuf;

void sg_sb_init(sg_strbuf *sb);
void sg_sb_release(sg_strbuf *sb);
void sg_sb_reset(sg_strbuf *sb);
void sg_sb_add(sg_strbuf *sb, const char *s, size_t n);
void sg_sb_adds(sg_strbuf *sb, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sg_sb_addf(sg_strbuf *sb, const char *fmt, ...);

/* Read a whole file into sb (appending).  Returns 0, or -1 with errno set. */
int sg_sb_read_file(sg_strbuf *sb, const char *path);

/* Write sb to path unless the file already holds exactly that text: via a
 * temporary file in the same directory and rename.  Returns 0, or -1 with a
 * message in err. */
int sg_sb_write_file(const sg_strbuf *sb, const char *path, char *err, size_t errlen);

#endif
