/* sg_lstm: the golden fixed-point LSTM (ARCHITECTURE section 2).
 *
 * PyTorch's equations and gate order, so the rows of a torch.nn.LSTM's
 * weight_ih / weight_hh (i, f, g, o blocks of H rows each) load as they are:
 *
 *   z   = W_ih x_t + W_hh h_(t-1) + b          (4H rows: i, f, g, o)
 *   i = sigmoid(z_i)  f = sigmoid(z_f)  g = tanh(z_g)  o = sigmoid(z_o)
 *   c_t = f * c_(t-1) + i * g
 *   h_t = o * tanh(c_t)
 *
 * Fixed point, every format derived from DATA_W in sg_lstm_fmt_derive:
 *   x, h    DATA_W bits, Q0.(DATA_W-1): value = int / 2^(DATA_W-1).  The
 *           input x uses the same scale as h (the quantizer maps the data).
 *   z       the gate row's accumulator (W = [W_ih | W_hh] times [x ; h],
 *           plus the bias, wrapping at ACC_W as every layer does) requantized
 *           with the row's M and S (sg_post.h) and saturated to 16 bits:
 *           Q3.12, range [-8, 8).
 *   sigmoid, tanh  a table of 2^T + 1 points over [-8, 8] (T = table_bits),
 *           Q0.15 outputs; with interpolation, linear between the two points
 *           around z (the fraction floored), without, the point below z.
 *   c       32 bits, Q16.15 (wider than h): c_t = rnd15(f c) + rnd15(i g),
 *           saturated to 32 bits; rnd15(p) = (p + 2^14) >>> 15.
 *   tanh(c) the tanh table at sat16(c >>> 3) (Q.15 to Q3.12, floored).
 *   h_t     sat_DATA_W((o tanh(c) + 2^(29-D+1)) >>> (30 - (DATA_W - 1))).
 * Tables hold round(2^15 f(v)) clamped to 32767, v = -8 + 16 k / 2^T.
 */
#ifndef SG_LSTM_H
#define SG_LSTM_H

#include <stddef.h>
#include <stdint.h>

#define SG_LSTM_GATE_W 16     /* bits of a requantized gate pre-activation */
#define SG_LSTM_GATE_FRAC 12  /* its fraction bits: Q3.12 */
#define SG_LSTM_ACT_FRAC 15   /* fraction bits of sigmoid, tanh outputs (Q0.15) */
#define SG_LSTM_CELL_W 32     /* bits of the cell state */
#define SG_LSTM_CELL_FRAC 15  /* its fraction bits: Q16.15 */
#define SG_LSTM_TABLE_MAX 12  /* largest table_bits */

/* Every fixed-point format of the LSTM, from the configuration. */
typedef struct sg_lstm_fmt {
    int data_w;      /* bits of x and h */
    int h_frac;      /* fraction bits of x and h: data_w - 1 */
    int table_bits;  /* T: the tables have 2^T + 1 points */
    int interp;      /* 1: interpolate linearly between points */
    int32_t *sigmoid; /* 2^T + 1 entries, Q0.15 */
    int32_t *tanh;    /* 2^T + 1 entries, Q0.15 */
} sg_lstm_fmt;

/* One layer: 4H gate rows over in + H columns ([x ; h]). */
typedef struct sg_lstm_layer {
    int in, hidden;       /* input size, hidden size H */
    const int32_t *w;     /* 4H x (in + H), row-major: rows i, f, g, o; columns x then h */
    const int32_t *bias;  /* 4H: b_ih + b_hh in accumulator units */
    const int32_t *mult;  /* 4H: requant multiplier M to the gate's Q3.12 */
    const int8_t *shift;  /* 4H: requant shift S */
} sg_lstm_layer;

/* The table size the configuration uses for data_w-bit h: T = 8 at 8 bits,
 * 10 at 16 (errors measured in tests/test_lstm.c).  sg_config, the model
 * loader and the compiler all take it from here. */
static inline int sg_lstm_table_bits_for(int data_w)
{
    return data_w == 8 ? 8 : 10;
}

/* Derive the formats and build the tables: data_w 8 or 16, table_bits
 * 4 .. SG_LSTM_TABLE_MAX.  Returns 0, or -1 with a message (bad argument,
 * out of memory).  Free with sg_lstm_fmt_free. */
int sg_lstm_fmt_derive(sg_lstm_fmt *f, int data_w, int table_bits, int interp, char *err,
                       size_t errlen);
void sg_lstm_fmt_free(sg_lstm_fmt *f);

/* sigmoid or tanh (tab = f->sigmoid or f->tanh) of a Q3.12 value, Q0.15. */
int32_t sg_lstm_table(const sg_lstm_fmt *f, const int32_t *tab, int32_t z);

/* The element-wise part of one hidden unit: gate pre-activations zi, zf,
 * zg, zo (Q3.12) and c_(t-1) (Q16.15) give c_t (into *c_out) and h_t
 * (returned, DATA_W bits).  The RTL element-wise unit matches it. */
int32_t sg_lstm_cell(const sg_lstm_fmt *f, int32_t zi, int32_t zf, int32_t zg, int32_t zo,
                     int32_t c_in, int32_t *c_out);

/* One time step of one layer: x (in entries), h (H entries, h_(t-1) in,
 * h_t out), c (H entries, likewise); acc_w the accumulator width.  gates,
 * if not NULL, receives the 4H requantized pre-activations (Q3.12).
 * Returns 0, or -1 with a message when out of memory. */
int sg_lstm_step(const sg_lstm_fmt *f, const sg_lstm_layer *L, int acc_w, const int32_t *x,
                 int32_t *h, int32_t *c, int32_t *gates, char *err, size_t errlen);

/* A whole sequence through n stacked layers (layer l + 1 reads layer l's
 * h_t): x_seq is steps x layers[0].in; h and c hold every layer's state one
 * after the other (initial values in, final out); h_seq, if not NULL,
 * receives the top layer's h_t for every step (steps x H_top).  Returns 0 or
 * -1 with a message (shapes that do not chain, out of memory). */
int sg_lstm_run(const sg_lstm_fmt *f, const sg_lstm_layer *layers, int n, int acc_w, int steps,
                const int32_t *x_seq, int32_t *h, int32_t *c, int32_t *h_seq, char *err,
                size_t errlen);

#endif
