/* sg_genfile: the files sparsegen generates -- a rendered file, its header
 * line, and writing a set of them into a directory.  Shared by sg_gen (the
 * RTL and its companions), sg_fpga (vendor flows) and sg_regmap (register
 * headers), none of which needs another for it. */
#ifndef SG_GENFILE_H
#define SG_GENFILE_H

#include <stddef.h>

#include "sg_config.h"
#include "sg_strbuf.h"

/* One rendered file: its path relative to the output directory and text. */
typedef struct sg_gen_file {
    char rel[64];    /* e.g. "rtl/sg_pe.v", "fpga/vivado/build.tcl" */
    sg_strbuf text;  /* the whole file */
} sg_gen_file;

/* The generated-file header line, each line led by `lead` ("//", "#"). */
void sg_gen_header_line(sg_strbuf *sb, const sg_config *c, const char *lead);

/* Write files[0 .. n-1] under outdir (created with its subdirectories if
 * missing; an existing file with the same text is left alone).  On a
 * failure in a directory this call created, nothing of it is left behind;
 * in one that existed, each file was replaced whole or not at all.  Returns
 * 0, or -1 with a message in err. */
int sg_gen_files_write(const char *outdir, const sg_gen_file *files, int n, char *err,
                       size_t errlen);

#endif
