/* test_conv.c: golden CONV (dense, CSB) and max-pool against a naive reference and hand values. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_conv.h"
#include "sg_csb.h"
#include "sg_fc.h"
#include "sg_post.h"
#include "tap.h"

#define SEED 0xc0ffee5eed5ULL
#define RANDOM_TRIALS 400

static uint64_t rng_state = SEED; /* xorshift64 state */

/* xorshift64 (Marsaglia): a fixed-seed generator so every run is the same. */
static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Uniform integer in 0 .. n - 1 (n >= 1; the modulo bias does not matter here). */
static int rng_below(int64_t n)
{
    return (int)(rng_next() % (uint64_t)n);
}

/* Uniform value of a signed `bits`-bit integer (bits <= 32). */
static int32_t rng_signed(int bits)
{
    int64_t half = (int64_t)1 << (bits - 1);

    return (int32_t)((int64_t)(rng_next() % (uint64_t)(2 * half)) - half);
}

/* A nonzero signed `bits`-bit value. */
static int32_t rng_nonzero(int bits)
{
    int32_t v;

    do
        v = rng_signed(bits);
    while (v == 0);
    return v;
}

/* calloc that bails out of the test plan on failure. */
static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);

    if (!p) {
        printf("Bail out! out of memory\n");
        exit(1);
    }
    return p;
}

/* One check over a whole array: every value must match; the first mismatch
 * is reported as a diagnostic. */
static int expect_i32(const int32_t *got, const int32_t *want, int n, const char *what)
{
    int i;

    for (i = 0; i < n; i++)
        if (got[i] != want[i]) {
            tap_diag("%s: [%d] is %ld, want %ld", what, i, (long)got[i], (long)want[i]);
            return tap_ok(0, "%s", what);
        }
    return tap_ok(1, "%s", what);
}

static int expect_i64(const int64_t *got, const int64_t *want, int n, const char *what)
{
    int i;

    for (i = 0; i < n; i++)
        if (got[i] != want[i]) {
            tap_diag("%s: [%d] is %lld, want %lld", what, i, (long long)got[i],
                     (long long)want[i]);
            return tap_ok(0, "%s", what);
        }
    return tap_ok(1, "%s", what);
}

/* ---- naive reference, written without sg_post or sg_conv ---- */

/* x modulo 2^bits as a signed two's-complement value, by plain % arithmetic. */
static int64_t ref_wrap(int64_t x, int bits)
{
    int64_t mod = (int64_t)1 << bits; /* bits <= 32 here */
    int64_t r = x % mod;              /* C99: sign of x, |r| < mod */

    if (r < 0)
        r += mod;
    return r >= mod / 2 ? r - mod : r;
}

/* Requant by truncating division and a floor correction, then saturation. */
static int64_t ref_requant(int64_t acc, int32_t m, int s, int data_w)
{
    int64_t p = acc * m, d = (int64_t)1 << s, q, hi = ((int64_t)1 << (data_w - 1)) - 1;

    if (s > 0)
        p += d / 2;
    q = p / d;
    if (p % d != 0 && p < 0)
        q--; /* truncation went up; floor goes down */
    return q > hi ? hi : q < -hi - 1 ? -hi - 1 : q;
}

/* ReLU / ReLU6 by the definitions. */
static int64_t ref_act(int64_t y, sg_act act, int32_t act_max)
{
    if (act != SG_ACT_NONE && y < 0)
        y = 0;
    if (act == SG_ACT_RELU6 && y > act_max)
        y = act_max;
    return y;
}

/* Output size along one axis, straight from the textbook formula. */
static int ref_out_size(int in, int k, int st, int pad)
{
    return (in + 2 * pad - k) / st + 1;
}

/* One CONV layer: shape, widths, weights, input and parameters. */
struct layer {
    int c_in, h_in, w_in, c_out, kh, kw; /* shape */
    int sh, sw, ph, pw;                  /* strides and paddings */
    int ho, wo;                          /* output size by ref_out_size */
    int banks, wgt_w, pattern, bbs_k;    /* CSB banks, weight bits, sparsity, BBS k */
    int32_t *w, *in;                     /* weights, input (exact sizes) */
    int32_t *bias, *mult;                /* per output channel */
    int8_t *shift;                       /* per output channel */
    sg_fc_params p;                      /* points at the arrays above */
};

/* The reference convolution: six plain nested loops over (o, y, x) and the
 * window (c, i, j), the padded input position computed inline; the exact sum in
 * int64 (|w x| <= 2^30 per term, windows are short), wrapped once at the end.
 * Returns the number of outputs whose exact sum differs from the wrapped
 * one, so a test can show that wrapping happened. */
static int ref_conv(const struct layer *l, int64_t *acc, int32_t *y)
{
    int o, oy, ox, c, i, j, wrapped = 0;

    for (o = 0; o < l->c_out; o++)
        for (oy = 0; oy < l->ho; oy++)
            for (ox = 0; ox < l->wo; ox++) {
                int64_t sum = l->bias[o], a;
                size_t at = ((size_t)o * l->ho + oy) * l->wo + ox;

                for (c = 0; c < l->c_in; c++)
                    for (i = 0; i < l->kh; i++)
                        for (j = 0; j < l->kw; j++) {
                            int iy = oy * l->sh + i - l->ph, ix = ox * l->sw + j - l->pw;
                            int32_t wv = l->w[(((size_t)o * l->c_in + c) * l->kh + i) * l->kw + j];

                            if (iy < 0 || iy >= l->h_in || ix < 0 || ix >= l->w_in)
                                continue; /* zero padding */
                            sum += (int64_t)wv * l->in[((size_t)c * l->h_in + iy) * l->w_in + ix];
                        }
                a = ref_wrap(sum, l->p.acc_w);
                wrapped += a != sum;
                acc[at] = a;
                y[at] = (int32_t)ref_act(ref_requant(a, l->mult[o], l->shift[o], l->p.data_w),
                                         l->p.act, l->p.act_max);
            }
    return wrapped;
}

/* ---- random layers ---- */

/* A shape to test: a zero c_in / h_in / w_in is drawn at random. */
struct spec {
    int c_in, h_in, w_in, kh, kw, sh, sw, ph, pw;
};

static const char *const pattern_names[] = {"bbs", "unstructured", "dense", "zero"};

/* Input size along one axis for kernel k and padding pad: at least what the
 * kernel needs (possibly less than k itself), sometimes exactly that. */
static int draw_in_size(int k, int pad)
{
    int lo = k - 2 * pad < 1 ? 1 : k - 2 * pad;

    return rng_below(4) == 0 ? lo : lo + rng_below(9);
}

/* Bank-balanced weights over channel groups: in every row, every bank that
 * holds real channels keeps exactly bbs_k nonzeros at random positions. */
static void fill_bbs(struct layer *l)
{
    int area = l->kh * l->kw, cpb = (l->c_in + l->banks - 1) / l->banks;
    int min_size = cpb * area, o, b, n;
    int *pos = xcalloc((size_t)cpb * area, sizeof *pos);

    for (b = 0; b * cpb < l->c_in; b++) {
        int chans = l->c_in - b * cpb < cpb ? l->c_in - b * cpb : cpb;

        if (chans * area < min_size)
            min_size = chans * area;
    }
    l->bbs_k = 1 + rng_below(min_size);
    for (o = 0; o < l->c_out; o++)
        for (b = 0; b * cpb < l->c_in; b++) {
            int chans = l->c_in - b * cpb < cpb ? l->c_in - b * cpb : cpb, size = chans * area;
            size_t base = (size_t)o * l->c_in * area + (size_t)b * cpb * area;

            for (n = 0; n < size; n++)
                pos[n] = n;
            for (n = 0; n < l->bbs_k; n++) { /* partial Fisher-Yates */
                int r = n + rng_below(size - n), t = pos[n];

                pos[n] = pos[r];
                pos[r] = t;
                l->w[base + (size_t)pos[n]] = rng_nonzero(l->wgt_w);
            }
        }
    free(pos);
}

