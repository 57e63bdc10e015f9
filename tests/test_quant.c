/* test_quant: symmetric quantization and requant parameters (gen/sg_quant.c).
 *
 * Round trips with their error bounds (weights within half a step of their
 * row's scale, the row's largest weight at the full code), the multiplier
 * M / 2^S within 2^-30 of the real value across 50 binades, its refusals,
 * and a float FC layer quantized end to end: calibration scales, per-row
 * weights, int32 bias, M and S per row, run through the golden
 * sg_fc_dense, each output within its worked-out error bound of the float
 * result.
 *
 * Then the float reference (sg_layer_forward_float) on cases worked out by
 * hand, and whole float models (built in memory) quantized by
 * sg_quant_model: fc -> fc, conv -> maxpool -> fc and lstm -> fc, each
 * scale, weight, bias, M and S checked against the rules of sg_quant.h,
 * the golden model (sg_model_forward, sg_layer_forward) against the float
 * one within measured or worked-out bounds; relu6's act_max; the
 * refusals (a multiplier M / 2^S cannot hold, no calibration samples).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_fc.h"
#include "sg_npy.h"
#include "sg_quant.h"
#include "tap.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static double urand(void) /* [0, 1) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void test_rows(void)
{
    static const int bits[] = {4, 8, 16};
    for (int bi = 0; bi < 3; bi++) {
        int b = bits[bi], rows = 40, cols = 33, bad = 0, full = 0;
        double *w = malloc(sizeof(double) * rows * cols), *sc = malloc(sizeof(double) * rows);
        int32_t *q = malloc(sizeof(int32_t) * rows * cols);
        for (int i = 0; i < rows * cols; i++)
            w[i] = (urand() - 0.5) * pow(10.0, (double)(i / cols % 7) - 3.0);
        for (int j = 0; j < cols; j++)
            w[5 * cols + j] = 0.0; /* an all-zero row */
        sg_quant_rows(w, rows, cols, b, q, sc);
        double qmax = ldexp(1.0, b - 1) - 1.0;
        for (int r = 0; r < rows; r++) {
            int hit = 0;
            for (int j = 0; j < cols; j++) {
                double e = fabs(w[r * cols + j] - q[r * cols + j] * sc[r]);
                if (e > sc[r] / 2 * (1 + 1e-12) || fabs((double)q[r * cols + j]) > qmax)
                    bad++;
                hit |= fabs((double)q[r * cols + j]) == qmax;
            }
            full += hit;
        }
        tap_ok(bad == 0 && full == rows - 1 && sc[5] == 1.0 && q[5 * cols] == 0,
               "%d-bit rows: every weight within half a step of its row's scale, each nonzero "
               "row's largest at +-%g (%d of %d rows), the zero row scale 1",
               b, qmax, full, rows - 1);
        free(w);
        free(sc);
        free(q);
    }
    tap_ok(sg_quant_value(1e9, 1.0, 8) == 127 && sg_quant_value(-1e9, 1.0, 8) == -128 &&
               sg_quant_value(2.5, 1.0, 8) == 3 && sg_quant_value(-2.5, 1.0, 8) == -3,
           "values saturate to the code range and round half away from zero");
}

static void test_multiplier(void)
{
    char err[200];
    int bad = 0, n = 0;
    for (int e = -30; e < 20; e++)
        for (int k = 0; k < 40; k++) {
            double m = ldexp(0.5 + urand() * 0.5, e);
            int32_t M;
            int S;
            n++;
            if (sg_quant_multiplier(m, &M, &S, err, sizeof err) != 0 || M < (1 << 30) ||
                S < 0 || S > 62 || fabs(ldexp((double)M, -S) - m) / m > ldexp(1.0, -30))
                bad++;
        }
    tap_ok(bad == 0, "%d multipliers from 2^-31 to 2^19: M in 2^30..2^31-1, S in 0..62, "
           "M / 2^S within 2^-30 of m", n);
    int32_t M;
    int S;
    tap_ok(sg_quant_multiplier(1.0, &M, &S, err, sizeof err) == 0 && M == 1073741824 && S == 30,
           "m = 1 is 2^30 / 2^30");
    /* tiny: S capped at 62, M loses bits but stays close */
    int rc = sg_quant_multiplier(ldexp(0.75, -40), &M, &S, err, sizeof err);
    tap_ok(rc == 0 && S == 62 && fabs(ldexp((double)M, -S) / ldexp(0.75, -40) - 1) < 1e-6,
           "m = 0.75 2^-40: S capped at 62, M %d", (int)M);
    tap_ok(sg_quant_multiplier(0.0, &M, &S, err, sizeof err) == -1 && strstr(err, "positive") &&
               sg_quant_multiplier(NAN, &M, &S, err, sizeof err) == -1 &&
               sg_quant_multiplier(ldexp(1.0, 40), &M, &S, err, sizeof err) == -1 &&
               strstr(err, "cannot be written"),
           "0, NaN and 2^40 are refused: %s", err);
    /* just below 2^31: f rounds up to 1, and the largest M at S = 0 holds it */
    tap_ok(sg_quant_multiplier(2147483647.7, &M, &S, err, sizeof err) == 0 && M == 2147483647 &&
               S == 0,
           "m = 2^31 - 0.3 is M = 2^31 - 1, S = 0 (got %d, %d)", (int)M, S);
}

/* A float FC layer y = relu(W x + b), quantized as sg_quant.h says and
 * run through the golden model. */
static void test_fc_end_to_end(void)
{
    enum { R = 24, C = 50, N = 40 };
    static double w[R * C], b[R], x[N * C], y[N * R];
    for (int i = 0; i < R * C; i++)
        w[i] = (urand() - 0.5) * 0.4;
    for (int r = 0; r < R; r++)
        b[r] = (urand() - 0.5) * 0.5;
    for (int i = 0; i < N * C; i++)
        x[i] = (urand() - 0.5) * 4.0;
    for (int n = 0; n < N; n++)
        for (int r = 0; r < R; r++) {
            double s = b[r];
            for (int j = 0; j < C; j++)
                s += w[r * C + j] * x[n * C + j];
            y[n * R + r] = s > 0 ? s : 0;
        }
    const int dw = 8, ww = 8;
    double sx = sg_quant_scale(x, N * C, dw), sy = sg_quant_scale(y, N * R, dw), sw[R];
    static int32_t qw[R * C], qb[R], qm[R], qx[C], qy[R];
    int8_t qs[R];
    char err[200];
    int ok = 1;
    sg_quant_rows(w, R, C, ww, qw, sw);
    for (int r = 0; r < R; r++) {
        int S;
        qb[r] = sg_quant_bias(b[r], sx, sw[r]);
        ok &= sg_quant_multiplier(sx * sw[r] / sy, &qm[r], &S, err, sizeof err) == 0;
        qs[r] = (int8_t)S;
    }
    sg_fc_params fp = {dw, 32, SG_ACT_RELU, 0, qb, qm, qs};
    double worst = 0.0;
    int over = 0;
    for (int n = 0; n < N && ok; n++) {
        for (int j = 0; j < C; j++)
            qx[j] = sg_quant_value(x[n * C + j], sx, dw);
        sg_fc_dense(qw, R, C, qx, &fp, qy, NULL);
        for (int r = 0; r < R; r++) {
            /* bound: input and weight steps through the dot product, the
             * bias step, the output step, the multiplier's 2^-30 */
            double bound = sy / 2 + sx * sw[r] / 2, sum_w = 0, sum_x = 0;
            for (int j = 0; j < C; j++) {
                sum_w += fabs(w[r * C + j]) + sw[r] / 2;
                sum_x += fabs(x[n * C + j]);
            }
            bound += sum_w * sx / 2 + sum_x * sw[r] / 2 + 1e-6;
            double e = fabs(qy[r] * sy - y[n * R + r]);
            if (e > bound)
                over++;
            if (e / sy > worst)
                worst = e / sy;
        }
    }
    tap_ok(ok && over == 0,
           "FC 24 x 50, 40 calibration inputs, int8: every output within its worked-out bound "
           "of the float layer (largest error %.2f output steps)", worst);
    tap_ok(ok && worst < 4.0, "and within 4 output steps of it (%.2f)", worst);
}

