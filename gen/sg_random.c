/* sg_random: build random FC, CNN and LSTM models from a short text spec. */
#include "sg_random.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rng {
    unsigned long long s; /* xorshift64* state, never 0 */
} rng;

static unsigned long long rnext(rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}

/* Uniform integer in lo..hi. */
static long long rrange(rng *r, long long lo, long long hi)
{
    return lo + (long long)(rnext(r) % (unsigned long long)(hi - lo + 1));
}

static double runit(rng *r)
{
    return (double)(rnext(r) >> 11) / 9007199254740992.0;
}

/* Nonzero weight in the wgt_w range. */
static int32_t rweight(rng *r, int wgt_w)
{
    long long hi = (1LL << (wgt_w - 1)) - 1, v;
    do
        v = rrange(r, -hi - 1, hi);
    while (v == 0);
    return (int32_t)v;
}

typedef struct spec {
    int rows[16], n_rows, cols, layers, n, m, banks, samples;
    int conv;                 /* type=conv: CONV layers (then an optional fc) */
    int lstm;                 /* type=lstm: LSTM layers (then an optional fc) */
    int steps;                /* type=lstm: sequence length T */
    int lstm_in;              /* input size of the LSTM layer being filled (0: none) */
    int alexnet;              /* net=alexnet (1, grouped), net=vgg16 (2) or
                               * net=alexnet-ungrouped (3): real layer shapes */
    int groups;               /* type=conv: groups of every CONV layer (1; -1: depthwise) */
    int ch, h, w, k, stride, pad, fc; /* conv input shape, kernel, stride, padding, final fc */
    int pool, pool_stride;    /* max-pool after each CONV layer (0: none), its stride */
    int bbs_bank;             /* bank size for bbs (0: ceil(cols / banks)) */
    double density;
    char pattern[16], act[8];
    unsigned long long seed;
} spec;