/* Fill the weights by l->pattern (see pattern_names). */
static void fill_weights(struct layer *l)
{
    size_t n = (size_t)l->c_out * l->c_in * l->kh * l->kw, i;
    int pct = 1 + rng_below(99);

    if (l->pattern == 0) {
        fill_bbs(l);
        return;
    }
    for (i = 0; i < n; i++) {
        if (l->pattern == 1)
            l->w[i] = rng_below(100) < pct ? rng_signed(l->wgt_w) : 0;
        else if (l->pattern == 2)
            l->w[i] = rng_nonzero(l->wgt_w);
        else
            l->w[i] = 0;
    }
}

/* Draw a random layer for a spec (free with free_layer). */
static void make_layer(struct layer *l, const struct spec *sp, int banks, int pattern)
{
    static const int wgt_ws[] = {4, 8, 16}, acc_ws[] = {16, 24, 32};
    size_t n;
    int o;

    memset(l, 0, sizeof *l);
    l->kh = sp->kh;
    l->kw = sp->kw;
    l->sh = sp->sh;
    l->sw = sp->sw;
    l->ph = sp->ph;
    l->pw = sp->pw;
    l->c_in = sp->c_in ? sp->c_in : 1 + rng_below(9);
    l->h_in = sp->h_in ? sp->h_in : draw_in_size(l->kh, l->ph);
    l->w_in = sp->w_in ? sp->w_in : draw_in_size(l->kw, l->pw);
    l->c_out = 1 + rng_below(5);
    l->ho = ref_out_size(l->h_in, l->kh, l->sh, l->ph);
    l->wo = ref_out_size(l->w_in, l->kw, l->sw, l->pw);
    l->banks = banks;
    l->pattern = pattern;
    l->wgt_w = wgt_ws[rng_below(3)];
    l->p.data_w = rng_below(2) ? 8 : 16;
    l->p.acc_w = acc_ws[rng_below(3)];
    l->p.act = (sg_act)rng_below(3);
    l->p.act_max = 1 + (int32_t)rng_below(((int64_t)1 << (l->p.data_w - 1)) - 1);
    l->w = xcalloc((size_t)l->c_out * l->c_in * l->kh * l->kw, sizeof *l->w);
    n = (size_t)l->c_in * l->h_in * l->w_in;
    l->in = xcalloc(n, sizeof *l->in);
    while (n-- > 0)
        l->in[n] = rng_signed(l->p.data_w);
    l->bias = xcalloc((size_t)l->c_out, sizeof *l->bias);
    l->mult = xcalloc((size_t)l->c_out, sizeof *l->mult);
    l->shift = xcalloc((size_t)l->c_out, sizeof *l->shift);
    for (o = 0; o < l->c_out; o++) {
        l->bias[o] = rng_below(4) ? rng_signed(l->p.acc_w < 24 ? 12 : 20) : rng_signed(32);
        l->mult[o] = rng_below(8) ? rng_signed(16) : rng_signed(32);
        l->shift[o] = (int8_t)(rng_below(8) ? rng_below(33) : rng_below(SG_SHIFT_MAX + 1));
    }
    l->p.bias = l->bias;
    l->p.mult = l->mult;
    l->p.shift = l->shift;
    fill_weights(l);
}

static void free_layer(struct layer *l)
{
    free(l->w);
    free(l->in);
    free(l->bias);
    free(l->mult);
    free(l->shift);
}

/* What the random layers covered, checked at the end. */
static struct {
    int act[3];            /* layers per activation */
    int data_w[2];         /* layers with DATA_W 8, 16 */
    int acc_w[3];          /* layers with ACC_W 16, 24, 32 */
    int wrapped[3];        /* layers whose accumulators wrapped, per ACC_W */
    int big_kernel;        /* kernel taller or wider than the input */
    int one_by_one;        /* 1 x 1 spatial output */
    int ragged;            /* c_in not a multiple of B */
    int pattern[4];        /* layers per sparsity pattern */
    int banks[17];         /* layers per B */
} cov;

/* Field by field equality of two CSB encodings. */
static int csb_equal(const sg_csb *a, const sg_csb *b)
{
    size_t lanes = (size_t)a->words * (size_t)a->banks;

    if (a->rows != b->rows || a->cols != b->cols || a->banks != b->banks ||
        a->bank_size != b->bank_size || a->words != b->words || a->nnz != b->nnz)
        return 0;
    return memcmp(a->row_start, b->row_start, ((size_t)a->rows + 1) * sizeof *a->row_start) == 0 &&
           memcmp(a->value, b->value, lanes * sizeof *a->value) == 0 &&
           memcmp(a->offset, b->offset, lanes * sizeof *a->offset) == 0;
}

/* BBS layers: k words per row and no padding lane in a bank with channels. */
static int bbs_layout_ok(const sg_csb *c, const struct layer *l)
{
    int cpb = (l->c_in + l->banks - 1) / l->banks, o, k, b;

    for (o = 0; o < c->rows; o++) {
        if (sg_csb_row_words(c, o) != l->bbs_k)
            return 0;
        for (k = c->row_start[o]; k < c->row_start[o + 1]; k++)
            for (b = 0; b * cpb < l->c_in; b++)
                if (c->value[(size_t)k * c->banks + b] == 0)
                    return 0;
    }
    return 1;
}

/* The checks of one layer: shape, dense = reference, CSB layout and round
 * trip, CSB = dense. */
static void check_layer(const char *name, const struct spec *sp, int banks, int pattern)
{
    struct layer l;
    sg_conv_shape s;
    sg_csb c, direct;
    char err[160] = "", what[256];
    size_t nout;
    int32_t *y_ref, *y_dense, *y_csb, *w_back;
    int64_t *a_ref, *a_dense, *a_csb;
    int wrapped, rc, rc_direct, o, yy, xx, bad_acc = 0, area, cpb, acc_i;

    make_layer(&l, sp, banks, pattern);
    area = l.kh * l.kw;
    cpb = (l.c_in + banks - 1) / banks;
    snprintf(what, sizeof what,
             "%s: %dx%dx%d * %dx%dx%dx%d st %d,%d pad %d,%d -> %dx%d, data %d wgt %d acc %d %s, "
             "B %d %s", name, l.c_in, l.h_in, l.w_in, l.c_out, l.c_in, l.kh, l.kw, l.sh, l.sw,
             l.ph, l.pw, l.ho, l.wo, l.p.data_w, l.wgt_w, l.p.acc_w, sg_act_name(l.p.act), banks,
             pattern_names[pattern]);

    memset(&s, 0, sizeof s);
    s.c_in = l.c_in;
    s.h_in = l.h_in;
    s.w_in = l.w_in;
    s.c_out = l.c_out;
    s.kh = l.kh;
    s.kw = l.kw;
    s.stride_h = l.sh;
    s.stride_w = l.sw;
    s.pad_h = l.ph;
    s.pad_w = l.pw;
    rc = sg_conv_shape_derive(&s, err, sizeof err);
    tap_ok(rc == 0 && s.h_out == l.ho && s.w_out == l.wo, "%s: shape (h_out %d w_out %d) %s",
           what, s.h_out, s.w_out, err);
    if (rc != 0 || s.h_out != l.ho || s.w_out != l.wo) {
        free_layer(&l);
        return;
    }

    nout = (size_t)l.c_out * l.ho * l.wo;
    y_ref = xcalloc(nout, sizeof *y_ref);
    y_dense = xcalloc(nout, sizeof *y_dense);
    y_csb = xcalloc(nout, sizeof *y_csb);
    a_ref = xcalloc(nout, sizeof *a_ref);
    a_dense = xcalloc(nout, sizeof *a_dense);
    a_csb = xcalloc(nout, sizeof *a_csb);
    w_back = xcalloc((size_t)l.c_out * l.c_in * area, sizeof *w_back);

    wrapped = ref_conv(&l, a_ref, y_ref);
    sg_conv_dense(l.w, &s, l.in, &l.p, y_dense, a_dense);
    for (o = 0; o < l.c_out; o++)
        for (yy = 0; yy < l.ho; yy++)
            for (xx = 0; xx < l.wo; xx++)
                bad_acc += sg_conv_dense_acc(l.w, &s, l.in, o, yy, xx, &l.p) !=
                           a_ref[((size_t)o * l.ho + yy) * l.wo + xx];
    tap_ok(bad_acc == 0, "%s: sg_conv_dense_acc = reference at every pixel", name);
    snprintf(what, sizeof what, "%s: dense acc = reference (%d wrapped)", name, wrapped);
    expect_i64(a_dense, a_ref, (int)nout, what);
    snprintf(what, sizeof what, "%s: dense y = reference", name);
    expect_i32(y_dense, y_ref, (int)nout, what);
    memset(y_csb, 0x55, nout * sizeof *y_csb);
    sg_conv_dense(l.w, &s, l.in, &l.p, y_csb, NULL);
    snprintf(what, sizeof what, "%s: dense y with acc NULL = reference", name);
    expect_i32(y_csb, y_ref, (int)nout, what);

    /* The CONV encoding is sg_csb_encode with bank_size = cpb * kh * kw. */
    rc = sg_conv_csb_encode(l.w, &s, banks, &c, err, sizeof err);
    rc_direct = sg_csb_encode(l.w, l.c_out, l.c_in * area, banks, cpb * area, &direct, NULL, 0);
    tap_ok(rc == 0 && rc_direct == 0 && c.bank_size == cpb * area && csb_equal(&c, &direct),
           "%s: encode (bank_size %d, %d words) = sg_csb_encode with bank_size cpb %d * %d %s",
           name, c.bank_size, c.words, cpb, area, err);
    sg_csb_free(&direct);
    if (rc == 0) {
        sg_csb_decode(&c, w_back);
        tap_ok(memcmp(w_back, l.w, (size_t)l.c_out * l.c_in * area * sizeof *w_back) == 0,
               "%s: csb decode = weights", name);
        if (pattern == 0)
            tap_ok(bbs_layout_ok(&c, &l), "%s: bbs k %d: %d words per row, no padding lanes",
                   name, l.bbs_k, sg_csb_row_words(&c, 0));
        if (pattern == 3)
            tap_ok(c.words == 0 && c.nnz == 0, "%s: all-zero weights have no words", name);
        memset(y_csb, 0x55, nout * sizeof *y_csb);
        sg_conv_csb(&c, &s, l.in, &l.p, y_csb, a_csb);
        snprintf(what, sizeof what, "%s: csb acc = dense acc", name);
        expect_i64(a_csb, a_dense, (int)nout, what);
        snprintf(what, sizeof what, "%s: csb y = dense y", name);
        expect_i32(y_csb, y_dense, (int)nout, what);
    }
    sg_csb_free(&c);

    /* coverage */
    cov.act[l.p.act]++;
    cov.data_w[l.p.data_w == 16]++;
    acc_i = l.p.acc_w == 16 ? 0 : l.p.acc_w == 24 ? 1 : 2;
    cov.acc_w[acc_i]++;
    cov.wrapped[acc_i] += wrapped > 0;
    cov.big_kernel += l.kh > l.h_in || l.kw > l.w_in;
    cov.one_by_one += l.ho == 1 && l.wo == 1;
    cov.ragged += l.c_in % banks != 0;
    cov.pattern[pattern]++;
    cov.banks[banks]++;

    free(y_ref);
    free(y_dense);
    free(y_csb);
    free(a_ref);
    free(a_dense);
    free(a_csb);
    free(w_back);
    free_layer(&l);
}