/* ---- float models in memory ------------------------------------------- */

static double *dvec(size_t n)
{
    double *p = malloc((n ? n : 1) * sizeof *p);
    if (p == NULL) {
        printf("Bail out! out of memory\n");
        exit(1);
    }
    return p;
}

/* A float model (what sg_model_load_float returns) of n_layers zeroed
 * layers and n_inputs samples of input_len values, finputs unset. */
static void float_model(sg_model *m, const char *name, int n_layers, int n_inputs, int input_len)
{
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->n_layers = n_layers;
    m->layers = calloc((size_t)n_layers, sizeof *m->layers);
    if (m->layers == NULL) {
        printf("Bail out! out of memory\n");
        exit(1);
    }
    m->n_inputs = n_inputs;
    m->input_len = input_len;
    m->finputs = dvec((size_t)n_inputs * input_len);
}

/* Layer L of a float model: nw weights and nb bias values allocated
 * (none when 0), contents unset. */
static void float_layer(sg_layer *L, sg_layer_type type, const char *name, int in, int out,
                        sg_act act, size_t nw, size_t nb)
{
    memset(L, 0, sizeof *L);
    snprintf(L->name, sizeof L->name, "%s", name);
    L->type = type;
    L->in = in;
    L->out = out;
    L->act = act;
    L->fweights = nw ? dvec(nw) : NULL;
    L->fbias = nb ? dvec(nb) : NULL;
}

static int same_doubles(const double *got, const double *want, int n, double tol)
{
    for (int k = 0; k < n; k++)
        if (!(fabs(got[k] - want[k]) <= tol))
            return 0;
    return 1;
}

static double sigm(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

/* sg_layer_forward_float on cases worked out by hand. */
static void test_layer_forward_float(void)
{
    /* fc 3 -> 3: W x + b = {1+4-3+0.5, -3+1-3-1, 4+8+12} = {2.5, -6, 24} */
    static double w[9] = {1, 2, -1, -3, 0.5, -1, 4, 4, 4}, b[3] = {0.5, -1, 0};
    static const double x[3] = {1, 2, 3};
    static const double none[3] = {2.5, -6, 24}, relu[3] = {2.5, 0, 24}, relu6[3] = {2.5, 0, 6};
    static const double nobias[3] = {2, -5, 24};
    double y[8] = {0};
    sg_layer L;
    int rc;

    memset(&L, 0, sizeof L);
    snprintf(L.name, sizeof L.name, "f");
    L.type = SG_LAYER_FC;
    L.in = L.out = 3;
    L.fweights = w;
    L.fbias = b;
    L.act = SG_ACT_NONE;
    rc = sg_layer_forward_float(&L, x, y);
    tap_ok(rc == 0 && same_doubles(y, none, 3, 0),
           "float fc, no activation: {2.5, -6, 24} (%g %g %g)", y[0], y[1], y[2]);
    L.act = SG_ACT_RELU;
    rc = sg_layer_forward_float(&L, x, y);
    tap_ok(rc == 0 && same_doubles(y, relu, 3, 0),
           "float fc, relu: {2.5, 0, 24} (%g %g %g)", y[0], y[1], y[2]);
    L.act = SG_ACT_RELU6;
    rc = sg_layer_forward_float(&L, x, y);
    tap_ok(rc == 0 && same_doubles(y, relu6, 3, 0),
           "float fc, relu6 clamps 24 at 6.0 (%g %g %g)", y[0], y[1], y[2]);
    L.act = SG_ACT_NONE;
    L.fbias = NULL;
    rc = sg_layer_forward_float(&L, x, y);
    tap_ok(rc == 0 && same_doubles(y, nobias, 3, 0),
           "float fc without a bias: {2, -5, 24} (%g %g %g)", y[0], y[1], y[2]);
    L.fweights = NULL;
    tap_ok(sg_layer_forward_float(&L, x, y) == -1, "float fc without fweights: -1");

    /* conv: x = 1..9 as [1, 3, 3], padding 1, stride 2 -> [2, 2, 2].
     * Channel 0, kernel rows {1 0 -1 | 2 1 0 | 0 1 1}, bias -3:
     *   (0,0) window rows -1..1, cols -1..1: 1*1 + 1*4 + 1*5 = 10
     *   (0,1) rows -1..1, cols 1..3: 2*2 + 1*3 + 1*6 = 13
     *   (1,0) rows 1..3, cols -1..1: -1*5 + 1*7 = 2
     *   (1,1) rows 1..3, cols 1..3: 1*5 + 2*8 + 1*9 = 30
     * minus 3: {7, 10, -1, 27}.  Channel 1, all ones, bias 0: the sums of
     * the in-range parts of the windows {1+2+4+5, 2+3+5+6, 4+5+7+8,
     * 5+6+8+9} = {12, 16, 24, 28}. */
    {
        static double cw[18] = {1, 0, -1, 2, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        static double cb[2] = {-3, 0};
        static const double cx[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        static const double c_none[8] = {7, 10, -1, 27, 12, 16, 24, 28};
        static const double c_relu[8] = {7, 10, 0, 27, 12, 16, 24, 28};
        memset(&L, 0, sizeof L);
        L.type = SG_LAYER_CONV;
        L.conv = (sg_conv_shape){1, 3, 3, 2, 3, 3, 2, 2, 1, 1, 2, 2, 0};
        L.in = 9;
        L.out = 8;
        L.fweights = cw;
        L.fbias = cb;
        L.act = SG_ACT_NONE;
        for (int k = 0; k < 8; k++)
            y[k] = 99;
        rc = sg_layer_forward_float(&L, cx, y);
        tap_ok(rc == 0 && same_doubles(y, c_none, 8, 0),
               "float conv [1, 3, 3] padding 1 stride 2: {7 10 -1 27 | 12 16 24 28} "
               "(%g %g %g %g | %g %g %g %g)", y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]);
        L.act = SG_ACT_RELU;
        rc = sg_layer_forward_float(&L, cx, y);
        tap_ok(rc == 0 && same_doubles(y, c_relu, 8, 0),
               "float conv with relu: the -1 becomes 0 (%g)", y[2]);
    }

    /* maxpool [2, 4, 4]: channel 0 holds 0..15, channel 1 -1..-16 (all
     * negative: the max starts below every value) */
    {
        static const double k2[8] = {5, 7, 13, 15, -1, -3, -9, -11};
        static const double k3[8] = {10, 11, 14, 15, -1, -2, -5, -6};
        double px[32];
        for (int k = 0; k < 16; k++) {
            px[k] = k;
            px[16 + k] = -1 - k;
        }
        memset(&L, 0, sizeof L);
        L.type = SG_LAYER_MAXPOOL;
        L.conv = (sg_conv_shape){2, 4, 4, 2, 2, 2, 2, 2, 0, 0, 2, 2, 0};
        L.pool_k = L.pool_stride = 2;
        L.in = 32;
        L.out = 8;
        rc = sg_layer_forward_float(&L, px, y);
        tap_ok(rc == 0 && same_doubles(y, k2, 8, 0),
               "float maxpool 2 stride 2: {5 7 13 15 | -1 -3 -9 -11} (%g %g %g %g | %g %g %g %g)",
               y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]);
        L.conv = (sg_conv_shape){2, 4, 4, 2, 3, 3, 1, 1, 0, 0, 2, 2, 0};
        L.pool_k = 3;
        L.pool_stride = 1;
        rc = sg_layer_forward_float(&L, px, y);
        tap_ok(rc == 0 && same_doubles(y, k3, 8, 0),
               "float maxpool 3 stride 1: {10 11 14 15 | -1 -2 -5 -6} (%g %g %g %g | %g %g %g %g)",
               y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]);
    }

    /* lstm, one unit, two steps, by hand from PyTorch's equations */
    {
        /* rows i, f, g, o; columns [x | h] */
        static double lw[8] = {0.5, -0.25, 1.0, 0.5, -0.75, 1.0, 0.25, 0.75};
        static double lb[4] = {0.1, -0.2, 0.3, 0.05};
        static const double lx[2] = {0.8, -0.6};
        double i1 = sigm(0.5 * 0.8 + 0.1), f1 = sigm(1.0 * 0.8 - 0.2);
        double g1 = tanh(-0.75 * 0.8 + 0.3), o1 = sigm(0.25 * 0.8 + 0.05);
        double c1 = f1 * 0.0 + i1 * g1, h1 = o1 * tanh(c1);
        double i2 = sigm(0.5 * -0.6 - 0.25 * h1 + 0.1), f2 = sigm(1.0 * -0.6 + 0.5 * h1 - 0.2);
        double g2 = tanh(-0.75 * -0.6 + 1.0 * h1 + 0.3), o2 = sigm(0.25 * -0.6 + 0.75 * h1 + 0.05);
        double c2 = f2 * c1 + i2 * g2, h2 = o2 * tanh(c2);
        double want[2] = {h1, h2};
        memset(&L, 0, sizeof L);
        L.type = SG_LAYER_LSTM;
        L.in = L.out = 1;
        L.steps = 2;
        L.fweights = lw;
        L.fbias = lb;
        rc = sg_layer_forward_float(&L, lx, y);
        tap_ok(rc == 0 && same_doubles(y, want, 2, 1e-15) &&
                   fabs(h1 - h2) > 0.05,
               "float lstm, 1 unit, 2 steps: h = %.12f, %.12f (by hand %.12f, %.12f)", y[0],
               y[1], h1, h2);
    }

    /* lstm, two units, one step: gate g of unit j is row g*H + j */
    {
        static double lw[24], lb[8];
        const double x0 = 0.7;
        double z[8], want[2];
        for (int r = 0; r < 8; r++) {
            lw[r * 3] = 0.3 * r - 1.1;   /* the x column */
            lw[r * 3 + 1] = 5.0;         /* the h columns: h_0 = 0 */
            lw[r * 3 + 2] = -5.0;
            lb[r] = 0.05 * (r % 3) - 0.04;
            z[r] = lw[r * 3] * x0 + lb[r];
        }
        for (int j = 0; j < 2; j++)
            want[j] = sigm(z[6 + j]) * tanh(sigm(z[j]) * tanh(z[4 + j]));
        memset(&L, 0, sizeof L);
        L.type = SG_LAYER_LSTM;
        L.in = 1;
        L.out = 2;
        L.steps = 1;
        L.fweights = lw;
        L.fbias = lb;
        rc = sg_layer_forward_float(&L, &x0, y);
        tap_ok(rc == 0 && same_doubles(y, want, 2, 1e-15),
               "float lstm, 2 units: rows i0 i1 f0 f1 g0 g1 o0 o1 (h = %.12f %.12f, by hand "
               "%.12f %.12f)", y[0], y[1], want[0], want[1]);
    }

    /* argmax: numpy's, the first of equal maxima */
    {
        static const double v[5] = {1, 3, -2, 3, 2};
        static const int32_t iv[4] = {-5, -2, -2, -7};
        tap_ok(sg_argmax_f64(v, 5) == 1 && sg_argmax_i32(iv, 4) == 1 &&
                   sg_argmax_f64(v + 2, 3) == 1 && sg_argmax_i32(iv + 3, 1) == 0,
               "argmax: the first of equal maxima");
    }
}

