/* sg_conv.c: the golden convolution (dense and CSB) and max-pool layers. */
#include "sg_conv.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sg_post.h"


/* ---- shape ---- */

/* Most elements of an array the layer touches: every index of an int32_t or
 * int64_t array of this many entries, in bytes, fits a size_t, and every
 * element count fits a long long. */
static long long elems_max(void)
{
    size_t m = SIZE_MAX / sizeof(int64_t);

    return (uintmax_t)m > (uintmax_t)LLONG_MAX ? LLONG_MAX : (long long)m;
}

/* a * b if it is at most max (a, b >= 0, max >= 0), else -1; never overflows. */
static long long mul_within(long long a, long long b, long long max)
{
    if (b != 0 && a > max / b)
        return -1; /* a * b > max, tested without forming the product */
    return a * b;
}

/* a * b * c within max, or -1. */
static long long mul3_within(long long a, long long b, long long c, long long max)
{
    long long ab = mul_within(a, b, max);

    return ab < 0 ? -1 : mul_within(ab, c, max);
}

/* One size field must be >= min; 0 or -1 with the field named. */
static int check_min(const char *name, int v, int min, char *err, size_t errlen)
{
    if (v < min)
        return sg_errf(err, errlen, "%s %d is out of range: must be >= %d", name, v, min);
    return 0;
}

/* Output size along one axis: (in + 2 pad - k) / st + 1, as a long long
 * (in, k, st >= 1, pad >= 0), or -1 with a message when the kernel does not fit
 * the padded input or the result does not fit an int. */
static long long axis_out(const char *kname, const char *inname, const char *padname, int in,
                          int k, int st, int pad, char *err, size_t errlen)
{
    long long padded = (long long)in + 2 * (long long)pad, out;

    if (k > padded)
        return sg_errf(err, errlen, "%s %d is out of range: must be <= %s + 2 * %s = %lld", kname,
                    k, inname, padname, padded);
    out = (padded - k) / st + 1;
    if (out > INT_MAX)
        return sg_errf(err, errlen, "%s %d is out of range: the output size %lld exceeds %d",
                    padname, pad, out, INT_MAX);
    return out;
}

int sg_conv_shape_derive(sg_conv_shape *s, char *err, size_t errlen)
{
    long long h_out, w_out, max = elems_max();

    if (!s)
        return sg_errf(err, errlen, "conv shape is null");
    if (check_min("c_in", s->c_in, 1, err, errlen) < 0 ||
        check_min("h_in", s->h_in, 1, err, errlen) < 0 ||
        check_min("w_in", s->w_in, 1, err, errlen) < 0 ||
        check_min("c_out", s->c_out, 1, err, errlen) < 0 ||
        check_min("kh", s->kh, 1, err, errlen) < 0 ||
        check_min("kw", s->kw, 1, err, errlen) < 0 ||
        check_min("stride_h", s->stride_h, 1, err, errlen) < 0 ||
        check_min("stride_w", s->stride_w, 1, err, errlen) < 0 ||
        check_min("pad_h", s->pad_h, 0, err, errlen) < 0 ||
        check_min("pad_w", s->pad_w, 0, err, errlen) < 0 ||
        check_min("groups", s->groups, 0, err, errlen) < 0)
        return -1;
    if (s->groups > 1 && (s->c_in % s->groups != 0 || s->c_out % s->groups != 0))
        return sg_errf(err, errlen, "groups %d is out of range: must divide c_in %d and c_out %d",
                       s->groups, s->c_in, s->c_out);
    h_out = axis_out("kh", "h_in", "pad_h", s->h_in, s->kh, s->stride_h, s->pad_h, err, errlen);
    if (h_out < 0)
        return -1;
    w_out = axis_out("kw", "w_in", "pad_w", s->w_in, s->kw, s->stride_w, s->pad_w, err, errlen);
    if (w_out < 0)
        return -1;
    /* The window is the column count of the CSB matrix, an int (checked for
     * all of C_in: at least the group's). */
    if (mul3_within(s->c_in, s->kh, s->kw, INT_MAX) < 0)
        return sg_errf(err, errlen, "c_in %d * kh %d * kw %d is out of range: must be <= %d",
                    s->c_in, s->kh, s->kw, INT_MAX);
    if (mul3_within(s->c_in, s->h_in, s->w_in, max) < 0)
        return sg_errf(err, errlen, "c_in %d * h_in %d * w_in %d is out of range: must be <= %lld",
                    s->c_in, s->h_in, s->w_in, max);
    if (mul_within(s->c_out, (long long)s->c_in * s->kh * s->kw, max) < 0)
        return sg_errf(err, errlen, "c_out %d * c_in %d * kh %d * kw %d is out of range: must "
                    "be <= %lld", s->c_out, s->c_in, s->kh, s->kw, max);
    if (mul3_within(s->c_out, h_out, w_out, max) < 0)
        return sg_errf(err, errlen, "c_out %d * h_out %lld * w_out %lld is out of range: must be "
                    "<= %lld", s->c_out, h_out, w_out, max);
    /* Written only now, so a bad shape is left as it was. */
    s->h_out = (int)h_out;
    s->w_out = (int)w_out;
    return 0;
}