static const int bank_counts[] = {1, 2, 3, 4, 8, 16};
static const int kernels[] = {1, 3, 5, 7, 11};

/* Layer number t gets B and the sparsity pattern from t, so every
 * combination comes round every 24 layers. */
static int layer_no;

static void check_spec(const char *name, const struct spec *sp)
{
    int t = layer_no++;

    check_layer(name, sp, bank_counts[t % 6], (t / 6) % 4);
}

static void check_random_layers(void)
{
    /* Named corner cases. */
    static const struct spec named[] = {
        {0, 3, 3, 5, 5, 1, 1, 2, 2},   /* 5x5 kernel on a 3x3 input, pad 2 -> 3x3 */
        {0, 3, 3, 5, 5, 2, 2, 2, 2},   /* the same, stride 2 -> 2x2 */
        {0, 3, 3, 5, 5, 1, 1, 1, 1},   /* 5x5 on 3x3, pad 1 -> 1x1 */
        {0, 1, 1, 3, 3, 1, 1, 1, 1},   /* 3x3 on 1x1, pad 1 -> 1x1 */
        {0, 1, 1, 7, 7, 1, 1, 3, 3},   /* 7x7 on 1x1, pad 3 -> 1x1 */
        {0, 11, 11, 11, 11, 4, 4, 0, 0}, /* 11x11 on 11x11 -> 1x1 */
        {0, 2, 9, 5, 3, 3, 1, 2, 0},   /* kernel taller than the input, not wider */
        {7, 8, 8, 3, 3, 1, 1, 1, 1},   /* 7 channels: ragged for B 2, 3, 4, 8, 16 */
        {13, 5, 5, 1, 1, 1, 1, 0, 0},  /* 13 channels of 1x1 */
        {17, 4, 4, 3, 3, 1, 1, 1, 1},  /* more channels than 16 banks, ragged */
    };
    static const int rect[] = {1, 2, 3, 4, 5, 7, 11};
    char name[64];
    int ki, st, pad, t;
    size_t i;

    /* Every square kernel, stride 1..4 and padding 0..3. */
    for (ki = 0; ki < 5; ki++)
        for (st = 1; st <= 4; st++)
            for (pad = 0; pad <= 3; pad++) {
                struct spec sp;

                memset(&sp, 0, sizeof sp);
                sp.kh = sp.kw = kernels[ki];
                sp.sh = sp.sw = st;
                sp.ph = sp.pw = pad;
                snprintf(name, sizeof name, "grid %d", layer_no);
                check_spec(name, &sp);
            }
    for (i = 0; i < sizeof named / sizeof named[0]; i++) {
        snprintf(name, sizeof name, "named %d", (int)i);
        check_spec(name, &named[i]);
    }
    for (t = 0; t < RANDOM_TRIALS; t++) {
        struct spec sp;

        memset(&sp, 0, sizeof sp);
        sp.kh = rect[rng_below(7)];
        sp.kw = rng_below(2) ? sp.kh : rect[rng_below(7)];
        sp.sh = 1 + rng_below(4);
        sp.sw = rng_below(2) ? sp.sh : 1 + rng_below(4);
        sp.ph = rng_below(4);
        sp.pw = rng_below(2) ? sp.ph : rng_below(4);
        snprintf(name, sizeof name, "random %d", t);
        check_spec(name, &sp);
    }

    tap_ok(cov.act[0] > 0 && cov.act[1] > 0 && cov.act[2] > 0,
           "coverage: activations none %d relu %d relu6 %d", cov.act[0], cov.act[1], cov.act[2]);
    tap_ok(cov.data_w[0] > 0 && cov.data_w[1] > 0, "coverage: data_w 8 %d, 16 %d", cov.data_w[0],
           cov.data_w[1]);
    tap_ok(cov.wrapped[0] > 0 && cov.wrapped[1] > 0 && cov.wrapped[2] > 0,
           "coverage: accumulators wrapped in %d/%d layers at acc 16, %d/%d at 24, %d/%d at 32",
           cov.wrapped[0], cov.acc_w[0], cov.wrapped[1], cov.acc_w[1], cov.wrapped[2],
           cov.acc_w[2]);
    tap_ok(cov.big_kernel > 0 && cov.one_by_one > 0 && cov.ragged > 0,
           "coverage: kernel larger than the input %d, 1x1 outputs %d, c_in not a multiple of B %d",
           cov.big_kernel, cov.one_by_one, cov.ragged);
    tap_ok(cov.pattern[0] > 0 && cov.pattern[1] > 0 && cov.pattern[2] > 0 && cov.pattern[3] > 0,
           "coverage: bbs %d, unstructured %d, dense %d, zero %d", cov.pattern[0], cov.pattern[1],
           cov.pattern[2], cov.pattern[3]);
    for (i = 0; i < 6; i++)
        tap_ok(cov.banks[bank_counts[i]] > 0, "coverage: %d layers with B = %d",
               cov.banks[bank_counts[i]], bank_counts[i]);
}

/* ---- hand-computed examples ---- */

/* A 1-channel 3x3 shape with the given input size, stride and padding. */
static sg_conv_shape shape_1ch(int h, int w, int st, int pad)
{
    sg_conv_shape s;

    memset(&s, 0, sizeof s);
    s.c_in = s.c_out = 1;
    s.h_in = h;
    s.w_in = w;
    s.kh = s.kw = 3;
    s.stride_h = s.stride_w = st;
    s.pad_h = s.pad_w = pad;
    return s;
}