/* M / 2^S within 2^-30 relative of m, M in 2^30 .. 2^31-1, S in 0..62 */
static int mult_ok(int32_t M, int S, double m)
{
    return M >= (1 << 30) && S >= 0 && S <= 62 &&
           fabs(ldexp((double)M, -S) - m) <= ldexp(m, -30);
}

/* The largest |w| of a row of cols weights / 127 (1 for an all-zero row):
 * the documented 8-bit weight scale */
static double row_scale(const double *w, int cols)
{
    double mx = 0;
    for (int j = 0; j < cols; j++)
        if (fabs(w[j]) > mx)
            mx = fabs(w[j]);
    return mx > 0 ? mx / 127.0 : 1.0;
}

/* Checks the quantized weights, bias, M and S of layer l (rows x cols)
 * against the rules of sg_quant.h: q = round(w / s_w) with s_w = max |row|
 * / 127, a pruned weight stays 0, bias round(b / (s_in s_w)), M / 2^S ~=
 * s_in s_w / unit (unit: the output scale, or 2^-12 for an lstm gate row),
 * and the info counts. */
static void check_rows(const sg_layer *F, const sg_layer *Q, const sg_quant_info *qi, int rows,
                       int cols, double unit, const char *what)
{
    long long zf = 0, zq = 0, badw = 0, badb = 0, badm = 0, kept = 0;
    int32_t mmin = INT32_MAX, mmax = INT32_MIN;
    int smin = 99, smax = -1;
    double worst = 0;

    for (int r = 0; r < rows; r++) {
        const double *w = F->fweights + (size_t)r * cols;
        double sw = row_scale(w, cols), m = qi->scale_in * sw / unit;
        for (int j = 0; j < cols; j++) {
            int32_t q = Q->weights[(size_t)r * cols + j];
            zf += w[j] == 0.0;
            zq += q == 0;
            badw += q != (int32_t)round(w[j] / sw) || q < -127 || q > 127;
            kept += w[j] == 0.0 && q == 0;
        }
        badb += Q->bias[r] != (int32_t)round((F->fbias ? F->fbias[r] : 0.0) / (qi->scale_in * sw));
        badm += !mult_ok(Q->mult[r], Q->shift[r], m);
        if (fabs(ldexp((double)Q->mult[r], -Q->shift[r]) / m - 1) > worst)
            worst = fabs(ldexp((double)Q->mult[r], -Q->shift[r]) / m - 1);
        if (Q->mult[r] < mmin)
            mmin = Q->mult[r];
        if (Q->mult[r] > mmax)
            mmax = Q->mult[r];
        if (Q->shift[r] < smin)
            smin = Q->shift[r];
        if (Q->shift[r] > smax)
            smax = Q->shift[r];
    }
    tap_ok(badw == 0 && kept == zf && qi->weights == (long long)rows * cols &&
               qi->zeros_float == zf && qi->zeros == zq && zf > 0,
           "%s: every weight round(w / (max |row| / 127)), the %lld pruned ones 0, zeros %lld "
           "of %lld", what, zf, zq, (long long)rows * cols);
    tap_ok(badb == 0, "%s: bias round(b / (s_in s_w)) per row", what);
    tap_ok(badm == 0 && qi->mult_min == mmin && qi->mult_max == mmax && qi->shift_min == smin &&
               qi->shift_max == smax,
           "%s: M in 2^30..2^31-1, M / 2^S within 2^-30 of s_in s_w / %s per row (worst %.2g); "
           "info: M %d..%d, S %d..%d", what, unit == ldexp(1, -12) ? "2^-12" : "s_out", worst,
           (int)qi->mult_min, (int)qi->mult_max, qi->shift_min, qi->shift_max);
}