/* ---- arithmetic (as sg_fc.c) ---- */


/* Index of in[c][iy][ix], or -1 when (iy, ix) is in the zero padding. */
static long long in_index(const sg_conv_shape *s, long long c, long long iy, long long ix)
{
    if (iy < 0 || iy >= s->h_in || ix < 0 || ix >= s->w_in)
        return -1;
    return (c * s->h_in + iy) * s->w_in + ix;
}

/* Index of out[o][y][x]. */
static size_t out_index(const sg_conv_shape *s, int o, int y, int x)
{
    return ((size_t)o * (size_t)s->h_out + (size_t)y) * (size_t)s->w_out + (size_t)x;
}

/* ---- dense ---- */

int64_t sg_conv_dense_acc(const int32_t *w, const sg_conv_shape *s, const int32_t *in, int o,
                          int y, int x, const sg_fc_params *p)
{
    /* sg_conv_shape_derive bounded every size, so these fit a long long and,
     * as array indices, a size_t. */
    int cpg = sg_conv_cpg(s), c0 = o / (s->c_out / sg_conv_groups(s)) * cpg;
    long long window = (long long)cpg * s->kh * s->kw;
    const int32_t *row = w + (size_t)o * (size_t)window;
    long long y0 = (long long)y * s->stride_h - s->pad_h;
    long long x0 = (long long)x * s->stride_w - s->pad_w;
    int64_t acc = sg_acc_start(p, o);
    int c, i, j;

    for (c = 0; c < cpg; c++)
        for (i = 0; i < s->kh; i++)
            for (j = 0; j < s->kw; j++) {
                long long at = in_index(s, c0 + c, y0 + i, x0 + j);

                if (at >= 0)
                    acc = sg_mac(acc, row[((size_t)c * s->kh + i) * s->kw + j], in[at], p->acc_w);
            }
    return acc;
}

void sg_conv_dense(const int32_t *w, const sg_conv_shape *s, const int32_t *in,
                   const sg_fc_params *p, int32_t *out, int64_t *acc)
{
    int o, y, x;

    for (o = 0; o < s->c_out; o++)
        for (y = 0; y < s->h_out; y++)
            for (x = 0; x < s->w_out; x++) {
                int64_t a = sg_conv_dense_acc(w, s, in, o, y, x, p);
                size_t at = out_index(s, o, y, x);

                if (acc)
                    acc[at] = a;
                out[at] = sg_row_out(a, p, o);
            }
}

/* ---- CSB ---- */

int sg_conv_csb_encode(const int32_t *w, const sg_conv_shape *s, int banks, sg_csb *out,
                       char *err, size_t errlen)
{
    long long cols, cpb, bank_size;

    if (out)
        memset(out, 0, sizeof *out); /* on failure *out stays zeroed, as sg_csb_encode */
    if (!s)
        return sg_errf(err, errlen, "conv shape is null");
    if (check_min("c_out", s->c_out, 1, err, errlen) < 0 ||
        check_min("c_in", s->c_in, 1, err, errlen) < 0 ||
        check_min("kh", s->kh, 1, err, errlen) < 0 ||
        check_min("kw", s->kw, 1, err, errlen) < 0 ||
        check_min("banks", banks, 1, err, errlen) < 0)
        return -1;
    if (check_min("groups", s->groups, 0, err, errlen) < 0)
        return -1;
    if (s->groups > 1 && s->c_in % s->groups != 0)
        return sg_errf(err, errlen, "groups %d is out of range: must divide c_in %d", s->groups,
                       s->c_in);
    cols = mul3_within(sg_conv_cpg(s), s->kh, s->kw, INT_MAX);
    if (cols < 0)
        return sg_errf(err, errlen, "c_in %d * kh %d * kw %d is out of range: must be <= %d",
                    s->c_in, s->kh, s->kw, INT_MAX);
    /* Bank b holds input channels b * cpb .. b * cpb + cpb - 1 of the group,
     * whole windows each; cpb * kh * kw <= cols, so it fits an int. */
    cpb = ((long long)sg_conv_cpg(s) + banks - 1) / banks;
    bank_size = cpb * s->kh * s->kw;
    return sg_csb_encode(w, s->c_out, (int)cols, banks, (int)bank_size, out, err, errlen);
}