/* Run a hand example through dense and CSB (B = 1 and 2) against want. */
static void check_hand(const char *name, const int32_t *w, const sg_conv_shape *s,
                       const int32_t *in, const sg_fc_params *p, const int32_t *want, int n)
{
    int32_t got[16];
    char what[96];
    int b;

    memset(got, 0x55, sizeof got);
    sg_conv_dense(w, s, in, p, got, NULL);
    snprintf(what, sizeof what, "%s: dense, every output", name);
    expect_i32(got, want, n, what);
    for (b = 1; b <= 2; b++) {
        sg_csb c;
        int rc = sg_conv_csb_encode(w, s, b, &c, NULL, 0);

        memset(got, 0x55, sizeof got);
        if (rc == 0)
            sg_conv_csb(&c, s, in, p, got, NULL);
        snprintf(what, sizeof what, "%s: csb B %d, every output", name, b);
        expect_i32(got, want, n, what);
        sg_csb_free(&c);
    }
}

static void check_hand_examples(void)
{
    /* in = 1 2 3 / 4 5 6 / 7 8 9, kernel = 1 0 -1 / 2 1 0 / 0 -1 3, pad 1,
     * stride 1.  With P the input framed by zeros, out(y, x) = sum over
     * (i, j) of w[i][j] P[y + i][x + j]:
     *   (0,0): 1*1 - 1*4 + 3*5                   = 12
     *   (0,1): 2*1 + 1*2 - 1*5 + 3*6             = 17
     *   (0,2): 2*2 + 1*3 - 1*6                   =  1
     *   (1,0): -1*2 + 1*4 - 1*7 + 3*8            = 19
     *   (1,1): 1 - 3 + 8 + 5 - 8 + 27            = 30
     *   (1,2): 1*2 + 2*5 + 1*6 - 1*9             =  9
     *   (2,0): -1*5 + 1*7                        =  2
     *   (2,1): 1*4 - 1*6 + 2*7 + 1*8             = 20
     *   (2,2): 1*5 + 2*8 + 1*9                   = 30
     * bias 10, M 1, S 0: y = acc + 10. */
    static const int32_t in3[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const int32_t k3[9] = {1, 0, -1, 2, 1, 0, 0, -1, 3};
    static const int32_t want_a[9] = {22, 27, 11, 29, 40, 19, 12, 30, 40};
    /* The same accumulators with bias -20: -8 -3 -19 / -1 10 -11 / -18 0 10;
     * M 3, S 2: (3 acc + 2) >> 2 = -6 -2 -14 / -1 8 -8 / -13 0 8; ReLU6 with
     * the quantized 6 at 5 clamps to 0 0 0 / 0 5 0 / 0 0 5. */
    static const int32_t want_b[9] = {0, 0, 0, 0, 5, 0, 0, 0, 5};
    /* in[r][c] = 5 r + c + 1 (5x5), kernel 1 2 0 / 0 -1 0 / 3 0 1, pad 1,
     * stride 2 -> 3x3.  With (r, c) = (2y, 2x) the input under the kernel's
     * centre, out = in[r-1][c-1] + 2 in[r-1][c] - in[r][c] + 3 in[r+1][c-1]
     *             + in[r+1][c+1], 0 outside:
     *   (0,0): -1 + 7                      =  6
     *   (0,1): -3 + 3*7 + 9                = 27
     *   (0,2): -5 + 3*9                    = 22
     *   (1,0): 2*6 - 11 + 17               = 18
     *   (1,1): 7 + 2*8 - 13 + 3*17 + 19    = 80
     *   (1,2): 9 + 2*10 - 15 + 3*19        = 71
     *   (2,0): 2*16 - 21                   = 11
     *   (2,1): 17 + 2*18 - 23              = 30
     *   (2,2): 19 + 2*20 - 25              = 34 */
    static const int32_t k5[9] = {1, 2, 0, 0, -1, 0, 3, 0, 1};
    static const int32_t want_c[9] = {6, 27, 22, 18, 80, 71, 11, 30, 34};
    int32_t in5[25], bias = 10, mult = 1;
    int8_t shift = 0;
    sg_fc_params p = {16, 32, SG_ACT_NONE, 0, &bias, &mult, &shift};
    sg_conv_shape s = shape_1ch(3, 3, 1, 1);
    int i, rc;

    rc = sg_conv_shape_derive(&s, NULL, 0);
    tap_ok(rc == 0 && s.h_out == 3 && s.w_out == 3, "hand 3x3 pad 1 stride 1: 3x3 output");
    check_hand("hand 3x3 pad 1 stride 1", k3, &s, in3, &p, want_a, 9);
    bias = -20;
    mult = 3;
    shift = 2;
    p.data_w = 8;
    p.act = SG_ACT_RELU6;
    p.act_max = 5;
    check_hand("hand 3x3 pad 1 stride 1, requant + relu6", k3, &s, in3, &p, want_b, 9);

    for (i = 0; i < 25; i++)
        in5[i] = i + 1;
    s = shape_1ch(5, 5, 2, 1);
    rc = sg_conv_shape_derive(&s, NULL, 0);
    tap_ok(rc == 0 && s.h_out == 3 && s.w_out == 3, "hand 5x5 pad 1 stride 2: 3x3 output");
    bias = 0;
    mult = 1;
    shift = 0;
    p.data_w = 16;
    p.act = SG_ACT_NONE;
    check_hand("hand 5x5 pad 1 stride 2", k5, &s, in5, &p, want_c, 9);
}

/* ---- CSB bank layout by hand ---- */

/* Weight index of w[o][c][i][j] for c_in 6, 3x3. */
#define W6(o, c, i, j) ((((o) * 6 + (c)) * 3 + (i)) * 3 + (j))

static void check_bank_layout(void)
{
    /* c_in 6, 3x3, B 4: cpb = ceil(6 / 4) = 2, bank_size = 2 * 9 = 18; bank b
     * holds channels 2b, 2b + 1 (bank 3 would hold 6, 7: none exist).  Column
     * (c * 3 + i) * 3 + j, bank = column / 18, offset = column % 18
     * = ((c % 2) * 3 + i) * 3 + j:
     *   row 0: w[0][0][0][0] = 1  col  0 -> bank 0 offset  0
     *          w[0][1][2][2] = 2  col 17 -> bank 0 offset 17
     *          w[0][2][0][1] = 3  col 19 -> bank 1 offset  1
     *          w[0][3][2][1] = 5  col 34 -> bank 1 offset 16
     *          w[0][5][1][0] = 4  col 48 -> bank 2 offset 12
     *   row 1: w[1][5][2][2] = 6  col 53 -> bank 2 offset 17
     * Row 0: banks 0 and 1 hold 2 nonzeros, bank 2 one, bank 3 none: 2 words,
     * word 0 = (1,0) (3,1) (4,12) (0,0), word 1 = (2,17) (5,16) (0,0) (0,0).
     * Row 1: 1 word = (0,0) (0,0) (6,17) (0,0). */
    static const int32_t want_val[12] = {1, 3, 4, 0, 2, 5, 0, 0, 0, 0, 6, 0};
    static const uint32_t want_off[12] = {0, 1, 12, 0, 17, 16, 0, 0, 0, 0, 17, 0};
    /* bank_size for other shapes: {c_in, kh, kw, B, want}. */
    static const int sizes[][5] = {
        {6, 3, 3, 4, 18}, {6, 3, 3, 8, 9}, {3, 3, 3, 16, 9}, {96, 11, 11, 16, 726},
        {5, 5, 5, 2, 75}, {7, 1, 1, 3, 3}, {1, 7, 7, 1, 49}, {6, 3, 3, 1, 54},
    };
    int32_t w[2 * 54];
    sg_conv_shape s;
    sg_csb c;
    char err[128] = "";
    int rc, ok, i;

    memset(w, 0, sizeof w);
    w[W6(0, 0, 0, 0)] = 1;
    w[W6(0, 1, 2, 2)] = 2;
    w[W6(0, 2, 0, 1)] = 3;
    w[W6(0, 3, 2, 1)] = 5;
    w[W6(0, 5, 1, 0)] = 4;
    w[W6(1, 5, 2, 2)] = 6;
    memset(&s, 0, sizeof s);
    s.c_in = 6;
    s.c_out = 2;
    s.h_in = s.w_in = 4;
    s.kh = s.kw = 3;
    s.stride_h = s.stride_w = 1;
    s.pad_h = s.pad_w = 1;
    rc = sg_conv_shape_derive(&s, NULL, 0) || sg_conv_csb_encode(w, &s, 4, &c, err, sizeof err);
    tap_ok(rc == 0, "layout: encode c_in 6 B 4 %s", err);
    if (rc != 0)
        return;
    tap_ok(c.rows == 2 && c.cols == 54 && c.banks == 4 && c.bank_size == 18,
           "layout: rows %d cols %d banks %d bank_size %d (want 2 54 4 18)", c.rows, c.cols,
           c.banks, c.bank_size);
    tap_ok(c.words == 3 && c.row_start[0] == 0 && c.row_start[1] == 2 && c.row_start[2] == 3 &&
               c.nnz == 6,
           "layout: words %d row_start %d %d %d nnz %lld (want 3, 0 2 3, 6)", c.words,
           c.row_start[0], c.row_start[1], c.row_start[2], c.nnz);
    for (ok = 1, i = 0; i < 12; i++)
        if (c.value[i] != want_val[i] || c.offset[i] != want_off[i]) {
            tap_diag("layout: word %d lane %d is (%ld, %lu), want (%ld, %lu)", i / 4, i % 4,
                     (long)c.value[i], (unsigned long)c.offset[i], (long)want_val[i],
                     (unsigned long)want_off[i]);
            ok = 0;
        }
    tap_ok(ok, "layout: every lane (value, offset) as worked out by hand");
    /* sg_conv_csb on this encoding = dense, over a 4x4 input with pad 1. */
    {
        int32_t in[6 * 16], y_d[2 * 16], y_c[2 * 16], bias[2] = {3, -4}, mult[2] = {1, 1};
        int8_t shift[2] = {0, 0};
        sg_fc_params p = {16, 32, SG_ACT_NONE, 0, bias, mult, shift};

        for (i = 0; i < 6 * 16; i++)
            in[i] = (i * 7) % 23 - 11;
        sg_conv_dense(w, &s, in, &p, y_d, NULL);
        sg_conv_csb(&c, &s, in, &p, y_c, NULL);
        expect_i32(y_c, y_d, 2 * 16, "layout: csb conv = dense conv on the hand encoding");
    }
    sg_csb_free(&c);

    for (i = 0; i < (int)(sizeof sizes / sizeof sizes[0]); i++) {
        int32_t *z;

        memset(&s, 0, sizeof s);
        s.c_in = sizes[i][0];
        s.kh = sizes[i][1];
        s.kw = sizes[i][2];
        s.c_out = 1;
        z = xcalloc((size_t)s.c_in * s.kh * s.kw, sizeof *z);
        z[0] = 1;
        rc = sg_conv_csb_encode(z, &s, sizes[i][3], &c, NULL, 0);
        tap_ok(rc == 0 && c.bank_size == sizes[i][4] && c.cols == s.c_in * s.kh * s.kw,
               "layout: c_in %d %dx%d B %d -> bank_size %d (want %d)", s.c_in, s.kh, s.kw,
               sizes[i][3], c.bank_size, sizes[i][4]);
        sg_csb_free(&c);
        free(z);
    }
}

/* A hand-built encoding whose second lane points past the window: the
 * guard must skip it (ASan would report a read beyond the input). */
static void check_column_guard(void)
{
    int row_start[2] = {0, 1};
    int32_t value[2] = {5, 9};   /* lane 1: column 2 + 1 = 3, past cols = 3 */
    uint32_t offset[2] = {1, 1}; /* lane 0: column 1 = channel 1 */
    int32_t *in = xcalloc(3, sizeof *in), y = 0, bias = 0, mult = 1;
    int8_t shift = 0;
    int64_t acc = 0;
    sg_csb c = {1, 3, 2, 2, row_start, 1, value, offset, 2};
    sg_fc_params p = {16, 32, SG_ACT_NONE, 0, &bias, &mult, &shift};
    sg_conv_shape s;

    memset(&s, 0, sizeof s);
    s.c_in = 3;
    s.c_out = s.h_in = s.w_in = s.kh = s.kw = s.stride_h = s.stride_w = 1;
    sg_conv_shape_derive(&s, NULL, 0);
    in[0] = 100;
    in[1] = 7;
    in[2] = 1000;
    sg_conv_csb(&c, &s, in, &p, &y, &acc);
    tap_ok(acc == 35 && y == 35, "csb skips a lane past the window (acc %lld)", (long long)acc);
    free(in);
}

/* Bad encode arguments. */
static void check_encode_errors(void)
{
    int32_t w[9] = {1};
    sg_conv_shape s;
    sg_csb c;
    char err[160];

    memset(&s, 0, sizeof s);
    s.c_in = s.c_out = 1;
    s.kh = s.kw = 3;
    err[0] = 0;
    tap_ok(sg_conv_csb_encode(w, &s, 0, &c, err, sizeof err) == -1 && strstr(err, "banks 0"),
           "encode: banks 0 -> %s", err);
    s.c_in = 0;
    err[0] = 0;
    tap_ok(sg_conv_csb_encode(w, &s, 1, &c, err, sizeof err) == -1 && strstr(err, "c_in 0"),
           "encode: c_in 0 -> %s", err);
    s.c_in = INT_MAX / 4;
    err[0] = 0;
    tap_ok(sg_conv_csb_encode(w, &s, 1, &c, err, sizeof err) == -1 && strstr(err, "c_in") &&
               strstr(err, "out of range"),
           "encode: c_in * kh * kw past INT_MAX -> %s", err);
    err[0] = 0;
    tap_ok(sg_conv_csb_encode(w, NULL, 1, &c, err, sizeof err) == -1 && err[0] != 0,
           "encode: null shape -> %s", err);
    s.c_in = 1;
    err[0] = 0;
    tap_ok(sg_conv_csb_encode(NULL, &s, 1, &c, err, sizeof err) == -1 && err[0] != 0,
           "encode: null weights -> %s", err);
}

/* ---- max-pool ---- */

static void check_maxpool(void)
{
    /* 2x2 stride 2 over 4x4:
     *    1  -2   3   4
     *   -5   6  -7   8      -> 6  8
     *    9  10 -11 -12         14 -11
     *  -13  14 -15 -16 */
    static const int32_t in_a[16] = {1, -2, 3, 4, -5, 6, -7, 8, 9, 10, -11, -12, -13, 14, -15, -16};
    static const int32_t want_a[4] = {6, 8, 14, -11};
    /* 3x3 stride 2 over 5x5 (AlexNet-style overlap; windows share row 2 and
     * column 2), channel 0:
     *    3 -1  4 -1  5
     *   -9  2 -6  5 -3
     *    5 -8  1 -7  9      -> 5 9 / 6 9 (the 9 at (2,4) is in both right windows)
     *   -3  2 -3  8 -4
     *    6 -2  6 -4  3
     * channel 1: -(5 r + c + 1) - 100, all negative, so each window's max is
     * its top-left: -101 -103 / -111 -113. */
    static const int32_t in_b[50] = {
        3, -1, 4, -1, 5, -9, 2, -6, 5, -3, 5, -8, 1, -7, 9, -3, 2, -3, 8, -4, 6, -2, 6, -4, 3,
        -101, -102, -103, -104, -105, -106, -107, -108, -109, -110, -111, -112, -113, -114,
        -115, -116, -117, -118, -119, -120, -121, -122, -123, -124, -125};
    static const int32_t want_b[8] = {5, 9, 6, 9, -101, -103, -111, -113};
    /* k = h = w = 3, stride 1: one global max per channel. */
    static const int32_t in_c[18] = {-7, -3, -9, -4, -8, -5, -6, -2, -10,
                                     0, 4, -1, 7, 2, 7, 3, -5, 1};
    static const int32_t want_c[2] = {-2, 7};
    /* k = h = 2 over 2x4, stride 2: 1x2. */
    static const int32_t in_d[8] = {1, 2, -3, -4, 4, 3, -2, -1};
    static const int32_t want_d[2] = {4, -1};
    /* Floor mode: 3x3 stride 2 over 6x6 with in[r][c] = 6 r + c -> 2x2 (the
     * last row and column are dropped, so 35 never shows): 14 16 / 26 28. */
    static const int32_t want_e[4] = {14, 16, 26, 28};
    int32_t out[16], in_e[36];
    int ho = 0, wo = 0, rc, i;
    char err[128];
    struct bad {
        int c, h, w, k, st;  /* arguments */
        const char *needle;  /* expected in the message */
    };
    static const struct bad bad[] = {
        {1, 4, 4, 0, 1, "k 0"},  {1, 4, 4, 2, 0, "st 0"},  {1, 4, 6, 5, 1, "k 5"},
        {1, 6, 4, 5, 1, "k 5"},  {1, 4, 4, -1, 1, "k -1"}, {1, 4, 4, 2, -3, "st -3"},
        {0, 4, 4, 2, 2, "c 0"},  {1, 0, 4, 1, 1, "h 0"},   {1, 4, 0, 1, 1, "w 0"},
    };

    rc = sg_maxpool(in_a, 1, 4, 4, 2, 2, out, &ho, &wo, NULL, 0);
    tap_ok(rc == 0 && ho == 2 && wo == 2, "maxpool 2x2/2: 2x2 output");
    expect_i32(out, want_a, 4, "maxpool 2x2/2: every output");
    rc = sg_maxpool(in_b, 2, 5, 5, 3, 2, out, &ho, &wo, NULL, 0);
    tap_ok(rc == 0 && ho == 2 && wo == 2, "maxpool 3x3/2 overlapping: 2x2 output");
    expect_i32(out, want_b, 8, "maxpool 3x3/2 overlapping, negative channel: every output");
    rc = sg_maxpool(in_c, 2, 3, 3, 3, 1, out, &ho, &wo, NULL, 0);
    tap_ok(rc == 0 && ho == 1 && wo == 1, "maxpool k = h = w: 1x1 output");
    expect_i32(out, want_c, 2, "maxpool k = h = w: global max per channel");
    rc = sg_maxpool(in_d, 1, 2, 4, 2, 2, out, &ho, &wo, NULL, 0);
    tap_ok(rc == 0 && ho == 1 && wo == 2, "maxpool k = h < w: 1x2 output");
    expect_i32(out, want_d, 2, "maxpool k = h < w: every output");
    for (i = 0; i < 36; i++)
        in_e[i] = i;
    rc = sg_maxpool(in_e, 1, 6, 6, 3, 2, out, &ho, &wo, NULL, 0);
    tap_ok(rc == 0 && ho == 2 && wo == 2, "maxpool floor mode 6x6 3/2: 2x2 output");
    expect_i32(out, want_e, 4, "maxpool floor mode: every output");

    for (i = 0; i < (int)(sizeof bad / sizeof bad[0]); i++) {
        err[0] = 0;
        ho = wo = -7;
        rc = sg_maxpool(in_e, bad[i].c, bad[i].h, bad[i].w, bad[i].k, bad[i].st, out, &ho, &wo,
                        err, sizeof err);
        tap_ok(rc == -1 && strstr(err, bad[i].needle) != NULL && ho == -7 && wo == -7,
               "maxpool c %d h %d w %d k %d st %d -> \"%s\"", bad[i].c, bad[i].h, bad[i].w,
               bad[i].k, bad[i].st, err);
    }
    tap_ok(sg_maxpool(NULL, 1, 4, 4, 2, 2, out, &ho, &wo, NULL, 0) == -1,
           "maxpool null input, null err -> -1");
}

/* ---- shape derivation ---- */

/* A shape from its ten input fields. */
static sg_conv_shape mkshape(int c_in, int h, int w, int c_out, int kh, int kw, int sh, int sw,
                             int ph, int pw)
{
    sg_conv_shape s;

    memset(&s, 0, sizeof s);
    s.c_in = c_in;
    s.h_in = h;
    s.w_in = w;
    s.c_out = c_out;
    s.kh = kh;
    s.kw = kw;
    s.stride_h = sh;
    s.stride_w = sw;
    s.pad_h = ph;
    s.pad_w = pw;
    return s;
}

static void check_shapes(void)
{
    struct good {
        const char *what;
        int f[10];       /* c_in h w c_out kh kw sh sw ph pw */
        int h_out, w_out;
    };
    static const struct good good[] = {
        {"AlexNet conv1", {3, 227, 227, 96, 11, 11, 4, 4, 0, 0}, 55, 55},
        {"VGG 3x3 pad 1", {64, 56, 56, 64, 3, 3, 1, 1, 1, 1}, 56, 56},
        {"227, k 11, s 4, pad 2", {3, 227, 227, 96, 11, 11, 4, 4, 2, 2}, 56, 56},
        {"5x5 on 3x3, pad 2", {1, 3, 3, 1, 5, 5, 1, 1, 2, 2}, 3, 3},
        {"5x5 on 3x3, pad 1", {1, 3, 3, 1, 5, 5, 1, 1, 1, 1}, 1, 1},
        {"rectangular", {2, 7, 9, 3, 3, 5, 2, 1, 0, 2}, 3, 9},
        {"1x1 stride 4, floor", {8, 10, 10, 4, 1, 1, 4, 4, 0, 0}, 3, 3},
    };
    struct bad {
        int f[10];
        const char *needle; /* the field and value the message must name */
    };
    static const struct bad bad[] = {
        {{0, 8, 8, 1, 3, 3, 1, 1, 0, 0}, "c_in 0"},
        {{1, 0, 8, 1, 3, 3, 1, 1, 0, 0}, "h_in 0"},
        {{1, 8, 0, 1, 3, 3, 1, 1, 0, 0}, "w_in 0"},
        {{1, 8, 8, 0, 3, 3, 1, 1, 0, 0}, "c_out 0"},
        {{1, 8, 8, 1, 0, 3, 1, 1, 0, 0}, "kh 0"},
        {{1, 8, 8, 1, 3, 0, 1, 1, 0, 0}, "kw 0"},
        {{1, 8, 8, 1, 3, 3, 0, 1, 0, 0}, "stride_h 0"},
        {{1, 8, 8, 1, 3, 3, 1, 0, 0, 0}, "stride_w 0"},
        {{1, 8, 8, 1, 3, 3, -2, 1, 0, 0}, "stride_h -2"},
        {{1, 8, 8, 1, 3, 3, 1, 1, -1, 0}, "pad_h -1"},
        {{1, 8, 8, 1, 3, 3, 1, 1, 0, -1}, "pad_w -1"},
        {{-4, 8, 8, 1, 3, 3, 1, 1, 0, 0}, "c_in -4"},
        {{1, 3, 8, 1, 5, 3, 1, 1, 0, 0}, "kh 5"},   /* 5 > 3 + 0 */
        {{1, 3, 8, 1, 6, 3, 1, 1, 1, 0}, "kh 6"},   /* 6 > 3 + 2 */
        {{1, 8, 3, 1, 3, 5, 1, 1, 0, 0}, "kw 5"},
        {{1, 8, 8, 1, 3, 3, 1, 1, INT_MAX, 0}, "pad_h 2147483647"},      /* h_out > INT_MAX */
        {{INT_MAX, 8, 8, 1, 3, 3, 1, 1, 0, 0}, "c_in 2147483647"},       /* window > INT_MAX */
        {{1, 8, 8, 1, 3, 3, 1, 1, 0, INT_MAX / 2}, "pad_w 1073741823"},  /* w_out > INT_MAX */
        /* h_out, w_out ~ 2^31 each: the output (~2^62 elements) is too large */
        {{1, 8, 8, 1, 3, 3, 1, 1, INT_MAX / 2 - 8, INT_MAX / 2 - 8}, "h_out"},
        /* 2^20 x 2^21 x 2^21 input elements */
        {{1 << 20, 1 << 21, 1 << 21, 1, 1, 1, 1, 1, 0, 0}, "h_in 2097152"},
        /* ~2^31 output channels of ~2^31-long windows: too many weights */
        {{INT_MAX / 9, 8, 8, INT_MAX, 3, 3, 1, 1, 0, 0}, "c_out 2147483647"},
    };
    sg_conv_shape s;
    char err[160];
    int rc;
    size_t i;

    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        const int *f = good[i].f;

        s = mkshape(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]);
        err[0] = 0;
        rc = sg_conv_shape_derive(&s, err, sizeof err);
        tap_ok(rc == 0 && s.h_out == good[i].h_out && s.w_out == good[i].w_out,
               "shape %s: %dx%d (want %dx%d) %s", good[i].what, s.h_out, s.w_out, good[i].h_out,
               good[i].w_out, err);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const int *f = bad[i].f;

        s = mkshape(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]);
        s.h_out = s.w_out = -7;
        err[0] = 0;
        rc = sg_conv_shape_derive(&s, err, sizeof err);
        tap_ok(rc == -1 && strstr(err, bad[i].needle) != NULL && s.h_out == -7 && s.w_out == -7,
               "shape error names \"%s\": \"%s\"", bad[i].needle, err);
    }
    s = mkshape(1, 8, 8, 1, 3, 3, 0, 1, 0, 0);
    tap_ok(sg_conv_shape_derive(&s, NULL, 0) == -1, "shape error with a null err -> -1");
    tap_ok(sg_conv_shape_derive(NULL, err, sizeof err) == -1 && err[0] != 0,
           "shape null -> \"%s\"", err);
    s = mkshape(1, 8, 8, 1, 3, 3, 0, 1, 0, 0);
    err[0] = 'x';
    rc = sg_conv_shape_derive(&s, err, 1);
    tap_ok(rc == -1 && err[0] == 0, "shape error with a one-byte err buffer -> empty message");
}

