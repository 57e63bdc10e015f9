/* test_model: sg_model_load on the fixture models in $SG_TEST_DATA/models
 * (default data/models), sg_layer_forward against naive loops, then one
 * check per kind of bad input, written into a temporary directory at run
 * time.  Float models (sg_model_load_float: float32, float64 and integer
 * arrays, their refusals), class labels (sg_labels_load) and the whole
 * golden model (sg_model_forward, sg_model_max_len) too. */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg_lstm.h"
#include "sg_model.h"
#include "sg_npy.h"
#include "tap.h"

static char data_dir[PATH_MAX]; /* <SG_TEST_DATA>/models */
static char tmp_dir[] = "/tmp/test_model_XXXXXX";
static char json_path[PATH_MAX]; /* tmp_dir/m.json */

static int is_zeroed(const sg_model *m)
{
    sg_model z;
    memset(&z, 0, sizeof z);
    return memcmp(m, &z, sizeof z) == 0;
}

static int ints_are(const int32_t *got, const int32_t *want, int n)
{
    int k;
    if (got == NULL)
        return 0;
    for (k = 0; k < n; k++)
        if (got[k] != want[k])
            return 0;
    return 1;
}

static int shifts_are(const int8_t *got, const int8_t *want, int n)
{
    int k;
    if (got == NULL)
        return 0;
    for (k = 0; k < n; k++)
        if (got[k] != want[k])
            return 0;
    return 1;
}

/* ---- the fixture models ------------------------------------------------ */

/* fc1 of the fixtures (make_npy_fixtures.py) */
static const int32_t fc1_w[12] = {1, 2, 3, 4, -1, -2, -3, -4, 127, -128, 0, 9};
static const int32_t fc1_b[3] = {100, -200, 300};
static const int32_t x2[8] = {1, -2, 3, -4, 127, -128, 0, 5};

static int load_fixture(const char *name, int data_w, int wgt_w, sg_model *m,
                        char *err, size_t errlen)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    return sg_model_load(path, data_w, wgt_w, m, err, errlen);
}

static void test_mlp2(void)
{
    static const int32_t fc1_m[3] = {1 << 30, 123456789, -5};
    static const int8_t fc1_s[3] = {31, 0, 62};
    static const int32_t fc2_w[6] = {5, -6, 7, -8, 9, -10};
    static const int32_t fc2_b[2] = {-1, 1};
    static const int32_t fc2_m[2] = {INT32_MAX, INT32_MIN};
    static const int8_t fc2_s[2] = {7, 8};
    char err[512] = "";
    sg_model m;
    const sg_layer *a, *b;

    if (!tap_ok(load_fixture("mlp2.json", 8, 8, &m, err, sizeof err) == 0,
                "mlp2.json loads %s", err))
        return;
    tap_ok(strcmp(m.name, "mlp2") == 0 && m.n_layers == 2 && m.n_inputs == 2 &&
               m.input_len == 4 && ints_are(m.inputs, x2, 8),
           "mlp2: name, 2 layers, 2 input vectors of 4");
    a = &m.layers[0];
    b = &m.layers[1];
    tap_ok(strcmp(a->name, "fc1") == 0 && a->type == SG_LAYER_FC &&
               a->in == 4 && a->out == 3 && a->act == SG_ACT_RELU &&
               a->act_max == 0,
           "mlp2 fc1: name, type, 4 -> 3, relu");
    tap_ok(ints_are(a->weights, fc1_w, 12) && ints_are(a->bias, fc1_b, 3),
           "mlp2 fc1: weights (int8) and bias (int32)");
    tap_ok(ints_are(a->mult, fc1_m, 3) && shifts_are(a->shift, fc1_s, 3),
           "mlp2 fc1: per-row mult and shift files (shift 0 and 62 kept)");
    tap_ok(strcmp(b->name, "fc2") == 0 && b->in == 3 && b->out == 2 &&
               b->act == SG_ACT_NONE,
           "mlp2 fc2: 3 -> 2, activation none");
    tap_ok(ints_are(b->weights, fc2_w, 6) && ints_are(b->bias, fc2_b, 2),
           "mlp2 fc2: weights from big-endian int16, bias from int64");
    tap_ok(ints_are(b->mult, fc2_m, 2) && shifts_are(b->shift, fc2_s, 2),
           "mlp2 fc2: mult INT32_MAX/INT32_MIN, shift from uint8");
    sg_model_free(&m);
    tap_ok(is_zeroed(&m), "sg_model_free zeroes the model");
    sg_model_free(&m); /* twice is harmless */

    /* the same files are too wide for a 7-bit machine */
    memset(&m, 0xab, sizeof m);
    tap_ok(load_fixture("mlp2.json", 8, 7, &m, err, sizeof err) == -1 &&
               strstr(err, "fc1_w.npy: value out of range at index [2, 0]: "
                           "127 ('weights' of layers[0] 'fc1' must be "
                           "-64..63 for wgt_w 7)") != NULL &&
               is_zeroed(&m),
           "mlp2 with wgt_w 7: %s", err);
    tap_ok(load_fixture("mlp2.json", 7, 8, &m, err, sizeof err) == -1 &&
               strstr(err, "x2.npy: value out of range at index [1, 0]: 127 "
                           "('input' must be -64..63 for data_w 7)") != NULL &&
               is_zeroed(&m),
           "mlp2 with data_w 7: %s", err);
}

static void test_scalar(void)
{
    static const int32_t zeros[3] = {0, 0, 0};
    static const int32_t mult[3] = {1 << 30, 1 << 30, 1 << 30};
    static const int8_t shift[3] = {31, 31, 31};
    static const int32_t x1[4] = {10, 20, -30, 40};
    char err[512] = "";
    sg_model m;
    const sg_layer *a;

    if (!tap_ok(load_fixture("scalar.json", 8, 8, &m, err, sizeof err) == 0,
                "scalar.json loads %s", err))
        return;
    a = &m.layers[0];
    tap_ok(strcmp(m.name, "scalar") == 0 && m.n_layers == 1 &&
               m.n_inputs == 1 && m.input_len == 4 && ints_are(m.inputs, x1, 4),
           "scalar: name from the file stem, one 1-D input of 4 (int16 file)");
    tap_ok(strcmp(a->name, "layer0") == 0 && a->type == SG_LAYER_FC &&
               a->in == 4 && a->out == 3 && a->act == SG_ACT_NONE &&
               a->act_max == 0 && ints_are(a->weights, fc1_w, 12),
           "scalar: default layer name, type fc, activation none");
    tap_ok(ints_are(a->bias, zeros, 3), "scalar: no bias gives zeros");
    tap_ok(ints_are(a->mult, mult, 3) && shifts_are(a->shift, shift, 3),
           "scalar: integer mult and shift broadcast to every row");
    sg_model_free(&m);
}

static void test_relu6(void)
{
    static const int32_t mult[3] = {1518500250, 1518500250, 1518500250};
    static const int8_t shift[3] = {38, 38, 38};
    char err[512] = "";
    sg_model m;
    const sg_layer *a;

    if (!tap_ok(load_fixture("relu6.json", 8, 8, &m, err, sizeof err) == 0,
                "relu6.json loads %s", err))
        return;
    a = &m.layers[0];
    tap_ok(strcmp(m.name, "r6") == 0 && m.n_layers == 1 && m.n_inputs == 2 &&
               a->act == SG_ACT_RELU6 && a->act_max == 96 &&
               ints_are(a->bias, fc1_b, 3) && ints_are(a->mult, mult, 3) &&
               shifts_are(a->shift, shift, 3),
           "relu6: act_max 96, bias file, scalar mult and shift");
    sg_model_free(&m);
    tap_ok(load_fixture("relu6.json", 7, 8, &m, err, sizeof err) == -1 &&
               strstr(err, "'act_max' is 96, must be 0..63 for data_w 7"),
           "relu6 with data_w 7: %s", err);
}

/* ---- CONV and max-pool fixtures ---------------------------------------- */

/* The arrays of cnn.json and conv_n3.json follow these formulas
 * (make_npy_fixtures.py, cnn_fixtures). */
static int32_t cnn_x(int c, int h, int w)
{
    return ((c * 37 + h * 11 + w * 5) % 29) - 14;
}
static int32_t conv1_w(int o, int c, int i, int j)
{
    return ((o * 13 + c * 7 + i * 5 + j * 3) % 15) - 7;
}
static int32_t conv2_w(int o, int c, int i, int j)
{
    return ((o * 5 + c * 11 + i * 7 + j * 2) % 13) - 6;
}
static int32_t fc3_w(int o, int i) { return ((o * 7 + i * 3) % 11) - 5; }
static int32_t n3_x(int n, int h, int w)
{
    return ((n * 17 + h * 7 + w * 3) % 41) - 20;
}
static int32_t n3_w(int o, int i, int j)
{
    return ((o * 5 + i * 3 + j * 7) % 9) - 4;
}

/* The fields of a conv shape as c_in, h_in, w_in, c_out, kh, kw, stride_h,
 * stride_w, pad_h, pad_w, h_out, w_out. */
static int shape_is(const sg_conv_shape *s, const int want[12])
{
    const int got[12] = {s->c_in,     s->h_in,     s->w_in,  s->c_out,
                         s->kh,       s->kw,       s->stride_h,
                         s->stride_w, s->pad_h,    s->pad_w, s->h_out,
                         s->w_out};
    return memcmp(got, want, sizeof got) == 0;
}

/* Requant parameters shared by the naive references. */
typedef struct post_ref {
    const int32_t *bias; /* per row or channel, NULL for zeros */
    const int32_t *mult; /* per row or channel */
    const int8_t *shift; /* per row or channel */
    sg_act act;          /* activation */
    int32_t act_max;     /* relu6 clamp */
    int data_w;          /* output width */
} post_ref;

static int32_t post_of(const post_ref *p, int r, int64_t acc)
{
    return (int32_t)sg_activate(
        sg_requant(acc, p->mult[r], p->shift[r], p->data_w), p->act,
        p->act_max);
}

static post_ref post_from(const sg_layer *L, int data_w)
{
    post_ref p;
    p.bias = L->bias;
    p.mult = L->mult;
    p.shift = L->shift;
    p.act = L->act;
    p.act_max = L->act_max;
    p.data_w = data_w;
    return p;
}

/* A naive convolution, straight from the definition: output (o, oy, ox)
 * sums w[o][c][i][j] * x[c][oy*sh - ph + i][ox*sw - pw + j] over the
 * window, skipping the zero padding.  The sums here stay far from 2^31, so
 * no wrap is modelled.  Writes O x ho x wo. */
static void naive_conv(const int32_t *x, int C, int H, int W,
                       const int32_t *w, int O, int KH, int KW, int sh,
                       int sw, int ph, int pw, const post_ref *p, int32_t *y)
{
    int ho = (H + 2 * ph - KH) / sh + 1, wo = (W + 2 * pw - KW) / sw + 1;
    int o, oy, ox, c, i, j;

    for (o = 0; o < O; o++)
        for (oy = 0; oy < ho; oy++)
            for (ox = 0; ox < wo; ox++) {
                int64_t acc = p->bias ? p->bias[o] : 0;
                for (c = 0; c < C; c++)
                    for (i = 0; i < KH; i++)
                        for (j = 0; j < KW; j++) {
                            int iy = oy * sh - ph + i, ix = ox * sw - pw + j;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                continue;
                            acc += (int64_t)w[((o * C + c) * KH + i) * KW + j] *
                                   x[(c * H + iy) * W + ix];
                        }
                y[(o * ho + oy) * wo + ox] = post_of(p, o, acc);
            }
}

/* A naive k x k max-pool with stride st, no padding, floor mode. */
static void naive_pool(const int32_t *x, int C, int H, int W, int k, int st,
                       int32_t *y)
{
    int ho = (H - k) / st + 1, wo = (W - k) / st + 1;
    int c, oy, ox, i, j;

    for (c = 0; c < C; c++)
        for (oy = 0; oy < ho; oy++)
            for (ox = 0; ox < wo; ox++) {
                int32_t best = INT32_MIN;
                for (i = 0; i < k; i++)
                    for (j = 0; j < k; j++) {
                        int32_t v = x[(c * H + oy * st + i) * W + ox * st + j];
                        if (v > best)
                            best = v;
                    }
                y[(c * ho + oy) * wo + ox] = best;
            }
}

/* A naive fully-connected layer over out x in weights. */
static void naive_fc(const int32_t *x, int in, const int32_t *w, int out,
                     const post_ref *p, int32_t *y)
{
    int r, k;

    for (r = 0; r < out; r++) {
        int64_t acc = p->bias ? p->bias[r] : 0;
        for (k = 0; k < in; k++)
            acc += (int64_t)w[r * in + k] * x[k];
        y[r] = post_of(p, r, acc);
    }
}

/* sg_layer_forward of L on x into got (data_w 8, acc_w 32); checks that it
 * agrees with want (L->out entries, steps * out for lstm). */
static int forward_is(const sg_layer *L, const int32_t *x, int32_t *got,
                      const int32_t *want, const char *what)
{
    char err[512] = "";
    int n = L->type == SG_LAYER_LSTM ? L->steps * L->out : L->out;
    int rc, k, bad = -1;

    for (k = 0; k < n; k++)
        got[k] = 0x5a5a5a5a; /* every entry must be written */
    rc = sg_layer_forward(L, 8, 32, x, got, err, sizeof err);
    for (k = 0; rc == 0 && bad < 0 && k < n; k++)
        if (got[k] != want[k])
            bad = k;
    if (!tap_ok(rc == 0 && bad < 0, "%s: sg_layer_forward matches the naive "
                "reference (%d values) %s", what, n, err) && bad >= 0)
        tap_diag("index %d: got %d, expected %d", bad, (int)got[bad],
                 (int)want[bad]);
    return rc == 0 && bad < 0;
}

static void test_cnn(void)
{
    static const int conv1_shape[12] = {2, 6, 6, 4, 3, 3, 1, 1, 1, 1, 6, 6};
    static const int pool1_shape[12] = {4, 6, 6, 4, 2, 2, 2, 2, 0, 0, 3, 3};
    static const int conv2_shape[12] = {4, 3, 3, 3, 3, 3, 2, 2, 1, 1, 2, 2};
    static const int zero_shape[12] = {0};
    static const int32_t conv1_b[4] = {100, -50, 0, 25};
    static const int32_t conv1_m[4] = {1 << 14, 3 << 13, 5 << 12, 1 << 15};
    static const int8_t conv1_s[4] = {19, 19, 18, 20};
    static const int32_t zeros[3] = {0, 0, 0};
    static const int32_t m1024[5] = {1024, 1024, 1024, 1024, 1024};
    static const int8_t s12[3] = {12, 12, 12}, s11[5] = {11, 11, 11, 11, 11};
    static const int32_t fc3_b[5] = {-3, 2, 0, 1, 5};
    /* the whole network's answer from the separate integer Python model in
     * make_npy_fixtures.py, which prints it */
    static const int32_t final[5] = {-65, 127, -128, 40, 127};
    int32_t x[72], w1[72], w2[108], w3[60];
    int32_t y1[144], p1[36], y2[12], y3[5], got[144];
    char err[512] = "";
    const sg_layer *c1, *pl, *c2, *f3;
    post_ref pr;
    sg_model m;
    int o, c, i, j;

    for (c = 0; c < 2; c++)
        for (i = 0; i < 6; i++)
            for (j = 0; j < 6; j++)
                x[(c * 6 + i) * 6 + j] = cnn_x(c, i, j);
    for (o = 0; o < 4; o++)
        for (c = 0; c < 2; c++)
            for (i = 0; i < 3; i++)
                for (j = 0; j < 3; j++)
                    w1[((o * 2 + c) * 3 + i) * 3 + j] = conv1_w(o, c, i, j);
    for (o = 0; o < 3; o++)
        for (c = 0; c < 4; c++)
            for (i = 0; i < 3; i++)
                for (j = 0; j < 3; j++)
                    w2[((o * 4 + c) * 3 + i) * 3 + j] = conv2_w(o, c, i, j);
    for (o = 0; o < 5; o++)
        for (i = 0; i < 12; i++)
            w3[o * 12 + i] = fc3_w(o, i);

    if (!tap_ok(load_fixture("cnn.json", 8, 8, &m, err, sizeof err) == 0,
                "cnn.json loads %s", err))
        return;
    c1 = &m.layers[0];
    pl = &m.layers[1];
    c2 = &m.layers[2];
    f3 = &m.layers[3];
    tap_ok(strcmp(m.name, "cnn") == 0 && m.n_layers == 4 && m.n_inputs == 1 &&
               m.input_len == 72 && ints_are(m.inputs, x, 72),
           "cnn: 4 layers, one [2, 6, 6] input (72 values in C order)");
    tap_ok(strcmp(c1->name, "conv1") == 0 && c1->type == SG_LAYER_CONV &&
               c1->in == 72 && c1->out == 144 &&
               shape_is(&c1->conv, conv1_shape) && c1->pool_k == 0 &&
               c1->pool_stride == 0 && c1->act == SG_ACT_RELU,
           "cnn conv1: [2, 6, 6] -> [4, 6, 6], kernel [3, 3], padding 1, "
           "relu");
    tap_ok(ints_are(c1->weights, w1, 72) && ints_are(c1->bias, conv1_b, 4) &&
               ints_are(c1->mult, conv1_m, 4) &&
               shifts_are(c1->shift, conv1_s, 4),
           "cnn conv1: weights [4, 2, 3, 3] in PyTorch order, per-channel "
           "bias, mult and shift");
    tap_ok(strcmp(pl->name, "pool1") == 0 && pl->type == SG_LAYER_MAXPOOL &&
               pl->in == 144 && pl->out == 36 &&
               shape_is(&pl->conv, pool1_shape) && pl->pool_k == 2 &&
               pl->pool_stride == 2 && pl->act == SG_ACT_NONE &&
               pl->weights == NULL && pl->bias == NULL && pl->mult == NULL &&
               pl->shift == NULL,
           "cnn pool1: kernel 2, stride defaults to 2, [4, 6, 6] -> [4, 3, 3], "
           "no arrays");
    tap_ok(strcmp(c2->name, "conv2") == 0 && c2->type == SG_LAYER_CONV &&
               c2->in == 36 && c2->out == 12 &&
               shape_is(&c2->conv, conv2_shape) && c2->act == SG_ACT_NONE &&
               ints_are(c2->weights, w2, 108) && ints_are(c2->bias, zeros, 3) &&
               ints_are(c2->mult, m1024, 3) && shifts_are(c2->shift, s12, 3),
           "cnn conv2: input shape from pool1, kernel 3, stride 2, padding "
           "[1, 1] -> [3, 2, 2], big-endian int16 weights, scalar mult/shift");
    tap_ok(strcmp(f3->name, "fc3") == 0 && f3->type == SG_LAYER_FC &&
               f3->in == 12 && f3->out == 5 &&
               shape_is(&f3->conv, zero_shape) && f3->pool_k == 0 &&
               ints_are(f3->weights, w3, 60) && ints_are(f3->bias, fc3_b, 5) &&
               ints_are(f3->mult, m1024, 5) && shifts_are(f3->shift, s11, 5),
           "cnn fc3: reads conv2's [3, 2, 2] flattened, in 12 = C*H*W, "
           "conv shape all 0");

    /* the forward pass, layer by layer, each against a naive loop fed the
     * previous naive result */
    pr = post_from(c1, 8);
    naive_conv(x, 2, 6, 6, w1, 4, 3, 3, 1, 1, 1, 1, &pr, y1);
    forward_is(c1, x, got, y1, "cnn conv1");
    naive_pool(y1, 4, 6, 6, 2, 2, p1);
    forward_is(pl, y1, got, p1, "cnn pool1");
    pr = post_from(c2, 8);
    naive_conv(p1, 4, 3, 3, w2, 3, 3, 3, 2, 2, 1, 1, &pr, y2);
    forward_is(c2, p1, got, y2, "cnn conv2");
    pr = post_from(f3, 8);
    naive_fc(y2, 12, w3, 5, &pr, y3);
    forward_is(f3, y2, got, y3, "cnn fc3");
    tap_ok(ints_are(y3, final, 5),
           "cnn: the naive chain gives the Python model's answer (saturates "
           "at 127 and -128)");
    tap_ok(y1[0 * 36 + 1 * 6 + 1] == 17 && y1[0] == 2 && y1[1] == 0 &&
               p1[2 * 9 + 1 * 3 + 1] == 34 && y2[1 * 4 + 1] == -16,
           "cnn: spot values from the Python model (conv1 relu zeros, pool1 "
           "max, conv2 negative)");
    sg_model_free(&m);

    /* weights too wide for the machine: the message names the 4-D index */
    tap_ok(load_fixture("cnn.json", 8, 3, &m, err, sizeof err) == -1 &&
               strstr(err, "conv1_w.npy: value out of range at index "
                           "[0, 0, 0, 0]: -7 ('weights' of layers[0] "
                           "'conv1' must be -4..3 for wgt_w 3)") != NULL &&
               is_zeroed(&m),
           "cnn with wgt_w 3: %s", err);
}

