/* sg_quant: symmetric quantization and requantization parameters; see sg_quant.h. */
#include "sg_quant.h"

#include <math.h>
#include <stdio.h>

static double qmax_of(int bits)
{
    return ldexp(1.0, bits - 1) - 1.0;
}

double sg_quant_scale(const double *v, long long n, int bits)
{
    double mx = 0.0;
    for (long long i = 0; i < n; i++)
        if (fabs(v[i]) > mx)
            mx = fabs(v[i]);
    return mx > 0.0 ? mx / qmax_of(bits) : 1.0;
}

int32_t sg_quant_value(double v, double scale, int bits)
{
    double q = round(v / scale); /* half away from zero */
    double hi = qmax_of(bits), lo = -hi - 1.0;
    if (q > hi)
        q = hi;
    if (q < lo)
        q = lo;
    return (int32_t)q;
}

void sg_quant_rows(const double *w, int rows, int cols, int bits, int32_t *q, double *scale)
{
    for (int r = 0; r < rows; r++) {
        const double *row = w + (size_t)r * cols;
        scale[r] = sg_quant_scale(row, cols, bits);
        for (int j = 0; j < cols; j++)
            q[(size_t)r * cols + j] = sg_quant_value(row[j], scale[r], bits);
    }
}

int sg_quant_multiplier(double m, int32_t *mult, int *shift, char *err, size_t errlen)
{
    if (!(m > 0.0) || !isfinite(m)) {
        snprintf(err, errlen, "requant multiplier %g: must be positive and finite", m);
        return -1;
    }
    /* m = f 2^e with f in [0.5, 1): M = round(f 2^31), S = 31 - e */
    int e;
    double f = frexp(m, &e);
    long long M = llround(f * 2147483648.0);
    int S = 31 - e;
    if (M == 2147483648LL) { /* f rounded up to 1 */
        M /= 2;
        S--;
    }
    /* a small m: give up low bits of M rather than exceed S = 62 */
    while (S > 62 && M > 0) {
        M = (M + 1) / 2;
        S--;
    }
    if (S < 0 || S > 62 || M < 1) {
        snprintf(err, errlen,
                 "requant multiplier %g cannot be written as M / 2^S with a 32-bit M and S in "
                 "0..62", m);
        return -1;
    }
    *mult = (int32_t)M;
    *shift = S;
    return 0;
}

int32_t sg_quant_bias(double b, double scale_x, double scale_w)
{
    double q = round(b / (scale_x * scale_w));
    if (q > 2147483647.0)
        q = 2147483647.0;
    if (q < -2147483648.0)
        q = -2147483648.0;
    return (int32_t)q;
}