/* ---- saturation extremes ---- */

/* Every weight w and activation x of a c_in x k x k window on a k x k input
 * (one output pixel), worked by hand; n = c_in k^2 products. */
struct extreme {
    const char *what;         /* description */
    int c_in, k;              /* channels and kernel size */
    int32_t w, x;             /* the one weight and activation value */
    int acc_w, data_w;        /* widths */
    int32_t bias, mult;       /* bias and requant multiplier */
    int shift;                /* requant shift */
    sg_act act;               /* activation (act_max 32) */
    int64_t want_acc, want_y; /* expected accumulator and output */
};

static const struct extreme extremes[] = {
    /* n = 7 * 121 = 847; 847 * 2^14 mod 2^16 = (847 mod 4) * 2^14 = 49152
     * -> -16384; (-16384 * 3 + 512) >> 10 = floor(-47.5) = -48 */
    {"8-bit min*min, acc 16", 7, 11, -128, -128, 16, 8, 0, 3, 10, SG_ACT_NONE, -16384, -48},
    /* 847 * 16129 = 13661263 = 208 * 65536 + 29775;
     * (29775 + 128) >> 8 = floor(116.8) = 116 */
    {"8-bit max*max, acc 16", 7, 11, 127, 127, 16, 8, 0, 1, 8, SG_ACT_NONE, 29775, 116},
    /* 847 * -16256 = -13768832 = -211 * 65536 + 59264 -> -6272;
     * (-6272 + 8) >> 4 = -392 saturates to -128 */
    {"8-bit min*max, acc 16", 7, 11, -128, 127, 16, 8, 0, 1, 4, SG_ACT_NONE, -6272, -128},
    /* M = -1: (6272 + 8) >> 4 = 392 -> 127 -> ReLU6 at 32 */
    {"8-bit min*max, acc 16, relu6", 7, 11, -128, 127, 16, 8, 0, -1, 4, SG_ACT_RELU6, -6272, 32},
    /* n = 1200 * 121 = 145200; 145200 * 2^14 = 2378956800 - 2^32 = -1916010496;
     * (-1916010496 + 2^23) >> 24 = floor(-113.7) = -114 */
    {"8-bit min*min, acc 32", 1200, 11, -128, -128, 32, 8, 0, 1, 24, SG_ACT_NONE, -1916010496,
     -114},
    /* 145200 * 16129 = 2341930800 - 2^32 = -1953036496;
     * (-1953036496 + 2^23) >> 24 = floor(-115.9) = -116 */
    {"8-bit max*max, acc 32", 1200, 11, 127, 127, 32, 8, 0, 1, 24, SG_ACT_NONE, -1953036496,
     -116},
    /* 145200 * -16256 = -2360371200 + 2^32 = 1934596096;
     * (1934596096 + 2^23) >> 24 = floor(115.8) = 115 */
    {"8-bit min*max, acc 32", 1200, 11, -128, 127, 32, 8, 0, 1, 24, SG_ACT_NONE, 1934596096,
     115},
    /* n = 3 * 9 = 27; 27 * 2^30 mod 2^32 = 3 * 2^30 -> -2^30, + bias 5
     * = -1073741819; (-1073741819 + 2^15) >> 16 = floor(-16383.5) = -16384 */
    {"16-bit min*min, acc 32", 3, 3, -32768, -32768, 32, 16, 5, 1, 16, SG_ACT_NONE, -1073741819,
     -16384},
    /* 27 * 32767^2 = 28989259803 = 6 * 2^32 + 3219456027 -> -1075511269;
     * (-1075511269 + 2^15) >> 16 = floor(-16410.9) = -16411 */
    {"16-bit max*max, acc 32", 3, 3, 32767, 32767, 32, 16, 0, 1, 16, SG_ACT_NONE, -1075511269,
     -16411},
    /* 27 * (-2^30 + 2^15) mod 2^32 = 2^30 + 884736 = 1074626560 = 16397.5 * 2^16
     * exactly: the tie rounds up to 16398 */
    {"16-bit min*max, acc 32", 3, 3, -32768, 32767, 32, 16, 0, 1, 16, SG_ACT_NONE, 1074626560,
     16398},
    /* 2^30 vanishes mod 2^16: only the bias 5 is left */
    {"16-bit min*min, acc 16", 3, 3, -32768, -32768, 16, 16, 5, 1, 0, SG_ACT_NONE, 5, 5},
    /* 32767^2 = 2^30 - 2^16 + 1 = 1 mod 2^16: 27 products leave 27 */
    {"16-bit max*max, acc 16", 3, 3, 32767, 32767, 16, 16, 0, 1, 0, SG_ACT_NONE, 27, 27},
};