static void test_conv_n3(void)
{
    static const int k23_shape[12] = {1, 4, 5, 2, 2, 3, 1, 2, 0, 1, 3, 3};
    static const int pool_shape[12] = {2, 3, 3, 2, 3, 3, 1, 1, 0, 0, 1, 1};
    static const int32_t bias[2] = {7, -7}, mult[2] = {4096, 4096};
    static const int8_t shift[2] = {13, 13};
    /* the answer for the three samples, from make_npy_fixtures.py too */
    static const int32_t final[6] = {19, 20, 20, 20, 20, 19};
    int32_t x[60], w[12], y[18], got[18], p[2], all[6];
    char err[512] = "";
    const sg_layer *k, *pl;
    post_ref pr;
    sg_model m;
    int n, o, i, j, ok = 1;

    for (n = 0; n < 3; n++)
        for (i = 0; i < 4; i++)
            for (j = 0; j < 5; j++)
                x[(n * 4 + i) * 5 + j] = n3_x(n, i, j);
    for (o = 0; o < 2; o++)
        for (i = 0; i < 2; i++)
            for (j = 0; j < 3; j++)
                w[(o * 2 + i) * 3 + j] = n3_w(o, i, j);

    if (!tap_ok(load_fixture("conv_n3.json", 8, 8, &m, err, sizeof err) == 0,
                "conv_n3.json loads %s", err))
        return;
    k = &m.layers[0];
    pl = &m.layers[1];
    tap_ok(strcmp(m.name, "conv_n3") == 0 && m.n_layers == 2 &&
               m.n_inputs == 3 && m.input_len == 20 &&
               ints_are(m.inputs, x, 60),
           "conv_n3: 3 samples of [1, 4, 5] from a [3, 1, 4, 5] int16 file");
    tap_ok(k->type == SG_LAYER_CONV && k->in == 20 && k->out == 18 &&
               shape_is(&k->conv, k23_shape) && ints_are(k->weights, w, 12) &&
               ints_are(k->bias, bias, 2) && ints_are(k->mult, mult, 2) &&
               shifts_are(k->shift, shift, 2) && k->act == SG_ACT_RELU6 &&
               k->act_max == 20,
           "conv_n3 k23: kernel [2, 3] from the weights, stride [1, 2], "
           "padding [0, 1] -> [2, 3, 3], relu6 20");
    tap_ok(pl->type == SG_LAYER_MAXPOOL && pl->in == 18 && pl->out == 2 &&
               shape_is(&pl->conv, pool_shape) && pl->pool_k == 3 &&
               pl->pool_stride == 1,
           "conv_n3 pool: 'in' [2, 3, 3] checked, kernel [3, 3], stride 1 "
           "-> [2, 1, 1]");
    pr = post_from(k, 8);
    for (n = 0; n < 3; n++) {
        char what[40];
        naive_conv(x + n * 20, 1, 4, 5, w, 2, 2, 3, 1, 2, 0, 1, &pr, y);
        snprintf(what, sizeof what, "conv_n3 k23 sample %d", n);
        ok &= forward_is(k, m.inputs + n * 20, got, y, what);
        naive_pool(y, 2, 3, 3, 3, 1, p);
        snprintf(what, sizeof what, "conv_n3 pool sample %d", n);
        ok &= forward_is(pl, y, got, p, what);
        all[2 * n] = p[0];
        all[2 * n + 1] = p[1];
    }
    tap_ok(ok && ints_are(all, final, 6),
           "conv_n3: the naive chain gives the Python model's answer (relu6 "
           "clamps at 20)");
    sg_model_free(&m);
}

/* sg_layer_forward refuses bad arguments and inconsistent layers. */
static void test_forward_errors(void)
{
    char err[512] = "";
    int32_t x[144] = {0}, y[144];
    sg_layer L;
    sg_model m;

    if (!tap_ok(load_fixture("cnn.json", 8, 8, &m, err, sizeof err) == 0,
                "cnn.json loads again %s", err))
        return;
#define FWD_BAD(layer, dw, aw, xp, want, what)                                \
    tap_ok(sg_layer_forward(layer, dw, aw, xp, y, err, sizeof err) == -1 &&  \
               strstr(err, want) != NULL,                                    \
           "sg_layer_forward %s: %s", what, err)
    FWD_BAD(&m.layers[0], 0, 32, x, "layer 'conv1': invalid data_w 0 (legal: "
            "1..32)", "data_w 0");
    FWD_BAD(&m.layers[0], 8, 33, x, "layer 'conv1': invalid acc_w 33 (legal: "
            "1..32)", "acc_w 33");
    FWD_BAD(&m.layers[1], 8, 32, NULL, "layer 'pool1': input or output is "
            "null", "null input");
    FWD_BAD(NULL, 8, 32, x, "layer is null", "null layer");
    L = m.layers[0];
    L.out++;
    FWD_BAD(&L, 8, 32, x, "layer 'conv1': inconsistent shape: input [2, 6, "
            "6] and output [4, 6, 6] do not match in 72 and out 145",
            "conv out off by one");
    L = m.layers[0];
    L.conv.kh = 9;
    FWD_BAD(&L, 8, 32, x, "layer 'conv1': invalid conv shape: kh 9 is out of "
            "range: must be <= h_in + 2 * pad_h = 8", "conv kernel too big");
    L = m.layers[1];
    L.pool_stride = 0;
    FWD_BAD(&L, 8, 32, x, "layer 'pool1': invalid max-pool kernel 2 or stride "
            "0", "pool stride 0");
    L = m.layers[1];
    L.conv.h_out = 4;
    FWD_BAD(&L, 8, 32, x, "layer 'pool1': inconsistent shape: output [4, 4, "
            "3] is not the pooled input [4, 6, 6]", "pool output wrong");
    L = m.layers[3];
    L.mult = NULL;
    FWD_BAD(&L, 8, 32, x, "layer 'fc3': weights, mult or shift is null",
            "fc without mult");
    L = m.layers[3];
    L.type = (sg_layer_type)7;
    FWD_BAD(&L, 8, 32, x, "layer 'fc3': unknown layer type 7 (legal: 0..3)",
            "unknown type");
#undef FWD_BAD
    sg_model_free(&m);
}

/* ---- bad input, written at run time ------------------------------------ */

/* Write text to tmp_dir/name. */
static void write_text(const char *name, const char *text)
{
    char path[PATH_MAX + 64];
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    fp = fopen(path, "w");
    if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
}

/* Write tmp_dir/name with sg_npy_save_int. */
static void save(const char *name, const char *descr, int ndim,
                 const long long *shape, const int64_t *data)
{
    char path[PATH_MAX + 64], err[512];

    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    if (sg_npy_save_int(path, descr, ndim, shape, data, err, sizeof err)) {
        printf("Bail out! %s\n", err);
        exit(1);
    }
}

