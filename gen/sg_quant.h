/* sg_quant: float to fixed point, as the golden model computes (issue 5,
 * item 2; ARCHITECTURE section 2: symmetric, zero point 0).
 *
 *   weights   per output row (channel) r: scale_w[r] = max |w_r| / qmax,
 *             qmax = 2^(WGT_W-1) - 1; q = round(w / scale_w[r]) (half away
 *             from zero), so |w - q scale_w[r]| <= scale_w[r] / 2.  An
 *             all-zero row gets scale 1 and stays zero.
 *   activations  scale_x = max |x| / (2^(DATA_W-1) - 1) over calibration
 *             data (an all-zero set gets 1); the same rule gives every
 *             layer's output scale from its float outputs on that data.
 *   bias      int32: round(b / (scale_x scale_w[r])), saturated.
 *   requant   the accumulator holds y / (scale_x scale_w[r]); the output
 *             wants y / scale_y, so real multiplier m = scale_x scale_w[r] /
 *             scale_y, turned into M (signed 32-bit) and S (0..62) with M /
 *             2^S as close to m as 31 bits of M allow (golden/sg_post.h:
 *             y = sat((acc M + 2^(S-1)) >>> S)).
 */
#ifndef SG_QUANT_H
#define SG_QUANT_H

#include <stddef.h>
#include <stdint.h>

/* The symmetric scale of n values for `bits`-bit integers: max |v| /
 * (2^(bits-1) - 1), or 1 when every value is 0. */
double sg_quant_scale(const double *v, long long n, int bits);

/* v / scale rounded half away from zero, saturated to `bits` bits. */
int32_t sg_quant_value(double v, double scale, int bits);

/* Per-row symmetric quantization of a rows x cols matrix to `bits`-bit
 * integers: q (rows x cols), scale (rows). */
void sg_quant_rows(const double *w, int rows, int cols, int bits, int32_t *q, double *scale);

/* A real multiplier m > 0 as M / 2^S: M in 2^30 .. 2^31 - 1 when m is in
 * range, S in 0 .. 62.  Returns 0, or -1 with a message when m is not
 * positive and finite or cannot be represented (m >= 2^31 or m < 2^-32). */
int sg_quant_multiplier(double m, int32_t *mult, int *shift, char *err, size_t errlen);

/* The bias of row r: round(b / (scale_x scale_w)), saturated to int32. */
int32_t sg_quant_bias(double b, double scale_x, double scale_w);

#endif