/* One extreme case through the reference, dense and CSB (B = 4). */
static void check_extreme(const struct extreme *e)
{
    struct layer l;
    sg_conv_shape s;
    sg_csb c;
    size_t n = (size_t)e->c_in * e->k * e->k, i;
    int32_t y = 0, yr = 0, yc = 0, act_max = 32, bias = e->bias, mult = e->mult;
    int8_t shift = (int8_t)e->shift;
    int64_t acc = 0, ar = 0, ac = 0;
    int rc;

    memset(&l, 0, sizeof l);
    l.c_in = e->c_in;
    l.h_in = l.w_in = l.kh = l.kw = e->k;
    l.c_out = l.sh = l.sw = l.ho = l.wo = 1;
    l.w = xcalloc(n, sizeof *l.w);
    l.in = xcalloc(n, sizeof *l.in);
    for (i = 0; i < n; i++) {
        l.w[i] = e->w;
        l.in[i] = e->x;
    }
    l.bias = &bias;
    l.mult = &mult;
    l.shift = &shift;
    l.p.data_w = e->data_w;
    l.p.acc_w = e->acc_w;
    l.p.act = e->act;
    l.p.act_max = act_max;
    l.p.bias = &bias;
    l.p.mult = &mult;
    l.p.shift = &shift;
    s = mkshape(e->c_in, e->k, e->k, 1, e->k, e->k, 1, 1, 0, 0);
    rc = sg_conv_shape_derive(&s, NULL, 0);
    if (rc == 0)
        sg_conv_dense(l.w, &s, l.in, &l.p, &y, &acc);
    tap_ok(rc == 0 && acc == e->want_acc && y == e->want_y,
           "%s: dense acc %lld y %ld (want %lld, %lld)", e->what, (long long)acc, (long)y,
           (long long)e->want_acc, (long long)e->want_y);
    ref_conv(&l, &ar, &yr);
    tap_ok(ar == e->want_acc && yr == e->want_y, "%s: the reference agrees with the hand value",
           e->what);
    rc = sg_conv_csb_encode(l.w, &s, 4, &c, NULL, 0);
    if (rc == 0)
        sg_conv_csb(&c, &s, l.in, &l.p, &yc, &ac);
    tap_ok(rc == 0 && ac == e->want_acc && yc == e->want_y, "%s: csb acc %lld y %ld", e->what,
           (long long)ac, (long)yc);
    sg_csb_free(&c);
    free(l.w);
    free(l.in);
}