static int parse_spec(const sg_config *c, const char *text, spec *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->rows[0] = 64;
    s->n_rows = 1;
    s->cols = 100;
    s->layers = 1;
    s->n = 2;
    s->m = 4;
    s->banks = c->banks;
    s->samples = 1;
    s->density = 0.25;
    s->seed = 1;
    s->ch = 3;
    s->h = 8;
    s->w = 8;
    s->k = 3;
    s->stride = 1;
    s->pad = 1;
    s->steps = 8;
    snprintf(s->pattern, sizeof s->pattern, "bbs");
    snprintf(s->act, sizeof s->act, "mixed");
    char buf[512];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            snprintf(err, errlen, "random spec: '%s' is not key=value", tok);
            return -1;
        }
        *eq = '\0';
        const char *k = tok, *v = eq + 1;
        char *end = NULL;
        if (strcmp(k, "rows") == 0) {
            s->n_rows = 0;
            const char *q = v;
            while (*q && s->n_rows < 16) {
                long x = strtol(q, &end, 10);
                if (end == q || x < 1 || x > 1000000) {
                    snprintf(err, errlen, "random spec: bad rows '%s'", v);
                    return -1;
                }
                s->rows[s->n_rows++] = (int)x;
                q = *end == ':' ? end + 1 : end;
                if (*end && *end != ':')
                    break;
            }
            continue;
        }
        if (strcmp(k, "pattern") == 0 || strcmp(k, "act") == 0) {
            char *dst = k[0] == 'p' ? s->pattern : s->act;
            size_t cap = k[0] == 'p' ? sizeof s->pattern : sizeof s->act;
            if (strlen(v) >= cap) {
                snprintf(err, errlen, "random spec: bad %s '%s'", k, v);
                return -1;
            }
            memcpy(dst, v, strlen(v) + 1);
            continue;
        }
        if (strcmp(k, "groups") == 0 && strcmp(v, "dw") == 0) {
            s->groups = -1;
            continue;
        }
        if (strcmp(k, "net") == 0) {
            if (strcmp(v, "alexnet") != 0 && strcmp(v, "vgg16") != 0 &&
                strcmp(v, "alexnet-ungrouped") != 0) {
                snprintf(err, errlen,
                         "random spec: unknown net '%s': legal alexnet, alexnet-ungrouped, vgg16",
                         v);
                return -1;
            }
            s->alexnet = strcmp(v, "alexnet") == 0 ? 1 : strcmp(v, "vgg16") == 0 ? 2 : 3;
            continue;
        }
        if (strcmp(k, "type") == 0) {
            if (strcmp(v, "fc") != 0 && strcmp(v, "conv") != 0 && strcmp(v, "lstm") != 0) {
                snprintf(err, errlen, "random spec: unknown type '%s': legal fc, conv, lstm", v);
                return -1;
            }
            s->conv = strcmp(v, "conv") == 0;
            s->lstm = strcmp(v, "lstm") == 0;
            continue;
        }
        if (strcmp(k, "density") == 0) {
            s->density = strtod(v, &end);
            if (end == v || *end || !(s->density >= 0.0 && s->density <= 1.0)) {
                snprintf(err, errlen, "random spec: density '%s' is not in 0..1", v);
                return -1;
            }
            continue;
        }
        long long x = strtoll(v, &end, 10);
        if (end == v || *end) {
            snprintf(err, errlen, "random spec: value '%s' of '%s' is not an integer", v, k);
            return -1;
        }
        if (strcmp(k, "seed") == 0)
            s->seed = (unsigned long long)x;
        else if (strcmp(k, "cols") == 0 && x >= 1 && x <= 1000000)
            s->cols = (int)x;
        else if (strcmp(k, "layers") == 0 && x >= 1 && x <= 16)
            s->layers = (int)x;
        else if (strcmp(k, "n") == 0 && x >= 0 && x <= 64)
            s->n = (int)x;
        else if (strcmp(k, "m") == 0 && x >= 1 && x <= 64)
            s->m = (int)x;
        else if (strcmp(k, "banks") == 0 && x >= 1 && x <= 64)
            s->banks = (int)x;
        else if (strcmp(k, "samples") == 0 && x >= 1 && x <= 100000)
            s->samples = (int)x;
        else if (strcmp(k, "c") == 0 && x >= 1 && x <= 4096)
            s->ch = (int)x;
        else if (strcmp(k, "h") == 0 && x >= 1 && x <= 4096)
            s->h = (int)x;
        else if (strcmp(k, "w") == 0 && x >= 1 && x <= 4096)
            s->w = (int)x;
        else if (strcmp(k, "k") == 0 && x >= 1 && x <= 15)
            s->k = (int)x;
        else if (strcmp(k, "stride") == 0 && x >= 1 && x <= 16)
            s->stride = (int)x;
        else if (strcmp(k, "pad") == 0 && x >= 0 && x <= 8)
            s->pad = (int)x;
        else if (strcmp(k, "fc") == 0 && x >= 0 && x <= 100000)
            s->fc = (int)x;
        else if (strcmp(k, "groups") == 0 && x >= 1 && x <= 4096)
            s->groups = (int)x;
        else if (strcmp(k, "pool") == 0 && x >= 0 && x <= 15)
            s->pool = (int)x;
        else if (strcmp(k, "pool_stride") == 0 && x >= 1 && x <= 16)
            s->pool_stride = (int)x;
        else if (strcmp(k, "steps") == 0 && x >= 1 && x <= 100000)
            s->steps = (int)x;
        else {
            snprintf(err, errlen, "random spec: unknown key or bad value '%s=%s'", k, v);
            return -1;
        }
    }
    const char *pats[] = {"bbs", "nm", "unstructured", "block", "dense", "zero"};
    int ok = 0;
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++)
        ok |= strcmp(s->pattern, pats[i]) == 0;
    if (!ok) {
        snprintf(err, errlen,
                 "random spec: unknown pattern '%s': legal bbs, nm, unstructured, block, dense, zero",
                 s->pattern);
        return -1;
    }
    if (strcmp(s->act, "mixed") != 0 && sg_act_parse(s->act) < 0) {
        snprintf(err, errlen, "random spec: unknown act '%s': legal none, relu, relu6, mixed",
                 s->act);
        return -1;
    }
    if (s->n > s->m) {
        snprintf(err, errlen, "random spec: n %d exceeds m %d", s->n, s->m);
        return -1;
    }
    if (s->seed == 0)
        s->seed = 0x9e3779b97f4a7c15ULL;
    if (s->pool_stride == 0)
        s->pool_stride = s->pool > 0 ? s->pool : 1;
    return 0;
}