/* A raw .npy (any descr) with a version 1.0 header. */
static void save_raw(const char *name, const char *descr, const char *shape,
                     const void *data, size_t n)
{
    char path[PATH_MAX + 64], hdr[128];
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    int hl;
    FILE *fp;

    hl = snprintf(hdr, sizeof hdr,
                  "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                  descr, shape);
    while ((10 + hl + 1) % 64 != 0)
        hdr[hl++] = ' ';
    hdr[hl++] = '\n';
    pre[8] = (unsigned char)hl;
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    fp = fopen(path, "wb");
    if (fp == NULL || fwrite(pre, 1, 10, fp) != 10 ||
        fwrite(hdr, 1, (size_t)hl, fp) != (size_t)hl ||
        fwrite(data, 1, n, fp) != n || fclose(fp) != 0) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
}

static void make_arrays(void)
{
    static const int64_t w[12] = {1, 2, 3, 4, -1, -2, -3, -4, 7, -8, 0, 9};
    static const int64_t w_big[12] = {0, 0, 0, 0, 0, 0, 200, 0, 0, 0, 0, 0};
    static const int64_t v3[3] = {1, 2, 3}, v4[4] = {1, 2, 3, 4};
    static const int64_t b_big[3] = {0, 3000000000LL, 0};
    static const int64_t m_big[3] = {0, 0, 2147483648LL};
    static const int64_t s_neg[3] = {-1, 0, 0};
    static const int64_t s_63[3] = {0, 0, 63};
    static const int64_t x8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const int64_t x_big[8] = {0, 0, 0, 0, 0, 0, 0, 128};
    static const long long s34[2] = {3, 4}, s4[1] = {4}, s3[1] = {3},
                           s2[1] = {2}, s134[3] = {1, 3, 4}, s30[2] = {3, 0},
                           s24[2] = {2, 4}, s124[3] = {1, 2, 4},
                           s04[2] = {0, 4}, s5[1] = {5}, s43[2] = {4, 3};
    static const unsigned char f32[48] = {0};
    static const unsigned char b1[3] = {1, 0, 1};

    save("w.npy", "<i1", 2, s34, w);
    save("w43.npy", "<i4", 2, s43, w);
    save("w_1d.npy", "<i1", 1, s4, w);
    save("w_3d.npy", "<i1", 3, s134, w);
    save("w_empty.npy", "<i1", 2, s30, w);
    save("w_big.npy", "<i2", 2, s34, w_big);
    save("b.npy", "<i4", 1, s3, v3);
    save("r4.npy", "<i4", 1, s4, v4);
    save("b2.npy", "<i4", 1, s2, v3);
    save("b_big.npy", "<i8", 1, s3, b_big);
    save("m_big.npy", "<i8", 1, s3, m_big);
    save("s.npy", "<i1", 1, s3, v3);
    save("s_neg.npy", "<i1", 1, s3, s_neg);
    save("s_63.npy", "<i1", 1, s3, s_63);
    save("x.npy", "<i1", 1, s4, x8);
    save("x2.npy", "<i1", 2, s24, x8);
    save("x5.npy", "<i1", 1, s5, x8);
    save("x3d.npy", "<i1", 3, s124, x8);
    save("x_empty.npy", "<i1", 2, s04, x8);
    save("x_big.npy", "<i2", 2, s24, x_big);

    /* conv and maxpool */
    {
        static const int64_t v24[24] = {1,  2,  3,  4,  5,  6,  7,  8,
                                        9,  10, 11, 12, 13, 14, 15, 16,
                                        17, 18, 19, 20, 21, 22, 23, 24};
        static const int64_t z16[16] = {0};
        static const int64_t xc2[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9,
                                        9, 8, 7, 6, 5, 4, 3, 2, 1};
        static const int64_t xc_big[9] = {0, 0, 0, 0, 0, 0, 0, -129, 0};
        static const long long s2122[4] = {2, 1, 2, 2},
                               s2311[4] = {2, 3, 1, 1},
                               s2102[4] = {2, 1, 0, 2},
                               s1144[4] = {1, 1, 4, 4},
                               s2111[4] = {2, 1, 1, 1}, s133[3] = {1, 3, 3},
                               s2133[4] = {2, 1, 3, 3},
                               s2134[4] = {2, 1, 3, 4},
                               s0133[4] = {0, 1, 3, 3};

        static const int64_t cw_b[2] = {-40, 3};
        static const long long s2[1] = {2};

        save("cw.npy", "<i1", 4, s2122, v24);
        save("cw_b.npy", "<i4", 1, s2, cw_b);
        save("cw311.npy", "<i1", 4, s2311, v24);
        save("cw_empty.npy", "<i1", 4, s2102, v24);
        save("cw4.npy", "<i1", 4, s1144, z16);
        save("cw2111.npy", "<i1", 4, s2111, v24);
        save("xc.npy", "<i1", 3, s133, v24);
        save("xc2.npy", "<i1", 4, s2133, xc2);
        save("xc_w4.npy", "<i1", 4, s2134, v24);
        save("xc_empty.npy", "<i1", 4, s0133, v24);
        save("xc_big.npy", "<i2", 3, s133, xc_big);
    }
    save_raw("w_f32.npy", "<f4", "(3, 4)", f32, sizeof f32);
    save_raw("x_f64.npy", "<f8", "(4,)", f32, 32);
    save_raw("w_bool.npy", "|b1", "(3,)", b1, sizeof b1);
}

/* Write text as m.json, load it (fl: as a float model with
 * sg_model_load_float, else for data_w and wgt_w), expect -1, both
 * substrings (want2 may be NULL) and a zeroed model. */
static void refused(int fl, const char *what, int data_w, int wgt_w,
                    const char *json, const char *want, const char *want2)
{
    char err[1024] = "";
    sg_model m;
    int rc;

    write_text("m.json", json);
    memset(&m, 0xab, sizeof m);
    rc = fl ? sg_model_load_float(json_path, &m, err, sizeof err)
            : sg_model_load(json_path, data_w, wgt_w, &m, err, sizeof err);
    if (!tap_ok(rc == -1 && strstr(err, want) != NULL &&
                    (want2 == NULL || strstr(err, want2) != NULL) &&
                    is_zeroed(&m) &&
                    strncmp(err, tmp_dir, strlen(tmp_dir)) == 0,
                "%s%s: %s", fl ? "float model, " : "", what, err))
        tap_diag("wanted '%s'%s%s", want, want2 ? " and " : "",
                 want2 ? want2 : "");
    if (rc == 0)
        sg_model_free(&m);
}

static void bad_w(const char *what, int data_w, int wgt_w, const char *json,
                  const char *want, const char *want2)
{
    refused(0, what, data_w, wgt_w, json, want, want2);
}

static void bad(const char *what, const char *json, const char *want,
                const char *want2)
{
    bad_w(what, 8, 8, json, want, want2);
}

/* The same for a float model (sg_model_load_float). */
static void bad_f(const char *what, const char *json, const char *want,
                  const char *want2)
{
    refused(1, what, 0, 0, json, want, want2);
}

/* A model with one layer: input x.npy and the given layer body. */
#define ONE(layer) "{\"input\": \"x.npy\", \"layers\": [{" layer "}]}"
/* A layer that is fine, after some extra keys. */
#define FC1(extra) \
    "\"name\": \"fc1\", " extra "\"weights\": \"w.npy\", \"mult\": 5, " \
    "\"shift\": 3"
#define FC1_ONLY(keys) "\"name\": \"fc1\", " keys

static const char *const legal_layer =
    "(legal: name, type, in, out, weights, bias, mult, shift, activation, "
    "act_max)";

static void test_bad_json(void)
{
    char err[1024], path[PATH_MAX + 64];
    sg_model m;

    bad("malformed json", "{\"input\": \"x.npy\",\n  \"layers\": [,]}",
        "m.json: malformed json at line 2, column 14: ", "unexpected token");
    bad("empty file", "", "m.json: malformed json at line 1", NULL);
    bad("duplicate key",
        "{\"input\": \"x.npy\", \"input\": \"x.npy\", \"layers\": []}",
        "m.json: malformed json at line 1", "duplicate object key");
    bad("top level array", "[1, 2]",
        "m.json: top level must be an object, found array", NULL);
    bad("unknown top-level key",
        "{\"input\": \"x.npy\", \"layers\": [{" FC1("") "}], \"layer\": 1}",
        "m.json: unknown key 'layer' (legal: name, input, layers)", NULL);
    bad("missing layers", "{\"input\": \"x.npy\"}",
        "m.json: missing required key 'layers'", NULL);
    bad("missing input", "{\"layers\": [{" FC1("") "}]}",
        "m.json: missing required key 'input'", NULL);
    bad("layers not an array", "{\"input\": \"x.npy\", \"layers\": {}}",
        "m.json: 'layers' must be an array, found object", NULL);
    bad("empty layers", "{\"input\": \"x.npy\", \"layers\": []}",
        "m.json: 'layers' is empty", NULL);
    bad("layer not an object", "{\"input\": \"x.npy\", \"layers\": [3]}",
        "m.json: layers[0]: must be an object, found integer", NULL);
    bad("model name not a string",
        "{\"name\": 1, \"input\": \"x.npy\", \"layers\": [{" FC1("") "}]}",
        "m.json: 'name' must be a string, found integer", NULL);
    bad("model name with a space",
        "{\"name\": \"my net\", \"input\": \"x.npy\", \"layers\": [{" FC1("")
        "}]}",
        "m.json: invalid character in 'name' 'my net' (legal: letters, "
        "digits, '_', '-', '.')", NULL);
    bad("model name empty",
        "{\"name\": \"\", \"input\": \"x.npy\", \"layers\": [{" FC1("") "}]}",
        "m.json: 'name' '' is 0 bytes long, must be 1..63", NULL);

    /* layer keys */
    bad("unknown layer key", ONE(FC1("\"wieghts\": 1, ")),
        "m.json: layers[0] 'fc1': unknown key 'wieghts' ", legal_layer);
    bad("unknown layer key, control character quoted",
        ONE(FC1("\"a\\nb\": 1, ")), "unknown key 'a\\x0ab'", NULL);
    bad("missing weights", ONE(FC1_ONLY("\"mult\": 5, \"shift\": 3")),
        "m.json: layers[0] 'fc1': missing required key 'weights'", NULL);
    bad("missing mult", ONE(FC1_ONLY("\"weights\": \"w.npy\", \"shift\": 3")),
        "m.json: layers[0] 'fc1': missing required key 'mult'", NULL);
    bad("missing shift", ONE(FC1_ONLY("\"weights\": \"w.npy\", \"mult\": 3")),
        "m.json: layers[0] 'fc1': missing required key 'shift'", NULL);
    bad("layer name not a string",
        ONE("\"name\": [], \"weights\": \"w.npy\", \"mult\": 5, \"shift\": 3"),
        "m.json: layers[0]: 'name' must be a string, found array", NULL);
    bad("layer name too long",
        ONE("\"name\": \"a234567890123456789012345678901234567890123456789012"
            "345678901234\", \"weights\": \"w.npy\", \"mult\": 5, "
            "\"shift\": 3"),
        "m.json: layers[0]: 'name' 'a234567890123456789012345678901234567890..."
        "' is 64 bytes long, must be 1..63", NULL);
    bad("duplicate layer name",
        "{\"input\": \"x.npy\", \"layers\": [{" FC1("") "}, {" FC1("") "}]}",
        "m.json: layers[1] 'fc1': duplicate layer name 'fc1' (also "
        "layers[0])", NULL);
    bad("unknown type", ONE(FC1("\"type\": \"gru\", ")),
        "m.json: layers[0] 'fc1': unknown type 'gru' (legal: fc, conv, "
        "maxpool, lstm)", NULL);
    bad("type names are case-sensitive", ONE(FC1("\"type\": \"FC\", ")),
        "m.json: layers[0] 'fc1': unknown type 'FC' (legal: fc, conv, "
        "maxpool, lstm)", NULL);
    bad("type not a string", ONE(FC1("\"type\": 1, ")),
        "m.json: layers[0] 'fc1': 'type' must be a string, found integer",
        NULL);

    /* in and out */
    bad("in not an integer", ONE(FC1("\"in\": \"4\", ")),
        "m.json: layers[0] 'fc1': 'in' must be an integer, found string",
        NULL);
    bad("in a real number", ONE(FC1("\"in\": 4.0, ")),
        "'in' must be an integer, found real number", NULL);
    bad("in zero", ONE(FC1("\"in\": 0, ")),
        "m.json: layers[0] 'fc1': 'in' is 0, must be 1..2147483647", NULL);
    bad("in does not match the weights", ONE(FC1("\"in\": 5, ")),
        "m.json: layers[0] 'fc1': 'in' is 5 but ",
        "w.npy has shape (3, 4) (4 columns)");
    bad("out does not match the weights", ONE(FC1("\"out\": 4, ")),
        "m.json: layers[0] 'fc1': 'out' is 4 but ",
        "w.npy has shape (3, 4) (3 rows)");
    bad("layer lengths do not chain",
        "{\"input\": \"x.npy\", \"layers\": [{" FC1("") "}, {\"name\": "
        "\"fc2\", \"weights\": \"w.npy\", \"mult\": 1, \"shift\": 0}]}",
        "m.json: layers[1] 'fc2': input length 4 (",
        "w.npy has shape (3, 4)) does not match the output length 3 of "
        "layers[0] 'fc1'");

    /* weights */
    bad("weights not a string",
        ONE(FC1_ONLY("\"weights\": 3, \"mult\": 5, \"shift\": 3")),
        "m.json: layers[0] 'fc1': 'weights' must be a string naming an .npy "
        "file, found integer", NULL);
    bad("weights empty path",
        ONE(FC1_ONLY("\"weights\": \"\", \"mult\": 5, \"shift\": 3")),
        "m.json: layers[0] 'fc1': 'weights' is an empty string", NULL);
    bad("weights file missing",
        ONE(FC1_ONLY("\"weights\": \"nope.npy\", \"mult\": 5, \"shift\": 3")),
        "/nope.npy: cannot open: No such file or directory ('weights' of "
        "layers[0] 'fc1' in ", "m.json)");
    bad("weights is a directory",
        ONE(FC1_ONLY("\"weights\": \".\", \"mult\": 5, \"shift\": 3")),
        "/.: not a .npy file: a directory, not a regular file", NULL);
    bad("weights bool", ONE(FC1_ONLY("\"weights\": \"w_bool.npy\", \"mult\": "
                                     "5, \"shift\": 3")),
        "w_bool.npy: unsupported dtype '|b1'", "'weights' of layers[0] 'fc1'");
    bad("weights float32",
        ONE(FC1_ONLY("\"weights\": \"w_f32.npy\", \"mult\": 5, "
                     "\"shift\": 3")),
        "w_f32.npy: 'weights' of layers[0] 'fc1' is float32; quantize it "
        "first", NULL);
    bad("weights 1-D",
        ONE(FC1_ONLY("\"weights\": \"w_1d.npy\", \"mult\": 5, \"shift\": 3")),
        "w_1d.npy: 'weights' of layers[0] 'fc1' has shape (4,), must be 2-D "
        "[out, in]", NULL);
    bad("weights 3-D",
        ONE(FC1_ONLY("\"weights\": \"w_3d.npy\", \"mult\": 5, \"shift\": 3")),
        "w_3d.npy: 'weights' of layers[0] 'fc1' has shape (1, 3, 4), must be "
        "2-D [out, in]", NULL);
    bad("weights with an empty dimension",
        ONE(FC1_ONLY("\"weights\": \"w_empty.npy\", \"mult\": 5, "
                     "\"shift\": 3")),
        "w_empty.npy: 'weights' of layers[0] 'fc1' has shape (3, 0), each "
        "dimension must be 1..", NULL);
    bad("weight too wide for wgt_w 8 (int16 file)",
        ONE(FC1_ONLY("\"weights\": \"w_big.npy\", \"mult\": 5, "
                     "\"shift\": 3")),
        "w_big.npy: value out of range at index [1, 2]: 200 ('weights' of "
        "layers[0] 'fc1' must be -128..127 for wgt_w 8)", NULL);
    bad_w("weight too wide for wgt_w 4", 8, 4, ONE(FC1("")),
          "w.npy: value out of range at index [2, 3]: 9 ('weights' of "
          "layers[0] 'fc1' must be -8..7 for wgt_w 4)", NULL);

    /* bias */
    bad("bias an integer", ONE(FC1("\"bias\": 0, ")),
        "m.json: layers[0] 'fc1': 'bias' must be a string naming an .npy "
        "file, found integer", NULL);
    bad("bias wrong shape", ONE(FC1("\"bias\": \"b2.npy\", ")),
        "b2.npy: 'bias' of layers[0] 'fc1' has shape (2,), must be [3] (one "
        "per output row)", NULL);
    bad("bias 2-D", ONE(FC1("\"bias\": \"w.npy\", ")),
        "w.npy: 'bias' of layers[0] 'fc1' has shape (3, 4), must be [3]",
        NULL);
    bad("bias beyond 32 bits", ONE(FC1("\"bias\": \"b_big.npy\", ")),
        "b_big.npy: value out of range at index [1]: 3000000000 ('bias' of "
        "layers[0] 'fc1' must be -2147483648..2147483647 (32-bit))", NULL);
    bad("bias float", ONE(FC1("\"bias\": \"w_f32.npy\", ")),
        "w_f32.npy: 'bias' of layers[0] 'fc1' is float32; quantize it first",
        NULL);

    /* mult and shift */
    bad("mult a real number",
        ONE(FC1_ONLY("\"weights\": \"w.npy\", \"mult\": 1.5, \"shift\": 3")),
        "m.json: layers[0] 'fc1': 'mult' must be an integer or a string "
        "naming an .npy file, found real number", NULL);
    bad("mult beyond 32 bits",
        ONE(FC1_ONLY("\"weights\": \"w.npy\", \"mult\": 2147483648, "
                     "\"shift\": 3")),
        "m.json: layers[0] 'fc1': 'mult' is 2147483648, must be "
        "-2147483648..2147483647 (32-bit)", NULL);
    bad("mult file beyond 32 bits",
        ONE(FC1_ONLY("\"weights\": \"w.npy\", \"mult\": \"m_big.npy\", "
                     "\"shift\": 3")),
        "m_big.npy: value out of range at index [2]: 2147483648 ('mult' of "
        "layers[0] 'fc1' must be -2147483648..2147483647 (32-bit))", NULL);
    bad("mult file wrong shape",
        ONE(FC1_ONLY("\"weights\": \"w.npy\", \"mult\": \"x.npy\", "
                     "\"shift\": 3")),
        "x.npy: 'mult' of layers[0] 'fc1' has shape (4,), must be [3]", NULL);
    bad("shift 63",
        ONE(FC1_ONLY("\"weights\": \"w.npy\", \"mult\": 5, \"shift\": 63")),
        "m.json: layers[0] 'fc1': 'shift' is 63, must be 0..62", NULL);
    bad("shift -1",
        ONE(FC1_ONLY("\"weights\": \"w.npy\", \"mult\": 5, \"shift\": -1")),
        "m.json: layers[0] 'fc1': 'shift' is -1, must be 0..62", NULL);
    bad("shift null",
        ONE(FC1_ONLY("\"weights\": \"w.npy\", \"mult\": 5, \"shift\": null")),
        "'shift' must be an integer or a string naming an .npy file, found "
        "null", NULL);
    bad("shift file negative",
        ONE(FC1_ONLY("\"weights\": \"w.npy\", \"mult\": 5, \"shift\": "
                     "\"s_neg.npy\"")),
        "s_neg.npy: value out of range at index [0]: -1 ('shift' of "
        "layers[0] 'fc1' must be 0..62)", NULL);
    bad("shift file 63",
        ONE(FC1_ONLY("\"weights\": \"w.npy\", \"mult\": 5, \"shift\": "
                     "\"s_63.npy\"")),
        "s_63.npy: value out of range at index [2]: 63 ('shift' of "
        "layers[0] 'fc1' must be 0..62)", NULL);
    bad("shift file missing",
        ONE(FC1_ONLY("\"weights\": \"w.npy\", \"mult\": 5, \"shift\": "
                     "\"s_nope.npy\"")),
        "s_nope.npy: cannot open: No such file or directory ('shift' of "
        "layers[0] 'fc1'", NULL);

    /* activation */
    bad("unknown activation", ONE(FC1("\"activation\": \"tanh\", ")),
        "m.json: layers[0] 'fc1': unknown activation 'tanh' (legal: none, "
        "relu, relu6)", NULL);
    bad("activation not a string", ONE(FC1("\"activation\": true, ")),
        "m.json: layers[0] 'fc1': 'activation' must be a string, found "
        "boolean", NULL);
    bad("relu6 without act_max", ONE(FC1("\"activation\": \"relu6\", ")),
        "m.json: layers[0] 'fc1': missing 'act_max' (required for activation "
        "'relu6')", NULL);
    bad("act_max above 2^(data_w-1)-1",
        ONE(FC1("\"activation\": \"relu6\", \"act_max\": 128, ")),
        "m.json: layers[0] 'fc1': 'act_max' is 128, must be 0..127 for "
        "data_w 8", NULL);
    bad("act_max negative",
        ONE(FC1("\"activation\": \"relu6\", \"act_max\": -1, ")),
        "'act_max' is -1, must be 0..127 for data_w 8", NULL);
    bad("act_max a string",
        ONE(FC1("\"activation\": \"relu6\", \"act_max\": \"96\", ")),
        "'act_max' must be an integer, found string", NULL);
    bad("act_max without relu6",
        ONE(FC1("\"activation\": \"relu\", \"act_max\": 96, ")),
        "m.json: layers[0] 'fc1': 'act_max' is only used with activation "
        "'relu6', found 'relu'", NULL);

    /* input */
    bad("input not a string",
        "{\"input\": [1, 2], \"layers\": [{" FC1("") "}]}",
        "m.json: 'input' must be a string naming an .npy file, found array",
        NULL);
    bad("input missing file",
        "{\"input\": \"nope.npy\", \"layers\": [{" FC1("") "}]}",
        "nope.npy: cannot open: No such file or directory ('input' in ", NULL);
    bad("input wrong length",
        "{\"input\": \"x5.npy\", \"layers\": [{" FC1("") "}]}",
        "x5.npy: 'input' has shape (5,), must be [4] or [n, 4] (layers[0] "
        "'fc1' has 4 inputs)", NULL);
    bad("input 3-D",
        "{\"input\": \"x3d.npy\", \"layers\": [{" FC1("") "}]}",
        "x3d.npy: 'input' has shape (1, 2, 4), must be [4] or [n, 4]", NULL);
    bad("input with no samples",
        "{\"input\": \"x_empty.npy\", \"layers\": [{" FC1("") "}]}",
        "x_empty.npy: 'input' has shape (0, 4), must have 1..", NULL);
    bad("input too wide for data_w 8",
        "{\"input\": \"x_big.npy\", \"layers\": [{" FC1("") "}]}",
        "x_big.npy: value out of range at index [1, 3]: 128 ('input' must "
        "be -128..127 for data_w 8)", NULL);
    bad("input float64",
        "{\"input\": \"x_f64.npy\", \"layers\": [{" FC1("") "}]}",
        "x_f64.npy: 'input' is float64; quantize it first", NULL);

    /* widths and the model file itself */
    bad_w("data_w 0", 0, 8, ONE(FC1("")),
          "m.json: invalid data_w 0 (legal: 1..32)", NULL);
    bad_w("wgt_w 33", 8, 33, ONE(FC1("")),
          "m.json: invalid wgt_w 33 (legal: 1..32)", NULL);
    snprintf(path, sizeof path, "%s/nope.json", tmp_dir);
    memset(&m, 0xab, sizeof m);
    tap_ok(sg_model_load(path, 8, 8, &m, err, sizeof err) == -1 &&
               strstr(err, "nope.json: cannot open: No such file or "
                           "directory") != NULL && is_zeroed(&m),
           "model file missing: %s", err);
    tap_ok(sg_model_load(tmp_dir, 8, 8, &m, err, sizeof err) == -1 &&
               strstr(err, ": cannot read: Is a directory") != NULL &&
               is_zeroed(&m),
           "model path is a directory: %s", err);
}

/* Good models written at run time: absolute paths, 2-D input of one row. */
static void test_good_tmp(void)
{
    char json[PATH_MAX * 2 + 256], err[1024] = "";
    sg_model m;
    int rc;

    snprintf(json, sizeof json,
             "{\"input\": \"%s/x2.npy\", \"layers\": [\n"
             "  {\"weights\": \"%s/w43.npy\", \"mult\": \"r4.npy\", "
             "\"shift\": \"r4.npy\", \"bias\": \"r4.npy\", \"in\": 3, "
             "\"out\": 4, \"type\": \"fc\", \"activation\": \"relu6\", "
             "\"act_max\": 0},\n"
             "  {\"name\": \"last\", \"weights\": \"w.npy\", \"mult\": -7, "
             "\"shift\": 0},\n]}",
             tmp_dir, tmp_dir);
    /* jansson refuses the trailing comma: that is malformed JSON */
    write_text("m.json", json);
    rc = sg_model_load(json_path, 8, 8, &m, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "malformed json at line 4") != NULL,
           "a trailing comma in JSON is malformed: %s", err);
    *strstr(json, ",\n]}") = '\0';
    strcat(json, "\n]}");
    write_text("m.json", json);
    rc = sg_model_load(json_path, 8, 8, &m, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "x2.npy: 'input' has shape (2, 4), must "
                                   "be [3] or [n, 3]") != NULL,
           "absolute input path resolved: %s", err);
    save("x2.npy", "<i1", 2, (const long long[2]){2, 3},
         (const int64_t[6]){1, 2, 3, 4, 5, 6});
    err[0] = '\0';
    rc = sg_model_load(json_path, 8, 8, &m, err, sizeof err);
    if (tap_ok(rc == 0, "absolute and relative paths mixed %s", err)) {
        tap_ok(strcmp(m.name, "m") == 0 && m.n_layers == 2 &&
                   m.n_inputs == 2 && m.input_len == 3 &&
                   strcmp(m.layers[0].name, "layer0") == 0 &&
                   strcmp(m.layers[1].name, "last") == 0 &&
                   m.layers[0].act == SG_ACT_RELU6 &&
                   m.layers[0].act_max == 0 && m.layers[1].mult[2] == -7 &&
                   m.layers[1].shift[1] == 0 && m.layers[0].weights[11] == 9,
               "tmp model: names, act_max 0 for relu6, negative scalar mult");
        sg_model_free(&m);
    }

    /* a model path without a directory: paths are relative to the cwd */
    {
        char cwd[PATH_MAX];
        int moved = getcwd(cwd, sizeof cwd) != NULL && chdir(tmp_dir) == 0;

        err[0] = '\0';
        rc = moved ? sg_model_load("m.json", 8, 8, &m, err, sizeof err) : -1;
        tap_ok(rc == 0 && m.n_layers == 2, "bare file name m.json %s", err);
        if (rc == 0)
            sg_model_free(&m);
        if (moved && chdir(cwd) != 0) {
            printf("Bail out! cannot return to %s\n", cwd);
            exit(1);
        }
    }
}