/* The integer layer of a quantized model holds arrays, no float ones;
 * the fields are the float layer's. */
static int layer_copied(const sg_layer *F, const sg_layer *Q)
{
    int arrays = F->type == SG_LAYER_MAXPOOL
                     ? Q->weights == NULL && Q->bias == NULL && Q->mult == NULL && Q->shift == NULL
                     : Q->weights != NULL && Q->bias != NULL && Q->mult != NULL && Q->shift != NULL;
    return arrays && Q->fweights == NULL && Q->fbias == NULL && strcmp(F->name, Q->name) == 0 &&
           F->type == Q->type && F->in == Q->in && F->out == Q->out && F->act == Q->act &&
           F->steps == Q->steps && F->pool_k == Q->pool_k && F->pool_stride == Q->pool_stride &&
           memcmp(&F->conv, &Q->conv, sizeof F->conv) == 0;
}

static int model_copied(const sg_model *fm, const sg_model *qm)
{
    int ok = strcmp(fm->name, qm->name) == 0 && qm->n_layers == fm->n_layers &&
             qm->n_inputs == fm->n_inputs && qm->input_len == fm->input_len &&
             qm->inputs != NULL && qm->finputs == NULL;
    for (int l = 0; ok && l < fm->n_layers; l++)
        ok = layer_copied(&fm->layers[l], &qm->layers[l]);
    return ok;
}

/* qm's inputs are fm's at scale s: round(x / s), saturated to 8 bits */
static int inputs_are(const sg_model *fm, const sg_model *qm, double s)
{
    for (long long k = 0; k < (long long)fm->n_inputs * fm->input_len; k++) {
        double q = round(fm->finputs[k] / s);
        q = q > 127 ? 127 : q < -128 ? -128 : q;
        if (qm->inputs[k] != (int32_t)q)
            return 0;
    }
    return 1;
}

/* The golden (integer) model against the float one on every sample: the
 * largest |golden - float / s_out| in output steps into *worst, and how
 * many samples agree on the argmax.  The float outputs are yref (n_inputs
 * x out) when not NULL, else sg_model_forward_float's. */
static int golden_vs_float(const sg_model *fm, const sg_model *qm, const double *yref,
                           double s_out, double *worst)
{
    int out = fm->layers[fm->n_layers - 1].out, agree = 0;
    double *yf = dvec((size_t)out);
    int32_t *yq = malloc((size_t)out * sizeof *yq);
    char err[256];

    *worst = 0;
    for (int s = 0; s < fm->n_inputs && yq != NULL; s++) {
        if (yref != NULL)
            memcpy(yf, yref + (size_t)s * out, (size_t)out * sizeof *yf);
        if ((yref == NULL && sg_model_forward_float(fm, fm->finputs + (size_t)s * fm->input_len,
                                                    yf, NULL, err, sizeof err) != 0) ||
            sg_model_forward(qm, 8, 32, qm->inputs + (size_t)s * qm->input_len, yq, err,
                             sizeof err) != 0) {
            tap_diag("sample %d: %s", s, err);
            *worst = HUGE_VAL;
            break;
        }
        for (int r = 0; r < out; r++)
            if (fabs(yq[r] - yf[r] / s_out) > *worst)
                *worst = fabs(yq[r] - yf[r] / s_out);
        agree += sg_argmax_i32(yq, out) == sg_argmax_f64(yf, out);
    }
    free(yf);
    free(yq);
    return agree;
}

/* fc(relu) 32 -> 16 -> fc 10, 30% of the weights pruned, 50 samples that
 * are also the calibration set, int8. */
static void test_quant_fc_model(void)
{
    enum { IN = 32, HID = 16, OUT = 10, N = 50 };
    static double y0[N * HID], y1[N * OUT];
    sg_model fm, qm;
    sg_quant_info info[2];
    long long sat = -1;
    char err[512] = "";
    double xmax = 0, m0 = 0, m1 = 0;

    float_model(&fm, "mlp", 2, N, IN);
    float_layer(&fm.layers[0], SG_LAYER_FC, "fc1", IN, HID, SG_ACT_RELU, IN * HID, HID);
    float_layer(&fm.layers[1], SG_LAYER_FC, "fc2", HID, OUT, SG_ACT_NONE, HID * OUT, OUT);
    for (int k = 0; k < IN * HID; k++)
        fm.layers[0].fweights[k] = urand() < 0.3 ? 0.0 : (urand() - 0.5) * 0.5;
    for (int k = 0; k < HID * OUT; k++)
        fm.layers[1].fweights[k] = urand() < 0.3 ? 0.0 : (urand() - 0.5) * 1.0;
    for (int r = 0; r < HID; r++)
        fm.layers[0].fbias[r] = (urand() - 0.5) * 0.4;
    for (int r = 0; r < OUT; r++)
        fm.layers[1].fbias[r] = (urand() - 0.5) * 0.4;
    for (int k = 0; k < N * IN; k++) {
        fm.finputs[k] = (urand() - 0.5) * 4.0;
        if (fabs(fm.finputs[k]) > xmax)
            xmax = fabs(fm.finputs[k]);
    }
    /* the float network, straight from the definition */
    for (int s = 0; s < N; s++) {
        for (int r = 0; r < HID; r++) {
            double acc = fm.layers[0].fbias[r];
            for (int j = 0; j < IN; j++)
                acc += fm.layers[0].fweights[r * IN + j] * fm.finputs[s * IN + j];
            y0[s * HID + r] = acc > 0 ? acc : 0;
            if (y0[s * HID + r] > m0)
                m0 = y0[s * HID + r];
        }
        for (int r = 0; r < OUT; r++) {
            double acc = fm.layers[1].fbias[r];
            for (int j = 0; j < HID; j++)
                acc += fm.layers[1].fweights[r * HID + j] * y0[s * HID + j];
            y1[s * OUT + r] = acc;
            if (fabs(acc) > m1)
                m1 = fabs(acc);
        }
    }

    memset(&qm, 0xab, sizeof qm);
    int rc = sg_quant_model(&fm, fm.finputs, N, 8, 8, &qm, info, &sat, err, sizeof err);
    if (!tap_ok(rc == 0, "quantize fc(relu) 32 -> 16 -> fc 10, 50 samples, int8 %s", err)) {
        sg_model_free(&fm);
        return;
    }
    tap_ok(model_copied(&fm, &qm),
           "fc model: name, shapes and activations copied; integer arrays set, float ones NULL");
    tap_ok(info[0].scale_in == xmax / 127 && sat == 0 && inputs_are(&fm, &qm, xmax / 127),
           "fc model: input scale max |x| / 127 = %.9g / 127 (%.9g); inputs round(x / scale), "
           "none saturated (%lld)", xmax, info[0].scale_in, sat);
    tap_ok(fabs(info[0].max_out - m0) <= 1e-12 * m0 && info[0].scale_out == info[0].max_out / 127 &&
               info[0].max_out != 0,
           "fc1: output scale = the largest relu output %.9g (by hand %.9g) / 127", info[0].max_out,
           m0);
    tap_ok(info[1].scale_in == info[0].scale_out && fabs(info[1].max_out - m1) <= 1e-12 * m1 &&
               info[1].scale_out == info[1].max_out / 127,
           "fc2: input scale = fc1's output scale; output scale max |y| %.9g (by hand %.9g) / 127",
           info[1].max_out, m1);
    check_rows(&fm.layers[0], &qm.layers[0], &info[0], HID, IN, info[0].scale_out, "fc1");
    check_rows(&fm.layers[1], &qm.layers[1], &info[1], OUT, HID, info[1].scale_out, "fc2");
    tap_ok(qm.layers[0].act == SG_ACT_RELU && qm.layers[0].act_max == 0,
           "fc1: relu, act_max 0 (only relu6 has one)");

    /* The golden model against float / s_out (float from the loops
     * above).  fc1's outputs are within about a step of theirs (half a step
     * of output rounding plus the input and weight rounding through the
     * dot product: test_fc_end_to_end measures 0.94 for one layer); fc2
     * adds its own half step and weight rounding and carries fc1's error
     * through W2, whose rows here sum to |W2 row| ~ 2.8 with s0 ~ s1, so
     * the worst case is a few steps while random signs mostly cancel.
     * Measured: 1.16 output steps; the bound allows 3.  A wrong scale
     * anywhere (say 1/128 for 1/127 or the pre-relu max) moves outputs
     * near the range's ends by more than that. */
    double worst;
    int agree = golden_vs_float(&fm, &qm, y1, info[1].scale_out, &worst);
    tap_ok(worst <= 3.0, "fc model: the golden output within 3 output steps of float / s_out on "
           "all 50 samples (largest %.2f)", worst);
    tap_ok(agree >= 45, "fc model: golden and float argmax agree on %d of 50 samples (>= 45)",
           agree);
    sg_model_free(&qm);
    sg_model_free(&fm);
}

