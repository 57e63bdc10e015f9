/* test_fc.c: golden FC (dense and CSB) against a naive reference and hand-computed extremes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sg_csb.h"
#include "sg_fc.h"
#include "sg_post.h"
#include "tap.h"

#define SEED 0xfc0ffee1234ULL
#define TRIALS 300

static uint64_t rng_state = SEED; /* xorshift64 state */

/* xorshift64 (Marsaglia): a fixed-seed generator so every run is the same. */
static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Uniform integer in 0 .. n - 1 (n >= 1). */
static int64_t rng_below(int64_t n)
{
    return (int64_t)(rng_next() % (uint64_t)n);
}

/* Uniform value of a signed `bits`-bit integer (bits <= 32). */
static int32_t rng_signed(int bits)
{
    int64_t half = (int64_t)1 << (bits - 1);

    return (int32_t)(rng_below(2 * half) - half);
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

/* ---- naive reference, written without sg_post ---- */

/* x modulo 2^bits as a signed two's-complement value, by plain % arithmetic. */
static int64_t ref_wrap(int64_t x, int bits)
{
    int64_t mod = (int64_t)1 << bits; /* bits <= 32 here */
    int64_t r = x % mod;              /* C99: sign of x, |r| < mod */

    if (r < 0)
        r += mod;
    return r >= mod / 2 ? r - mod : r;
}

/* Accumulator of row r: the exact sum (|w x| <= 2^30 per term, so int64 holds
 * it for any row shorter than 2^31), wrapped once at the end. */
static int64_t ref_acc(const int32_t *w, int cols, int r, const int32_t *x, int32_t bias,
                       int acc_w)
{
    int64_t sum = bias;
    int c;

    for (c = 0; c < cols; c++)
        sum += (int64_t)w[(size_t)r * cols + c] * x[c];
    return ref_wrap(sum, acc_w);
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

/* ---- random layers ---- */

/* One random layer: shape, widths, weights, input and parameters. */
struct layer {
    int rows, cols, banks, wgt_w; /* shape, CSB banks and weight bits */
    int32_t *w, *x;               /* weights (rows x cols), input (cols, exact size) */
    int32_t *bias, *mult;         /* per row */
    int8_t *shift;                /* per row */
    sg_fc_params p;               /* points at the arrays above */
};

/* Fill weights of layer l by one of several sparsity patterns; returns its name. */
static const char *fill_weights(struct layer *l)
{
    static const char *const names[] = {"dense", "random", "balanced", "2:4", "block"};
    int pattern = (int)rng_below(5), pct = 1 + (int)rng_below(99), r, c;
    int bs = (l->cols + l->banks - 1) / l->banks;

    for (r = 0; r < l->rows; r++)
        for (c = 0; c < l->cols; c++) {
            int keep;

            switch (pattern) {
            case 0: keep = 1; break;                                    /* dense */
            case 1: keep = rng_below(100) < pct; break;                 /* unstructured */
            case 2: keep = (c % bs) < 1 + (r % 3); break;               /* bank-balanced */
            case 3: keep = (c % 4) == (r % 4) || (c % 4) == 3 - (r % 4); break; /* 2:4 */
            default: keep = ((r / 2 + c / 2) % 3) == 0; break;          /* 2x2 blocks */
            }
            l->w[(size_t)r * l->cols + c] = keep ? rng_signed(l->wgt_w) : 0;
        }
    return names[pattern];
}

/* Draw a random layer (free with free_layer). */
static const char *make_layer(struct layer *l)
{
    static const int wgt_ws[] = {4, 8, 16}, acc_ws[] = {16, 20, 32}, banks[] = {1, 2, 3, 4, 8, 16};
    int r;

    memset(l, 0, sizeof *l);
    l->rows = 1 + (int)rng_below(24);
    l->cols = 1 + (int)rng_below(300);
    l->banks = banks[rng_below(6)];
    l->wgt_w = wgt_ws[rng_below(3)];
    l->p.data_w = rng_below(2) ? 8 : 16;
    l->p.acc_w = acc_ws[rng_below(3)];
    l->p.act = (sg_act)rng_below(3);
    l->p.act_max = 1 + (int32_t)rng_below(((int64_t)1 << (l->p.data_w - 1)) - 1);
    l->w = xcalloc((size_t)l->rows * l->cols, sizeof *l->w);
    l->x = xcalloc((size_t)l->cols, sizeof *l->x);
    l->bias = xcalloc((size_t)l->rows, sizeof *l->bias);
    l->mult = xcalloc((size_t)l->rows, sizeof *l->mult);
    l->shift = xcalloc((size_t)l->rows, sizeof *l->shift);
    for (r = 0; r < l->cols; r++)
        l->x[r] = rng_signed(l->p.data_w);
    for (r = 0; r < l->rows; r++) {
        l->bias[r] = rng_below(4) ? rng_signed(l->p.acc_w < 20 ? 12 : 20) : rng_signed(32);
        l->mult[r] = rng_below(8) ? rng_signed(16) : rng_signed(32);
        l->shift[r] = (int8_t)(rng_below(8) ? rng_below(33) : rng_below(SG_SHIFT_MAX + 1));
    }
    l->p.bias = l->bias;
    l->p.mult = l->mult;
    l->p.shift = l->shift;
    return fill_weights(l);
}

static void free_layer(struct layer *l)
{
    free(l->w);
    free(l->x);
    free(l->bias);
    free(l->mult);
    free(l->shift);
}

/* Compare dense with the reference and CSB with dense for one random layer. */
static void check_random_layer(int t)
{
    struct layer l;
    const char *pattern = make_layer(&l);
    int32_t *yd = xcalloc((size_t)l.rows, sizeof *yd), *yc = xcalloc((size_t)l.rows, sizeof *yc);
    int64_t *ad = xcalloc((size_t)l.rows, sizeof *ad), *ac = xcalloc((size_t)l.rows, sizeof *ac);
    int r, bad_acc = 0, bad_y = 0, rc;
    char err[128] = "";
    sg_csb c;

    sg_fc_dense(l.w, l.rows, l.cols, l.x, &l.p, yd, ad);
    for (r = 0; r < l.rows; r++) {
        int64_t a = ref_acc(l.w, l.cols, r, l.x, l.bias[r], l.p.acc_w);
        int64_t y = ref_act(ref_requant(a, l.mult[r], l.shift[r], l.p.data_w), l.p.act,
                            l.p.act_max);

        if (ad[r] != a && bad_acc++ == 0)
            tap_diag("trial %d row %d: acc %lld, reference %lld", t, r, (long long)ad[r],
                     (long long)a);
        if (yd[r] != y && bad_y++ == 0)
            tap_diag("trial %d row %d: y %ld, reference %lld", t, r, (long)yd[r], (long long)y);
        bad_acc += sg_fc_dense_acc(l.w, l.cols, r, l.x, &l.p) != a;
    }
    tap_ok(bad_acc == 0 && bad_y == 0,
           "trial %d: dense = reference (%s, %d x %d, data %d, wgt %d, acc %d, act %s)", t,
           pattern, l.rows, l.cols, l.p.data_w, l.wgt_w, l.p.acc_w, sg_act_name(l.p.act));

    rc = sg_csb_encode(l.w, l.rows, l.cols, l.banks, 0, &c, err, sizeof err);
    if (rc == 0) {
        sg_fc_csb(&c, l.x, &l.p, yc, ac);
        rc = memcmp(yc, yd, (size_t)l.rows * sizeof *yc) != 0 ||
             memcmp(ac, ad, (size_t)l.rows * sizeof *ac) != 0;
    }
    tap_ok(rc == 0, "trial %d: csb = dense (%d banks, %d words) %s", t, l.banks, c.words, err);
    sg_csb_free(&c);
    free(yd);
    free(yc);
    free(ad);
    free(ac);
    free_layer(&l);
}

/* ---- hand-computed extremes ---- */

/* Every weight w, every activation x, one long row; acc and y worked by hand. */
struct extreme {
    const char *what;            /* description */
    int32_t w, x;                /* the one weight and activation value */
    int cols, acc_w, data_w;     /* row length and widths */
    int32_t bias, mult;          /* bias and requant multiplier */
    int shift;                   /* requant shift */
    sg_act act;                  /* activation */
    int64_t want_acc, want_y;    /* expected accumulator and output */
};

static const struct extreme extremes[] = {
    /* 1003 * 2^14 mod 2^16 = (1003 mod 4) * 2^14 = 49152 -> -16384;
     * (-16384 * 3 + 512) >> 10 = floor(-47.5) = -48 */
    {"8-bit min, acc 16", -128, -128, 1003, 16, 8, 0, 3, 10, SG_ACT_NONE, -16384, -48},
    /* same acc, S = 0: -16384 saturates to -128 */
    {"8-bit min, acc 16, S=0", -128, -128, 1003, 16, 8, 0, 1, 0, SG_ACT_NONE, -16384, -128},
    /* same, ReLU of a negative result */
    {"8-bit min, acc 16, relu", -128, -128, 1003, 16, 8, 0, 3, 10, SG_ACT_RELU, -16384, 0},
    /* 1003 * 16129 = 16177387 = 246 * 65536 + 55531 -> 55531 - 65536 = -10005;
     * (-30015 + 512) >> 10 = floor(-28.8) = -29 */
    {"8-bit max, acc 16", 127, 127, 1003, 16, 8, 0, 3, 10, SG_ACT_NONE, -10005, -29},
    /* 1003 * -16256 = -16304768 = -249 * 65536 + 13696;
     * (41088 + 512) >> 10 = floor(40.6) = 40 */
    {"8-bit min*max, acc 16", -128, 127, 1003, 16, 8, 0, 3, 10, SG_ACT_NONE, 13696, 40},
    /* 13696 -> 40 as above, then ReLU6 with the quantized 6 at 32 */
    {"8-bit min*max, relu6", -128, 127, 1003, 16, 8, 0, 3, 10, SG_ACT_RELU6, 13696, 32},
    /* 140000 * 2^14 = 2293760000 -> - 2^32 = -2001207296;
     * (-2001207296 + 2^23) >> 24 = floor(-118.8) = -119 */
    {"8-bit min, acc 32", -128, -128, 140000, 32, 8, 0, 1, 24, SG_ACT_NONE, -2001207296, -119},
    /* 140000 * 16129 = 2258060000 -> - 2^32 = -2036907296;
     * (-2036907296 + 2^23) >> 24 = floor(-120.9) = -121 */
    {"8-bit max, acc 32", 127, 127, 140000, 32, 8, 0, 1, 24, SG_ACT_NONE, -2036907296, -121},
    /* M = -1: (2036907296 + 2^23) >> 24 = floor(121.9) = 121 */
    {"8-bit max, acc 32, M=-1", 127, 127, 140000, 32, 8, 0, -1, 24, SG_ACT_NONE, -2036907296,
     121},
    /* 2^30 per product vanishes mod 2^16: only the bias 5 is left */
    {"16-bit min, acc 16", -32768, -32768, 1003, 16, 16, 5, 1, 0, SG_ACT_NONE, 5, 5},
    /* 5 + 1003 * 2^30 mod 2^32 = 5 + 3 * 2^30 -> 5 - 2^30 = -1073741819;
     * (-1073741819 + 2^15) >> 16 = floor(-16383.99..) = -16384 */
    {"16-bit min, acc 32", -32768, -32768, 1003, 32, 16, 5, 1, 16, SG_ACT_NONE, -1073741819,
     -16384},
    /* 1003 * 32767^2 = 1076897317867 = 250 * 2^32 + 3155493867 -> -1139473429;
     * (-1139473429 + 2^15) >> 16 = floor(-17386.5..) = -17387 */
    {"16-bit max, acc 32", 32767, 32767, 1003, 32, 16, 0, 1, 16, SG_ACT_NONE, -1139473429,
     -17387},
    /* same acc at S = 0 saturates to -32768 */
    {"16-bit max, acc 32, S=0", 32767, 32767, 1003, 32, 16, 0, 1, 0, SG_ACT_NONE, -1139473429,
     -32768},
    /* 1003 * -1073709056 = -1076930183168 = -251 * 2^32 + 1106608128;
     * 1106608128 / 2^16 = 16885.5 exactly: the tie rounds up to 16886 */
    {"16-bit min*max, acc 32", -32768, 32767, 1003, 32, 16, 0, 1, 16, SG_ACT_NONE, 1106608128,
     16886},
};

/* Run one extreme case through the dense path and, with 4 banks, the CSB path. */
static void check_extreme(const struct extreme *e)
{
    int32_t *w = xcalloc((size_t)e->cols, sizeof *w), *x = xcalloc((size_t)e->cols, sizeof *x);
    int32_t y = 0, yc = 0, bias = e->bias, mult = e->mult, act_max = 32;
    int8_t shift = (int8_t)e->shift;
    int64_t acc = 0, accc = 0;
    sg_fc_params p;
    sg_csb c;
    int i, rc;

    for (i = 0; i < e->cols; i++) {
        w[i] = e->w;
        x[i] = e->x;
    }
    p.data_w = e->data_w;
    p.acc_w = e->acc_w;
    p.act = e->act;
    p.act_max = act_max;
    p.bias = &bias;
    p.mult = &mult;
    p.shift = &shift;
    sg_fc_dense(w, 1, e->cols, x, &p, &y, &acc);
    tap_ok(acc == e->want_acc && y == e->want_y, "%s: dense acc %lld y %ld (want %lld, %lld)",
           e->what, (long long)acc, (long)y, (long long)e->want_acc, (long long)e->want_y);
    tap_ok(ref_acc(w, e->cols, 0, x, bias, e->acc_w) == e->want_acc,
           "%s: the reference agrees with the hand value", e->what);
    rc = sg_csb_encode(w, 1, e->cols, 4, 0, &c, NULL, 0);
    if (rc == 0)
        sg_fc_csb(&c, x, &p, &yc, &accc);
    tap_ok(rc == 0 && accc == e->want_acc && yc == e->want_y, "%s: csb acc %lld y %ld", e->what,
           (long long)accc, (long)yc);
    sg_csb_free(&c);
    free(w);
    free(x);
}

/* ---- small hand example and the CSB column guard ---- */

/* 2 x 3 layer worked by hand; y may be computed without acc. */
static void check_small(void)
{
    static const int32_t w[6] = {1, -2, 3, 0, 4, 0};
    static const int32_t x[3] = {10, 20, -30};
    static const int32_t bias[2] = {7, -100};
    static const int32_t mult[2] = {1, 3};
    static const int8_t shift[2] = {2, 1};
    sg_fc_params p = {8, 32, SG_ACT_NONE, 6, bias, mult, shift};
    int32_t y[2] = {0, 0};
    int64_t acc[2] = {0, 0};

    /* row 0: 7 + 10 - 40 - 90 = -113; (-113 + 2) >> 2 = floor(-27.75) = -28
     * row 1: -100 + 80 = -20; (-60 + 1) >> 1 = floor(-29.5) = -30 */
    sg_fc_dense(w, 2, 3, x, &p, y, acc);
    tap_ok(acc[0] == -113 && acc[1] == -20, "small: acc %lld %lld", (long long)acc[0],
           (long long)acc[1]);
    tap_ok(y[0] == -28 && y[1] == -30, "small: y %ld %ld", (long)y[0], (long)y[1]);
    p.act = SG_ACT_RELU;
    y[0] = y[1] = 99;
    sg_fc_dense(w, 2, 3, x, &p, y, NULL);
    tap_ok(y[0] == 0 && y[1] == 0, "small: relu with acc NULL");
}

/* A hand-built CSB whose lanes point past cols: the guard must skip them
 * (ASan would report a read beyond x). */
static void check_column_guard(void)
{
    int row_start[2] = {0, 1};
    int32_t value[2] = {5, 9};      /* lane 1 (column 2 + 1 = 3) is past cols = 3 */
    uint32_t offset[2] = {1, 1};
    int32_t *x = xcalloc(3, sizeof *x), y = 0, bias = 0, mult = 1;
    int8_t shift = 0;
    int64_t acc = 0;
    sg_csb c = {1, 3, 2, 2, row_start, 1, value, offset, 2};
    sg_fc_params p = {16, 32, SG_ACT_NONE, 0, &bias, &mult, &shift};

    x[0] = 100;
    x[1] = 7;
    x[2] = 1000;
    sg_fc_csb(&c, x, &p, &y, &acc);
    tap_ok(acc == 35 && y == 35, "csb skips a lane past cols (acc %lld)", (long long)acc);
    free(x);
}

int main(void)
{
    size_t i;
    int t;

    (void)tap_skip_all; /* part of tap.h, not needed here */
    tap_diag("xorshift64 seed 0x%llx, %d random layers", (unsigned long long)SEED, TRIALS);
    check_small();
    check_column_guard();
    for (i = 0; i < sizeof extremes / sizeof extremes[0]; i++)
        check_extreme(&extremes[i]);
    for (t = 0; t < TRIALS; t++)
        check_random_layer(t);
    return tap_done();
}
