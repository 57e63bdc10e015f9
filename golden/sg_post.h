/* sg_post: the arithmetic after the MACs -- wrap, saturate, requantize, activate.
 *
 * This file defines sparsegen's arithmetic (ARCHITECTURE section 2); the RTL
 * (rtl_templates/sg_pe.v, rtl_templates/sg_post.v) matches it bit for bit.
 *
 * Overflow policy of the accumulator: WRAP.  The accumulator is ACC_W bits of
 * two's complement; it starts at wrap(bias) and every product is added modulo
 * 2^ACC_W.  Because addition modulo 2^ACC_W is associative, the order in which
 * the hardware adds products (adder tree, column tiles, partial sums) cannot
 * change the result, so the golden model and the RTL agree whatever the
 * schedule.  Saturation would make the result depend on the order.
 *
 * Requantization: y = sat_DATA_W((acc * M + (1 << (S-1))) >>> S), with M a
 * signed 32-bit multiplier and 0 <= S <= SG_SHIFT_MAX; S = 0 adds no rounding
 * term.  ">>>" is an arithmetic shift (floor division by 2^S), so the rounding
 * is "round half up" (towards +infinity on ties).  With ACC_W <= 32 the
 * intermediate fits in a signed 64-bit integer.
 */
#ifndef SG_POST_H
#define SG_POST_H

#include <stddef.h>
#include <stdint.h>

#define SG_ACC_W_MAX 32 /* widest accumulator the 64-bit requant path allows */
#define SG_SHIFT_MAX 62 /* largest requant shift S (keeps acc*M + round < 2^63) */
#define SG_SHIFT_W 6    /* bits of S in the row record and the RTL */
#define SG_BIAS_W 32    /* bits of a bias / partial sum */
#define SG_MULT_W 32    /* bits of the requant multiplier M */

/* Activation after requantization. */
typedef enum sg_act {
    SG_ACT_NONE = 0,  /* y unchanged */
    SG_ACT_RELU = 1,  /* max(y, 0) */
    SG_ACT_RELU6 = 2  /* min(max(y, 0), act_max): act_max is the quantized 6 */
} sg_act;

/* Two's-complement wrap of x to `bits` bits (1..64), sign-extended back. */
int64_t sg_wrap(int64_t x, int bits);

/* Saturate x to the signed range of `bits` bits (1..63). */
int64_t sg_sat(int64_t x, int bits);

/* Arithmetic shift right (floor division by 2^s), s in 0..63, no UB. */
int64_t sg_asr(int64_t x, int s);

/* sat_data_w((acc * m + (s ? 1 << (s-1) : 0)) >>> s); acc must fit 32 bits. */
int64_t sg_requant(int64_t acc, int32_t m, int s, int data_w);

/* Apply the activation; act_max is used by SG_ACT_RELU6 only. */
int64_t sg_activate(int64_t y, sg_act act, int64_t act_max);

/* Write a printf-style message into err (when err and errlen allow) and
 * return -1: the golden library's one way of failing. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int sg_errf(char *err, size_t errlen, const char *fmt, ...);

/* Name of an activation ("none", "relu", "relu6") and its inverse (-1 if unknown). */
const char *sg_act_name(sg_act act);
int sg_act_parse(const char *name);

#endif
