/* test_quant: symmetric quantization and requant parameters (gen/sg_quant.c).
 *
 * Round trips with their error bounds (weights within half a step of their
 * row's scale, the row's largest weight at the full code), the multiplier
 * M / 2^S within 2^-30 of the real value across 50 binades, its refusals,
 * and a float FC layer quantized end to end: calibration scales, per-row
 * weights, int32 bias, M and S per row, run through the golden
 * sg_fc_dense, each output within its worked-out error bound of the float
 * result.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_fc.h"
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

int main(void)
{
    test_rows();
    test_multiplier();
    test_fc_end_to_end();
    return tap_done();
}
