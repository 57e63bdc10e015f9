/* sg_ops: the program as operations, between a layer's plan and the
 * command beats.
 *
 * Compiling a model runs in stages: plan (per layer: tiles, blocks, bands,
 * phases, where each piece sits in the buffers; sg_compile.c) -> program
 * (this list: one operation per command of the stream, in stream order) ->
 * beats and expected results.  An operation names what the command does
 * (its opcode and header fields), the layer and sample it serves, the
 * buffer regions it writes and reads, the beats it takes on the stream and
 * the MACs it issues.  sg_ops_link() then derives, from the regions alone,
 * the earlier operations each one depends on: the last writer of every
 * address it reads (data), and the last reader and writer of every address
 * it overwrites (order).  sg_ops_check() checks the program's invariants:
 * every region inside its buffer, every address read written before by an
 * operation of the right layer, sample and kind (so nothing a later read
 * needs was overwritten in between), dependencies pointing backwards.
 *
 * Regions are address ranges [lo, hi) of one buffer, the same range in
 * every bank and every PE: the vector banks (VbufDepth words per bank), the
 * weight buffer (WbufDepth CSB words per PE) and the row buffer (RbufDepth
 * records per PE).
 */
#ifndef SG_OPS_H
#define SG_OPS_H

#include <stddef.h>
#include <stdio.h>

#include "sg_config.h"

enum sg_buf { SG_BUF_VEC = 0, SG_BUF_WGT, SG_BUF_ROW, SG_BUFS };
/* "vbuf", "wbuf", "rbuf" */
extern const char *const sg_buf_names[SG_BUFS];

typedef struct sg_region {
    signed char buf;   /* sg_buf */
    signed char write; /* 1 written, 0 read */
    int lo, hi;        /* addresses lo .. hi - 1 */
} sg_region;

/* Header flags of an operation (sg_cmd.h). */
#define SG_OPF_FINAL 1u /* bit 57: RUN/CONV final, VEC scatter, WGT/ROW broadcast,
                         * LSTM from cell state 0 */
#define SG_OPF_MAX 2u   /* bit 56: CONV accumulates by maximum (a max-pool) */

#define SG_OP_REGIONS 5

typedef struct sg_op {
    int kind;              /* opcode, SG_OP_VEC .. SG_OP_LSTM (sg_cmd.h) */
    unsigned flags;        /* SG_OPF_* */
    unsigned act;          /* activation (RUN, CONV) */
    unsigned rows, count;  /* the header's fields */
    unsigned act_max;      /* the header's act_max (BASE: the vector base) */
    int layer;             /* layer index, -1 for none (the BASE that ends a program) */
    int sample;            /* input sample, -1 when it serves every sample (weights,
                            * row records, the BASE before them) */
    long long beat0;       /* its first beat in the command stream */
    long long beats;       /* header and payload beats */
    long long macs;        /* useful MACs issued (RUN, CONV, LSTM; summed over steps) */
    long long words;       /* CSB words the PE array reads */
    int n_regions;
    sg_region region[SG_OP_REGIONS];
    long long dep0;        /* sg_ops_link: its dependencies are deps[dep0 ..] */
    int n_deps;
} sg_op;

/* The name of an opcode: "VEC", "WGT", ... ("?" when unknown). */
const char *sg_op_name(int kind);

/* Link ops[0 .. n-1]: fill each op's dep0 / n_deps and *deps (caller frees)
 * with the indices of the earlier operations it depends on, ascending.
 * Returns 0, or -1 when out of memory or a region lies outside its buffer
 * (message in err). */
int sg_ops_link(const sg_config *c, sg_op *ops, long long n, long long **deps, long long *n_deps,
                char *err, size_t errlen);

/* Check the invariants of a linked program (see above).  layer_name(i)
 * names layer i in the message.  Returns 0, or -1 with the first
 * violation, naming the operation, its layer and the address. */
int sg_ops_check(const sg_config *c, const sg_op *ops, long long n, const long long *deps,
                 const char *const *layer_names, int n_layers, char *err, size_t errlen);

/* One line per operation: index, kind, layer, sample, regions written and
 * read, dependencies, beats, MACs; a header line first. */
void sg_ops_print(FILE *f, const sg_op *ops, long long n, const long long *deps,
                  const char *const *layer_names, int n_layers);

/* The same as one JSON object {"ops": [...]} on f (one op per line). */
int sg_ops_print_json(FILE *f, const sg_op *ops, long long n, const long long *deps,
                      const char *const *layer_names, int n_layers);

#endif