/* ---- bad CONV and max-pool layers -------------------------------------- */

/* A model with input xc.npy [1, 3, 3] and the given layers. */
#define XC(layers) "{\"input\": \"xc.npy\", \"layers\": [" layers "]}"
/* A conv layer [1, 3, 3] -> [2, 2, 2] that is fine, after some extra keys. */
#define C1(extra) \
    "{\"name\": \"c1\", \"type\": \"conv\", \"in\": [1, 3, 3], " extra \
    "\"weights\": \"cw.npy\", \"mult\": 5, \"shift\": 3}"
/* A conv layer with only the given keys. */
#define C1_ONLY(keys) "{\"name\": \"c1\", \"type\": \"conv\", " keys "}"
/* A maxpool layer with the given keys. */
#define P2(keys) "{\"name\": \"p2\", \"type\": \"maxpool\", " keys "}"
/* The fc layer of the fc tests as a whole object. */
#define FC1_OBJ "{" FC1("") "}"

static const char *const legal_conv =
    "(legal: name, type, in, weights, kernel, stride, padding, groups, bias, "
    "mult, shift, activation, act_max, batchnorm)";
static const char *const legal_pool =
    "(legal: name, type, in, kernel, stride)";

static void test_bad_conv(void)
{
    /* type and keys */
    bad("conv with an fc key", XC(C1("\"out\": 8, ")),
        "m.json: layers[0] 'c1': unknown key 'out' for type conv ",
        legal_conv);
    bad("maxpool with weights",
        XC(C1("") ", " P2("\"kernel\": 2, \"weights\": \"cw.npy\"")),
        "m.json: layers[1] 'p2': unknown key 'weights' for type maxpool ",
        legal_pool);
    bad("maxpool with an activation",
        XC(C1("") ", " P2("\"kernel\": 2, \"activation\": \"relu\"")),
        "layers[1] 'p2': unknown key 'activation' for type maxpool ",
        legal_pool);
    bad("maxpool with mult",
        XC(C1("") ", " P2("\"mult\": 1, \"kernel\": 2")),
        "layers[1] 'p2': unknown key 'mult' for type maxpool ", legal_pool);
    bad("conv without weights",
        XC(C1_ONLY("\"in\": [1, 3, 3], \"mult\": 5, \"shift\": 3")),
        "m.json: layers[0] 'c1': missing required key 'weights'", NULL);
    bad("conv without shift",
        XC(C1_ONLY("\"in\": [1, 3, 3], \"weights\": \"cw.npy\", \"mult\": 5")),
        "m.json: layers[0] 'c1': missing required key 'shift'", NULL);
    bad("maxpool without kernel", XC(C1("") ", " P2("\"stride\": 2")),
        "m.json: layers[1] 'p2': missing required key 'kernel'", NULL);

    /* in */
    bad("first conv without in",
        XC(C1_ONLY("\"weights\": \"cw.npy\", \"mult\": 5, \"shift\": 3")),
        "m.json: layers[0] 'c1': missing required key 'in' (the input shape "
        "[C, H, W] of the first layer)", NULL);
    bad("first maxpool without in", XC(P2("\"kernel\": 2")),
        "m.json: layers[0] 'p2': missing required key 'in' (the input shape "
        "[C, H, W] of the first layer)", NULL);
    bad("conv in an integer",
        XC(C1_ONLY("\"in\": 9, \"weights\": \"cw.npy\", \"mult\": 5, "
                   "\"shift\": 3")),
        "m.json: layers[0] 'c1': 'in' must be an array [C, H, W] of 3 "
        "integers, found integer", NULL);
    bad("conv in of 2 entries",
        XC(C1_ONLY("\"in\": [3, 3], \"weights\": \"cw.npy\", \"mult\": 5, "
                   "\"shift\": 3")),
        "m.json: layers[0] 'c1': 'in' has 2 entries, must be [C, H, W]",
        NULL);
    bad("conv in with a zero",
        XC(C1_ONLY("\"in\": [1, 3, 0], \"weights\": \"cw.npy\", \"mult\": 5, "
                   "\"shift\": 3")),
        "m.json: layers[0] 'c1': 'in'[2] is 0, must be 1..2147483647", NULL);
    bad("conv in with a string",
        XC(C1_ONLY("\"in\": [1, \"3\", 3], \"weights\": \"cw.npy\", "
                   "\"mult\": 5, \"shift\": 3")),
        "m.json: layers[0] 'c1': 'in'[1] must be an integer, found string",
        NULL);
    bad("conv in beyond INT_MAX values",
        XC(C1_ONLY("\"in\": [1, 65536, 65536], \"weights\": \"cw.npy\", "
                   "\"mult\": 5, \"shift\": 3")),
        "m.json: layers[0] 'c1': 'in' [1, 65536, 65536] has more than "
        "2147483647 values (C*H*W)", NULL);
    bad("conv in does not match the previous conv",
        XC(C1("") ", {\"name\": \"c2\", \"type\": \"conv\", \"in\": [2, 3, "
           "3], \"weights\": \"cw.npy\", \"mult\": 5, \"shift\": 3}"),
        "m.json: layers[1] 'c2': 'in' is [2, 3, 3] but layers[0] 'c1' "
        "outputs [2, 2, 2]", NULL);
    bad("maxpool in does not match the previous conv",
        XC(C1("") ", " P2("\"in\": [2, 2, 1], \"kernel\": 1")),
        "m.json: layers[1] 'p2': 'in' is [2, 2, 1] but layers[0] 'c1' "
        "outputs [2, 2, 2]", NULL);
    bad("conv after fc without in",
        "{\"input\": \"x.npy\", \"layers\": [" FC1_OBJ ", {\"name\": \"c2\", "
        "\"type\": \"conv\", \"weights\": \"cw311.npy\", \"mult\": 5, "
        "\"shift\": 3}]}",
        "m.json: layers[1] 'c2': missing required key 'in' (the [C, H, W] in "
        "which to read the flat output of length 3 of layers[0] 'fc1')",
        NULL);
    bad("conv after fc, C*H*W not the fc's out",
        "{\"input\": \"x.npy\", \"layers\": [" FC1_OBJ ", {\"name\": \"c2\", "
        "\"type\": \"conv\", \"in\": [1, 2, 2], \"weights\": \"cw311.npy\", "
        "\"mult\": 5, \"shift\": 3}]}",
        "m.json: layers[1] 'c2': 'in' is [1, 2, 2] (4 values) but layers[0] "
        "'fc1' outputs 3 values (C*H*W must equal it)", NULL);

    /* weights */
    bad("conv weights 2-D",
        XC(C1_ONLY("\"in\": [1, 3, 3], \"weights\": \"w.npy\", \"mult\": 5, "
                   "\"shift\": 3")),
        "w.npy: 'weights' of layers[0] 'c1' has shape (3, 4), must be 4-D "
        "[c_out, c_in, kh, kw]", NULL);
    bad("conv weights with an empty dimension",
        XC(C1_ONLY("\"in\": [1, 3, 3], \"weights\": \"cw_empty.npy\", "
                   "\"mult\": 5, \"shift\": 3")),
        "cw_empty.npy: 'weights' of layers[0] 'c1' has shape (2, 1, 0, 2), "
        "each dimension must be 1..2147483647", NULL);
    bad("conv weights for other input channels",
        XC(C1_ONLY("\"in\": [2, 3, 3], \"weights\": \"cw.npy\", \"mult\": 5, "
                   "\"shift\": 3")),
        "cw.npy: 'weights' of layers[0] 'c1' has shape (2, 1, 2, 2), must "
        "have 2 input channels (dimension 1) for the input [2, 3, 3]", NULL);
    bad("conv bias per channel, wrong length",
        XC(C1("\"bias\": \"b.npy\", ")),
        "b.npy: 'bias' of layers[0] 'c1' has shape (3,), must be [2] (one "
        "per output channel)", NULL);

    /* kernel */
    bad("conv kernel does not match the weights",
        XC(C1("\"kernel\": 3, ")),
        "m.json: layers[0] 'c1': 'kernel' is 3 but ",
        "cw.npy has shape (2, 1, 2, 2) (kernel [2, 2])");
    bad("conv kernel pair does not match the weights",
        XC(C1("\"kernel\": [2, 1], ")),
        "m.json: layers[0] 'c1': 'kernel' is [2, 1] but ",
        "cw.npy has shape (2, 1, 2, 2) (kernel [2, 2])");
    bad("conv kernel 0", XC(C1("\"kernel\": 0, ")),
        "m.json: layers[0] 'c1': 'kernel' is 0, must be 1..2147483647", NULL);
    bad("conv kernel a string", XC(C1("\"kernel\": \"2\", ")),
        "m.json: layers[0] 'c1': 'kernel' must be an integer or an array "
        "[kh, kw] of 2 integers, found string", NULL);
    bad("conv kernel of 1 entry", XC(C1("\"kernel\": [2], ")),
        "m.json: layers[0] 'c1': 'kernel' has 1 entries, must be an integer "
        "or [kh, kw]", NULL);
    bad("conv kernel with a real number", XC(C1("\"kernel\": [2, 2.0], ")),
        "m.json: layers[0] 'c1': 'kernel'[1] must be an integer, found real "
        "number", NULL);

    /* stride */
    bad("conv stride 0", XC(C1("\"stride\": 0, ")),
        "m.json: layers[0] 'c1': 'stride' is 0, must be 1..65535", NULL);
    bad("conv stride [1, 0]", XC(C1("\"stride\": [1, 0], ")),
        "m.json: layers[0] 'c1': 'stride'[1] is 0, must be 1..65535",
        NULL);
    bad("conv stride of 3 entries", XC(C1("\"stride\": [1, 1, 1], ")),
        "m.json: layers[0] 'c1': 'stride' has 3 entries, must be an integer "
        "or [sh, sw]", NULL);
    bad("conv stride a boolean", XC(C1("\"stride\": true, ")),
        "m.json: layers[0] 'c1': 'stride' must be an integer or an array "
        "[sh, sw] of 2 integers, found boolean", NULL);

    /* padding */
    bad("conv padding -1", XC(C1("\"padding\": -1, ")),
        "m.json: layers[0] 'c1': 'padding' is -1, must be 0..65535",
        NULL);
    bad("conv padding [0, -2]", XC(C1("\"padding\": [0, -2], ")),
        "m.json: layers[0] 'c1': 'padding'[1] is -2, must be 0..65535",
        NULL);
    bad("conv padding a string", XC(C1("\"padding\": \"same\", ")),
        "m.json: layers[0] 'c1': 'padding' must be an integer or an array "
        "[ph, pw] of 2 integers, found string", NULL);
    bad("conv padding null", XC(C1("\"padding\": null, ")),
        "'padding' must be an integer or an array [ph, pw] of 2 integers, "
        "found null", NULL);

    /* shapes sg_conv_shape_derive refuses, and outputs too big */
    bad("conv kernel larger than the padded input",
        XC(C1_ONLY("\"in\": [1, 3, 3], \"weights\": \"cw4.npy\", \"mult\": 5, "
                   "\"shift\": 3")),
        "m.json: layers[0] 'c1': invalid conv shape: kh 4 is out of range: "
        "must be <= h_in + 2 * pad_h = 3 (in [1, 3, 3], kernel [4, 4], "
        "stride [1, 1], padding [0, 0])", NULL);
    bad("conv padding past SG_GEOM_MAX",
        XC(C1("\"padding\": [0, 2147483647], ")),
        "m.json: layers[0] 'c1': 'padding'[1] is 2147483647, must be 0..65535",
        NULL);
    bad("conv stride past SG_GEOM_MAX", XC(C1("\"stride\": 2147483647, ")),
        "m.json: layers[0] 'c1': 'stride' is 2147483647, must be 1..65535", NULL);
    bad("conv output beyond INT_MAX values",
        XC(C1_ONLY("\"in\": [1, 40000, 40000], \"weights\": \"cw2111.npy\", "
                   "\"mult\": 5, \"shift\": 3")),
        "m.json: layers[0] 'c1': output [2, 40000, 40000] has more than "
        "2147483647 values (C*H*W)", NULL);

    /* maxpool kernel and stride */
    bad("maxpool kernel larger than the input",
        XC(C1("") ", " P2("\"kernel\": 3")),
        "m.json: layers[1] 'p2': 'kernel' 3 is larger than the input [2, 2, "
        "2] (legal: 1..2)", NULL);
    bad("maxpool kernel wider than a [1, 3, 2] input",
        XC(P2("\"in\": [1, 3, 2], \"kernel\": [3, 3]")),
        "m.json: layers[0] 'p2': 'kernel' 3 is larger than the input [1, 3, "
        "2] (legal: 1..2)", NULL);
    bad("maxpool kernel not square",
        XC(C1("") ", " P2("\"kernel\": [2, 1]")),
        "m.json: layers[1] 'p2': 'kernel' is [2, 1], must be square (maxpool "
        "takes one size: k or [k, k])", NULL);
    bad("maxpool kernel 0", XC(C1("") ", " P2("\"kernel\": 0")),
        "m.json: layers[1] 'p2': 'kernel' is 0, must be 1..65535", NULL);
    bad("maxpool kernel a real number",
        XC(C1("") ", " P2("\"kernel\": 2.5")),
        "'kernel' must be an integer or an array [k, k] of 2 integers, found "
        "real number", NULL);
    bad("maxpool stride 0", XC(C1("") ", " P2("\"kernel\": 2, \"stride\": 0")),
        "m.json: layers[1] 'p2': 'stride' is 0, must be 1..65535", NULL);
    bad("maxpool stride a pair",
        XC(C1("") ", " P2("\"kernel\": 2, \"stride\": [1, 1]")),
        "m.json: layers[1] 'p2': 'stride' must be an integer, found array",
        NULL);

    /* an fc layer after a conv reads C*H*W values */
    bad("fc after conv with in 4, not C*H*W 8",
        XC(C1("") ", {\"name\": \"fc2\", \"in\": 4, \"weights\": \"w.npy\", "
           "\"mult\": 1, \"shift\": 0}"),
        "m.json: layers[1] 'fc2': input length 4 (",
        "w.npy has shape (3, 4)) does not match the output length 8 of "
        "layers[0] 'c1'; an fc layer reads the [C, H, W] = [2, 2, 2] output "
        "flattened, so its input length must be C*H*W = 8");
    bad("fc after maxpool with in 4, not C*H*W 2",
        XC(C1("") ", " P2("\"kernel\": 2") ", {\"name\": \"fc3\", "
           "\"weights\": \"w.npy\", \"mult\": 1, \"shift\": 0}"),
        "m.json: layers[2] 'fc3': input length 4 (",
        "does not match the output length 2 of layers[1] 'p2'; an fc layer "
        "reads the [C, H, W] = [2, 1, 1] output flattened, so its input "
        "length must be C*H*W = 2");

    /* the input of a first conv or maxpool layer */
    bad("conv input 1-D",
        "{\"input\": \"x.npy\", \"layers\": [" C1("") "]}",
        "x.npy: 'input' has shape (4,), must be [1, 3, 3] or [n, 1, 3, 3] "
        "(layers[0] 'c1' takes [C, H, W] = [1, 3, 3])", NULL);
    bad("conv input [2, 1, 3, 4], not [n, 1, 3, 3]",
        "{\"input\": \"xc_w4.npy\", \"layers\": [" C1("") "]}",
        "xc_w4.npy: 'input' has shape (2, 1, 3, 4), must be [1, 3, 3] or "
        "[n, 1, 3, 3]", NULL);
    bad("maxpool input (1, 2, 4), not [1, 3, 3]",
        "{\"input\": \"x3d.npy\", \"layers\": [" P2("\"in\": [1, 3, 3], "
        "\"kernel\": 2") "]}",
        "x3d.npy: 'input' has shape (1, 2, 4), must be [1, 3, 3] or [n, 1, "
        "3, 3] (layers[0] 'p2' takes [C, H, W] = [1, 3, 3])", NULL);
    bad("conv input with no samples",
        "{\"input\": \"xc_empty.npy\", \"layers\": [" C1("") "]}",
        "xc_empty.npy: 'input' has shape (0, 1, 3, 3), must have 1..", NULL);
    bad("conv input too wide for data_w 8",
        "{\"input\": \"xc_big.npy\", \"layers\": [" C1("") "]}",
        "xc_big.npy: value out of range at index [0, 2, 1]: -129 ('input' "
        "must be -128..127 for data_w 8)", NULL);
}