/* Put a nonzero weight at k distinct random columns among idx[0..n-1] of w
 * (partial Fisher-Yates; idx is shuffled in place). */
static void pick(rng *r, int wgt_w, int32_t *w, int *idx, int n, int k)
{
    for (int j = 0; j < k && j < n; j++) {
        int t = (int)rrange(r, j, n - 1), tmp = idx[j];
        idx[j] = idx[t];
        idx[t] = tmp;
        w[idx[j]] = rweight(r, wgt_w);
    }
}

/* The columns of interleaved bank b of an LSTM row (in x columns, then
 * cols - in h columns; B banks) into idx; returns how many. */
static int lstm_bank(int in, int cols, int B, int b, int *idx)
{
    int n = 0;
    for (int j = b; j < in; j += B)
        idx[n++] = j;
    for (int j = b; j < cols - in; j += B)
        idx[n++] = in + j;
    return n;
}

/* Nonzeros per interleaved bank of a bbs LSTM row: k = max(1,
 * round(density * the smallest non-empty bank's size)), which every
 * non-empty bank can hold. */
static int lstm_bank_k(const spec *s, int cols)
{
    int in = s->lstm_in, h = cols - in, small = 0;
    for (int b = 0; b < s->banks && (b < in || b < h); b++) {
        int n = (b < in ? (in - 1 - b) / s->banks + 1 : 0) + (b < h ? (h - 1 - b) / s->banks + 1 : 0);
        if (small == 0 || n < small)
            small = n;
    }
    int k = (int)lround(s->density * small);
    return k < 1 ? 1 : k;
}

/* Fill row r (cols entries) according to the pattern; idx has room for
 * cols entries. */
static void fill_row(rng *r, const spec *s, int wgt_w, int32_t *w, int row, int cols,
                     const unsigned char *block_keep, int *idx)
{
    memset(w, 0, (size_t)cols * sizeof *w);
    if (strcmp(s->pattern, "zero") == 0)
        return;
    if (strcmp(s->pattern, "dense") == 0) {
        for (int j = 0; j < cols; j++)
            w[j] = rweight(r, wgt_w);
        return;
    }
    if (strcmp(s->pattern, "unstructured") == 0) {
        for (int j = 0; j < cols; j++)
            if (runit(r) < s->density)
                w[j] = rweight(r, wgt_w);
        return;
    }
    if (strcmp(s->pattern, "block") == 0) {
        int bc = (cols + 3) / 4;
        for (int j = 0; j < cols; j++)
            if (block_keep[(row / 4) * bc + j / 4])
                w[j] = rweight(r, wgt_w);
        return;
    }
    if (s->lstm_in > 0 && strcmp(s->pattern, "bbs") == 0) {
        /* the hardware's LSTM banks: x column j and h column in + j in bank j % B */
        int k = lstm_bank_k(s, cols);
        for (int b = 0; b < s->banks; b++)
            pick(r, wgt_w, w, idx, lstm_bank(s->lstm_in, cols, s->banks, b, idx), k);
        return;
    }
    /* bbs: banks of ceil(cols/banks) columns; nm: banks of m columns */
    int bsize = strcmp(s->pattern, "nm") == 0 ? s->m
                : s->bbs_bank      ? s->bbs_bank
                                   : (cols + s->banks - 1) / s->banks;
    for (int b0 = 0; b0 < cols; b0 += bsize) {
        int len = cols - b0 < bsize ? cols - b0 : bsize;
        int k = strcmp(s->pattern, "nm") == 0 ? s->n : (int)lround(s->density * bsize);
        if (k > len)
            k = len;
        /* k distinct columns among the bank's first 4096 */
        int n = len < 4096 ? len : 4096;
        for (int j = 0; j < n; j++)
            idx[j] = b0 + j;
        pick(r, wgt_w, w, idx, n, k);
    }
}