/* 16-bit min weights and activations, 3x3 kernel, 3x3 input, pad 1, acc 32:
 * each output sums (taps) * 2^30 mod 2^32 with 4 taps at a corner, 6 on an
 * edge, 9 in the centre: 4 * 2^30 -> 0, 6 * 2^30 -> 2^31 -> -2^31,
 * 9 * 2^30 -> 2^30.  The padding decides every value. */
static void check_padded_extreme(void)
{
    static const int64_t want[9] = {0, INT64_C(-2147483648), 0, INT64_C(-2147483648),
                                    INT64_C(1073741824), INT64_C(-2147483648), 0,
                                    INT64_C(-2147483648), 0};
    int32_t w[9], in[9], y[9], bias = 0, mult = 1;
    int8_t shift = 0;
    int64_t acc[9];
    sg_fc_params p = {16, 32, SG_ACT_NONE, 0, &bias, &mult, &shift};
    sg_conv_shape s = shape_1ch(3, 3, 1, 1);
    sg_csb c;
    int i;

    for (i = 0; i < 9; i++)
        w[i] = in[i] = -32768;
    sg_conv_shape_derive(&s, NULL, 0);
    sg_conv_dense(w, &s, in, &p, y, acc);
    expect_i64(acc, want, 9, "padded 16-bit extremes, acc 32: dense acc by hand");
    memset(acc, 0, sizeof acc);
    if (sg_conv_csb_encode(w, &s, 3, &c, NULL, 0) == 0)
        sg_conv_csb(&c, &s, in, &p, y, acc);
    expect_i64(acc, want, 9, "padded 16-bit extremes, acc 32: csb acc by hand");
    sg_csb_free(&c);
}