/* Good conv and maxpool models written at run time. */
static void test_good_conv_tmp(void)
{
    static const int pool_shape[12] = {1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 2, 2};
    static const int conv_shape[12] = {3, 1, 1, 2, 1, 1, 1, 1, 0, 0, 1, 1};
    /* xc2 holds 1..9 and 9..1 */
    static const int32_t pooled[8] = {5, 6, 8, 9, 9, 8, 6, 5};
    char err[1024] = "";
    int32_t got[4];
    sg_model m;
    int rc;

    /* a first maxpool layer: [n, C, H, W] input, stride 1 */
    write_text("m.json", "{\"input\": \"xc2.npy\", \"layers\": ["
                         P2("\"in\": [1, 3, 3], \"kernel\": 2, "
                            "\"stride\": 1") "]}");
    rc = sg_model_load(json_path, 8, 8, &m, err, sizeof err);
    if (tap_ok(rc == 0, "first layer maxpool loads %s", err)) {
        int ok = m.n_inputs == 2 && m.input_len == 9 &&
                 m.layers[0].in == 9 && m.layers[0].out == 4 &&
                 shape_is(&m.layers[0].conv, pool_shape);
        ok = ok && sg_layer_forward(&m.layers[0], 8, 32, m.inputs, got, err,
                                    sizeof err) == 0 &&
             ints_are(got, pooled, 4);
        ok = ok && sg_layer_forward(&m.layers[0], 8, 32, m.inputs + 9, got,
                                    err, sizeof err) == 0 &&
             ints_are(got, pooled + 4, 4);
        tap_ok(ok, "first layer maxpool: 2 samples of [1, 3, 3] -> [1, 2, 2], "
               "maxima by hand %s", err);
        sg_model_free(&m);
    }

    /* a non-square map: the pool inherits [2, 2, 3] from the conv */
    write_text("m.json", "{\"input\": \"xc_w4.npy\", \"layers\": ["
                         "{\"name\": \"c1\", \"type\": \"conv\", \"in\": "
                         "[1, 3, 4], \"weights\": \"cw.npy\", \"mult\": 1, "
                         "\"shift\": 1, \"bias\": \"cw_b.npy\"}, "
                         P2("\"kernel\": 2, \"stride\": 1") "]}");
    rc = sg_model_load(json_path, 8, 8, &m, err, sizeof err);
    if (tap_ok(rc == 0, "[1, 3, 4] conv -> maxpool loads %s", err)) {
        static const int c_shape[12] = {1, 3, 4, 2, 2, 2, 1, 1, 0, 0, 2, 3};
        static const int p_shape[12] = {2, 2, 3, 2, 2, 2, 1, 1, 0, 0, 1, 2};
        int32_t y[12], p[4], gy[12], gp[4];
        post_ref pr = post_from(&m.layers[0], 8);
        int ok = m.n_inputs == 2 && m.layers[0].in == 12 &&
                 m.layers[0].out == 12 && m.layers[1].in == 12 &&
                 m.layers[1].out == 4 &&
                 shape_is(&m.layers[0].conv, c_shape) &&
                 shape_is(&m.layers[1].conv, p_shape);

        tap_ok(ok, "[1, 3, 4] conv -> [2, 2, 3] -> maxpool 2 stride 1 -> "
               "[2, 1, 2]");
        naive_conv(m.inputs + 12, 1, 3, 4, m.layers[0].weights, 2, 2, 2, 1, 1,
                   0, 0, &pr, y);
        naive_pool(y, 2, 2, 3, 2, 1, p);
        forward_is(&m.layers[0], m.inputs + 12, gy, y, "[1, 3, 4] conv");
        forward_is(&m.layers[1], y, gp, p, "[2, 2, 3] maxpool");
        sg_model_free(&m);
    }

    /* a conv after an fc reads the fc's output as its 'in' [C, H, W] */
    write_text("m.json", "{\"input\": \"x.npy\", \"layers\": [" FC1_OBJ
                         ", {\"name\": \"c2\", \"type\": \"conv\", \"in\": "
                         "[3, 1, 1], \"weights\": \"cw311.npy\", \"mult\": "
                         "1, \"shift\": 0}, " P2("\"kernel\": 1") "]}");
    rc = sg_model_load(json_path, 8, 8, &m, err, sizeof err);
    if (tap_ok(rc == 0, "fc -> conv -> maxpool loads %s", err)) {
        tap_ok(m.layers[1].in == 3 && m.layers[1].out == 2 &&
                   shape_is(&m.layers[1].conv, conv_shape) &&
                   m.layers[2].in == 2 && m.layers[2].out == 2 &&
                   m.layers[2].pool_stride == 1,
               "fc -> conv: 'in' [3, 1, 1] = the fc's 3 outputs; kernel 1 "
               "pool, stride defaults to 1");
        sg_model_free(&m);
    }
}

/* ---- lstm layers ------------------------------------------------------- */

/* An lstm layer in = 3, H = 2 (8 gate rows), T = 5, two samples. */
static const int64_t l_wih[24] = {3,  -2, 1,  -1, 4, 2,  2,  2,
                                  -3, 0,  1,  5,  -4, 3, 1,  2,
                                  -1, -2, 5,  0,  1, -3, 2,  4};
static const int64_t l_whh[16] = {1, -2, 3, 1, -1, 2, 4, 0,
                                  2, 2,  -3, 1, 0, -4, 1, 3};
static const int64_t l_bih[8] = {100, -200, 300, -400, 500, -600, 700, -800};
static const int64_t l_bhh[8] = {10, 20, 30, 40, 50, 60, 70, 80};
static const int64_t l_mult[8] = {40, 41, 42, 43, 44, 45, 46, 47};
static const int64_t l_x[30] = {100, -90, 80,  -70, 60, -50, 40,  -30,
                                20,  -10, 0,   10,  -20, 30, -40, 50,
                                -60, 70,  -80, 90,  -100, 127, -128, 1,
                                2,   3,   -4,  5,   -6,  7};
static const int64_t l_wf[6] = {1, -1, 2, 3, -2, 1};

static void make_lstm_arrays(void)
{
    static const int64_t big[16] = {0, 0, 0, 200, 0, 0, 0, 0,
                                    0, 0, 0, 0,   0, 0, 0, 0};
    static const int64_t b_half[8] = {0, 2000000000, 0, 0, 0, 0, 0, 0};
    static const long long s83[2] = {8, 3}, s82[2] = {8, 2}, s8[1] = {8},
                           s73[2] = {7, 3}, s253[3] = {2, 5, 3},
                           s53[2] = {5, 3}, s34[2] = {3, 4}, s03[2] = {0, 3},
                           s32[2] = {3, 2};

    save("wih.npy", "<i1", 2, s83, l_wih);
    save("whh.npy", "<i2", 2, s82, l_whh);
    save("bih.npy", "<i4", 1, s8, l_bih);
    save("bhh.npy", "<i8", 1, s8, l_bhh);
    save("lm.npy", "<i4", 1, s8, l_mult);
    save("xs3.npy", "<i1", 3, s253, l_x);
    save("xs.npy", "<i1", 2, s53, l_x);
    save("wf.npy", "<i1", 2, s32, l_wf);
    save("wih7.npy", "<i1", 2, s73, l_wih);
    save("whh83.npy", "<i1", 2, s83, l_wih);
    save("whh_big.npy", "<i2", 2, s82, big);
    save("b_half.npy", "<i4", 1, s8, b_half);
    save("xs34.npy", "<i1", 2, s34, l_x);
    save("xs03.npy", "<i1", 2, s03, l_x);
}

/* The lstm layer of the tests with extra keys first. */
#define L1(extra) \
    "{\"name\": \"l1\", \"type\": \"lstm\", " extra "\"weight_ih\": " \
    "\"wih.npy\", \"weight_hh\": \"whh.npy\", \"mult\": \"lm.npy\", " \
    "\"shift\": 4}"
/* A second lstm layer (in = H = 2): whh.npy serves as both matrices. */
#define L2 \
    "{\"name\": \"l2\", \"type\": \"lstm\", \"weight_ih\": \"whh.npy\", " \
    "\"weight_hh\": \"whh.npy\", \"mult\": 45, \"shift\": 4}"
/* An fc layer 2 -> 3 after them. */
#define LFC \
    "{\"name\": \"f3\", \"weights\": \"wf.npy\", \"mult\": 1, \"shift\": 0}"
/* A model of input xs3.npy [2, 5, 3] and the given layers. */
#define XS(layers) "{\"input\": \"xs3.npy\", \"layers\": [" layers "]}"

#define legal_lstm_text \
    "(legal: name, type, in, hidden, weight_ih, weight_hh, bias_ih, " \
    "bias_hh, mult, shift)"

static void test_good_lstm(void)
{
    int32_t w[8 * 5], bias[8], mult[8], y0[10], y1[10], want[10], got[11];
    int32_t h[4], c[4], hs[10], f[3];
    int8_t shift[8];
    char err[1024] = "";
    sg_lstm_layer ll[2];
    sg_lstm_fmt fmt;
    sg_model m;
    int r, j, rc, ok;

    write_text("m.json", XS(L1("\"in\": 3, \"hidden\": 2, \"bias_ih\": "
                               "\"bih.npy\", \"bias_hh\": \"bhh.npy\", ")
                            ", " L2 ", " LFC));
    rc = sg_model_load(json_path, 8, 8, &m, err, sizeof err);
    if (!tap_ok(rc == 0, "lstm -> lstm -> fc loads %s", err))
        return;
    /* the reference layer, from the arrays as written */
    for (r = 0; r < 8; r++) {
        for (j = 0; j < 3; j++)
            w[r * 5 + j] = (int32_t)l_wih[r * 3 + j];
        for (j = 0; j < 2; j++)
            w[r * 5 + 3 + j] = (int32_t)l_whh[r * 2 + j];
        bias[r] = (int32_t)(l_bih[r] + l_bhh[r]);
        mult[r] = (int32_t)l_mult[r];
        shift[r] = 4;
    }
    tap_ok(m.n_layers == 3 && m.n_inputs == 2 && m.input_len == 15 &&
               m.inputs[29] == 7 && m.layers[0].type == SG_LAYER_LSTM &&
               m.layers[0].in == 3 && m.layers[0].out == 2 &&
               m.layers[0].steps == 5 && m.layers[0].act == SG_ACT_NONE &&
               m.layers[1].type == SG_LAYER_LSTM && m.layers[1].in == 2 &&
               m.layers[1].out == 2 && m.layers[1].steps == 5 &&
               m.layers[2].type == SG_LAYER_FC && m.layers[2].in == 2 &&
               m.layers[2].out == 3 && m.layers[2].steps == 0,
           "lstm: [2, 5, 3] input: 2 samples of 15; 3 -> 2 -> 2 lstm over "
           "5 steps, then fc 2 -> 3");
    tap_ok(ints_are(m.layers[0].weights, w, 40) &&
               ints_are(m.layers[0].mult, mult, 8) &&
               shifts_are(m.layers[0].shift, shift, 8),
           "lstm: weights [W_ih | W_hh] per gate row (int8 and int16 files), "
           "mult from .npy, shift 4");
    tap_ok(ints_are(m.layers[0].bias, bias, 8) && m.layers[1].bias != NULL &&
               m.layers[1].bias[7] == 0 && m.layers[1].mult[3] == 45,
           "lstm: bias = bias_ih + bias_hh (int32 + int64 files); zeros "
           "without them");

    /* the layer alone, and the chain, against sg_lstm_run directly */
    ll[0] = (sg_lstm_layer){3, 2, w, bias, mult, shift};
    ll[1] = (sg_lstm_layer){2, 2, m.layers[1].weights, NULL,
                            m.layers[1].mult, m.layers[1].shift};
    if (sg_lstm_fmt_derive(&fmt, 8, sg_lstm_table_bits_for(8), 1, err,
                           sizeof err) != 0) {
        tap_ok(0, "lstm formats %s", err);
        sg_model_free(&m);
        return;
    }
    memset(h, 0, sizeof h);
    memset(c, 0, sizeof c);
    rc = sg_lstm_run(&fmt, ll, 1, 32, 5, m.inputs + 15, h, c, want, err,
                     sizeof err);
    got[10] = 0x5a5a5a5a;
    ok = rc == 0 && forward_is(&m.layers[0], m.inputs + 15, got, want,
                               "lstm sample 1");
    tap_ok(ok && got[10] == 0x5a5a5a5a && want[8] != want[0],
           "lstm: sg_layer_forward writes the 5 x 2 h_t of sg_lstm_run, "
           "nothing beyond");
    memset(h, 0, sizeof h);
    memset(c, 0, sizeof c);
    rc = sg_lstm_run(&fmt, ll, 2, 32, 5, m.inputs + 15, h, c, hs, err,
                     sizeof err);
    ok = rc == 0 &&
         sg_layer_forward(&m.layers[0], 8, 32, m.inputs + 15, y0, err,
                          sizeof err) == 0 &&
         sg_layer_forward(&m.layers[1], 8, 32, y0, y1, err, sizeof err) ==
             0 &&
         ints_are(y1, hs, 10) && ints_are(h + 2, hs + 8, 2);
    tap_ok(ok, "lstm: two layers chained by sg_layer_forward equal the "
           "stacked sg_lstm_run %s", err);
    if (ok) {
        post_ref pr = post_from(&m.layers[2], 8);
        naive_fc(y1 + 8, 2, m.layers[2].weights, 3, &pr, want);
        forward_is(&m.layers[2], y1 + 8, f, want,
                   "fc after lstm on the last h_t");
    }
    sg_lstm_fmt_free(&fmt);

    /* sg_layer_forward refuses what sg_lstm cannot run */
    {
        sg_layer L = m.layers[0];
        int32_t x[15] = {0}, y[10];
        rc = sg_layer_forward(&L, 12, 32, x, y, err, sizeof err);
        tap_ok(rc == -1 && strstr(err, "layer 'l1': LSTM: data width 12, "
                                       "must be 8 or 16") != NULL,
               "lstm forward data_w 12: %s", err);
        L.steps = 0;
        rc = sg_layer_forward(&L, 8, 32, x, y, err, sizeof err);
        tap_ok(rc == -1 && strstr(err, "layer 'l1': invalid lstm size: input "
                                       "3, hidden 2, steps 0") != NULL,
               "lstm forward steps 0: %s", err);
        L = m.layers[0];
        L.weights = NULL;
        rc = sg_layer_forward(&L, 8, 32, x, y, err, sizeof err);
        tap_ok(rc == -1 && strstr(err, "layer 'l1': weights, mult or shift "
                                       "is null") != NULL,
               "lstm forward without weights: %s", err);
    }
    sg_model_free(&m);

    /* a [T, in] input is one sample; an fc layer may follow directly */
    err[0] = '\0';
    write_text("m.json", "{\"input\": \"xs.npy\", \"layers\": [" L1("")
                         ", " LFC "]}");
    rc = sg_model_load(json_path, 8, 8, &m, err, sizeof err);
    if (tap_ok(rc == 0, "[5, 3] input, lstm -> fc loads %s", err)) {
        tap_ok(m.n_inputs == 1 && m.input_len == 15 &&
                   m.layers[0].steps == 5 && m.layers[1].in == 2 &&
                   m.layers[1].steps == 0 && m.layers[0].bias[5] == 0,
               "lstm: [T, in] input is one sequence of 5 steps; no bias "
               "keys give zeros");
        sg_model_free(&m);
    }
}

/* An lstm layer l1 with only the given keys. */
#define L1_ONLY(keys) "{\"name\": \"l1\", \"type\": \"lstm\", " keys "}"
/* Its weights from the given files, mult 1, shift 0. */
#define L1_W(ih, hh) \
    L1_ONLY("\"weight_ih\": \"" ih "\", \"weight_hh\": \"" hh "\", " \
            "\"mult\": 1, \"shift\": 0")

/* A model that must not load: widths, JSON, the two parts of the message. */
typedef struct bad_case {
    const char *what;        /* the check's name */
    int data_w, wgt_w;       /* the machine */
    const char *json;        /* m.json */
    const char *want, *want2; /* in the message (want2 may be NULL) */
} bad_case;