/* Room for the weights (rows x rowlen), bias, M and S of L.  -1: out of
 * memory (what was allocated is L's, freed with the model). */
static int alloc_layer(sg_layer *L, int rows, int rowlen)
{
    L->weights = malloc((size_t)rows * (size_t)rowlen * sizeof *L->weights);
    L->bias = malloc((size_t)rows * sizeof *L->bias);
    L->mult = malloc((size_t)rows * sizeof *L->mult);
    L->shift = malloc((size_t)rows * sizeof *L->shift);
    return L->weights && L->bias && L->mult && L->shift ? 0 : -1;
}

/* M, S and bias of fc or conv row `row` with nz nonzero weights: the
 * typical |acc| ~ sqrt(nz) * amax * wmax / 3 maps to ~amax / 2. */
static void row_requant(rng *r, const sg_config *c, sg_layer *L, int row, int nz)
{
    long long amax = (1LL << (c->data_w - 1)) - 1, wmax = 1LL << (c->wgt_w - 1);
    double typ = sqrt((double)(nz > 0 ? nz : 1)) * (double)amax * (double)wmax / 3.0;
    int shift = (int)rrange(r, 16, 30);
    double mult = ldexp(1.0, shift) * (double)amax / 2.0 / typ;
    if (mult < 1.0)
        mult = 1.0;
    if (mult > 2147483647.0)
        mult = 2147483647.0;
    L->mult[row] = (int32_t)mult * (rrange(r, 0, 9) == 0 ? -1 : 1);
    L->shift[row] = (int8_t)shift;
    long long bmax = typ < 1e9 ? (long long)typ : 1000000000LL;
    L->bias[row] = (int32_t)rrange(r, -bmax, bmax);
}

/* M, S and bias of LSTM gate row `row` with nz nonzero weights, so that its
 * requantized pre-activation z (Q3.12, [-8, 8)) mostly lands in [-4, 4]:
 * with |x|, |h| ~ 2^(DATA_W-2) and uniform weights (rms wmax / sqrt 3) the
 * accumulator's typical size is sigma = sqrt(nz) * wmax / sqrt(3) *
 * 2^(DATA_W-2); M / 2^S maps sigma to 2.0 (8192) times a factor in
 * 0.75..1.25 (times `hot`), so |z| >= 8 (saturation) is a ~4-sigma event;
 * M has 30 significant bits (S = 30 - log2 of the scale, in 0..62).  The
 * bias shifts z by a uniform -1.0..1.0 (+-4096 in Q3.12), expressed in
 * accumulator units and held to +-2^(ACC_W-2). */
static void gate_requant(rng *r, const sg_config *c, sg_layer *L, int row, int nz, double hot)
{
    double wrms = ldexp(1.0, c->wgt_w - 1) / sqrt(3.0);
    double sigma = sqrt((double)(nz > 0 ? nz : 1)) * wrms * ldexp(1.0, c->data_w - 2);
    double scale = 8192.0 / sigma * (0.75 + 0.5 * runit(r)) * hot; /* z = acc * scale */
    int e;
    frexp(scale, &e); /* scale = f * 2^e, f in [0.5, 1) */
    int shift = 30 - e < 0 ? 0 : 30 - e > SG_SHIFT_MAX ? SG_SHIFT_MAX : 30 - e;
    double mult = ldexp(scale, shift);
    if (mult < 1.0)
        mult = 1.0;
    if (mult > 2147483647.0)
        mult = 2147483647.0;
    L->mult[row] = (int32_t)mult;
    L->shift[row] = (int8_t)shift;
    double bmax = ldexp(1.0, (c->acc_w < 32 ? c->acc_w : 32) - 2);
    double bias = (2.0 * runit(r) - 1.0) * 4096.0 / (mult / ldexp(1.0, shift));
    L->bias[row] = (int32_t)llround(bias > bmax ? bmax : bias < -bmax ? -bmax : bias);
}

