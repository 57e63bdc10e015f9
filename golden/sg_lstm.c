/* sg_lstm: the golden fixed-point LSTM; formats in sg_lstm.h. */
#include "sg_lstm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sg_post.h"

/* Table point k of 2^T + 1 over [-8, 8]: round(2^15 fn(v)), at most 32767. */
static int32_t table_point(double (*fn)(double), int k, int T)
{
    double v = -8.0 + 16.0 * k / (double)(1 << T);
    double y = floor(fn(v) * 32768.0 + 0.5);
    if (y > 32767.0)
        y = 32767.0;
    if (y < -32768.0)
        y = -32768.0;
    return (int32_t)y;
}

static double sigmoid_d(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

int sg_lstm_fmt_derive(sg_lstm_fmt *f, int data_w, int table_bits, int interp, char *err,
                       size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (data_w != 8 && data_w != 16)
        return sg_errf(err, errlen, "LSTM: data width %d, must be 8 or 16", data_w);
    if (table_bits < 4 || table_bits > SG_LSTM_TABLE_MAX)
        return sg_errf(err, errlen, "LSTM: table_bits %d, legal 4..%d", table_bits,
                       SG_LSTM_TABLE_MAX);
    f->data_w = data_w;
    f->h_frac = data_w - 1;
    f->table_bits = table_bits;
    f->interp = interp != 0;
    int n = (1 << table_bits) + 1;
    f->sigmoid = malloc((size_t)n * sizeof *f->sigmoid);
    f->tanh = malloc((size_t)n * sizeof *f->tanh);
    if (!f->sigmoid || !f->tanh) {
        sg_lstm_fmt_free(f);
        return sg_errf(err, errlen, "LSTM: out of memory for the tables");
    }
    for (int k = 0; k < n; k++) {
        f->sigmoid[k] = table_point(sigmoid_d, k, table_bits);
        f->tanh[k] = table_point(tanh, k, table_bits);
    }
    return 0;
}

void sg_lstm_fmt_free(sg_lstm_fmt *f)
{
    free(f->sigmoid);
    free(f->tanh);
    f->sigmoid = f->tanh = NULL;
}

int32_t sg_lstm_table(const sg_lstm_fmt *f, const int32_t *tab, int32_t z)
{
    /* z is Q3.12 in [-2^15, 2^15): u = z + 2^15 in [0, 2^16) is the offset
     * from -8; the top T bits pick the point, the rest is the fraction */
    int fb = 16 - f->table_bits;
    int32_t u = z + 32768;
    int32_t k = u >> fb, frac = u & ((1 << fb) - 1);
    if (!f->interp)
        return tab[k];
    return tab[k] + (int32_t)sg_asr((int64_t)(tab[k + 1] - tab[k]) * frac, fb);
}

/* rnd15(p) = (p + 2^14) >>> 15 */
static int64_t rnd15(int64_t p)
{
    return sg_asr(p + (1 << 14), 15);
}

int32_t sg_lstm_cell(const sg_lstm_fmt *f, int32_t zi, int32_t zf, int32_t zg, int32_t zo,
                     int32_t c_in, int32_t *c_out)
{
    int sh = 2 * SG_LSTM_ACT_FRAC - f->h_frac; /* Q0.30 product to Q0.(D-1) */
    int64_t ig = sg_lstm_table(f, f->sigmoid, zi);
    int64_t fg = sg_lstm_table(f, f->sigmoid, zf);
    int64_t gg = sg_lstm_table(f, f->tanh, zg);
    int64_t og = sg_lstm_table(f, f->sigmoid, zo);
    int64_t cn = sg_sat(rnd15(fg * c_in) + rnd15(ig * gg), SG_LSTM_CELL_W);
    *c_out = (int32_t)cn;
    int32_t tc = sg_lstm_table(f, f->tanh, (int32_t)sg_sat(sg_asr(cn, 3), SG_LSTM_GATE_W));
    return (int32_t)sg_sat(sg_asr(og * tc + (1LL << (sh - 1)), sh), f->data_w);
}

int sg_lstm_step(const sg_lstm_fmt *f, const sg_lstm_layer *L, int acc_w, const int32_t *x,
                 int32_t *h, int32_t *c, int32_t *gates, char *err, size_t errlen)
{
    int H = L->hidden, cols = L->in + H;
    int32_t *z = gates ? gates : malloc((size_t)4 * H * sizeof *z);
    if (!z)
        return sg_errf(err, errlen, "LSTM: out of memory");
    for (int r = 0; r < 4 * H; r++) {
        const int32_t *w = L->w + (size_t)r * cols;
        int64_t acc = sg_wrap(L->bias ? L->bias[r] : 0, acc_w);
        for (int j = 0; j < L->in; j++)
            acc = sg_wrap(acc + (int64_t)w[j] * x[j], acc_w);
        for (int j = 0; j < H; j++)
            acc = sg_wrap(acc + (int64_t)w[L->in + j] * h[j], acc_w);
        z[r] = (int32_t)sg_requant(acc, L->mult[r], L->shift[r], SG_LSTM_GATE_W);
    }
    for (int j = 0; j < H; j++)
        h[j] = sg_lstm_cell(f, z[j], z[H + j], z[2 * H + j], z[3 * H + j], c[j], &c[j]);
    if (!gates)
        free(z);
    return 0;
}

int sg_lstm_run(const sg_lstm_fmt *f, const sg_lstm_layer *layers, int n, int acc_w, int steps,
                const int32_t *x_seq, int32_t *h, int32_t *c, int32_t *h_seq, char *err,
                size_t errlen)
{
    if (n < 1 || steps < 0)
        return sg_errf(err, errlen, "LSTM: %d layers, %d steps", n, steps);
    for (int l = 0; l < n; l++) {
        if (layers[l].in < 1 || layers[l].hidden < 1)
            return sg_errf(err, errlen, "LSTM layer %d: input %d, hidden %d", l, layers[l].in,
                           layers[l].hidden);
        if (l > 0 && layers[l].in != layers[l - 1].hidden)
            return sg_errf(err, errlen,
                           "LSTM layer %d: input size %d is not layer %d's hidden size %d", l,
                           layers[l].in, l - 1, layers[l - 1].hidden);
    }
    for (int t = 0; t < steps; t++) {
        const int32_t *x = x_seq + (size_t)t * layers[0].in;
        int off = 0;
        for (int l = 0; l < n; l++) {
            if (sg_lstm_step(f, &layers[l], acc_w, x, h + off, c + off, NULL, err, errlen) != 0)
                return -1;
            x = h + off;
            off += layers[l].hidden;
        }
        if (h_seq)
            memcpy(h_seq + (size_t)t * layers[n - 1].hidden, h + off - layers[n - 1].hidden,
                   (size_t)layers[n - 1].hidden * sizeof *h_seq);
    }
    return 0;
}