static const bad_case bad_lstm[] = {
    /* keys */
    {"lstm with weights", 8, 8, XS(L1("\"weights\": \"w.npy\", ")),
     "m.json: layers[0] 'l1': unknown key 'weights' for type lstm ",
     legal_lstm_text},
    {"lstm with an activation", 8, 8, XS(L1("\"activation\": \"relu\", ")),
     "layers[0] 'l1': unknown key 'activation' for type lstm ",
     legal_lstm_text},
    {"lstm with bias", 8, 8, XS(L1("\"bias\": \"bih.npy\", ")),
     "layers[0] 'l1': unknown key 'bias' for type lstm ", legal_lstm_text},
    {"lstm without weight_hh", 8, 8,
     XS(L1_ONLY("\"weight_ih\": \"wih.npy\", \"mult\": 1, \"shift\": 0")),
     "m.json: layers[0] 'l1': missing required key 'weight_hh'", NULL},

    /* shapes */
    {"lstm weight_ih rows not 4*hidden", 8, 8, XS(L1_W("wih7.npy", "whh.npy")),
     "wih7.npy: 'weight_ih' of layers[0] 'l1' has shape (7, 3): 7 rows, "
     "must be 4*hidden (the gate blocks i, f, g, o)", NULL},
    {"lstm weight_ih 1-D", 8, 8, XS(L1_W("bih.npy", "whh.npy")),
     "bih.npy: 'weight_ih' of layers[0] 'l1' has shape (8,), must be 2-D "
     "[4*hidden, in]", NULL},
    {"lstm weight_hh not [4H, H]", 8, 8, XS(L1_W("wih.npy", "whh83.npy")),
     "whh83.npy: 'weight_hh' of layers[0] 'l1' has shape (8, 3), must be "
     "[8, 2] ([4*hidden, hidden] for hidden 2 from ", "wih.npy)"},
    {"lstm hidden does not match the weights", 8, 8,
     XS(L1("\"hidden\": 3, ")), "m.json: layers[0] 'l1': 'hidden' is 3 but ",
     "wih.npy has shape (8, 3) (2 hidden units: rows / 4)"},
    {"lstm in does not match the weights", 8, 8, XS(L1("\"in\": 4, ")),
     "m.json: layers[0] 'l1': 'in' is 4 but ",
     "wih.npy has shape (8, 3) (3 columns)"},
    {"lstm hidden zero", 8, 8, XS(L1("\"hidden\": 0, ")),
     "m.json: layers[0] 'l1': 'hidden' is 0, must be 1..2147483647", NULL},
    {"second lstm in not the first's hidden", 8, 8,
     XS(L1("") ", {\"name\": \"l2\", \"type\": \"lstm\", \"weight_ih\": "
        "\"wih.npy\", \"weight_hh\": \"whh.npy\", \"mult\": 1, \"shift\": 0}"),
     "m.json: layers[1] 'l2': input size 3 (",
     "wih.npy has shape (8, 3)) does not match the hidden size 2 of "
     "layers[0] 'l1'"},

    /* the order of layers */
    {"lstm after fc", 8, 8,
     "{\"input\": \"x.npy\", \"layers\": [" FC1_OBJ ", " L1("") "]}",
     "m.json: layers[1] 'l1': an lstm layer must be the first layer or "
     "follow an lstm layer, not fc layer layers[0] 'fc1'", NULL},
    {"lstm after conv", 8, 8, XC(C1("") ", " L1("")),
     "m.json: layers[1] 'l1': an lstm layer must be the first layer or "
     "follow an lstm layer, not conv layer layers[0] 'c1'", NULL},
    {"conv after lstm", 8, 8,
     XS(L1("") ", {\"name\": \"c2\", \"type\": \"conv\", \"in\": [2, 1, 1], "
        "\"weights\": \"cw2111.npy\", \"mult\": 1, \"shift\": 0}"),
     "m.json: layers[1] 'c2': a conv layer cannot follow lstm layer "
     "layers[0] 'l1' (legal after lstm: lstm, fc)", NULL},
    {"maxpool after lstm", 8, 8, XS(L1("") ", " P2("\"kernel\": 1")),
     "m.json: layers[1] 'p2': a maxpool layer cannot follow lstm layer "
     "layers[0] 'l1' (legal after lstm: lstm, fc)", NULL},
    {"fc after lstm reads H values", 8, 8,
     XS(L1("") ", {\"name\": \"f2\", \"weights\": \"w.npy\", \"mult\": 1, "
        "\"shift\": 0}"),
     "m.json: layers[1] 'f2': input length 4 (",
     "does not match the output length 2 of layers[0] 'l1'; an fc layer "
     "after an lstm layer reads its last h_t, so its input length must be "
     "the hidden size 2"},

    /* values */
    {"lstm weight_hh beyond wgt_w 8", 8, 8,
     XS(L1_W("wih.npy", "whh_big.npy")),
     "whh_big.npy: value out of range at index [1, 1]: 200 ('weight_hh' of "
     "layers[0] 'l1' must be -128..127 for wgt_w 8)", NULL},
    {"lstm weight_ih beyond wgt_w 3", 8, 3, XS(L1("")),
     "wih.npy: value out of range at index [1, 1]: 4 ('weight_ih' of "
     "layers[0] 'l1' must be -4..3 for wgt_w 3)", NULL},
    {"lstm bias_ih + bias_hh beyond 32 bits", 8, 8,
     XS(L1("\"bias_ih\": \"b_half.npy\", \"bias_hh\": \"b_half.npy\", ")),
     "m.json: layers[0] 'l1': 'bias_ih' + 'bias_hh' out of range at index "
     "[1]: 4000000000 (the sum must be -2147483648..2147483647 (32-bit))",
     NULL},
    {"lstm bias_hh of 3", 8, 8, XS(L1("\"bias_hh\": \"b.npy\", ")),
     "b.npy: 'bias_hh' of layers[0] 'l1' has shape (3,), must be [8] (one "
     "per output gate row)", NULL},
    {"lstm bias_ih an integer", 8, 8, XS(L1("\"bias_ih\": 5, ")),
     "m.json: layers[0] 'l1': 'bias_ih' must be a string naming an .npy "
     "file, found integer", NULL},
    {"lstm mult of 3", 8, 8,
     XS(L1_ONLY("\"weight_ih\": \"wih.npy\", \"weight_hh\": \"whh.npy\", "
                "\"mult\": \"b.npy\", \"shift\": 0")),
     "b.npy: 'mult' of layers[0] 'l1' has shape (3,), must be [8]", NULL},
    {"lstm shift 63", 8, 8,
     XS(L1_ONLY("\"weight_ih\": \"wih.npy\", \"weight_hh\": \"whh.npy\", "
                "\"mult\": 1, \"shift\": 63")),
     "m.json: layers[0] 'l1': 'shift' is 63, must be 0..62", NULL},

    /* the input of a first lstm layer */
    {"lstm input 1-D", 8, 8,
     "{\"input\": \"x.npy\", \"layers\": [" L1("") "]}",
     "x.npy: 'input' has shape (4,), must be [T, 3] or [n, T, 3] (layers[0] "
     "'l1' is an lstm layer of input size 3)", NULL},
    {"lstm input of 4 per step", 8, 8,
     "{\"input\": \"xs34.npy\", \"layers\": [" L1("") "]}",
     "xs34.npy: 'input' has shape (3, 4), must be [T, 3] or [n, T, 3]", NULL},
    {"lstm input 4-D", 8, 8,
     "{\"input\": \"xc2.npy\", \"layers\": [" L1("") "]}",
     "xc2.npy: 'input' has shape (2, 1, 3, 3), must be [T, 3] or [n, T, 3]",
     NULL},
    {"lstm input of no steps", 8, 8,
     "{\"input\": \"xs03.npy\", \"layers\": [" L1("") "]}",
     "xs03.npy: 'input' has shape (0, 3), must have 1..715827882 steps T",
     NULL},
    {"lstm input beyond data_w 7", 7, 8, XS(L1("")),
     "xs3.npy: value out of range at index [0, 0, 0]: 100 ('input' must be "
     "-64..63 for data_w 7)", NULL},
};

static void test_bad_lstm(void)
{
    size_t i;

    for (i = 0; i < sizeof bad_lstm / sizeof bad_lstm[0]; i++)
        bad_w(bad_lstm[i].what, bad_lstm[i].data_w, bad_lstm[i].wgt_w,
              bad_lstm[i].json, bad_lstm[i].want, bad_lstm[i].want2);
}

/* ---- float models (sg_model_load_float) -------------------------------- */

/* 1 when this host stores numbers little-endian (the raw float files
 * below are written in host byte order and say so in their descr). */
static int host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;

    memcpy(&b, &one, 1);
    return b == 1;
}

/* tmp_dir/name: n values as a float32 (bytes 4: each value rounded to
 * float) or float64 (bytes 8) .npy of the given shape text. */
static void save_float(const char *name, int bytes, const char *shape,
                       const double *v, size_t n)
{
    unsigned char *buf = malloc(n * (size_t)bytes + 1);
    char descr[8];
    size_t k;

    if (buf == NULL) {
        printf("Bail out! out of memory\n");
        exit(1);
    }
    snprintf(descr, sizeof descr, "%cf%d", host_little_endian() ? '<' : '>',
             bytes);
    for (k = 0; k < n; k++) {
        if (bytes == 4) {
            float f = (float)v[k];
            memcpy(buf + 4 * k, &f, 4);
        } else {
            memcpy(buf + 8 * k, &v[k], 8);
        }
    }
    save_raw(name, descr, shape, buf, n * (size_t)bytes);
    free(buf);
}

/* got holds exactly want (n values) */
static int doubles_are(const double *got, const double *want, int n)
{
    int k;

    if (got == NULL)
        return 0;
    for (k = 0; k < n; k++)
        if (got[k] != want[k])
            return 0;
    return 1;
}

/* v rounded to float32, as a float32 file holds it */
static void to_f32(const double *v, double *out, int n)
{
    int k;

    for (k = 0; k < n; k++)
        out[k] = (double)(float)v[k];
}

/* the float arrays of the tests below */
static const double fw1[12] = {0.5,  -1.25, 0.1,   2.0, -0.75, 0.3,
                               1.5,  -2.5,  0.0,   0.125, -0.1, 3.0};
static const double fb1[3] = {0.1, -0.2, 1e-3};
static const double fw2[6] = {1.0, -1.0, 0.5, 0.25, 2.0, -3.0};
static const double fx[8] = {1.0, -2.0, 0.5, 0.1, 3.0, 0.0, -1.5, 2.2};
static const double fwih[24] = {0.3,  -0.2, 0.1,  -0.1, 0.4,  0.2,
                                0.2,  0.2,  -0.3, 0.05, 0.1,  0.5,
                                -0.4, 0.3,  0.1,  0.2,  -0.1, -0.2,
                                0.5,  0.7,  0.1,  -0.3, 0.2,  0.4};
static const double fwhh[16] = {0.1,  -0.2, 0.3, 0.1,  -0.1, 0.2,
                                0.4,  0.9,  0.2, 0.2,  -0.3, 0.1,
                                0.15, -0.4, 0.1, 0.3};
static const double fbih[8] = {0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8};
static const double fbhh[8] = {0.01, 0.02, 0.03, 0.04,
                               0.05, 0.06, 0.07, 0.08};

static void make_float_arrays(void)
{
    static const int64_t wi[12] = {200, -300, 1, 2, 3, 4, 5, 6, 7, 8, 9, -9};
    static const int64_t xi[4] = {-100, 1000, 0, 7};
    static const long long s34[2] = {3, 4}, s4[1] = {4};
    double v[72];
    int k;

    save_float("f_w1.npy", 4, "(3, 4)", fw1, 12);
    save_float("f_b1.npy", 8, "(3,)", fb1, 3);
    save_float("f_b2.npy", 8, "(2,)", fb1, 2);
    save_float("f_w2.npy", 4, "(2, 3)", fw2, 6);
    save_float("f_x.npy", 4, "(2, 4)", fx, 8);
    memcpy(v, fw1, sizeof fw1);
    v[6] = NAN; /* [1, 2] */
    save_float("f_wnan.npy", 4, "(3, 4)", v, 12);
    memcpy(v, fb1, sizeof fb1);
    v[2] = INFINITY;
    save_float("f_binf.npy", 8, "(3,)", v, 3);
    memcpy(v, fx, sizeof fx);
    v[7] = -INFINITY; /* [1, 3] */
    save_float("f_xinf.npy", 4, "(2, 4)", v, 8);
    save("f_wi.npy", "<i2", 2, s34, wi);
    save("f_xi.npy", "<i2", 1, s4, xi);

    /* conv [1, 4, 4] -> [2, 4, 4] -> maxpool 2 -> [2, 2, 2] -> fc 3 */
    for (k = 0; k < 18; k++)
        v[k] = (k % 7) * 0.25 - 0.5;
    save_float("f_cw.npy", 8, "(2, 1, 3, 3)", v, 18);
    save_float("f_cb.npy", 4, "(2,)", fb1, 2);
    for (k = 0; k < 32; k++)
        v[k] = (k % 5) * 0.5 - 1.0;
    save_float("f_xc.npy", 8, "(2, 1, 4, 4)", v, 32);
    for (k = 0; k < 24; k++)
        v[k] = (k % 3) - 1.0;
    save_float("f_cf.npy", 4, "(3, 8)", v, 24);

    /* lstm in 3, H 2, two samples of 5 steps, then fc 2 -> 3 */
    save_float("f_wih.npy", 4, "(8, 3)", fwih, 24);
    save_float("f_whh.npy", 8, "(8, 2)", fwhh, 16);
    save_float("f_bih.npy", 4, "(8,)", fbih, 8);
    save_float("f_bhh.npy", 8, "(8,)", fbhh, 8);
    memcpy(v, fwhh, sizeof fwhh);
    v[11] = NAN; /* [5, 1] */
    save_float("f_whhnan.npy", 8, "(8, 2)", v, 16);
    for (k = 0; k < 30; k++)
        v[k] = (k % 11) * 0.2 - 1.0;
    save_float("f_xs.npy", 8, "(2, 5, 3)", v, 30);
    save_float("f_wf.npy", 4, "(3, 2)", fw2, 6);
    memcpy(v, fbih, sizeof fbih);
    v[3] = 1e308; /* finite, but twice it is not */
    save_float("f_bbig.npy", 8, "(8,)", v, 8);
}

/* a float model of input f_x.npy [2, 4] and the given layers */
#define FX(layers) "{\"input\": \"f_x.npy\", \"layers\": [" layers "]}"
/* the float fc layer 4 -> 3 with extra keys first */
#define FFC1(extra) \
    "{\"name\": \"fc1\", " extra "\"weights\": \"f_w1.npy\"}"
/* the float lstm layer (in 3, H 2) with extra keys first */
#define FL1(extra) \
    "{\"name\": \"l1\", \"type\": \"lstm\", " extra "\"weight_ih\": " \
    "\"f_wih.npy\", \"weight_hh\": \"f_whh.npy\"}"
/* a float model of input f_xs.npy [2, 5, 3] and the given layers */
#define FXS(layers) "{\"input\": \"f_xs.npy\", \"layers\": [" layers "]}"