/* Weights (rows x rowlen, pattern of the spec), bias, M and S of a layer:
 * an fc or conv layer (activation per the spec), or the 4H gate rows of an
 * LSTM layer when s->lstm_in > 0 (no activation; in one layer of four a
 * random row is 16 times hotter and saturates often). */
static int fill_layer(rng *r, const spec *s, const sg_config *c, sg_layer *L, int rows, int rowlen)
{
    long long amax = (1LL << (c->data_w - 1)) - 1;
    int bc = (rowlen + 3) / 4;
    unsigned char *keep = malloc((size_t)((rows + 3) / 4) * (size_t)bc);
    int *idx = malloc((size_t)rowlen * sizeof *idx);
    if (alloc_layer(L, rows, rowlen) != 0 || !keep || !idx) {
        free(keep);
        free(idx);
        return -1;
    }
    for (long long i = 0; i < (long long)((rows + 3) / 4) * bc; i++)
        keep[i] = runit(r) < s->density;
    int hot_row = -1;
    if (s->lstm_in > 0) {
        L->act = SG_ACT_NONE;
        L->act_max = 0;
        if (rrange(r, 0, 3) == 0)
            hot_row = (int)rrange(r, 0, rows - 1);
    } else {
        const char *act = s->act;
        if (strcmp(act, "mixed") == 0) {
            const char *acts[] = {"none", "relu", "relu6"};
            act = acts[rrange(r, 0, 2)];
        }
        L->act = (sg_act)sg_act_parse(act);
        L->act_max = L->act == SG_ACT_RELU6 ? (int32_t)rrange(r, 1, amax) : 0;
    }
    for (int row = 0; row < rows; row++) {
        fill_row(r, s, c->wgt_w, L->weights + (size_t)row * rowlen, row, rowlen, keep, idx);
        int nz = 0;
        for (int j = 0; j < rowlen; j++)
            nz += L->weights[(size_t)row * rowlen + j] != 0;
        if (s->lstm_in > 0)
            gate_requant(r, c, L, row, nz, row == hot_row ? 16.0 : 1.0);
        else
            row_requant(r, c, L, row, nz);
    }
    if (s->lstm_in == 0 && rrange(r, 0, 3) == 0 && rows > 0) /* an extreme row: S = 0, tiny M */
        L->shift[0] = 0, L->mult[0] = (int32_t)rrange(r, -3, 3);
    free(keep);
    free(idx);
    return 0;
}

/* A CONV layer of `out` channels in `groups` groups (-1: depthwise, one per
 * input channel) on the ch x h x w map (in = ch * h * w), weights per the
 * spec's pattern, banks over input-channel groups of a group; ch, h, w
 * become the output map.  Returns -1 with err set for a bad shape, -1 with
 * err empty when out of memory. */
static int add_conv(rng *r, spec *s, const sg_config *c, sg_layer *L, int *ch, int *h, int *w,
                    int out, int k, int stride, int pad, int groups, char *err, size_t errlen)
{
    sg_conv_shape *cs = &L->conv;
    if (groups < 0)
        groups = *ch;
    *cs = (sg_conv_shape){*ch, *h, *w, out, k, k, stride, stride, pad, pad, 0, 0, groups};
    if (sg_conv_shape_derive(cs, err, errlen) != 0)
        return -1;
    int cpg = sg_conv_cpg(cs);
    L->type = SG_LAYER_CONV;
    L->in = *ch * *h * *w;
    L->out = out * cs->h_out * cs->w_out;
    s->bbs_bank = (cpg + c->banks - 1) / c->banks * k * k;
    if (fill_layer(r, s, c, L, out, cpg * k * k) != 0)
        return -1;
    *ch = out;
    *h = cs->h_out;
    *w = cs->w_out;
    return 0;
}