/* Grouped and depthwise convolution: the golden layer with compact weights
 * C_out x C_in/G x KH x KW equals the reference convolution on the
 * block-diagonal C_out x C_in weights (zero outside each output's group),
 * dense and through its CSB encoding; derive refuses groups that do not
 * divide the channels. */
static void check_groups(void)
{
    static const struct {
        int c_in, groups, opg; /* input channels, groups, outputs per group */
        struct spec sp;
    } cases[] = {
        {4, 2, 3, {4, 7, 6, 3, 3, 1, 1, 1, 1}},    {6, 3, 2, {6, 9, 9, 3, 3, 2, 2, 1, 1}},
        {8, 8, 1, {8, 6, 7, 3, 3, 1, 1, 1, 1}},    {8, 8, 2, {8, 8, 8, 3, 3, 2, 2, 1, 1}},
        {12, 4, 1, {12, 5, 5, 1, 1, 1, 1, 0, 0}},  {6, 2, 4, {6, 11, 11, 5, 5, 2, 2, 2, 2}},
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        struct layer l;
        int G = cases[ci].groups, cpg = cases[ci].c_in / G, banks = 1 + rng_below(6);
        make_layer(&l, &cases[ci].sp, banks, 2);
        /* outputs: opg per group, their parameters drawn again */
        l.c_out = G * cases[ci].opg;
        free(l.w);
        free(l.bias);
        free(l.mult);
        free(l.shift);
        int area = l.kh * l.kw;
        l.w = xcalloc((size_t)l.c_out * l.c_in * area, sizeof *l.w);
        int32_t *wc = xcalloc((size_t)l.c_out * cpg * area, sizeof *wc);
        l.bias = xcalloc((size_t)l.c_out, sizeof *l.bias);
        l.mult = xcalloc((size_t)l.c_out, sizeof *l.mult);
        l.shift = xcalloc((size_t)l.c_out, sizeof *l.shift);
        for (int o = 0; o < l.c_out; o++) {
            int g = o / cases[ci].opg;
            l.bias[o] = rng_signed(16);
            l.mult[o] = rng_signed(16);
            l.shift[o] = (int8_t)rng_below(20);
            for (int c = 0; c < cpg; c++)
                for (int t = 0; t < area; t++) {
                    int32_t v = rng_below(3) ? rng_signed(l.wgt_w) : 0;
                    wc[((size_t)o * cpg + c) * area + t] = v;
                    l.w[((size_t)o * l.c_in + g * cpg + c) * area + t] = v;
                }
        }
        l.p.bias = l.bias;
        l.p.mult = l.mult;
        l.p.shift = l.shift;
        size_t nout = (size_t)l.c_out * l.ho * l.wo;
        int32_t *y_ref = xcalloc(nout, sizeof *y_ref), *y = xcalloc(nout, sizeof *y);
        int64_t *a_ref = xcalloc(nout, sizeof *a_ref), *a = xcalloc(nout, sizeof *a);
        ref_conv(&l, a_ref, y_ref);
        sg_conv_shape s;
        memset(&s, 0, sizeof s);
        s.c_in = l.c_in, s.h_in = l.h_in, s.w_in = l.w_in, s.c_out = l.c_out;
        s.kh = l.kh, s.kw = l.kw, s.stride_h = l.sh, s.stride_w = l.sw;
        s.pad_h = l.ph, s.pad_w = l.pw, s.groups = G;
        char err[160] = "", what[160];
        int rc = sg_conv_shape_derive(&s, err, sizeof err);
        snprintf(what, sizeof what, "groups %d: %d -> %d channels, %dx%d kernel, stride %d, B %d",
                 G, l.c_in, l.c_out, l.kh, l.kw, l.sh, banks);
        tap_ok(rc == 0 && s.h_out == l.ho && s.w_out == l.wo, "%s: shape %s", what, err);
        sg_conv_dense(wc, &s, l.in, &l.p, y, a);
        char w2[200];
        snprintf(w2, sizeof w2, "%s: dense acc = block-diagonal reference", what);
        expect_i64(a, a_ref, (int)nout, w2);
        snprintf(w2, sizeof w2, "%s: dense y = block-diagonal reference", what);
        expect_i32(y, y_ref, (int)nout, w2);
        sg_csb c;
        rc = sg_conv_csb_encode(wc, &s, banks, &c, err, sizeof err);
        tap_ok(rc == 0 && c.cols == cpg * area &&
                   c.bank_size == (cpg + banks - 1) / banks * area,
               "%s: CSB rows hold the group's window (%d columns, bank size %d) %s", what, c.cols,
               c.bank_size, err);
        if (rc == 0) {
            memset(y, 0x55, nout * sizeof *y);
            sg_conv_csb(&c, &s, l.in, &l.p, y, a);
            snprintf(w2, sizeof w2, "%s: CSB y = block-diagonal reference", what);
            expect_i32(y, y_ref, (int)nout, w2);
            sg_csb_free(&c);
        }
        free(wc);
        free(y_ref);
        free(y);
        free(a_ref);
        free(a);
        free_layer(&l);
    }
    sg_conv_shape s = {6, 5, 5, 4, 3, 3, 1, 1, 0, 0, 0, 0, 4};
    char err[160] = "";
    tap_ok(sg_conv_shape_derive(&s, err, sizeof err) == -1 &&
               strstr(err, "groups 4 is out of range: must divide c_in 6 and c_out 4"),
           "groups 4 of 6 input channels: '%s'", err);
    s.groups = 3;
    tap_ok(sg_conv_shape_derive(&s, err, sizeof err) == -1 && strstr(err, "groups 3"),
           "groups 3 of 4 output channels: '%s'", err);
    s.groups = -1;
    tap_ok(sg_conv_shape_derive(&s, err, sizeof err) == -1 && strstr(err, "groups -1"),
           "groups -1: '%s'", err);
    s.groups = 2;
    tap_ok(sg_conv_shape_derive(&s, err, sizeof err) == 0 && s.h_out == 3,
           "groups 2 of 6 -> 4 channels derives %s", err);
}

int main(void)
{
    size_t i;

    (void)tap_skip_all; /* part of tap.h, not needed here */
    tap_diag("xorshift64 seed 0x%llx", (unsigned long long)SEED);
    check_hand_examples();
    check_bank_layout();
    check_column_guard();
    check_encode_errors();
    check_maxpool();
    check_shapes();
    for (i = 0; i < sizeof extremes / sizeof extremes[0]; i++)
        check_extreme(&extremes[i]);
    check_padded_extreme();
    check_random_layers();
    check_groups();
    return tap_done();
}