static void test_float_good(void)
{
    char err[1024] = "";
    double w1[12], x[8], w2[6], want[40];
    const sg_layer *a, *b;
    sg_model m;
    int rc, r, j;

    to_f32(fw1, w1, 12);
    to_f32(fx, x, 8);
    to_f32(fw2, w2, 6);

    /* (a) fc -> fc: float32 weights and input, float64 bias; (f) relu6
     * without act_max */
    write_text("m.json", FX(FFC1("\"bias\": \"f_b1.npy\", \"activation\": "
                                 "\"relu\", ")
                            ", {\"name\": \"fc2\", \"weights\": "
                            "\"f_w2.npy\", \"activation\": \"relu6\"}"));
    memset(&m, 0xab, sizeof m);
    rc = sg_model_load_float(json_path, &m, err, sizeof err);
    if (tap_ok(rc == 0, "float fc -> fc (relu6 without act_max) loads %s",
               err)) {
        a = &m.layers[0];
        b = &m.layers[1];
        tap_ok(strcmp(m.name, "m") == 0 && m.n_layers == 2 &&
                   m.n_inputs == 2 && m.input_len == 4 && m.inputs == NULL &&
                   doubles_are(m.finputs, x, 8),
               "float fc: [2, 4] float32 input in finputs, exactly (0.1f is "
               "%.17g), inputs NULL", m.finputs ? m.finputs[3] : -1.0);
        tap_ok(a->type == SG_LAYER_FC && a->in == 4 && a->out == 3 &&
                   a->act == SG_ACT_RELU && a->act_max == 0 &&
                   doubles_are(a->fweights, w1, 12) && w1[2] != 0.1 &&
                   doubles_are(a->fbias, fb1, 3),
               "float fc1: 4 -> 3, relu; fweights the float32 values, fbias "
               "the float64 ones, exactly");
        tap_ok(a->weights == NULL && a->bias == NULL && a->mult == NULL &&
                   a->shift == NULL && b->weights == NULL &&
                   b->bias == NULL && b->mult == NULL && b->shift == NULL,
               "float fc: weights, bias, mult and shift are NULL");
        want[0] = want[1] = 0.0;
        tap_ok(b->type == SG_LAYER_FC && b->in == 3 && b->out == 2 &&
                   b->act == SG_ACT_RELU6 && b->act_max == 0 &&
                   doubles_are(b->fweights, w2, 6) &&
                   doubles_are(b->fbias, want, 2),
               "float fc2: 3 -> 2, relu6 needs no act_max (0), no bias "
               "gives zeros");
        sg_model_free(&m);
        tap_ok(is_zeroed(&m), "sg_model_free zeroes a float model");
    }

    /* (b) conv -> maxpool -> fc: the conv shape derived */
    write_text("m.json",
               "{\"input\": \"f_xc.npy\", \"layers\": [{\"name\": \"c1\", "
               "\"type\": \"conv\", \"in\": [1, 4, 4], \"weights\": "
               "\"f_cw.npy\", \"bias\": \"f_cb.npy\", \"padding\": 1, "
               "\"activation\": \"relu\"}, {\"name\": \"p1\", \"type\": "
               "\"maxpool\", \"kernel\": 2}, {\"name\": \"f1\", "
               "\"weights\": \"f_cf.npy\"}]}");
    err[0] = '\0';
    rc = sg_model_load_float(json_path, &m, err, sizeof err);
    if (tap_ok(rc == 0, "float conv -> maxpool -> fc loads %s", err)) {
        static const int c_shape[12] = {1, 4, 4, 2, 3, 3, 1, 1, 1, 1, 4, 4};
        static const int p_shape[12] = {2, 4, 4, 2, 2, 2, 2, 2, 0, 0, 2, 2};
        double cw[18], cb[2];
        for (j = 0; j < 18; j++)
            cw[j] = (j % 7) * 0.25 - 0.5;
        to_f32(fb1, cb, 2);
        for (j = 0; j < 32; j++)
            want[j] = (j % 5) * 0.5 - 1.0;
        tap_ok(m.n_inputs == 2 && m.input_len == 16 &&
                   doubles_are(m.finputs, want, 32) && m.inputs == NULL &&
                   m.layers[0].in == 16 && m.layers[0].out == 32 &&
                   shape_is(&m.layers[0].conv, c_shape) &&
                   m.layers[1].in == 32 && m.layers[1].out == 8 &&
                   shape_is(&m.layers[1].conv, p_shape) &&
                   m.layers[2].in == 8 && m.layers[2].out == 3,
               "float conv: [1, 4, 4] kernel 3 padding 1 -> [2, 4, 4], pool "
               "-> [2, 2, 2], fc 8 -> 3; two float64 samples");
        tap_ok(doubles_are(m.layers[0].fweights, cw, 18) &&
                   doubles_are(m.layers[0].fbias, cb, 2) &&
                   m.layers[0].weights == NULL && m.layers[0].mult == NULL &&
                   m.layers[1].fweights == NULL && m.layers[1].fbias == NULL &&
                   m.layers[2].fweights != NULL &&
                   m.layers[2].fweights[23] == 1.0,
               "float conv: weights [2, 1, 3, 3] and float32 bias per "
               "channel; maxpool has no arrays");
        sg_model_free(&m);
    }

    /* (c) lstm -> fc: [W_ih | W_hh] rows, b_ih + b_hh, steps from the input */
    write_text("m.json", FXS(FL1("\"bias_ih\": \"f_bih.npy\", \"bias_hh\": "
                                 "\"f_bhh.npy\", \"hidden\": 2, ")
                             ", {\"name\": \"f2\", \"weights\": "
                             "\"f_wf.npy\"}"));
    err[0] = '\0';
    rc = sg_model_load_float(json_path, &m, err, sizeof err);
    if (tap_ok(rc == 0, "float lstm -> fc loads %s", err)) {
        const sg_layer *L = &m.layers[0];
        double bias[8];
        int rows_ok = L->fweights != NULL;
        for (r = 0; r < 8; r++) {
            for (j = 0; rows_ok && j < 3; j++)
                rows_ok &= L->fweights[r * 5 + j] == (double)(float)fwih[r * 3 + j];
            for (j = 0; rows_ok && j < 2; j++)
                rows_ok &= L->fweights[r * 5 + 3 + j] == fwhh[r * 2 + j];
            bias[r] = (double)(float)fbih[r] + fbhh[r];
        }
        for (j = 0; j < 30; j++)
            want[j] = (j % 11) * 0.2 - 1.0;
        tap_ok(m.n_inputs == 2 && m.input_len == 15 &&
                   doubles_are(m.finputs, want, 30) &&
                   L->type == SG_LAYER_LSTM && L->in == 3 && L->out == 2 &&
                   L->steps == 5 && m.layers[1].in == 2 &&
                   m.layers[1].out == 3 && m.layers[1].steps == 0,
               "float lstm: [2, 5, 3] input is 2 samples of 5 steps; 3 -> 2 "
               "lstm, then fc 2 -> 3");
        tap_ok(rows_ok, "float lstm: fweights row r is [weight_ih row r | "
               "weight_hh row r] (float32 | float64)");
        tap_ok(doubles_are(L->fbias, bias, 8) && L->bias == NULL &&
                   L->weights == NULL && L->mult == NULL && L->shift == NULL,
               "float lstm: fbias = bias_ih + bias_hh; integer arrays NULL");
        sg_model_free(&m);
    }

    /* (d) integer .npy in a float model: doubles, no wgt_w/data_w limits */
    write_text("m.json", "{\"input\": \"f_xi.npy\", \"layers\": [{\"weights\": "
                         "\"f_wi.npy\", \"bias\": \"b.npy\"}]}");
    err[0] = '\0';
    rc = sg_model_load_float(json_path, &m, err, sizeof err);
    if (tap_ok(rc == 0, "float model of integer .npy files loads %s", err)) {
        static const double wd[12] = {200, -300, 1, 2, 3, 4, 5, 6, 7, 8, 9, -9};
        static const double xd[4] = {-100, 1000, 0, 7}, bd[3] = {1, 2, 3};
        tap_ok(m.n_inputs == 1 && m.input_len == 4 &&
                   doubles_are(m.finputs, xd, 4) &&
                   doubles_are(m.layers[0].fweights, wd, 12) &&
                   doubles_are(m.layers[0].fbias, bd, 3) &&
                   m.layers[0].weights == NULL && m.inputs == NULL,
               "float model: int16 weights (200, -300) and input (1000), "
               "int32 bias read as doubles");
        sg_model_free(&m);
    }
}

static void test_float_bad(void)
{
    /* keys the quantizer computes */
    bad_f("mult", FX(FFC1("\"mult\": 5, ")),
          "m.json: layers[0] 'fc1': 'mult' does not belong in a float model "
          "(sparsegen quantize computes it)", NULL);
    bad_f("shift", FX(FFC1("\"shift\": 3, ")),
          "m.json: layers[0] 'fc1': 'shift' does not belong in a float model "
          "(sparsegen quantize computes it)", NULL);
    bad_f("act_max", FX(FFC1("\"activation\": \"relu6\", \"act_max\": 96, ")),
          "m.json: layers[0] 'fc1': 'act_max' does not belong in a float "
          "model (sparsegen quantize computes it)", NULL);
    bad_f("lstm mult", FXS(FL1("\"mult\": \"f_bih.npy\", ")),
          "m.json: layers[0] 'l1': 'mult' does not belong in a float model",
          NULL);
    bad_f("conv shift",
          "{\"input\": \"f_xc.npy\", \"layers\": [{\"name\": \"c1\", "
          "\"type\": \"conv\", \"in\": [1, 4, 4], \"weights\": \"f_cw.npy\", "
          "\"shift\": 0}]}",
          "m.json: layers[0] 'c1': 'shift' does not belong in a float model",
          NULL);

    /* values must be finite */
    bad_f("NaN weight",
          FX("{\"name\": \"fc1\", \"weights\": \"f_wnan.npy\"}"),
          "f_wnan.npy: value at index [1, 2] is nan ('weights' of layers[0] "
          "'fc1' must be finite)", NULL);
    bad_f("Inf bias", FX(FFC1("\"bias\": \"f_binf.npy\", ")),
          "f_binf.npy: value at index [2] is inf ('bias' of layers[0] 'fc1' "
          "must be finite)", NULL);
    bad_f("-Inf input",
          "{\"input\": \"f_xinf.npy\", \"layers\": [" FFC1("") "]}",
          "f_xinf.npy: value at index [1, 3] is -inf ('input' must be "
          "finite)", NULL);
    bad_f("NaN in weight_hh",
          FXS("{\"name\": \"l1\", \"type\": \"lstm\", \"weight_ih\": "
              "\"f_wih.npy\", \"weight_hh\": \"f_whhnan.npy\"}"),
          "f_whhnan.npy: value at index [5, 1] is nan ('weight_hh' of "
          "layers[0] 'l1' must be finite)", NULL);

    bad_f("bias_ih + bias_hh overflows",
          FXS(FL1("\"bias_ih\": \"f_bbig.npy\", \"bias_hh\": \"f_bbig.npy\", ")),
          "m.json: layers[0] 'l1': the bias sum is not finite at index [3] "
          "('bias_ih' + 'bias_hh')", NULL);

    /* shapes and keys as in an integer model */
    bad_f("missing weights", FX("{\"name\": \"fc1\", \"bias\": \"f_b1.npy\"}"),
          "m.json: layers[0] 'fc1': missing required key 'weights'", NULL);
    bad_f("lstm missing weight_ih",
          FXS("{\"name\": \"l1\", \"type\": \"lstm\", \"weight_hh\": "
              "\"f_whh.npy\"}"),
          "m.json: layers[0] 'l1': missing required key 'weight_ih'", NULL);
    bad_f("bias of 2 rows", FX(FFC1("\"bias\": \"f_b2.npy\", ")),
          "f_b2.npy: 'bias' of layers[0] 'fc1' has shape (2,), must be [3] "
          "(one per output row)", NULL);
    bad_f("lengths do not chain",
          FX(FFC1("") ", {\"name\": \"fc2\", \"weights\": \"f_w1.npy\"}"),
          "m.json: layers[1] 'fc2': input length 4 (",
          "does not match the output length 3 of layers[0] 'fc1'");

    /* and an integer model still refuses float arrays */
    bad("float32 weights in an integer model",
        ONE(FC1_ONLY("\"weights\": \"f_w1.npy\", \"mult\": 5, \"shift\": 3")),
        "f_w1.npy: 'weights' of layers[0] 'fc1' is float32; quantize it first "
        "(sparsegen quantize)", NULL);
    bad("float64 bias in an integer model",
        ONE(FC1("\"bias\": \"f_b1.npy\", ")),
        "f_b1.npy: 'bias' of layers[0] 'fc1' is float64; quantize it first",
        NULL);
}

/* ---- class labels ------------------------------------------------------ */

static void test_labels(void)
{
    static const int64_t good[5] = {0, 3, 9, 1, 0};
    static const int64_t hi[5] = {0, 3, 10, 1, 0};
    static const int64_t neg[5] = {-1, 3, 9, 1, 0};
    static const int32_t want[5] = {0, 3, 9, 1, 0};
    static const long long s5[1] = {5}, s6[1] = {6}, s51[2] = {5, 1};
    static const double f5[5] = {0, 3, 9, 1, 0};
    static const unsigned char u8[5] = {0, 3, 9, 1, 0};
    char path[PATH_MAX + 64], err[1024];
    int32_t *labels, dummy = 0;
    int rc;

    save("lab.npy", "<i8", 1, s5, good);
    save_raw("lab_u8.npy", "|u1", "(5,)", u8, sizeof u8);
    save("lab6.npy", "<i8", 1, s6, (const int64_t[6]){0, 3, 9, 1, 0, 2});
    save("lab51.npy", "<i8", 2, s51, good);
    save("lab_hi.npy", "<i4", 1, s5, hi);
    save("lab_neg.npy", "<i1", 1, s5, neg);
    save_float("lab_f.npy", 8, "(5,)", f5, 5);

#define LAB(name) snprintf(path, sizeof path, "%s/%s", tmp_dir, name)
    LAB("lab.npy");
    err[0] = '\0';
    rc = sg_labels_load(path, 5, 10, &labels, err, sizeof err);
    tap_ok(rc == 0 && ints_are(labels, want, 5),
           "labels: int64 [5] of 10 classes read %s", err);
    if (rc == 0)
        free(labels);
    LAB("lab_u8.npy");
    rc = sg_labels_load(path, 5, 10, &labels, err, sizeof err);
    tap_ok(rc == 0 && ints_are(labels, want, 5), "labels: uint8 [5] read %s",
           err);
    if (rc == 0)
        free(labels);

#define LAB_BAD(name, n, classes, msg, what)                                  \
    do {                                                                      \
        LAB(name);                                                            \
        labels = &dummy;                                                      \
        err[0] = '\0';                                                        \
        rc = sg_labels_load(path, n, classes, &labels, err, sizeof err);      \
        tap_ok(rc == -1 && labels == NULL && strstr(err, msg) != NULL &&      \
                   strncmp(err, tmp_dir, strlen(tmp_dir)) == 0,               \
               "labels %s: %s", what, err);                                   \
        if (rc == 0)                                                          \
            free(labels);                                                     \
    } while (0)
    LAB_BAD("lab_f.npy", 5, 10, "lab_f.npy: the labels are float64, must be "
            "integer class indices", "float64");
    LAB_BAD("lab6.npy", 5, 10, "lab6.npy: the labels have shape (6,), must "
            "be [5] (one per input sample)", "of 6 for 5 samples");
    LAB_BAD("lab51.npy", 5, 10, "lab51.npy: the labels have shape (5, 1), "
            "must be [5]", "2-D");
    LAB_BAD("lab_hi.npy", 5, 10, "lab_hi.npy: label at index [2] is 10 "
            "(legal: 0..9, the model has 10 outputs)", "10 of 10 classes");
    LAB_BAD("lab.npy", 5, 9, "lab.npy: label at index [2] is 9 (legal: 0..8, "
            "the model has 9 outputs)", "9 with 9 classes");
    LAB_BAD("lab_neg.npy", 5, 10, "lab_neg.npy: label at index [0] is -1 "
            "(legal: 0..9", "-1");
    LAB_BAD("lab_nope.npy", 5, 10, "lab_nope.npy: cannot open: No such file "
            "or directory (the labels)", "file missing");
#undef LAB_BAD
#undef LAB
}

/* ---- a whole integer model: sg_model_forward --------------------------- */

/* sg_model_forward of m on sample s equals sg_layer_forward layer by layer
 * (a layer after an lstm layer given its last h_t); want_out (may be NULL)
 * is the expected answer. */
static int chain_is(const sg_model *m, int s, const int32_t *want_out,
                    const char *what)
{
    int32_t a[256], b[256], got[65];
    char err[512] = "";
    const int32_t *in = m->inputs + (size_t)s * m->input_len;
    int l, k, rc = 0, out = m->layers[m->n_layers - 1].out, off = 0;

    for (l = 0; rc == 0 && l < m->n_layers; l++) {
        const sg_layer *L = &m->layers[l];
        rc = sg_layer_forward(L, 8, 32, in, a, err, sizeof err);
        memcpy(b, a, sizeof a);
        in = b;
        if (L->type == SG_LAYER_LSTM &&
            (l + 1 == m->n_layers || m->layers[l + 1].type != SG_LAYER_LSTM))
            in = b + (L->steps - 1) * L->out; /* the last h_t */
    }
    off = (int)(in - b);
    for (k = 0; k < 65; k++)
        got[k] = 0x5a5a5a5a;
    if (rc == 0)
        rc = sg_model_forward(m, 8, 32, m->inputs + (size_t)s * m->input_len,
                              got, err, sizeof err);
    return tap_ok(rc == 0 && ints_are(got, b + off, out) &&
                      got[out] == 0x5a5a5a5a &&
                      (want_out == NULL || ints_are(got, want_out, out)),
                  "sg_model_forward %s sample %d: the %d outputs of the "
                  "layer chain%s, nothing beyond %s", what, s, out,
                  want_out ? " and the Python model's answer" : "", err);
}

static void test_model_forward(void)
{
    static const int32_t cnn_final[5] = {-65, 127, -128, 40, 127};
    char err[1024] = "";
    int32_t y[8], fc_first[3];
    sg_model m;
    int rc;

    if (tap_ok(load_fixture("mlp2.json", 8, 8, &m, err, sizeof err) == 0,
               "mlp2.json loads for sg_model_forward %s", err)) {
        chain_is(&m, 0, NULL, "mlp2 (fc -> fc)");
        chain_is(&m, 1, NULL, "mlp2 (fc -> fc)");
        tap_ok(sg_model_max_len(&m) == 4, "sg_model_max_len mlp2: 4 (the "
               "input; fc1 3, fc2 2)");
        sg_model_free(&m);
    }
    /* sg_model_max_len counts an lstm layer's whole sequence */
    {
        sg_layer ls[2];
        sg_model t;
        memset(ls, 0, sizeof ls);
        memset(&t, 0, sizeof t);
        ls[0].type = SG_LAYER_LSTM;
        ls[0].in = 3;
        ls[0].out = 4;
        ls[0].steps = 5;
        ls[1].type = SG_LAYER_FC;
        ls[1].in = 4;
        ls[1].out = 19;
        t.n_layers = 2;
        t.layers = ls;
        t.input_len = 15;
        tap_ok(sg_model_max_len(&t) == 20, "sg_model_max_len: an lstm 3 -> 4 "
               "over 5 steps outputs 20 values, more than the input's 15 and "
               "the fc's 19 (%lld)", sg_model_max_len(&t));
        ls[1].out = 21;
        tap_ok(sg_model_max_len(&t) == 21, "sg_model_max_len: the fc's 21 "
               "(%lld)", sg_model_max_len(&t));
    }
    if (tap_ok(load_fixture("cnn.json", 8, 8, &m, err, sizeof err) == 0,
               "cnn.json loads for sg_model_forward %s", err)) {
        chain_is(&m, 0, cnn_final, "cnn (conv -> maxpool -> conv -> fc)");
        tap_ok(sg_model_max_len(&m) == 144, "sg_model_max_len cnn: 144 "
               "(conv1's [4, 6, 6])");
        sg_model_free(&m);
    }

    /* lstm -> fc: the fc reads the last h_t */
    write_text("m.json", XS(L1("") ", " LFC));
    err[0] = '\0';
    rc = sg_model_load(json_path, 8, 8, &m, err, sizeof err);
    if (tap_ok(rc == 0, "lstm -> fc loads for sg_model_forward %s", err)) {
        int32_t h[10];
        chain_is(&m, 0, NULL, "lstm -> fc");
        chain_is(&m, 1, NULL, "lstm -> fc");
        /* the check above can tell the last h_t from the first */
        rc = sg_layer_forward(&m.layers[0], 8, 32, m.inputs, h, err,
                              sizeof err) |
             sg_layer_forward(&m.layers[1], 8, 32, h, fc_first, err, sizeof err) |
             sg_model_forward(&m, 8, 32, m.inputs, y, err, sizeof err);
        tap_ok(rc == 0 && !ints_are(y, fc_first, 3) && h[0] != h[8],
               "lstm -> fc: the fc on the first h_t would differ (%d %d %d "
               "vs %d %d %d)", (int)y[0], (int)y[1], (int)y[2],
               (int)fc_first[0], (int)fc_first[1], (int)fc_first[2]);
        tap_ok(sg_model_max_len(&m) == 15, "sg_model_max_len lstm -> fc: 15 "
               "(the input, 5 x 3; the lstm's 5 x 2)");
        err[0] = '\0';
        rc = sg_model_forward(&m, 12, 32, m.inputs, y, err, sizeof err);
        tap_ok(rc == -1 && strstr(err, "layer 'l1': LSTM: data width 12, "
                                       "must be 8 or 16") != NULL,
               "sg_model_forward passes on a layer's error: %s", err);
        sg_model_free(&m);
    }
    write_text("m.json", XS(L1("") ", " L2 ", " LFC));
    err[0] = '\0';
    rc = sg_model_load(json_path, 8, 8, &m, err, sizeof err);
    if (tap_ok(rc == 0, "lstm -> lstm -> fc loads for sg_model_forward %s",
               err)) {
        chain_is(&m, 1, NULL, "lstm -> lstm -> fc");
        sg_model_free(&m);
    }
    /* L2 with a larger multiplier: its h_t then changes over the steps */
    write_text("m.json", XS(L1("") ", {\"name\": \"l2\", \"type\": \"lstm\", "
                            "\"weight_ih\": \"whh.npy\", \"weight_hh\": "
                            "\"whh.npy\", \"mult\": 600, \"shift\": 4}"));
    err[0] = '\0';
    rc = sg_model_load(json_path, 8, 8, &m, err, sizeof err);
    if (tap_ok(rc == 0, "lstm -> lstm loads for sg_model_forward %s", err)) {
        int32_t h1[10], h2[10];
        chain_is(&m, 1, NULL, "lstm -> lstm (the last h_t out)");
        rc = sg_layer_forward(&m.layers[0], 8, 32, m.inputs + 15, h1, err,
                              sizeof err) |
             sg_layer_forward(&m.layers[1], 8, 32, h1, h2, err, sizeof err);
        tap_ok(rc == 0 && (h2[0] != h2[8] || h2[1] != h2[9]),
               "lstm -> lstm: the last h_t (%d %d) differs from the first (%d "
               "%d)", (int)h2[8], (int)h2[9], (int)h2[0], (int)h2[1]);
        sg_model_free(&m);
    }
}

