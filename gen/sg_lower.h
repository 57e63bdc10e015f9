/* sg_lower: each layer kind's lowering -- its plan (sg_plan.h) and the
 * commands it emits into the program (sg_emit.h): FC (sg_lower_fc.c), CONV
 * and max-pool (sg_lower_conv.c), LSTM (sg_lower_lstm.c).  The driver,
 * sg_compile.c, plans every layer, then lowers them in order. */
#ifndef SG_LOWER_H
#define SG_LOWER_H

#include <stddef.h>
#include <stdint.h>

#include "sg_emit.h"
#include "sg_plan.h"

/* ---- FC ---------------------------------------------------------------- */

/* Plan FC layer L: column tiles, CSB, blocks.  0 or -1 with err set. */
int sg_lower_fc_plan(const sg_config *c, const sg_layer *L, plan *pl, char *err, size_t errlen);

/* FC layer li for samples first .. first + ns - 1 (inputs xs[s]). */
void sg_lower_fc(builder *b, const sg_config *c, const sg_layer *L, int li, const plan *pl,
                 const int32_t *const *xs, int first, int ns, sg_layer_stats *st);

/* Resident mode fits: every layer FC, one tile, one block, all weights and
 * rows in the buffers together; base_w/base_r receive each layer's bases. */
int sg_lower_fc_resident_fits(const sg_config *c, const sg_model *m, const plan *plans,
                              int *base_w, int *base_r);

/* Resident mode: load layer L's rows and weights once at its bases ... */
void sg_lower_fc_preload(builder *b, const sg_config *c, const sg_layer *L, const plan *pl,
                         int wbase, int rbase);

/* ... then per sample only its input vector and the RUN. */
void sg_lower_fc_resident(builder *b, const sg_config *c, const sg_layer *L, int li,
                          const plan *pl, const int32_t *x, int sample, int wbase, int rbase,
                          sg_layer_stats *st);

/* ---- CONV and max-pool --------------------------------------------------- */

/* How a CONV layer is placed: its flat row width (at least the layer's
 * own), the vector-buffer room and first address it may use, and whether
 * its input is written on chip by the previous layer (then its line buffer
 * must hold the whole map, stored with the shift that aligns the writes). */
typedef struct conv_place {
    int wf, room, vbase, chained_in;
} conv_place;


/* The flat row width a CONV layer needs: output width + widest phase - 1. */
int sg_lower_conv_min_wf(const sg_layer *L);

/* What a bank unit of CONV layer L holds (conv_plan.unit). */
int sg_lower_conv_unit(const sg_config *c, const sg_layer *L);

/* Plan CONV (or max-pool as CONV) layer L placed as pc says.  0 or -1. */
int sg_lower_conv_plan(const sg_config *c, const sg_layer *L, const conv_place *pc, plan *pl,
                       char *err, size_t errlen);

/* CONV or max-pool layer li for samples first .. first + ns - 1; next and
 * nextL: the next layer when the results also go to its line buffer. */
void sg_lower_conv(builder *b, const sg_config *c, const sg_layer *L, int li, const plan *pl,
                   const plan *next, const sg_layer *nextL, const int32_t *const *xs, int first,
                   int ns, sg_layer_stats *st);

/* A max-pool as the depthwise CONV the vector generator runs (arrays freed
 * by sg_lower_pool_free).  0, or -1 when out of memory. */
int sg_lower_pool_layer(const sg_config *c, const sg_layer *L, sg_layer *pool);
void sg_lower_pool_free(sg_layer *pool);

/* ---- LSTM ---------------------------------------------------------------- */

/* Plan LSTM layer L: its gate rows as one tile and one block.  0 or -1. */
int sg_lower_lstm_plan(const sg_config *c, const sg_layer *L, plan *pl, char *err,
                       size_t errlen);

/* LSTM layer li over the sequences of samples first .. first + ns - 1. */
void sg_lower_lstm(builder *b, const sg_config *c, const sg_layer *L, int li, const plan *pl,
                   const int32_t *const *xs, int first, int ns, sg_layer_stats *st);

#endif