/* conv(relu) [2, 7, 7] -> [4, 7, 7] -> maxpool 2 stride 3 -> [4, 2, 2] ->
 * fc 5, 30 samples.  The pool's windows skip the conv's rows 5 and 6, the
 * only ones that see the input's row 6, which is 3 times larger: the
 * conv's largest output is not the pool's, so a maxpool that took its own
 * output's scale would be caught. */
static void test_quant_conv_model(void)
{
    enum { N = 30, LEN = 98, CO = 196 };
    sg_model fm, qm;
    sg_quant_info info[3];
    long long sat = -1;
    char err[512] = "";
    sg_layer *C, *P, *F;
    double xmax = 0, cmax = 0, pmax = 0, y[CO], p[16];

    float_model(&fm, "cnn", 3, N, LEN);
    C = &fm.layers[0];
    P = &fm.layers[1];
    F = &fm.layers[2];
    float_layer(C, SG_LAYER_CONV, "c1", LEN, CO, SG_ACT_RELU, 4 * 2 * 9, 4);
    C->conv = (sg_conv_shape){2, 7, 7, 4, 3, 3, 1, 1, 1, 1, 0, 0, 0};
    float_layer(P, SG_LAYER_MAXPOOL, "p1", CO, 16, SG_ACT_NONE, 0, 0);
    P->conv = (sg_conv_shape){4, 7, 7, 4, 2, 2, 3, 3, 0, 0, 0, 0, 0};
    P->pool_k = 2;
    P->pool_stride = 3;
    float_layer(F, SG_LAYER_FC, "f1", 16, 5, SG_ACT_NONE, 5 * 16, 5);
    if (sg_conv_shape_derive(&C->conv, err, sizeof err) != 0 ||
        sg_conv_shape_derive(&P->conv, err, sizeof err) != 0 || C->conv.h_out != 7 ||
        P->conv.h_out != 2) {
        printf("Bail out! conv shapes: %s\n", err);
        exit(1);
    }
    for (int k = 0; k < 72; k++)
        C->fweights[k] = urand() < 0.2 ? 0.0 : (urand() - 0.5) * 0.6;
    for (int k = 0; k < 4; k++)
        C->fbias[k] = (urand() - 0.5) * 0.2;
    for (int k = 0; k < 80; k++)
        F->fweights[k] = urand() < 0.2 ? 0.0 : (urand() - 0.5) * 0.5;
    for (int k = 0; k < 5; k++)
        F->fbias[k] = (urand() - 0.5) * 0.2;
    for (int k = 0; k < N * LEN; k++) {
        fm.finputs[k] = (urand() * 2.0 - 0.5) * (k % 49 >= 42 ? 3.0 : 1.0); /* row 6 */
        if (fabs(fm.finputs[k]) > xmax)
            xmax = fabs(fm.finputs[k]);
    }
    for (int s = 0; s < N; s++) {
        if (sg_layer_forward_float(C, fm.finputs + s * LEN, y) != 0 ||
            sg_layer_forward_float(P, y, p) != 0) {
            printf("Bail out! float conv\n");
            exit(1);
        }
        for (int k = 0; k < CO; k++)
            if (y[k] > cmax)
                cmax = y[k];
        for (int k = 0; k < 16; k++)
            if (p[k] > pmax)
                pmax = p[k];
    }

    /* sg_model_forward_float is the chain of sg_layer_forward_float */
    {
        double a[CO], b[16], c[5], got[6], mx[3] = {0, 0, 0};
        got[5] = 12345;
        int ok = sg_layer_forward_float(C, fm.finputs + LEN, a) == 0 &&
                 sg_layer_forward_float(P, a, b) == 0 && sg_layer_forward_float(F, b, c) == 0 &&
                 sg_model_forward_float(&fm, fm.finputs + LEN, got, mx, err, sizeof err) == 0;
        double am = 0, bm = 0, cm = 0;
        for (int k = 0; k < CO; k++)
            am = fabs(a[k]) > am ? fabs(a[k]) : am;
        for (int k = 0; k < 16; k++)
            bm = fabs(b[k]) > bm ? fabs(b[k]) : bm;
        for (int k = 0; k < 5; k++)
            cm = fabs(c[k]) > cm ? fabs(c[k]) : cm;
        tap_ok(ok && same_doubles(got, c, 5, 0) && got[5] == 12345 && mx[0] == am &&
                   mx[1] == bm && mx[2] == cm,
               "sg_model_forward_float: the chain of sg_layer_forward_float, max_out each "
               "layer's largest |output| %s", err);
    }

    memset(&qm, 0xab, sizeof qm);
    int rc = sg_quant_model(&fm, fm.finputs, N, 8, 8, &qm, info, &sat, err, sizeof err);
    if (!tap_ok(rc == 0, "quantize conv(relu) -> maxpool -> fc, 30 samples, int8 %s", err)) {
        sg_model_free(&fm);
        return;
    }
    tap_ok(model_copied(&fm, &qm) && qm.layers[1].pool_k == 2 && qm.layers[1].pool_stride == 3 &&
               qm.layers[1].conv.h_out == 2 &&
               qm.layers[0].conv.h_out == 7,
           "conv model: shapes copied; the maxpool has no arrays");
    tap_ok(info[0].scale_in == xmax / 127 && sat == 0 && inputs_are(&fm, &qm, xmax / 127),
           "conv model: input scale max |x| / 127 (%.9g), inputs round(x / scale)",
           info[0].scale_in);
    tap_ok(fabs(info[0].max_out - cmax) <= 1e-12 * cmax &&
               info[0].scale_out == info[0].max_out / 127,
           "conv: output scale = the largest relu output %.9g / 127", cmax);
    tap_ok(info[1].scale_in == info[0].scale_out && info[1].scale_out == info[0].scale_out &&
               info[2].scale_in == info[0].scale_out && info[1].weights == 0 &&
               pmax < cmax * 0.9 && fabs(info[1].max_out - pmax) <= 1e-12 * pmax,
           "maxpool: scale_in = scale_out = conv's output scale %.9g, not its own max %.9g / "
           "127; no weights; the fc reads it", info[0].scale_out, pmax);
    tap_ok(info[2].scale_out == info[2].max_out / 127 && info[2].max_out > 0,
           "fc after maxpool: output scale max |y| / 127");
    check_rows(C, &qm.layers[0], &info[0], 4, 18, info[0].scale_out, "conv");
    check_rows(F, &qm.layers[2], &info[2], 5, 16, info[2].scale_out, "fc after maxpool");

    /* The golden layers against the float ones, each run on its own
     * layer's golden input.  A linear output (conv channel or fc row r,
     * weight scale s_w, input scale s_in, output scale s_out) whose golden
     * inputs x~ are each within E of the float ones is off by at most
     *   0.5 + (sum_j (|w_rj| E + s_w / 2 |x~_j|) + s_in s_w / 2) / s_out
     * output steps: the requant rounding, the input error through the
     * weights, the weight rounding, the bias rounding (the multiplier's
     * 2^-30 adds under 1e-6 steps; saturation only brings an output nearer,
     * as s_out covers every float output).  For the conv E = s_in / 2
     * and the sum runs over the 18 weights of the channel with |x~_j| <=
     * max |x~| (an over-estimate); the pool passes on the conv's error as
     * it is (the max of values each within E is within E of the max), and
     * that error, measured per sample, is the fc's E.  Measured: conv 1.65
     * steps (bounds up to 7.8), fc 4.4 steps (bounds up to 19.7): the fc's
     * steps are finer than the pool's, whose scale is the conv's. */
    {
        const double sc = info[0].scale_out, sf = info[2].scale_out, sx = info[0].scale_in;
        double swc[4], swf[5], wc[4] = {0}, ec = 0, ef = 0, bcmax = 0, bfmax = 0;
        int32_t qc[CO], qp[16], qf[5];
        double fc_[5];
        int overc = 0, overf = 0, agree = 0, ok = 1;
        for (int o = 0; o < 4; o++) {
            swc[o] = row_scale(C->fweights + o * 18, 18);
            for (int k = 0; k < 18; k++)
                wc[o] += fabs(C->fweights[o * 18 + k]);
        }
        for (int r = 0; r < 5; r++)
            swf[r] = row_scale(F->fweights + r * 16, 16);
        for (int s = 0; s < N && ok; s++) {
            const int32_t *qx = qm.inputs + s * LEN;
            double xq = 0, ep = 0;
            ok = sg_layer_forward(&qm.layers[0], 8, 32, qx, qc, err, sizeof err) == 0 &&
                 sg_layer_forward(&qm.layers[1], 8, 32, qc, qp, err, sizeof err) == 0 &&
                 sg_layer_forward(&qm.layers[2], 8, 32, qp, qf, err, sizeof err) == 0 &&
                 sg_layer_forward_float(C, fm.finputs + s * LEN, y) == 0 &&
                 sg_layer_forward_float(P, y, p) == 0 && sg_layer_forward_float(F, p, fc_) == 0;
            for (int k = 0; k < LEN; k++)
                xq = fabs(qx[k] * sx) > xq ? fabs(qx[k] * sx) : xq;
            for (int k = 0; ok && k < CO; k++) {
                int o = k / 49;
                double b = 0.5 + 1e-6 + (wc[o] * sx / 2 + 18 * swc[o] / 2 * xq + sx * swc[o] / 2) / sc;
                double e = fabs(qc[k] - y[k] / sc);
                overc += e > b;
                ec = e > ec ? e : ec;
                bcmax = b > bcmax ? b : bcmax;
            }
            for (int k = 0; k < 16; k++)
                ep = fabs(qp[k] * sc - p[k]) > ep ? fabs(qp[k] * sc - p[k]) : ep;
            for (int r = 0; ok && r < 5; r++) {
                double b = 0.5 + 1e-6 + sc * swf[r] / 2 / sf, e = fabs(qf[r] - fc_[r] / sf);
                for (int j = 0; j < 16; j++)
                    b += (fabs(F->fweights[r * 16 + j]) * ep + swf[r] / 2 * fabs(qp[j] * sc)) / sf;
                overf += e > b;
                ef = e > ef ? e : ef;
                bfmax = b > bfmax ? b : bfmax;
            }
            agree += sg_argmax_i32(qf, 5) == sg_argmax_f64(fc_, 5);
        }
        tap_ok(ok && overc == 0, "conv: every golden output within its worked-out bound of float "
               "/ s_out on 30 samples (largest %.2f steps, bounds up to %.2f) %s", ec, bcmax, err);
        tap_ok(ok && overf == 0, "fc after maxpool: every golden output within its worked-out "
               "bound (largest %.2f steps, bounds up to %.2f)", ef, bfmax);
        double worst;
        int agree2 = golden_vs_float(&fm, &qm, NULL, info[2].scale_out, &worst);
        tap_ok(agree2 == agree && fabs(worst - ef) < 1e-9, "conv model: sg_model_forward and "
               "sg_model_forward_float agree with the layer chains (argmax on %d, largest %.2f)",
               agree2, worst);
        tap_ok(agree >= 27, "conv model: golden and float argmax agree on %d of 30 samples "
               "(>= 27)", agree);
    }
    sg_model_free(&qm);
    sg_model_free(&fm);
}

