/* sg_fc: the golden fully-connected layer, y = act(requant(W x + b)).
 *
 * Two entry points compute the same thing: sg_fc_dense from the dense weight
 * matrix, sg_fc_csb from its CSB encoding (it touches only the stored words,
 * the way the PE array does).  Arithmetic as in sg_post.h: the accumulator
 * starts at wrap_ACC(bias[r]) and adds each product modulo 2^ACC_W.
 */
#ifndef SG_FC_H
#define SG_FC_H

#include <stdint.h>

#include "sg_csb.h"
#include "sg_post.h"

/* Everything of a layer except its weights and input. */
typedef struct sg_fc_params {
    int data_w;           /* activation bits, 8 or 16 */
    int acc_w;            /* accumulator bits, <= SG_ACC_W_MAX */
    sg_act act;           /* activation after requant */
    int32_t act_max;      /* the quantized 6 for SG_ACT_RELU6 */
    const int32_t *bias;  /* rows entries, signed 32-bit */
    const int32_t *mult;  /* rows entries: requant multiplier M */
    const int8_t *shift;  /* rows entries: requant shift S, 0 .. SG_SHIFT_MAX */
} sg_fc_params;

/* The steps every golden layer shares (sg_fc.c, sg_conv.c): the starting
 * accumulator wrap_ACC(bias[r]) (0 without bias), one MAC modulo 2^ACC_W,
 * and the output requant(acc, M[r], S[r]) followed by the activation. */
int64_t sg_acc_start(const sg_fc_params *p, int r);
int64_t sg_mac(int64_t acc, int32_t w, int32_t x, int acc_w);
int32_t sg_row_out(int64_t acc, const sg_fc_params *p, int r);

/* Accumulator of row r (before requant) from a dense row-major matrix. */
int64_t sg_fc_dense_acc(const int32_t *w, int cols, int r, const int32_t *x,
                        const sg_fc_params *p);

/* y[r] for r < rows from a dense row-major rows x cols matrix.  acc, if not
 * NULL, receives the accumulators (rows entries). */
void sg_fc_dense(const int32_t *w, int rows, int cols, const int32_t *x,
                 const sg_fc_params *p, int32_t *y, int64_t *acc);

/* The same from a CSB encoding; x has c->cols entries. */
void sg_fc_csb(const sg_csb *c, const int32_t *x, const sg_fc_params *p,
               int32_t *y, int64_t *acc);

#endif
