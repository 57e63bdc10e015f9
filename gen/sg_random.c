/* sg_random: build random FC models from a short text spec. */
#include "sg_random.h"

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
    int alexnet;              /* net=alexnet (1) or net=vgg16 (2): real layer shapes */
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
        if (strcmp(k, "net") == 0) {
            if (strcmp(v, "alexnet") != 0 && strcmp(v, "vgg16") != 0) {
                snprintf(err, errlen, "random spec: unknown net '%s': legal alexnet, vgg16", v);
                return -1;
            }
            s->alexnet = strcmp(v, "alexnet") == 0 ? 1 : 2;
            continue;
        }
        if (strcmp(k, "type") == 0) {
            if (strcmp(v, "fc") != 0 && strcmp(v, "conv") != 0) {
                snprintf(err, errlen, "random spec: unknown type '%s': legal fc, conv", v);
                return -1;
            }
            s->conv = strcmp(v, "conv") == 0;
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
        else if (strcmp(k, "stride") == 0 && x >= 1 && x <= 8)
            s->stride = (int)x;
        else if (strcmp(k, "pad") == 0 && x >= 0 && x <= 8)
            s->pad = (int)x;
        else if (strcmp(k, "fc") == 0 && x >= 0 && x <= 100000)
            s->fc = (int)x;
        else if (strcmp(k, "pool") == 0 && x >= 0 && x <= 15)
            s->pool = (int)x;
        else if (strcmp(k, "pool_stride") == 0 && x >= 1 && x <= 8)
            s->pool_stride = (int)x;
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

/* Fill row r (cols entries) according to the pattern. */
static void fill_row(rng *r, const spec *s, int wgt_w, int32_t *w, int row, int cols,
                     const unsigned char *block_keep)
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
    /* bbs: banks of ceil(cols/banks) columns; nm: banks of m columns */
    int bsize = strcmp(s->pattern, "nm") == 0 ? s->m
                : s->bbs_bank      ? s->bbs_bank
                                   : (cols + s->banks - 1) / s->banks;
    for (int b0 = 0; b0 < cols; b0 += bsize) {
        int len = cols - b0 < bsize ? cols - b0 : bsize;
        int k = strcmp(s->pattern, "nm") == 0 ? s->n : (int)lround(s->density * bsize);
        if (k > len)
            k = len;
        /* choose k distinct columns of the bank: partial Fisher-Yates */
        int idx[4096];
        int n = len < 4096 ? len : 4096;
        for (int j = 0; j < n; j++)
            idx[j] = j;
        for (int j = 0; j < k && j < n; j++) {
            int t = (int)rrange(r, j, n - 1), tmp = idx[j];
            idx[j] = idx[t];
            idx[t] = tmp;
            w[b0 + idx[j]] = rweight(r, wgt_w);
        }
    }
}