/* lstm in 3, H 4, T 6 -> fc 3, inputs in [-1, 1), 20 samples. */
static void test_quant_lstm_model(void)
{
    enum { N = 20, IN = 3, H = 4, T = 6, LEN = T * IN, COLS = IN + H };
    sg_model fm, qm;
    sg_quant_info info[2];
    long long sat = -1;
    char err[512] = "";
    const double q7 = ldexp(1.0, -7);
    sg_layer *L, *F;

    float_model(&fm, "rnn", 2, N, LEN);
    L = &fm.layers[0];
    F = &fm.layers[1];
    float_layer(L, SG_LAYER_LSTM, "l1", IN, H, SG_ACT_NONE, 4 * H * COLS, 4 * H);
    L->steps = T;
    float_layer(F, SG_LAYER_FC, "f2", H, 3, SG_ACT_NONE, 3 * H, 3);
    for (int k = 0; k < 4 * H * COLS; k++)
        L->fweights[k] = urand() < 0.2 ? 0.0 : (urand() - 0.5) * 2.0;
    for (int k = 0; k < 4 * H; k++)
        L->fbias[k] = (urand() - 0.5) * 1.0;
    for (int k = 0; k < 3 * H; k++)
        F->fweights[k] = k % 5 == 2 ? 0.0 : (urand() - 0.5) * 2.0;
    for (int k = 0; k < 3; k++)
        F->fbias[k] = (urand() - 0.5) * 0.2;
    /* |x| < 0.99: no value rounds to 128 at 2^-7, and the calibration rule
     * (max |x| / 127) would give another scale than 2^-7 */
    for (int k = 0; k < N * LEN; k++)
        fm.finputs[k] = (urand() * 2.0 - 1.0) * 0.99;

    memset(&qm, 0xab, sizeof qm);
    int rc = sg_quant_model(&fm, fm.finputs, N, 8, 8, &qm, info, &sat, err, sizeof err);
    if (!tap_ok(rc == 0, "quantize lstm(3 -> 4, 6 steps) -> fc 3, 20 samples, int8 %s", err)) {
        sg_model_free(&fm);
        return;
    }
    tap_ok(model_copied(&fm, &qm) && qm.layers[0].steps == T,
           "lstm model: shapes and steps copied");
    tap_ok(info[0].scale_in == q7 && info[0].scale_out == q7 && info[1].scale_in == q7 &&
               sat == 0 && inputs_are(&fm, &qm, q7),
           "lstm: input scale 2^-7 = %.9g (not calibrated), h scale 2^-7, the fc reads h at "
           "2^-7; inputs round(x * 128)", info[0].scale_in);
    tap_ok(info[1].scale_out == info[1].max_out / 127 && info[1].max_out > 0,
           "fc after lstm: output scale max |y| / 127");
    check_rows(L, &qm.layers[0], &info[0], 4 * H, COLS, ldexp(1.0, -12), "lstm gate rows");
    check_rows(F, &qm.layers[1], &info[1], 3, H, info[1].scale_out, "fc after lstm");

    /* h of the quantized lstm layer (the golden sg_layer_forward) against
     * the float h on the same samples, every step; then the fc after it */
    int32_t hq[N][T * H], yq[3];
    double hf[N][T * H], yf[3], eh = 0, worst = 0, over = 0, bmax = 0;
    int ok = 1, agree = 0;
    for (int s = 0; s < N && ok; s++) {
        ok = sg_layer_forward(&qm.layers[0], 8, 32, qm.inputs + s * LEN, hq[s], err,
                              sizeof err) == 0 &&
             sg_layer_forward_float(L, fm.finputs + s * LEN, hf[s]) == 0;
        for (int k = 0; ok && k < T * H; k++)
            if (fabs(hq[s][k] * q7 - hf[s][k]) > eh)
                eh = fabs(hq[s][k] * q7 - hf[s][k]);
    }
    /* Measured: 0.0051 (0.65 steps of 2^-7); the bound allows 0.03, about
     * 4 steps: the Q3.12 gates, the 2^8-point interpolated tables and h's
     * rounding each add under a step and the error carries over the 6
     * steps through c and W_hh. */
    tap_ok(ok && eh <= 0.03, "lstm: golden h within 0.03 of the float h at every step of 20 "
           "samples (largest %.4f = %.2f steps of 2^-7) %s", eh, eh / q7, err);

    /* The fc reads the last h_t, each value within eh of the float one
     * and |h| <= 1.  Output row r in steps of s_out is off by at most
     *   0.5 (rounding) + (sum_j (|w_rj| eh + s_w / 2) + s_in s_w / 2) / s_out
     * (the h error through the weights, the weight and the bias rounding
     * with |h| <= 1; the multiplier's 2^-30 is below 1e-6 steps).  s_out
     * (max |y| / 127) is finer than 2^-7 here, so the h error alone
     * reaches a few steps: measured 3.7 steps, under bounds of up to 15.1. */
    double sw[3];
    for (int r = 0; r < 3; r++)
        sw[r] = row_scale(F->fweights + r * H, H);
    for (int s = 0; s < N && ok; s++) {
        ok = sg_model_forward(&qm, 8, 32, qm.inputs + s * LEN, yq, err, sizeof err) == 0 &&
             sg_model_forward_float(&fm, fm.finputs + s * LEN, yf, NULL, err, sizeof err) == 0;
        for (int r = 0; ok && r < 3; r++) {
            double b = 0.5 + 1e-6, e = fabs(yq[r] - yf[r] / info[1].scale_out);
            for (int j = 0; j < H; j++)
                b += (fabs(F->fweights[r * H + j]) * eh + sw[r] / 2) / info[1].scale_out;
            b += q7 * sw[r] / 2 / info[1].scale_out;
            worst = e > worst ? e : worst;
            bmax = b > bmax ? b : bmax;
            over += e > b;
        }
        agree += sg_argmax_i32(yq, 3) == sg_argmax_f64(yf, 3);
    }
    tap_ok(ok && over == 0, "lstm model: the golden fc output within its worked-out bound of "
           "float / s_out on all 20 samples (largest %.2f steps, bounds up to %.2f) %s", worst,
           bmax, err);
    tap_ok(agree >= 18, "lstm model: argmax agrees on %d of 20 samples (>= 18)", agree);
    sg_model_free(&qm);

    /* saturation: 1.0 is 128 at 2^-7 and clips to 127, -1.5 is -192 and
     * clips to -128; -1.0 is -128 and 127.4 / 128 rounds to 127: neither
     * counts */
    fm.finputs[0] = 1.0;
    fm.finputs[1] = -1.5;
    fm.finputs[2] = -1.0;
    fm.finputs[3] = 127.4 / 128;
    rc = sg_quant_model(&fm, fm.finputs, N, 8, 8, &qm, info, &sat, err, sizeof err);
    tap_ok(rc == 0 && sat == 2 && qm.inputs[0] == 127 && qm.inputs[1] == -128 &&
               qm.inputs[2] == -128 && qm.inputs[3] == 127 && info[0].scale_in == q7,
           "lstm: inputs 1.0 and -1.5 are the 2 saturated values (127, -128); -1.0 is -128 "
           "and 127.4/128 is 127 exactly (%lld saturated)", sat);
    sg_model_free(&qm);
    sg_model_free(&fm);
}

