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
 * positive and finite or cannot be represented (m >= 2^31, or m so small
 * that M would be 0 at S = 62: below about 2^-63). */
int sg_quant_multiplier(double m, int32_t *mult, int *shift, char *err, size_t errlen);

/* The bias of row r: round(b / (scale_x scale_w)), saturated to int32. */
int32_t sg_quant_bias(double b, double scale_x, double scale_w);

/* ---- models ---------------------------------------------------------------
 *
 * sg_quant_model turns a float model (sg_model_load_float) into the
 * integer model the golden model and the hardware run, for data_w-bit
 * activations and wgt_w-bit weights:
 *
 *   scales    the input's from the calibration samples (an lstm first
 *             layer: fixed Q0.(data_w-1), so inputs must lie in [-1, 1]);
 *             fc and conv outputs' from their largest |output| on those
 *             samples, after the activation; maxpool keeps its input's;
 *             lstm h is Q0.(data_w-1), and its gate rows requantize to
 *             Q3.12 (golden/sg_lstm.h).
 *   weights   per row (fc output, conv output channel, lstm gate row of
 *             [W_ih | W_hh]), sg_quant_rows: a pruned weight stays 0, a
 *             kept one may round to 0 (counted in zeros).
 *   bias, M, S  sg_quant_bias and sg_quant_multiplier per row; relu6's
 *             act_max = round(6 / output scale), capped.
 *   inputs    the model's inputs at the input scale, saturated.
 */
#include "sg_model.h"

typedef struct sg_quant_info {
    double scale_in;        /* real value of one step of the layer's input */
    double scale_out;       /* ... of its output (lstm: of h) */
    double max_out;         /* largest |float output| on the calibration samples */
    long long weights;      /* weights in the matrix (0 for maxpool) */
    long long zeros_float;  /* of them 0 in the float model (pruned) */
    long long zeros;        /* of them 0 after quantization */
    int32_t mult_min, mult_max; /* range of M over the rows */
    int shift_min, shift_max;   /* range of S */
} sg_quant_info;

/* Quantize the float model fm with n_calib calibration samples (each
 * fm->input_len values) into qm; info gets fm->n_layers entries, *saturated
 * the number of input values clipped to data_w bits.  Returns 0, or -1 with
 * a message naming the layer (a requant multiplier that M / 2^S cannot
 * hold, out of memory). */
int sg_quant_model(const sg_model *fm, const double *calib, int n_calib, int data_w, int wgt_w,
                   sg_model *qm, sg_quant_info *info, long long *saturated, char *err, size_t errlen);

/* The index of the largest of n values, the first on ties (numpy's argmax). */
int sg_argmax_f64(const double *v, int n);
int sg_argmax_i32(const int32_t *v, int n);

#endif