/* Remove dir and the files in it (flat: no subdirectories); 0 or -1. */
static int remove_flat_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX + 300];

    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
    return rmdir(dir);
}

static void remove_tmp_dir(void)
{
    if (remove_flat_dir(tmp_dir) != 0)
        tap_diag("could not remove %s", tmp_dir);
}

/* a and b describe the same network and inputs. */
static int same_model(const sg_model *a, const sg_model *b)
{
    if (a->n_layers != b->n_layers || a->n_inputs != b->n_inputs ||
        a->input_len != b->input_len ||
        memcmp(a->inputs, b->inputs, (size_t)a->n_inputs * a->input_len * sizeof *a->inputs))
        return 0;
    for (int l = 0; l < a->n_layers; l++) {
        const sg_layer *x = &a->layers[l], *y = &b->layers[l];
        if (strcmp(x->name, y->name) || x->type != y->type || x->in != y->in ||
            x->out != y->out || x->act != y->act || x->act_max != y->act_max ||
            x->steps != y->steps || x->pool_k != y->pool_k || x->pool_stride != y->pool_stride ||
            memcmp(&x->conv, &y->conv, sizeof x->conv))
            return 0;
        if (x->type == SG_LAYER_MAXPOOL)
            continue;
        long long rows = x->type == SG_LAYER_LSTM ? 4LL * x->out
                         : x->type == SG_LAYER_CONV ? x->conv.c_out
                                                    : x->out;
        long long nw = x->type == SG_LAYER_LSTM ? rows * (x->in + x->out)
                       : x->type == SG_LAYER_CONV
                           ? rows * sg_conv_cpg(&x->conv) * x->conv.kh * x->conv.kw
                           : rows * x->in;
        if (memcmp(x->weights, y->weights, (size_t)nw * sizeof *x->weights) ||
            memcmp(x->bias, y->bias, (size_t)rows * sizeof *x->bias) ||
            memcmp(x->mult, y->mult, (size_t)rows * sizeof *x->mult) ||
            memcmp(x->shift, y->shift, (size_t)rows * sizeof *x->shift))
            return 0;
    }
    return 1;
}

/* sg_model_save then sg_model_load gives the same model back, for fc,
 * conv, maxpool and lstm layers; an existing output is refused untouched. */
static void test_save_roundtrip(void)
{
    char path[PATH_MAX + 300], out[PATH_MAX + 300], back[2 * PATH_MAX + 700], err[1024];
    const char *files[] = {"mlp2.json", "cnn.json", "conv_n3.json", "relu6.json", NULL};
    for (int i = 0; files[i] || i == 4; i++) {
        sg_model a, b;
        err[0] = '\0';
        if (files[i])
            snprintf(path, sizeof path, "%s/%s", data_dir, files[i]);
        else
            snprintf(path, sizeof path, "%s", json_path); /* the lstm -> lstm -> fc model */
        snprintf(out, sizeof out, "%s/rt%d", tmp_dir, i);
        snprintf(back, sizeof back, "%s/model.json", out);
        int rc = sg_model_load(path, 8, 8, &a, err, sizeof err);
        if (!tap_ok(rc == 0, "round trip %d: %s loads %s", i, path, err))
            continue;
        rc = sg_model_save(&a, out, err, sizeof err);
        int rc2 = rc == 0 ? sg_model_load(back, 8, 8, &b, err, sizeof err) : -1;
        tap_ok(rc == 0 && rc2 == 0 && same_model(&a, &b),
               "round trip %d: %s saved and loaded back unchanged %s", i, files[i] ? files[i] : "lstm",
               err);
        if (rc2 == 0)
            sg_model_free(&b);
        err[0] = '\0';
        rc = sg_model_save(&a, out, err, sizeof err);
        tap_ok(rc == -1 && strstr(err, "exists"), "round trip %d: saving over it is refused: %s", i,
               err);
        sg_model_free(&a);
        remove_flat_dir(out);
        if (!files[i])
            break;
    }
}

/* Grouped and depthwise conv layers: "groups" in the model format, the
 * weights [c_out, c_in / groups, kh, kw], the same outputs as the
 * block-diagonal ungrouped layer, a save round trip; bad groups refused by
 * name.  BatchNorm in a float model folds into the weights and bias. */
static void test_groups(void)
{
    /* input [4, 3, 3]; groups 2: outputs 0, 1 read channels 0, 1, outputs
     * 2, 3 channels 2, 3; 2 x 2 kernels */
    static int64_t xg[36], wg[32], wd[64], wdw[16], w6[24];
    static const long long s433[3] = {4, 3, 3}, s4222[4] = {4, 2, 2, 2},
                           s4422[4] = {4, 4, 2, 2}, s4122[4] = {4, 1, 2, 2},
                           s6122[4] = {6, 1, 2, 2};
    char err[1024] = "", out[PATH_MAX + 64], back[PATH_MAX + 100];
    sg_model g, d, r;
    int k;

    for (k = 0; k < 36; k++)
        xg[k] = (k * 7) % 23 - 11;
    for (k = 0; k < 32; k++) /* wg[o][c][t]: output o, channel c of its group, tap t */
        wg[k] = (k * 5) % 9 - 4;
    /* the block-diagonal ungrouped weights wd[o][c][t]: c in o's group */
    memset(wd, 0, sizeof wd);
    for (int o = 0; o < 4; o++)
        for (int c = 0; c < 2; c++)
            for (int t = 0; t < 4; t++)
                wd[(o * 4 + (o / 2) * 2 + c) * 4 + t] = wg[(o * 2 + c) * 4 + t];
    for (k = 0; k < 16; k++)
        wdw[k] = k % 5 - 2;
    for (k = 0; k < 24; k++)
        w6[k] = k % 3 - 1;
    save("xg.npy", "<i1", 3, s433, xg);
    save("wg.npy", "<i1", 4, s4222, wg);
    save("wd.npy", "<i1", 4, s4422, wd);
    save("wdw.npy", "<i1", 4, s4122, wdw);
    save("w6.npy", "<i1", 4, s6122, w6);
#define GX(extra, w) "{\"input\": \"xg.npy\", \"layers\": [{\"name\": \"g1\", \"type\": \"conv\", " \
    "\"in\": [4, 3, 3], " extra "\"weights\": \"" w "\", \"mult\": 3, \"shift\": 2}]}"
    write_text("m.json", GX("\"groups\": 2, ", "wg.npy"));
    int rc = sg_model_load(json_path, 8, 8, &g, err, sizeof err);
    write_text("m.json", GX("", "wd.npy"));
    int rc2 = sg_model_load(json_path, 8, 8, &d, err, sizeof err);
    if (tap_ok(rc == 0 && rc2 == 0 && g.layers[0].conv.groups == 2 && g.layers[0].out == 16,
               "groups 2: loads, [4, 2, 2, 2] weights, output [4, 2, 2] %s", err)) {
        int32_t yg[16], yd[16];
        rc = sg_model_forward(&g, 8, 32, g.inputs, yg, err, sizeof err);
        rc2 = sg_model_forward(&d, 8, 32, d.inputs, yd, err, sizeof err);
        tap_ok(rc == 0 && rc2 == 0 && ints_are(yg, yd, 16),
               "groups 2: the outputs of the block-diagonal ungrouped layer %s", err);
        snprintf(out, sizeof out, "%s/rtg", tmp_dir);
        snprintf(back, sizeof back, "%s/model.json", out);
        rc = sg_model_save(&g, out, err, sizeof err);
        rc2 = rc == 0 ? sg_model_load(back, 8, 8, &r, err, sizeof err) : -1;
        tap_ok(rc == 0 && rc2 == 0 && same_model(&g, &r),
               "groups 2: saved and loaded back unchanged %s", err);
        if (rc2 == 0)
            sg_model_free(&r);
        remove_flat_dir(out);
        sg_model_free(&g);
        sg_model_free(&d);
    }
    write_text("m.json", GX("\"groups\": 4, ", "wdw.npy"));
    rc = sg_model_load(json_path, 8, 8, &g, err, sizeof err);
    tap_ok(rc == 0 && g.layers[0].conv.groups == 4, "depthwise (groups 4 of 4) loads %s", err);
    if (rc == 0)
        sg_model_free(&g);
    bad("groups 0", GX("\"groups\": 0, ", "wg.npy"),
        "layers[0] 'g1': 'groups' is 0, must be 1..4", NULL);
    bad("groups above the channels", GX("\"groups\": 8, ", "wg.npy"),
        "layers[0] 'g1': 'groups' is 8, must be 1..4", NULL);
    bad("groups not dividing the channels", GX("\"groups\": 3, ", "wg.npy"),
        "layers[0] 'g1': 'groups' is 3, must divide the 4 input channels", NULL);
    bad("groups 2 with ungrouped weights", GX("\"groups\": 2, ", "wd.npy"),
        "wd.npy: 'weights' of layers[0] 'g1' has shape (4, 4, 2, 2), must have 2 input "
        "channels (dimension 1: the input's 4 over 2 groups)", NULL);
    bad("depthwise with a mismatched weight shape", GX("\"groups\": 4, ", "wg.npy"),
        "has shape (4, 2, 2, 2), must have 1 input channels (dimension 1: the input's 4 over 4 "
        "groups)", NULL);
    bad("output channels not a multiple of groups", GX("\"groups\": 4, ", "w6.npy"),
        "has shape (6, 1, 2, 2): its 6 output channels (dimension 0) must be a multiple of "
        "'groups' 4", NULL);
    bad("batchnorm in an integer model",
        GX("\"groups\": 2, \"batchnorm\": {\"running_mean\": \"b.npy\"}, ", "wg.npy"),
        "'batchnorm' is folded by sparsegen quantize", NULL);
#undef GX
}

/* BatchNorm folded into a float conv layer at load: w' = w * g / sqrt(v +
 * eps), b' = (b - mean) * g / sqrt(v + eps) + beta, by hand on 2 channels;
 * bad statistics refused by name. */
static void test_batchnorm(void)
{
    static const double fx9[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const double fw[8] = {1, 2, 3, 4, -1, -2, -3, -4}; /* [2, 1, 2, 2] */
    static const double fb[2] = {0.5, -0.5}, mean[2] = {1, -2}, var[2] = {3, 0.25};
    static const double gamma[2] = {2, 0.5}, beta[2] = {0.25, 1}, zero[2] = {0, -1};
    static const double three[3] = {1, 1, 1};
    char err[1024] = "";
    sg_model m;

    save_float("bx.npy", 8, "(1, 3, 3)", fx9, 9);
    save_float("bw.npy", 8, "(2, 1, 2, 2)", fw, 8);
    save_float("bb.npy", 8, "(2,)", fb, 2);
    save_float("bmean.npy", 8, "(2,)", mean, 2);
    save_float("bvar.npy", 8, "(2,)", var, 2);
    save_float("bgamma.npy", 8, "(2,)", gamma, 2);
    save_float("bbeta.npy", 8, "(2,)", beta, 2);
    save_float("bzero.npy", 8, "(2,)", zero, 2);
    save_float("bthree.npy", 8, "(3,)", three, 3);
#define BN(keys) "{\"input\": \"bx.npy\", \"layers\": [{\"name\": \"c1\", \"type\": \"conv\", " \
    "\"in\": [1, 3, 3], \"weights\": \"bw.npy\", \"bias\": \"bb.npy\", \"batchnorm\": {" keys "}}]}"
    write_text("m.json", BN("\"running_mean\": \"bmean.npy\", \"running_var\": \"bvar.npy\", "
                            "\"weight\": \"bgamma.npy\", \"bias\": \"bbeta.npy\", \"eps\": 1"));
    int rc = sg_model_load_float(json_path, &m, err, sizeof err);
    if (tap_ok(rc == 0, "float conv with batchnorm loads %s", err)) {
        /* scale 2 / sqrt(4) = 1 and 0.5 / sqrt(1.25) */
        double s1 = 0.5 / sqrt(1.25), want_w[8], want_b[2];
        for (int k = 0; k < 8; k++)
            want_w[k] = fw[k] * (k < 4 ? 1.0 : s1);
        want_b[0] = (0.5 - 1) * 1.0 + 0.25;
        want_b[1] = (-0.5 + 2) * s1 + 1;
        int ok = 1;
        for (int k = 0; k < 8; k++)
            ok &= fabs(m.layers[0].fweights[k] - want_w[k]) < 1e-12;
        for (int k = 0; k < 2; k++)
            ok &= fabs(m.layers[0].fbias[k] - want_b[k]) < 1e-12;
        tap_ok(ok, "batchnorm folded: weights x {1, %.6f}, bias {%.4f, %.6f} (%.4f, %.6f)", s1,
               want_b[0], want_b[1], m.layers[0].fbias[0], m.layers[0].fbias[1]);
        sg_model_free(&m);
    }
    write_text("m.json", BN("\"running_mean\": \"bmean.npy\", \"running_var\": \"bvar.npy\""));
    rc = sg_model_load_float(json_path, &m, err, sizeof err);
    if (tap_ok(rc == 0, "batchnorm without weight and bias (1 and 0), eps 1e-5 %s", err)) {
        double sc = 1 / sqrt(3 + 1e-5);
        tap_ok(fabs(m.layers[0].fweights[1] - 2 * sc) < 1e-12 &&
                   fabs(m.layers[0].fbias[0] - (0.5 - 1) * sc) < 1e-12,
               "batchnorm defaults folded (w[1] %.6f)", m.layers[0].fweights[1]);
        sg_model_free(&m);
    }
    bad_f("batchnorm without running_var", BN("\"running_mean\": \"bmean.npy\""),
          "layers[0] 'c1': 'batchnorm' needs 'running_var' (an .npy [2])", NULL);
    bad_f("batchnorm statistics of the wrong length",
          BN("\"running_mean\": \"bthree.npy\", \"running_var\": \"bvar.npy\""),
          "bthree.npy: 'batchnorm' 'running_mean' of layers[0] 'c1' has shape (3,), must be [2] "
          "(one per output channel)", NULL);
    bad_f("batchnorm with a non-positive variance",
          BN("\"running_mean\": \"bmean.npy\", \"running_var\": \"bzero.npy\""),
          "bzero.npy: 'batchnorm' 'running_var' of layers[0] 'c1': channel 0 has variance 0, "
          "must be > 0", NULL);
    bad_f("batchnorm eps 0",
          BN("\"running_mean\": \"bmean.npy\", \"running_var\": \"bvar.npy\", \"eps\": 0"),
          "'batchnorm' 'eps' must be a number > 0", NULL);
    bad_f("batchnorm unknown key",
          BN("\"running_mean\": \"bmean.npy\", \"running_var\": \"bvar.npy\", \"momentum\": 0.1"),
          "unknown key 'momentum' of 'batchnorm'", NULL);
#undef BN
}

int main(void)
{
    const char *env = getenv("SG_TEST_DATA");

    snprintf(data_dir, sizeof data_dir, "%s/models", env ? env : "data");
    if (!tap_ok(access(data_dir, R_OK) == 0, "fixtures in %s (set "
                "SG_TEST_DATA to tests/data)", data_dir))
        return tap_done();
    test_mlp2();
    test_scalar();
    test_relu6();
    test_cnn();
    test_conv_n3();
    test_forward_errors();

    if (mkdtemp(tmp_dir) == NULL) {
        printf("Bail out! mkdtemp failed\n");
        return 1;
    }
    snprintf(json_path, sizeof json_path, "%s/m.json", tmp_dir);
    make_arrays();
    test_bad_json();
    test_good_tmp();
    test_bad_conv();
    test_good_conv_tmp();
    make_lstm_arrays();
    test_good_lstm();
    test_save_roundtrip();
    test_bad_lstm();
    make_float_arrays();
    test_float_good();
    test_float_bad();
    test_groups();
    test_batchnorm();
    test_labels();
    test_model_forward();
    remove_tmp_dir();
    return tap_done();
}