/* relu6: the output scale from the clamped outputs, act_max = round(6 /
 * s_out) capped at 127; an all-zero output gets scale 1. */
static void test_quant_relu6(void)
{
    sg_model fm, qm;
    sg_quant_info info[1];
    long long sat = -1;
    char err[512] = "";
    int rc;

    float_model(&fm, "r6", 1, 2, 2);
    float_layer(&fm.layers[0], SG_LAYER_FC, "fc1", 2, 2, SG_ACT_RELU6, 4, 2);
    memcpy(fm.layers[0].fweights, (const double[4]){1, 0, 0, 1}, 4 * sizeof(double));
    memcpy(fm.layers[0].fbias, (const double[2]){0, 0}, 2 * sizeof(double));
    memcpy(fm.finputs, (const double[4]){10, 2.4, -1, 2}, 4 * sizeof(double));
    rc = sg_quant_model(&fm, fm.finputs, 2, 8, 8, &qm, info, &sat, err, sizeof err);
    tap_ok(rc == 0 && info[0].max_out == 6.0 && info[0].scale_out == 6.0 / 127 &&
               qm.layers[0].act == SG_ACT_RELU6 && qm.layers[0].act_max == 127,
           "relu6: outputs 10 clamp to 6, output scale 6 / 127, act_max 127 (max_out %g, "
           "act_max %d) %s", info[0].max_out, rc == 0 ? (int)qm.layers[0].act_max : -1, err);
    if (rc == 0)
        sg_model_free(&qm);
    memcpy(fm.finputs, (const double[4]){-10, -2.4, -1, -2}, 4 * sizeof(double));
    rc = sg_quant_model(&fm, fm.finputs, 2, 8, 8, &qm, info, &sat, err, sizeof err);
    tap_ok(rc == 0 && info[0].max_out == 0.0 && info[0].scale_out == 1.0 &&
               qm.layers[0].act_max == 6,
           "relu6 with no positive output: output scale 1, act_max round(6 / 1) = 6 %s", err);
    if (rc == 0)
        sg_model_free(&qm);
    sg_model_free(&fm);
}