/* A k x k max-pool of stride st on the ch x h x w map (k <= h, w); h and w
 * become the pooled size. */
static void add_pool(sg_layer *L, int ch, int *h, int *w, int k, int st)
{
    sg_conv_shape *cs = &L->conv;
    *cs = (sg_conv_shape){ch, *h, *w, ch, k, k, st, st, 0, 0, (*h - k) / st + 1, (*w - k) / st + 1,
                          0};
    L->type = SG_LAYER_MAXPOOL;
    L->pool_k = k;
    L->pool_stride = st;
    L->in = ch * *h * *w;
    L->out = ch * cs->h_out * cs->w_out;
    L->act = SG_ACT_NONE;
    *h = cs->h_out;
    *w = cs->w_out;
}

/* An FC layer in -> out, weights per the spec's pattern.  -1: out of memory. */
static int add_fc(rng *r, spec *s, const sg_config *c, sg_layer *L, int in, int out)
{
    L->type = SG_LAYER_FC;
    L->in = in;
    L->out = out;
    s->bbs_bank = 0;
    return fill_layer(r, s, c, L, out, in);
}

/* An LSTM layer in -> hidden over `steps` steps: 4 * hidden gate rows of
 * in + hidden columns per the spec's pattern.  -1: out of memory. */
static int add_lstm(rng *r, spec *s, const sg_config *c, sg_layer *L, int in, int hidden)
{
    L->type = SG_LAYER_LSTM;
    L->in = in;
    L->out = hidden;
    L->steps = s->steps;
    s->bbs_bank = 0;
    s->lstm_in = in;
    int rc = fill_layer(r, s, c, L, 4 * hidden, in + hidden);
    s->lstm_in = 0;
    return rc;
}

/* One layer of a named network. */
typedef struct net_layer {
    const char *name;
    char kind;             /* 'c' conv, 'p' maxpool, 'f' fc */
    int out, k, stride, pad;
    double density;        /* kept weights (Han et al. 2015) */
    int groups;            /* conv: groups (0: ungrouped) */
} net_layer;

/* VGG-16 (224 x 224) at Han et al.'s densities: conv1_1..conv5_3
 * 58/22/34/36/53/24/42/32/27/34/35/29/36%, fc6-8 1/2/9%. */
static const net_layer vgg16[] = {
    {"conv1_1", 'c', 64, 3, 1, 1, 0.58, 0},  {"conv1_2", 'c', 64, 3, 1, 1, 0.22, 0},
    {"pool1", 'p', 0, 2, 2, 0, 0, 0},        {"conv2_1", 'c', 128, 3, 1, 1, 0.34, 0},
    {"conv2_2", 'c', 128, 3, 1, 1, 0.36, 0}, {"pool2", 'p', 0, 2, 2, 0, 0, 0},
    {"conv3_1", 'c', 256, 3, 1, 1, 0.53, 0}, {"conv3_2", 'c', 256, 3, 1, 1, 0.24, 0},
    {"conv3_3", 'c', 256, 3, 1, 1, 0.42, 0}, {"pool3", 'p', 0, 2, 2, 0, 0, 0},
    {"conv4_1", 'c', 512, 3, 1, 1, 0.32, 0}, {"conv4_2", 'c', 512, 3, 1, 1, 0.27, 0},
    {"conv4_3", 'c', 512, 3, 1, 1, 0.34, 0}, {"pool4", 'p', 0, 2, 2, 0, 0, 0},
    {"conv5_1", 'c', 512, 3, 1, 1, 0.35, 0}, {"conv5_2", 'c', 512, 3, 1, 1, 0.29, 0},
    {"conv5_3", 'c', 512, 3, 1, 1, 0.36, 0}, {"pool5", 'p', 0, 2, 2, 0, 0, 0},
    {"fc6", 'f', 4096, 0, 0, 0, 0.01, 0},    {"fc7", 'f', 4096, 0, 0, 0, 0.02, 0},
    {"fc8", 'f', 1000, 0, 0, 0, 0.09, 0},
};