/* Accumulator of output (o, y, x) from the CSB words of row o only, the way
 * a PE walks them: lane b of a word is column b * bank_size + offset, that
 * is the window position (c, i, j) with column (c * kh + i) * kw + j. */
static int64_t csb_acc(const sg_csb *c, const sg_conv_shape *s, const int32_t *in, int o,
                       int y, int x, const sg_fc_params *p)
{
    long long area = (long long)s->kh * s->kw, window = sg_conv_cpg(s) * area;
    long long c0 = (long long)o / (s->c_out / sg_conv_groups(s)) * sg_conv_cpg(s);
    long long y0 = (long long)y * s->stride_h - s->pad_h;
    long long x0 = (long long)x * s->stride_w - s->pad_w;
    int64_t acc = sg_acc_start(p, o);
    int k, b;

    if (o >= c->rows)
        return acc; /* out of contract: a row the encoding lacks has no words */
    for (k = c->row_start[o]; k < c->row_start[o + 1]; k++) {
        for (b = 0; b < c->banks; b++) {
            size_t lane = (size_t)k * (size_t)c->banks + (size_t)b;
            long long col = (long long)b * c->bank_size + c->offset[lane], rem, at;

            /* A padding lane is (0, 0) and adds nothing; a column past the
             * window can only hold padding, but never read beyond the input. */
            if (c->value[lane] == 0 || col >= c->cols || col >= window)
                continue;
            rem = col % area;
            at = in_index(s, c0 + col / area, y0 + rem / s->kw, x0 + rem % s->kw);
            if (at >= 0)
                acc = sg_mac(acc, c->value[lane], in[at], p->acc_w);
        }
    }
    return acc;
}

void sg_conv_csb(const sg_csb *c, const sg_conv_shape *s, const int32_t *in,
                 const sg_fc_params *p, int32_t *out, int64_t *acc)
{
    int o, y, x;

    for (o = 0; o < s->c_out; o++)
        for (y = 0; y < s->h_out; y++)
            for (x = 0; x < s->w_out; x++) {
                int64_t a = csb_acc(c, s, in, o, y, x, p);
                size_t at = out_index(s, o, y, x);

                if (acc)
                    acc[at] = a;
                out[at] = sg_row_out(a, p, o);
            }
}

/* ---- max-pool ---- */

int sg_maxpool(const int32_t *in, int c, int h, int w, int k, int st, int32_t *out, int *ho,
               int *wo, char *err, size_t errlen)
{
    int ch, y, x, i, j, hout, wout;

    if (!in || !out)
        return sg_errf(err, errlen, "max-pool input or output is null");
    if (check_min("c", c, 1, err, errlen) < 0 || check_min("h", h, 1, err, errlen) < 0 ||
        check_min("w", w, 1, err, errlen) < 0 || check_min("k", k, 1, err, errlen) < 0 ||
        check_min("st", st, 1, err, errlen) < 0)
        return -1;
    if (k > h)
        return sg_errf(err, errlen, "k %d is out of range: must be <= h = %d", k, h);
    if (k > w)
        return sg_errf(err, errlen, "k %d is out of range: must be <= w = %d", k, w);
    if (mul3_within(c, h, w, elems_max()) < 0)
        return sg_errf(err, errlen, "c %d * h %d * w %d is out of range: must be <= %lld", c, h, w,
                    elems_max());
    hout = (h - k) / st + 1;
    wout = (w - k) / st + 1;
    for (ch = 0; ch < c; ch++)
        for (y = 0; y < hout; y++)
            for (x = 0; x < wout; x++) {
                const int32_t *win = in + ((size_t)ch * h + (size_t)y * st) * w + (size_t)x * st;
                int32_t m = win[0];

                for (i = 0; i < k; i++)
                    for (j = 0; j < k; j++)
                        if (win[(size_t)i * w + j] > m)
                            m = win[(size_t)i * w + j];
                out[((size_t)ch * hout + y) * wout + x] = m;
            }
    if (ho)
        *ho = hout;
    if (wo)
        *wo = wout;
    return 0;
}
