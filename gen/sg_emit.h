/* sg_emit: the program builder.  Each command is begun by sg_emit_header,
 * which appends its header beats and its operation (sg_ops.h) with the
 * regions the header alone implies; the lowering then appends the payload
 * beats, the regions a RUN, CONV or LSTM reads, the MACs it issues
 * (sg_emit_account) and the result lanes it sends (sg_emit_result).  Once
 * the stream or the results would pass their caps, or memory runs out, the
 * builder has failed and every emitter does nothing. */
#ifndef SG_EMIT_H
#define SG_EMIT_H

#include <stdint.h>

#include "sg_compile.h"
#include "sg_config.h"
#include "sg_plan.h"

/* What stopped a builder (builder.failed). */
enum { SG_BUILD_OK = 0, SG_BUILD_STREAM_CAP, SG_BUILD_RESULTS_CAP, SG_BUILD_NOMEM };

typedef struct builder {
    sg_program *p;
    long long cap_beats, cap_out, cap_lanes, cap_last;
    long long lane_fill; /* results placed in the current output beat */
    int failed;          /* B_OK, or why the program could not be built: every
                          * emitter then does nothing, sg_compile reports it
                          * for the layer being compiled */
    sg_layer_stats *st;  /* the layer being emitted (its beats by kind) */
    long long cap_ops;
    int layer, sample;   /* what the operations being emitted serve (sg_op) */
    int wbase, rbase, pbase; /* the bases the last BASE set */
    int wb_on;           /* write-back on (OUT 1) */
    long long wb_lo, wb_hi; /* vector-bank addresses the next final CONV writes back */
} builder;

/* Append nb zeroed command beats of a kind (sg_beat_kind); returns the
 * first word, or NULL once the builder has failed. */
uint32_t *sg_emit_beats(builder *b, long long nb, int kind);

/* Append the payload beats of a VEC of n elements written at rate elements
 * a cycle, counting the cycles the vector banks hold the stream. */
uint32_t *sg_emit_vec_beats(builder *b, const sg_config *c, long long n, int rate);

/* The operation being emitted (NULL once the builder has failed). */
sg_op *sg_emit_cur_op(builder *b);

/* The current operation also writes (or reads) addresses lo .. hi - 1 of
 * buffer buf (sg_ops.h); an empty range adds nothing. */
void sg_emit_region(builder *b, int buf, int write, long long lo, long long hi);

/* The current RUN or CONV reads `words` CSB words from the weight base and
 * vector-bank words lo .. hi - 1 from the vector base. */
void sg_emit_reads(builder *b, long long words, long long vlo, long long vhi);

/* One lane of a CSB word: value, offset inside the bank, rotation (CONV). */
void sg_emit_lane(uint32_t *w, const sg_config *c, int lane, int32_t v, uint64_t off,
                  uint64_t rot);

/* The row record of output row (or channel) r: bias, M, S (sg_cmd.h). */
void sg_emit_row_record(uint32_t *w, const sg_layer *L, int r);

/* Begin a command: header beats, its operation, the regions the header
 * implies; a BASE also sets the builder's bases. */
void sg_emit_header(builder *b, const sg_config *c, unsigned op, unsigned act, unsigned final,
                    unsigned act_max, unsigned rows, unsigned count);

/* Set the max flag of the header just emitted. */
void sg_emit_max(builder *b, const sg_config *c);

/* Place the next result lane: row `row` of layer `layer` for that sample,
 * from that PE (row < 0: computed and sent, not needed); last ends a beat. */
void sg_emit_result(builder *b, int layer, int row, int sample, int pe, int last);

/* BASE: weight, row and vector bases (sg_emit_base: vector base 0). */
void sg_emit_base3(builder *b, const sg_config *c, int wbase, int rbase, int pbase);
void sg_emit_base(builder *b, const sg_config *c, int wbase, int rbase);

/* Count one RUN's work: nnz MACs issued, junk of them for results thrown
 * away, words of CSB read. */
void sg_emit_account(builder *b, sg_layer_stats *st, long long nnz, long long words,
                     long long junk);

/* ROW: the records of row groups g0 .. g1-1 (row g * P + pe on PE pe). */
void sg_emit_rows(builder *b, const sg_config *c, const sg_layer *L, int g0, int g1);

/* WGT: row groups g0 .. g1-1 of tile t; returns the words per PE, adds the
 * nonzeros sent to *nnz. */
int sg_emit_wgt(builder *b, const sg_config *c, const tile *t, int g0, int g1, long long *nnz);

#endif