/* AlexNet (227 x 227 input, no LRN) as Krizhevsky et al. trained it and Han
 * et al. and Zhu et al. pruned it: conv2, conv4 and conv5 in 2 groups (the
 * two GPUs' halves; 0.72 G dense MACs per image), with Han et al.'s per-layer
 * weight densities ("Learning both Weights and Connections", 2015): conv1-5
 * 84/38/35/37/37%, fc6-8 9/9/25%, bank-balanced over the hardware's banks;
 * max-pools 3x3 stride 2 after conv1, conv2 and conv5.  net=alexnet-ungrouped
 * builds the same without groups (1.14 G MACs), as most re-implementations. */
static const net_layer alexnet[] = {
    {"conv1", 'c', 96, 11, 4, 0, 0.84, 0},   {"pool1", 'p', 0, 3, 2, 0, 0, 0},
    {"conv2", 'c', 256, 5, 1, 2, 0.38, 2},   {"pool2", 'p', 0, 3, 2, 0, 0, 0},
    {"conv3", 'c', 384, 3, 1, 1, 0.35, 0},   {"conv4", 'c', 384, 3, 1, 1, 0.37, 2},
    {"conv5", 'c', 256, 3, 1, 1, 0.37, 2},   {"pool5", 'p', 0, 3, 2, 0, 0, 0},
    {"fc6", 'f', 4096, 0, 0, 0, 0.09, 0},    {"fc7", 'f', 4096, 0, 0, 0, 0.09, 0},
    {"fc8", 'f', 1000, 0, 0, 0, 0.25, 0},
};

static int build_net(rng *r, spec *s, const sg_config *c, sg_model *m, char *err,
                     size_t errlen)
{
    const net_layer *net = s->alexnet == 2 ? vgg16 : alexnet;
    int n = s->alexnet == 2 ? (int)(sizeof vgg16 / sizeof vgg16[0])
                            : (int)(sizeof alexnet / sizeof alexnet[0]);
    int side = s->alexnet == 2 ? 224 : 227;
    long long amax = (1LL << (c->data_w - 1)) - 1;
    snprintf(m->name, sizeof m->name, "%s-bbs-s%llu",
             s->alexnet == 1 ? "alexnet" : s->alexnet == 3 ? "alexnet-ungrouped" : "vgg16", s->seed);
    m->n_layers = n;
    m->layers = calloc((size_t)n, sizeof *m->layers);
    m->n_inputs = s->samples;
    m->input_len = 3 * side * side;
    m->inputs = malloc((size_t)s->samples * (size_t)m->input_len * sizeof *m->inputs);
    if (!m->layers || !m->inputs)
        return -1;
    for (long long i = 0; i < (long long)s->samples * m->input_len; i++)
        m->inputs[i] = (int32_t)rrange(r, 0, amax); /* images after ReLU-like input scaling */
    int ch = 3, h = side, w = side, in = m->input_len;
    snprintf(s->pattern, sizeof s->pattern, "bbs");
    for (int l = 0; l < n; l++) {
        sg_layer *L = &m->layers[l];
        snprintf(L->name, sizeof L->name, "%s", net[l].name);
        if (net[l].kind == 'p') {
            add_pool(L, ch, &h, &w, net[l].k, net[l].stride);
        } else if (net[l].kind == 'c') {
            s->density = net[l].density;
            if (add_conv(r, s, c, L, &ch, &h, &w, net[l].out, net[l].k, net[l].stride, net[l].pad,
                         s->alexnet == 3 ? 0 : net[l].groups, err, errlen) != 0)
                return -1;
        } else {
            s->density = net[l].density;
            if (add_fc(r, s, c, L, in, net[l].out) != 0)
                return -1;
        }
        if (L->type != SG_LAYER_MAXPOOL) {
            L->act = l == n - 1 ? SG_ACT_NONE : SG_ACT_RELU;
            L->act_max = 0;
        }
        in = L->out;
    }
    return 0;
}

