/* sg_strbuf: growable text buffer and whole-file write for emitted files. */
#include "sg_strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void sb_grow(sg_strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need <= sb->alloc)
        return;
    size_t n = sb->alloc ? sb->alloc : 256;
    while (n < need)
        n *= 2;
    char *p = realloc(sb->alloc ? sb->buf : NULL, n);
    if (!p) {
        fprintf(stderr, "sparsegen: out of memory\n");
        abort();
    }
    if (!sb->alloc)
        p[0] = '\0';
    sb->buf = p;
    sb->alloc = n;
}

void sg_sb_init(sg_strbuf *sb)
{
    static char empty[1];
    sb->buf = empty;
    sb->len = 0;
    sb->alloc = 0;
}

void sg_sb_release(sg_strbuf *sb)
{
    if (sb->alloc)
        free(sb->buf);
    sg_sb_init(sb);
}

void sg_sb_reset(sg_strbuf *sb)
{
    sb->len = 0;
    if (sb->alloc)
        sb->buf[0] = '\0';
}

void sg_sb_add(sg_strbuf *sb, const char *s, size_t n)
{
    sb_grow(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sg_sb_adds(sg_strbuf *sb, const char *s)
{
    sg_sb_add(sb, s, strlen(s));
}

void sg_sb_addf(sg_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb_grow(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

int sg_sb_read_file(sg_strbuf *sb, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sg_sb_add(sb, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        errno = EIO;
        return -1;
    }
    return 0;
}

int sg_sb_write_file(const sg_strbuf *sb, const char *path, char *err, size_t errlen)
{
    sg_strbuf old;
    sg_sb_init(&old);
    if (sg_sb_read_file(&old, path) == 0 && old.len == sb->len &&
        memcmp(old.buf, sb->buf, sb->len) == 0) {
        sg_sb_release(&old);
        return 0; /* unchanged: keep the file and its timestamp */
    }
    sg_sb_release(&old);

    size_t plen = strlen(path) + 16;
    char *tmp = malloc(plen);
    if (!tmp) {
        snprintf(err, errlen, "out of memory writing '%s'", path);
        return -1;
    }
    snprintf(tmp, plen, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create '%s': %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    size_t off = 0;
    while (off < sb->len) {
        ssize_t w = write(fd, sb->buf + off, sb->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
            close(fd);
            unlink(tmp);
            free(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    if (fchmod(fd, 0644) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}
