/* test_lstm.c: the golden fixed-point LSTM -- tables, gate order, stacking,
 * and its error against a float LSTM with the same (quantized) weights. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_lstm.h"
#include "sg_post.h"
#include "tap.h"

static uint64_t rng_state = 0x1f57a11ce5eedULL; /* xorshift64 state */

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Uniform in [-1, 1). */
static double rng_unit(void)
{
    return (double)(rng_next() >> 11) / (double)(1ULL << 52) - 1.0;
}

static double sigmoid_d(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

/* Largest error of a table against fn over every Q3.12 input. */
static double table_error(const sg_lstm_fmt *f, const int32_t *tab, double (*fn)(double))
{
    double worst = 0.0;
    for (int32_t z = -32768; z < 32768; z++) {
        double e = fabs(sg_lstm_table(f, tab, z) / 32768.0 - fn(z / 4096.0));
        if (e > worst)
            worst = e;
    }
    return worst;
}

static void test_tables(void)
{
    char err[256];
    static const struct {
        int bits, interp;
        double sig, tanh; /* bounds on the measured errors */
    } cases[] = {
        {8, 1, 0.0003, 0.0010}, /* 257 points, interpolated */
        {8, 0, 0.016, 0.064},   /* 257 points, the point below */
        {10, 1, 0.00005, 0.0001},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sg_lstm_fmt f;
        if (!tap_ok(sg_lstm_fmt_derive(&f, 8, cases[i].bits, cases[i].interp, err, sizeof err) == 0,
                    "tables %d bits: derive %s", cases[i].bits, err))
            continue;
        double es = table_error(&f, f.sigmoid, sigmoid_d), et = table_error(&f, f.tanh, tanh);
        tap_ok(es <= cases[i].sig && et <= cases[i].tanh,
               "tables 2^%d + 1 points, %s: max error sigmoid %.6f (<= %g), tanh %.6f (<= %g) "
               "over all 65536 Q3.12 inputs",
               cases[i].bits, cases[i].interp ? "interpolated" : "not interpolated", es,
               cases[i].sig, et, cases[i].tanh);
        tap_ok(f.sigmoid[0] == 11 && f.sigmoid[1 << cases[i].bits] == 32757 &&
                   f.tanh[1 << (cases[i].bits - 1)] == 0 && f.tanh[0] == -32768 &&
                   f.tanh[1 << cases[i].bits] == 32767,
               "tables %d bits: sigmoid(-8) = round(2^15 x 0.000335) = 11, sigmoid(8) = 32757, "
               "tanh(0) = 0, tanh(-8) = -32768, tanh(8) clamped to 32767 (got %d %d %d %d %d)",
               cases[i].bits, f.sigmoid[0], f.sigmoid[1 << cases[i].bits],
               f.tanh[1 << (cases[i].bits - 1)], f.tanh[0], f.tanh[1 << cases[i].bits]);
        sg_lstm_fmt_free(&f);
    }
    sg_lstm_fmt f;
    tap_ok(sg_lstm_fmt_derive(&f, 12, 8, 1, err, sizeof err) == -1 && strstr(err, "data width 12"),
           "data width 12 refused: %s", err);
    tap_ok(sg_lstm_fmt_derive(&f, 8, 3, 1, err, sizeof err) == -1 && strstr(err, "table_bits 3"),
           "table_bits 3 refused: %s", err);
}

/* PyTorch's gate order: rows 0..H-1 i, H..2H-1 f, 2H..3H-1 g, 3H..4H-1 o.
 * With x = 0, h = 0 the gates are the biases: i = 1, f = 0, o = 1 (z = +-8
 * saturates the tables), g = tanh(z_g), so c = g and h = tanh(g). */
static void test_gate_order(void)
{
    char err[256];
    sg_lstm_fmt f;
    if (sg_lstm_fmt_derive(&f, 16, 10, 1, err, sizeof err) != 0) {
        tap_ok(0, "gate order: %s", err);
        return;
    }
    int32_t w[4 * 3] = {0}, bias[4], mult[4] = {1, 1, 1, 1};
    int8_t shift[4] = {0, 0, 0, 0};
    bias[0] = 32767;  /* i: z = 8 - 2^-12 */
    bias[1] = -32768; /* f: z = -8 */
    bias[2] = 4096;   /* g: z = 1.0 */
    bias[3] = 32767;  /* o */
    sg_lstm_layer L = {2, 1, w, bias, mult, shift};
    int32_t x[2] = {0, 0}, h[1] = {0}, c[1] = {1000000}, z[4];
    int rc = sg_lstm_step(&f, &L, 32, x, h, c, z, err, sizeof err);
    /* c = rnd15(sig(-8) * 1e6) + rnd15(sig(8) * tanh(1)) */
    double g = tanh(1.0), cexp = sigmoid_d(-8.0) * 1e6 + g * 32768.0;
    tap_ok(rc == 0 && z[0] == 32767 && z[1] == -32768 && z[2] == 4096 && z[3] == 32767 &&
               fabs(c[0] - cexp) < 60.0,
           "gate order i, f, g, o: z = %d %d %d %d, c = f c + i g = %d (float %.0f)", z[0], z[1],
           z[2], z[3], c[0], cexp);
    double hexp = tanh(c[0] / 32768.0) * sigmoid_d(8.0);
    tap_ok(fabs(h[0] / 32768.0 - hexp) < 0.001, "h = o tanh(c) = %d / 2^15 = %.5f (float %.5f)",
           h[0], h[0] / 32768.0, hexp);
    /* the same bias on the f row instead keeps c: f = 1, i = 0 */
    bias[0] = -32768;
    bias[1] = 32767;
    c[0] = 20000;
    h[0] = 0;
    rc = sg_lstm_step(&f, &L, 32, x, h, c, NULL, err, sizeof err);
    tap_ok(rc == 0 && abs(c[0] - 20000) <= 1, "f = 1, i = 0: c kept (%d, was 20000)", c[0]);
    sg_lstm_fmt_free(&f);
}

/* A random layer and its float twin: integer weights w_int with per-row
 * scale s_r (real weight w_int s_r), bias in accumulator units, and M, S
 * taking acc s_r / 2^(D-1) to Q3.12. */
typedef struct qlayer {
    sg_lstm_layer L;
    int32_t *w, *bias, *mult;
    int8_t *shift;
    double *scale; /* s_r per row */
} qlayer;

static void qlayer_make(qlayer *q, int in, int H, int data_w, double gain)
{
    int cols = in + H, R = 4 * H;
    q->w = malloc((size_t)R * cols * sizeof *q->w);
    q->bias = malloc((size_t)R * sizeof *q->bias);
    q->mult = malloc((size_t)R * sizeof *q->mult);
    q->shift = malloc((size_t)R * sizeof *q->shift);
    q->scale = malloc((size_t)R * sizeof *q->scale);
    for (int r = 0; r < R; r++) {
        q->scale[r] = gain / (127.0 * sqrt((double)cols));
        for (int j = 0; j < cols; j++)
            q->w[(size_t)r * cols + j] = (int32_t)lround(127.0 * rng_unit());
        double b = 0.5 * rng_unit();
        q->bias[r] = (int32_t)lround(b * (1 << (data_w - 1)) / q->scale[r]);
        /* M / 2^S = s_r 2^(12 - (D - 1)) */
        double m = q->scale[r] * ldexp(1.0, SG_LSTM_GATE_FRAC - (data_w - 1));
        int S = 0;
        while (S < 40 && m * ldexp(1.0, S + 1) < 2147483647.0)
            S++;
        q->mult[r] = (int32_t)llround(m * ldexp(1.0, S));
        q->shift[r] = (int8_t)S;
    }
    q->L = (sg_lstm_layer){in, H, q->w, q->bias, q->mult, q->shift};
}

static void qlayer_free(qlayer *q)
{
    free(q->w);
    free(q->bias);
    free(q->mult);
    free(q->shift);
    free(q->scale);
}

/* One float step with the layer's real weights; x, h in real values. */
static void float_step(const qlayer *q, int data_w, const double *x, double *h, double *c)
{
    int in = q->L.in, H = q->L.hidden, cols = in + H;
    double *z = malloc((size_t)4 * H * sizeof *z);
    for (int r = 0; r < 4 * H; r++) {
        double acc = q->bias[r] * q->scale[r] / (1 << (data_w - 1));
        for (int j = 0; j < in; j++)
            acc += q->w[(size_t)r * cols + j] * q->scale[r] * x[j];
        for (int j = 0; j < H; j++)
            acc += q->w[(size_t)r * cols + in + j] * q->scale[r] * h[j];
        z[r] = acc;
    }
    for (int j = 0; j < H; j++) {
        double i = sigmoid_d(z[j]), f = sigmoid_d(z[H + j]), g = tanh(z[2 * H + j]),
               o = sigmoid_d(z[3 * H + j]);
        c[j] = f * c[j] + i * g;
        h[j] = o * tanh(c[j]);
    }
    free(z);
}

/* Two stacked layers, 50 steps, against float: the largest |h error| over
 * every step and unit of the top layer. */
static double float_error(int data_w, int bits, int interp, int steps, double gain)
{
    char err[256];
    sg_lstm_fmt f;
    if (sg_lstm_fmt_derive(&f, data_w, bits, interp, err, sizeof err) != 0)
        return 1e9;
    int I = 24, H1 = 40, H2 = 32;
    qlayer q[2];
    qlayer_make(&q[0], I, H1, data_w, gain);
    qlayer_make(&q[1], H1, H2, data_w, gain);
    sg_lstm_layer layers[2] = {q[0].L, q[1].L};
    double one = (double)(1 << (data_w - 1));
    int32_t *xs = malloc((size_t)steps * I * sizeof *xs);
    double *xf = malloc((size_t)I * sizeof *xf);
    for (int i = 0; i < steps * I; i++)
        xs[i] = (int32_t)lround(0.9 * rng_unit() * one);
    int32_t h[72] = {0}, c[72] = {0}, *hs = malloc((size_t)steps * H2 * sizeof *hs);
    double hf[72] = {0}, cf[72] = {0};
    /* nonzero initial state, the same in both */
    for (int j = 0; j < H1 + H2; j++) {
        h[j] = (int32_t)lround(0.5 * rng_unit() * one);
        c[j] = (int32_t)lround(rng_unit() * 32768.0);
        hf[j] = h[j] / one;
        cf[j] = c[j] / 32768.0;
    }
    double worst = 1e9;
    if (sg_lstm_run(&f, layers, 2, 32, steps, xs, h, c, hs, err, sizeof err) == 0) {
        worst = 0.0;
        for (int t = 0; t < steps; t++) {
            for (int j = 0; j < I; j++)
                xf[j] = xs[t * I + j] / one;
            float_step(&q[0], data_w, xf, hf, cf);
            float_step(&q[1], data_w, hf, hf + H1, cf + H1);
            for (int j = 0; j < H2; j++) {
                double e = fabs(hs[t * H2 + j] / one - hf[H1 + j]);
                if (e > worst)
                    worst = e;
            }
        }
    }
    free(xs);
    free(xf);
    free(hs);
    qlayer_free(&q[0]);
    qlayer_free(&q[1]);
    sg_lstm_fmt_free(&f);
    return worst;
}

static void test_float(void)
{
    /* the float LSTM uses the same quantized weights and inputs, so this is
     * the error of the fixed-point arithmetic: tables, requant, formats.
     * Measured 0.0069 at 8 bits (h's LSB is 1/128), 0.00035 at 16. */
    double e8 = float_error(8, 8, 1, 50, 3.0);
    tap_ok(e8 <= 2.0 / 256.0, "8-bit LSTM, 2 layers (24 -> 40 -> 32), 50 steps, tables 2^8 + 1 "
                               "interpolated: max |h - float h| = %.5f (<= 2/256 = %.5f)",
           e8, 2.0 / 256.0);
    double e16 = float_error(16, 10, 1, 50, 3.0);
    tap_ok(e16 <= 0.001, "16-bit LSTM, same shapes, 50 steps, tables 2^10 + 1 interpolated: max "
                         "|h - float h| = %.6f (<= 0.001)",
           e16);
    double e8n = float_error(8, 8, 0, 50, 3.0);
    tap_ok(e8n > e8 && e8n <= 0.2,
           "8-bit LSTM without interpolation is worse: max |h - float h| = %.5f (> %.5f)", e8n, e8);
}

/* Stacking: two layers through sg_lstm_run equal sg_lstm_step composed by
 * hand; bad shapes are refused. */
static void test_stack(void)
{
    char err[256];
    sg_lstm_fmt f;
    if (sg_lstm_fmt_derive(&f, 8, 8, 1, err, sizeof err) != 0)
        return;
    qlayer q[2];
    qlayer_make(&q[0], 5, 7, 8, 2.0);
    qlayer_make(&q[1], 7, 3, 8, 2.0);
    sg_lstm_layer layers[2] = {q[0].L, q[1].L};
    int32_t xs[4 * 5], h[10] = {0}, c[10] = {0}, hs[4 * 3];
    for (int i = 0; i < 20; i++)
        xs[i] = (int32_t)(rng_next() % 256) - 128;
    int rc = sg_lstm_run(&f, layers, 2, 24, 4, xs, h, c, hs, err, sizeof err);
    int32_t h1[7] = {0}, c1[7] = {0}, h2[3] = {0}, c2[3] = {0};
    int same = rc == 0;
    for (int t = 0; t < 4 && same; t++) {
        sg_lstm_step(&f, &layers[0], 24, xs + 5 * t, h1, c1, NULL, err, sizeof err);
        sg_lstm_step(&f, &layers[1], 24, h1, h2, c2, NULL, err, sizeof err);
        same = memcmp(h2, hs + 3 * t, sizeof h2) == 0;
    }
    same = same && memcmp(h, h1, sizeof h1) == 0 && memcmp(h + 7, h2, sizeof h2) == 0 &&
           memcmp(c, c1, sizeof c1) == 0 && memcmp(c + 7, c2, sizeof c2) == 0;
    tap_ok(same, "2 stacked layers over 4 steps (24-bit accumulator) equal the steps by hand, "
                 "final h and c of both layers returned");
    layers[1].in = 6;
    rc = sg_lstm_run(&f, layers, 2, 24, 4, xs, h, c, hs, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "input size 6"), "layer input 6 after hidden 7 refused: %s",
           err);
    qlayer_free(&q[0]);
    qlayer_free(&q[1]);
    sg_lstm_fmt_free(&f);
}

int main(void)
{
    test_tables();
    test_gate_order();
    test_stack();
    test_float();
    return tap_done();
}