int sg_model_random(const sg_config *c, const char *text, sg_model *m, char *err, size_t errlen)
{
    spec s;
    memset(m, 0, sizeof *m);
    if (errlen > 0)
        err[0] = '\0'; /* an empty message below means "out of memory" */
    if (parse_spec(c, text, &s, err, errlen) != 0)
        return -1;
    rng r = {s.seed};
    if (s.alexnet) {
        if (build_net(&r, &s, c, m, err, errlen) == 0)
            return 0;
        if (!err[0])
            snprintf(err, errlen, "out of memory building random model '%s'", text);
        sg_model_free(m);
        return -1;
    }
    snprintf(m->name, sizeof m->name, "random-%s%s-s%llu",
             s.conv ? "conv-" : s.lstm ? "lstm-" : "", s.pattern, s.seed);
    /* room for a max-pool after each CONV layer; n_layers counts those built */
    int tail_fc = (s.conv || s.lstm) && s.fc > 0;
    int max_layers = s.layers * (s.conv && s.pool ? 2 : 1) + tail_fc;
    m->layers = calloc((size_t)max_layers, sizeof *m->layers);
    m->n_inputs = s.samples;
    if (s.lstm && s.cols > INT_MAX / s.steps) {
        snprintf(err, errlen, "random spec: steps %d x cols %d is too long an input", s.steps,
                 s.cols);
        sg_model_free(m);
        return -1;
    }
    m->input_len = s.conv ? s.ch * s.h * s.w : s.lstm ? s.steps * s.cols : s.cols;
    m->inputs = malloc((size_t)s.samples * (size_t)m->input_len * sizeof *m->inputs);
    if (!m->layers || !m->inputs)
        goto oom;
    long long amax = (1LL << (c->data_w - 1)) - 1;
    for (long long i = 0; i < (long long)s.samples * m->input_len; i++)
        m->inputs[i] = (int32_t)rrange(&r, -amax - 1, amax);
    int in = s.lstm ? s.cols : m->input_len, ch = s.ch, h = s.h, w = s.w;
    int n_main = s.layers + tail_fc;
    for (int l = 0; l < n_main; l++) {
        sg_layer *L = &m->layers[m->n_layers++];
        int out = s.rows[l < s.n_rows ? l : s.n_rows - 1];
        if (s.lstm && l < s.layers) {
            snprintf(L->name, sizeof L->name, "lstm%d", l + 1);
            if (add_lstm(&r, &s, c, L, in, out) != 0)
                goto oom;
        } else if (s.conv && l < s.layers) {
            snprintf(L->name, sizeof L->name, "conv%d", l + 1);
            if (add_conv(&r, &s, c, L, &ch, &h, &w, out, s.k, s.stride, s.pad, s.groups, err,
                         errlen) != 0) {
                if (!err[0])
                    goto oom;
                sg_model_free(m);
                return -1;
            }
            /* a max-pool after it when the map holds a window */
            if (s.pool > 0 && s.pool <= h && s.pool <= w) {
                in = L->out;
                L = &m->layers[m->n_layers++];
                snprintf(L->name, sizeof L->name, "pool%d", l + 1);
                add_pool(L, ch, &h, &w, s.pool, s.pool_stride);
            }
        } else {
            snprintf(L->name, sizeof L->name, "fc%d", l + 1);
            if (add_fc(&r, &s, c, L, in, tail_fc ? s.fc : out) != 0)
                goto oom;
        }
        in = L->out;
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory building random model '%s'", text);
    sg_model_free(m);
    return -1;
}