/* Weights (rows x rowlen, pattern of the spec), bias, M and S of a layer. */
static int fill_layer(rng *r, const spec *s, const sg_config *c, sg_layer *L, int rows, int rowlen)
{
    long long amax = (1LL << (c->data_w - 1)) - 1;
    L->weights = malloc((size_t)rows * (size_t)rowlen * sizeof *L->weights);
    L->bias = malloc((size_t)rows * sizeof *L->bias);
    L->mult = malloc((size_t)rows * sizeof *L->mult);
    L->shift = malloc((size_t)rows * sizeof *L->shift);
    int bc = (rowlen + 3) / 4;
    unsigned char *keep = malloc((size_t)((rows + 3) / 4) * (size_t)bc);
    if (!L->weights || !L->bias || !L->mult || !L->shift || !keep) {
        free(keep);
        return -1;
    }
    for (long long i = 0; i < (long long)((rows + 3) / 4) * bc; i++)
        keep[i] = runit(r) < s->density;
    const char *act = s->act;
    if (strcmp(act, "mixed") == 0) {
        const char *acts[] = {"none", "relu", "relu6"};
        act = acts[rrange(r, 0, 2)];
    }
    L->act = (sg_act)sg_act_parse(act);
    L->act_max = L->act == SG_ACT_RELU6 ? (int32_t)rrange(r, 1, amax) : 0;
    long long wmax = 1LL << (c->wgt_w - 1);
    for (int row = 0; row < rows; row++) {
        fill_row(r, s, c->wgt_w, L->weights + (size_t)row * rowlen, row, rowlen, keep);
        int nz = 0;
        for (int j = 0; j < rowlen; j++)
            nz += L->weights[(size_t)row * rowlen + j] != 0;
        /* typical |acc| ~ sqrt(nz) * amax * wmax / 3; map it to ~amax / 2 */
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
    if (rrange(r, 0, 3) == 0 && rows > 0) /* an extreme row: S = 0, tiny M */
        L->shift[0] = 0, L->mult[0] = (int32_t)rrange(r, -3, 3);
    free(keep);
    return 0;
}

/* A CONV layer of `out` channels on the ch x h x w map (in = ch * h * w),
 * weights per the spec's pattern, banks over input-channel groups; ch, h, w
 * become the output map.  Returns -1 with err set for a bad shape, -1 with
 * err empty when out of memory. */
static int add_conv(rng *r, spec *s, const sg_config *c, sg_layer *L, int *ch, int *h, int *w,
                    int out, int k, int stride, int pad, char *err, size_t errlen)
{
    sg_conv_shape *cs = &L->conv;
    *cs = (sg_conv_shape){*ch, *h, *w, out, k, k, stride, stride, pad, pad, 0, 0};
    if (sg_conv_shape_derive(cs, err, errlen) != 0)
        return -1;
    L->type = SG_LAYER_CONV;
    L->in = *ch * *h * *w;
    L->out = out * cs->h_out * cs->w_out;
    s->bbs_bank = (*ch + c->banks - 1) / c->banks * k * k;
    if (fill_layer(r, s, c, L, out, *ch * k * k) != 0)
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
    *cs = (sg_conv_shape){ch, *h, *w, ch, k, k, st, st, 0, 0, (*h - k) / st + 1, (*w - k) / st + 1};
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

/* One layer of a named network. */
typedef struct net_layer {
    const char *name;
    char kind;             /* 'c' conv, 'p' maxpool, 'f' fc */
    int out, k, stride, pad;
    double density;        /* kept weights (Han et al. 2015) */
} net_layer;

/* VGG-16 (224 x 224) at Han et al.'s densities: conv1_1..conv5_3
 * 58/22/34/36/53/24/42/32/27/34/35/29/36%, fc6-8 1/2/9%. */
static const net_layer vgg16[] = {
    {"conv1_1", 'c', 64, 3, 1, 1, 0.58},  {"conv1_2", 'c', 64, 3, 1, 1, 0.22},
    {"pool1", 'p', 0, 2, 2, 0, 0},        {"conv2_1", 'c', 128, 3, 1, 1, 0.34},
    {"conv2_2", 'c', 128, 3, 1, 1, 0.36}, {"pool2", 'p', 0, 2, 2, 0, 0},
    {"conv3_1", 'c', 256, 3, 1, 1, 0.53}, {"conv3_2", 'c', 256, 3, 1, 1, 0.24},
    {"conv3_3", 'c', 256, 3, 1, 1, 0.42}, {"pool3", 'p', 0, 2, 2, 0, 0},
    {"conv4_1", 'c', 512, 3, 1, 1, 0.32}, {"conv4_2", 'c', 512, 3, 1, 1, 0.27},
    {"conv4_3", 'c', 512, 3, 1, 1, 0.34}, {"pool4", 'p', 0, 2, 2, 0, 0},
    {"conv5_1", 'c', 512, 3, 1, 1, 0.35}, {"conv5_2", 'c', 512, 3, 1, 1, 0.29},
    {"conv5_3", 'c', 512, 3, 1, 1, 0.36}, {"pool5", 'p', 0, 2, 2, 0, 0},
    {"fc6", 'f', 4096, 0, 0, 0, 0.01},    {"fc7", 'f', 4096, 0, 0, 0, 0.02},
    {"fc8", 'f', 1000, 0, 0, 0, 0.09},
};

/* AlexNet (227 x 227 input, no LRN or groups) with the per-layer weight
 * densities of Han et al., "Learning both Weights and Connections" (2015):
 * conv1-5 84/38/35/37/37%, fc6-8 9/9/25%, bank-balanced over the hardware's
 * banks; max-pools 3x3 stride 2 after conv1, conv2 and conv5. */
static const net_layer alexnet[] = {
    {"conv1", 'c', 96, 11, 4, 0, 0.84},   {"pool1", 'p', 0, 3, 2, 0, 0},
    {"conv2", 'c', 256, 5, 1, 2, 0.38},   {"pool2", 'p', 0, 3, 2, 0, 0},
    {"conv3", 'c', 384, 3, 1, 1, 0.35},   {"conv4", 'c', 384, 3, 1, 1, 0.37},
    {"conv5", 'c', 256, 3, 1, 1, 0.37},   {"pool5", 'p', 0, 3, 2, 0, 0},
    {"fc6", 'f', 4096, 0, 0, 0, 0.09},    {"fc7", 'f', 4096, 0, 0, 0, 0.09},
    {"fc8", 'f', 1000, 0, 0, 0, 0.25},
};

static int build_net(rng *r, spec *s, const sg_config *c, sg_model *m, char *err,
                     size_t errlen)
{
    const net_layer *net = s->alexnet == 1 ? alexnet : vgg16;
    int n = s->alexnet == 1 ? (int)(sizeof alexnet / sizeof alexnet[0])
                            : (int)(sizeof vgg16 / sizeof vgg16[0]);
    int side = s->alexnet == 1 ? 227 : 224;
    long long amax = (1LL << (c->data_w - 1)) - 1;
    snprintf(m->name, sizeof m->name, "%s-bbs-s%llu", s->alexnet == 1 ? "alexnet" : "vgg16",
             s->seed);
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
                         err, errlen) != 0)
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
    snprintf(m->name, sizeof m->name, "random-%s%s-s%llu", s.conv ? "conv-" : "", s.pattern,
             s.seed);
    /* room for a max-pool after each CONV layer; n_layers counts those built */
    int max_layers = s.layers * (s.conv && s.pool ? 2 : 1) + (s.conv && s.fc > 0);
    m->layers = calloc((size_t)max_layers, sizeof *m->layers);
    m->n_inputs = s.samples;
    m->input_len = s.conv ? s.ch * s.h * s.w : s.cols;
    m->inputs = malloc((size_t)s.samples * (size_t)m->input_len * sizeof *m->inputs);
    if (!m->layers || !m->inputs)
        goto oom;
    long long amax = (1LL << (c->data_w - 1)) - 1;
    for (long long i = 0; i < (long long)s.samples * m->input_len; i++)
        m->inputs[i] = (int32_t)rrange(&r, -amax - 1, amax);
    int in = m->input_len, ch = s.ch, h = s.h, w = s.w;
    int n_main = s.layers + (s.conv && s.fc > 0);
    for (int l = 0; l < n_main; l++) {
        sg_layer *L = &m->layers[m->n_layers++];
        int out = s.rows[l < s.n_rows ? l : s.n_rows - 1];
        if (s.conv && l < s.layers) {
            snprintf(L->name, sizeof L->name, "conv%d", l + 1);
            if (add_conv(&r, &s, c, L, &ch, &h, &w, out, s.k, s.stride, s.pad, err, errlen) != 0) {
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
            if (add_fc(&r, &s, c, L, in, s.conv ? s.fc : out) != 0)
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