/* Refusals: a multiplier M / 2^S cannot hold; no calibration samples. */
static void test_quant_errors(void)
{
    sg_model fm, qm;
    sg_quant_info info[2];
    long long sat = -1;
    char err[512] = "";
    int rc;

    /* fc1 passes [1, 1] through; fc2's row 1 is [1, -1] with bias 1e-12,
     * row 0 [1e-3, -1e-3] with none, so fc2's outputs are {0, ~1e-12} and
     * its output scale s_out ~ 1e-12 / 127.  Row 0: m = (1/127)(1e-3/127) /
     * s_out ~ 7.9e6, fine; row 1: (1/127)(1/127) / s_out ~ 7.9e9 >= 2^31. */
    float_model(&fm, "tiny", 2, 1, 2);
    float_layer(&fm.layers[0], SG_LAYER_FC, "fc1", 2, 2, SG_ACT_NONE, 4, 2);
    float_layer(&fm.layers[1], SG_LAYER_FC, "fc2", 2, 2, SG_ACT_NONE, 4, 2);
    memcpy(fm.layers[0].fweights, (const double[4]){1, 0, 0, 1}, 4 * sizeof(double));
    memcpy(fm.layers[0].fbias, (const double[2]){0, 0}, 2 * sizeof(double));
    memcpy(fm.layers[1].fweights, (const double[4]){1e-3, -1e-3, 1, -1}, 4 * sizeof(double));
    memcpy(fm.layers[1].fbias, (const double[2]){0, 1e-12}, 2 * sizeof(double));
    fm.finputs[0] = fm.finputs[1] = 1.0;
    memset(&qm, 0xab, sizeof qm);
    rc = sg_quant_model(&fm, fm.finputs, 1, 8, 8, &qm, info, &sat, err, sizeof err);
    sg_model zero;
    memset(&zero, 0, sizeof zero);
    tap_ok(rc == -1 && strstr(err, "layer 1 'fc2' row 1: requant multiplier ") != NULL &&
               strstr(err, "cannot be written as M / 2^S") != NULL &&
               memcmp(&qm, &zero, sizeof qm) == 0,
           "a requant multiplier >= 2^31 is refused naming the layer and row, the model left "
           "zeroed: %s", err);
    /* with a bias of 1e-6 instead, row 1's m is ~7.9e3: fine */
    fm.layers[1].fbias[1] = 1e-6;
    rc = sg_quant_model(&fm, fm.finputs, 1, 8, 8, &qm, info, &sat, err, sizeof err);
    tap_ok(rc == 0 && qm.layers[1].mult != NULL, "the same model with an output of 1e-6 "
           "quantizes %s", rc ? err : "");
    if (rc == 0)
        sg_model_free(&qm);

    /* weights that overflow double precision: an inf output is refused */
    fm.layers[0].fweights[0] = 1e300;
    double big[2] = {1e300, 0.0};
    memset(&qm, 0xab, sizeof qm);
    err[0] = '\0';
    rc = sg_quant_model(&fm, big, 1, 8, 8, &qm, info, &sat, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "layer 0 'fc1': the float output of calibration sample 0 is "
                                   "not finite") != NULL && memcmp(&qm, &zero, sizeof qm) == 0,
           "an infinite calibration output is refused: %s", err);
    /* ... and a NaN one (inf - inf in fc2), which no max comparison would notice */
    fm.layers[0].fweights[0] = 1.0;
    fm.layers[1].fweights[2] = 1e300;
    fm.layers[1].fweights[3] = 1e300;
    double nan_in[2] = {1e300, -1e300};
    memset(&qm, 0xab, sizeof qm);
    err[0] = '\0';
    rc = sg_quant_model(&fm, nan_in, 1, 8, 8, &qm, info, &sat, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "layer 1 'fc2': the float output of calibration sample 0 is "
                                   "not finite") != NULL && memcmp(&qm, &zero, sizeof qm) == 0,
           "a NaN calibration output is refused: %s", err);
    fm.layers[1].fweights[2] = 1.0;
    fm.layers[1].fweights[3] = -1.0;

    memset(&qm, 0xab, sizeof qm);
    err[0] = '\0';
    rc = sg_quant_model(&fm, fm.finputs, 0, 8, 8, &qm, info, &sat, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "model 'tiny' is not a float model or has no calibration "
                                   "samples") != NULL && memcmp(&qm, &zero, sizeof qm) == 0,
           "0 calibration samples refused: %s", err);
    memset(&qm, 0xab, sizeof qm);
    err[0] = '\0';
    rc = sg_quant_model(&fm, NULL, 1, 8, 8, &qm, info, &sat, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "no calibration samples") != NULL &&
               memcmp(&qm, &zero, sizeof qm) == 0,
           "no calibration array refused: %s", err);
    sg_model_free(&fm);
}

/* The seeds' MobileNet-style block as a float model (tests/data/models/
 * float_mbblock, made by numpy): depthwise 3x3 with BatchNorm and ReLU6,
 * pointwise 1x1 with BatchNorm and ReLU6, a 2x2 max-pool, an fc.  The C
 * float reference with the BatchNorm folded at load equals numpy's forward
 * pass with it unfolded (y_ref.npy) to 1e-9. */
static void test_mbblock_float(void)
{
    const char *env = getenv("SG_TEST_DATA");
    char path[4096], err[1024] = "";
    snprintf(path, sizeof path, "%s/models/float_mbblock/model.json", env ? env : "data");
    sg_model m;
    if (!tap_ok(sg_model_load_float(path, &m, err, sizeof err) == 0,
                "MobileNet-style block (depthwise + BatchNorm) loads %s", err))
        return;
    snprintf(path, sizeof path, "%s/models/float_mbblock/y_ref.npy", env ? env : "data");
    sg_npy ref;
    if (!tap_ok(sg_npy_load(path, &ref, err, sizeof err) == 0 && ref.count == 10LL * m.n_inputs,
                "numpy's outputs y_ref.npy %s", err)) {
        sg_model_free(&m);
        return;
    }
    double y[10], worst = 0;
    int ok = 1;
    for (int s = 0; s < m.n_inputs && ok; s++) {
        ok = sg_model_forward_float(&m, m.finputs + (size_t)s * m.input_len, y, NULL, err,
                                    sizeof err) == 0;
        for (int j = 0; ok && j < 10; j++) {
            double d = fabs(y[j] - ref.f[s * 10 + j]) / (fabs(ref.f[s * 10 + j]) + 1e-3);
            if (d > worst)
                worst = d;
        }
    }
    tap_ok(ok && worst < 1e-9 && m.layers[0].conv.groups == 8,
           "MobileNet-style block: C float reference = numpy on %d samples (worst relative "
           "difference %.2g) %s", m.n_inputs, worst, ok ? "" : err);
    sg_npy_free(&ref);
    sg_model_free(&m);
}

int main(void)
{
    test_rows();
    test_multiplier();
    test_fc_end_to_end();
    test_layer_forward_float();
    test_quant_fc_model();
    test_quant_conv_model();
    test_quant_lstm_model();
    test_quant_relu6();
    test_quant_errors();
    test_mbblock_float();
    return tap_done();
}
