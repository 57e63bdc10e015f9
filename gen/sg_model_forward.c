/* sg_model_forward: the reference forward passes of a layer and of a whole
 * model -- golden (integer, golden/) and float (double precision, for
 * sparsegen quantize) -- and the lengths and offsets they run on. */
#include "sg_model.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_conv.h"
#include "sg_fc.h"
#include "sg_lstm.h"
#include "sg_model_int.h"

/* ---- the golden forward pass ------------------------------------------ */

/* "layer '<name>': <fmt...>" into err; returns -1. */
static int SG_PRINTF(4, 5) fail_layer(char *err, size_t errlen,
                                       const sg_layer *L, const char *fmt,
                                       ...)
{
    va_list ap;
    int n;

    if (err == NULL || errlen == 0)
        return -1;
    n = snprintf(err, errlen, "layer '%.*s': ", SG_MODEL_NAME_MAX, L->name);
    if (n >= 0 && (size_t)n < errlen) {
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The shape of a conv or maxpool layer agrees with its in and out, so the
 * golden functions read and write exactly in and out entries. */
static int check_map(const sg_layer *L, char *err, size_t errlen)
{
    const sg_conv_shape *s = &L->conv;
    long long n_in = sg_model_prod3(s->c_in, s->h_in, s->w_in);
    long long n_out = sg_model_prod3(s->c_out, s->h_out, s->w_out);

    if (s->c_in < 1 || s->h_in < 1 || s->w_in < 1 || s->c_out < 1 ||
        s->h_out < 1 || s->w_out < 1 || n_in != L->in || n_out != L->out)
        return fail_layer(err, errlen, L, "inconsistent shape: input [%d, "
                          "%d, %d] and output [%d, %d, %d] do not match in "
                          "%d and out %d", s->c_in, s->h_in, s->w_in,
                          s->c_out, s->h_out, s->w_out, L->in, L->out);
    return 0;
}

/* An lstm layer over its steps: sg_lstm_run with the layer alone, zero
 * initial h and c, every h_t into y. */
static int forward_lstm(const sg_layer *L, int data_w, int acc_w,
                        const int32_t *x, int32_t *y, char *err,
                        size_t errlen)
{
    char msg[SG_MODEL_MSG_LEN];
    sg_lstm_layer ll;
    sg_lstm_fmt f;
    int32_t *h, *c;
    int rc;

    if (L->in < 1 || L->out < 1 || L->out > INT_MAX / 4 ||
        L->in > INT_MAX - L->out || L->steps < 1)
        return fail_layer(err, errlen, L, "invalid lstm size: input %d, "
                          "hidden %d, steps %d (legal: 1.. each, 4*hidden "
                          "and input + hidden at most %d)", L->in, L->out,
                          L->steps, INT_MAX);
    if (sg_lstm_fmt_derive(&f, data_w, sg_lstm_table_bits_for(data_w), 1,
                           msg, sizeof msg) != 0)
        return fail_layer(err, errlen, L, "%s", msg);
    ll.in = L->in;
    ll.hidden = L->out;
    ll.w = L->weights;
    ll.bias = L->bias; /* NULL adds nothing */
    ll.mult = L->mult;
    ll.shift = L->shift;
    h = calloc((size_t)L->out, sizeof *h);
    c = calloc((size_t)L->out, sizeof *c);
    if (h == NULL || c == NULL)
        rc = fail_layer(err, errlen, L, "out of memory for the state");
    else if (sg_lstm_run(&f, &ll, 1, acc_w, L->steps, x, h, c, y, msg,
                         sizeof msg) != 0)
        rc = fail_layer(err, errlen, L, "%s", msg);
    else
        rc = 0;
    free(h);
    free(c);
    sg_lstm_fmt_free(&f);
    return rc;
}

int sg_layer_forward(const sg_layer *L, int data_w, int acc_w,
                     const int32_t *x, int32_t *y, char *err, size_t errlen)
{
    char msg[SG_MODEL_MSG_LEN];
    sg_fc_params p;
    sg_conv_shape s;
    int ho, wo;

    memset(&p, 0, sizeof p);
    if (L == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "layer is null");
        return -1;
    }
    if (x == NULL || y == NULL)
        return fail_layer(err, errlen, L, "input or output is null");
    if (data_w < 1 || data_w > 32)
        return fail_layer(err, errlen, L, "invalid data_w %d (legal: 1..32)",
                          data_w);
    if (acc_w < 1 || acc_w > SG_ACC_W_MAX)
        return fail_layer(err, errlen, L, "invalid acc_w %d (legal: 1..%d)",
                          acc_w, SG_ACC_W_MAX);
    if (L->type != SG_LAYER_MAXPOOL) {
        if (L->weights == NULL || L->mult == NULL || L->shift == NULL)
            return fail_layer(err, errlen, L, "weights, mult or shift is "
                              "null");
        p.data_w = data_w;
        p.acc_w = acc_w;
        p.act = L->act;
        p.act_max = L->act_max;
        p.bias = L->bias; /* NULL adds nothing */
        p.mult = L->mult;
        p.shift = L->shift;
    }
    switch (L->type) {
    case SG_LAYER_FC:
        if (L->in < 1 || L->out < 1)
            return fail_layer(err, errlen, L, "invalid fc size %d x %d "
                              "(legal: 1.. each)", L->out, L->in);
        sg_fc_dense(L->weights, L->out, L->in, x, &p, y, NULL);
        return 0;
    case SG_LAYER_CONV:
        s = L->conv;
        if (sg_conv_shape_derive(&s, msg, sizeof msg) != 0)
            return fail_layer(err, errlen, L, "invalid conv shape: %s", msg);
        if (s.h_out != L->conv.h_out || s.w_out != L->conv.w_out)
            return fail_layer(err, errlen, L, "inconsistent shape: output "
                              "%d x %d, derived %d x %d", L->conv.h_out,
                              L->conv.w_out, s.h_out, s.w_out);
        if (check_map(L, err, errlen) != 0)
            return -1;
        sg_conv_dense(L->weights, &s, x, &p, y, NULL);
        return 0;
    case SG_LAYER_MAXPOOL:
        s = L->conv;
        if (L->pool_k < 1 || L->pool_stride < 1 || L->pool_k > s.h_in ||
            L->pool_k > s.w_in)
            return fail_layer(err, errlen, L, "invalid max-pool kernel %d or "
                              "stride %d for input %d x %d (legal: kernel "
                              "1..min(H, W), stride 1..)", L->pool_k,
                              L->pool_stride, s.h_in, s.w_in);
        if (s.c_out != s.c_in ||
            s.h_out != (s.h_in - L->pool_k) / L->pool_stride + 1 ||
            s.w_out != (s.w_in - L->pool_k) / L->pool_stride + 1)
            return fail_layer(err, errlen, L, "inconsistent shape: output "
                              "[%d, %d, %d] is not the pooled input [%d, "
                              "%d, %d]", s.c_out, s.h_out, s.w_out, s.c_in,
                              s.h_in, s.w_in);
        if (check_map(L, err, errlen) != 0)
            return -1;
        if (sg_maxpool(x, s.c_in, s.h_in, s.w_in, L->pool_k, L->pool_stride,
                       y, &ho, &wo, msg, sizeof msg) != 0)
            return fail_layer(err, errlen, L, "%s", msg);
        return 0;
    case SG_LAYER_LSTM:
        return forward_lstm(L, data_w, acc_w, x, y, err, errlen);
    }
    return fail_layer(err, errlen, L, "unknown layer type %d (legal: 0..3)",
                      (int)L->type);
}

/* ---- a whole model --------------------------------------------------------- */

long long sg_layer_out_len(const sg_layer *L)
{
    return L->type == SG_LAYER_LSTM ? (long long)L->steps * L->out : L->out;
}

size_t sg_layer_read_offset(const sg_model *m, int l)
{
    const sg_layer *P = l > 0 ? &m->layers[l - 1] : NULL;
    if (P == NULL || P->type != SG_LAYER_LSTM || (l < m->n_layers && m->layers[l].type == SG_LAYER_LSTM))
        return 0;
    return (size_t)(P->steps - 1) * P->out; /* the last h_t */
}

long long sg_model_max_len(const sg_model *m)
{
    long long n = m->input_len;
    for (int l = 0; l < m->n_layers; l++)
        if (sg_layer_out_len(&m->layers[l]) > n)
            n = sg_layer_out_len(&m->layers[l]);
    return n;
}

int sg_model_forward(const sg_model *m, int data_w, int acc_w, const int32_t *x, int32_t *y,
                     char *err, size_t errlen)
{
    long long n = sg_model_max_len(m);
    int32_t *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    int rc = 0;

    if (a == NULL || b == NULL) {
        snprintf(err, errlen, "out of memory for the activations of model '%s'", m->name);
        rc = -1;
    }
    if (rc == 0)
        memcpy(a, x, (size_t)m->input_len * sizeof *a);
    for (int l = 0; rc == 0 && l < m->n_layers; l++) {
        rc = sg_layer_forward(&m->layers[l], data_w, acc_w, a + sg_layer_read_offset(m, l), b, err,
                              errlen);
        int32_t *t = a;
        a = b;
        b = t;
    }
    if (rc == 0)
        memcpy(y, a + sg_layer_read_offset(m, m->n_layers),
               (size_t)m->layers[m->n_layers - 1].out * sizeof *y);
    free(a);
    free(b);
    return rc;
}

/* ---- the float reference ------------------------------------------------- */

static double act_float(sg_act a, double v)
{
    if (a == SG_ACT_NONE)
        return v;
    if (v < 0.0)
        return 0.0;
    return a == SG_ACT_RELU6 && v > 6.0 ? 6.0 : v;
}

static double sigmoid(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

static int forward_lstm_float(const sg_layer *L, const double *x, double *y)
{
    int H = L->out, in = L->in, cols = L->in + L->out;
    double *h = calloc((size_t)H, sizeof *h), *c = calloc((size_t)H, sizeof *c);
    double *z = malloc((size_t)4 * H * sizeof *z);
    if (h == NULL || c == NULL || z == NULL) {
        free(h);
        free(c);
        free(z);
        return -1;
    }
    for (int t = 0; t < L->steps; t++) {
        const double *xt = x + (size_t)t * in;
        for (int r = 0; r < 4 * H; r++) {
            const double *w = L->fweights + (size_t)r * cols;
            double acc = L->fbias ? L->fbias[r] : 0.0;
            for (int j = 0; j < in; j++)
                acc += w[j] * xt[j];
            for (int j = 0; j < H; j++)
                acc += w[in + j] * h[j];
            z[r] = acc;
        }
        /* PyTorch's gate blocks: rows g*H + j are gate g (i, f, g, o) of unit j */
        for (int j = 0; j < H; j++) {
            double i = sigmoid(z[j]), f = sigmoid(z[H + j]), g = tanh(z[2 * H + j]);
            double o = sigmoid(z[3 * H + j]);
            c[j] = f * c[j] + i * g;
            h[j] = o * tanh(c[j]);
            y[(size_t)t * H + j] = h[j];
        }
    }
    free(h);
    free(c);
    free(z);
    return 0;
}

int sg_layer_forward_float(const sg_layer *L, const double *x, double *y)
{
    const sg_conv_shape *s = &L->conv;

    if (L->type != SG_LAYER_MAXPOOL && L->fweights == NULL)
        return -1;
    switch (L->type) {
    case SG_LAYER_FC:
        for (int r = 0; r < L->out; r++) {
            const double *w = L->fweights + (size_t)r * L->in;
            double acc = L->fbias ? L->fbias[r] : 0.0;
            for (int j = 0; j < L->in; j++)
                acc += w[j] * x[j];
            y[r] = act_float(L->act, acc);
        }
        return 0;
    case SG_LAYER_CONV: {
        /* output co reads the cpg input channels of its group from c0 on */
        int cpg = sg_conv_cpg(s), opg = s->c_out / sg_conv_groups(s);
        for (int co = 0; co < s->c_out; co++)
            for (int oy = 0; oy < s->h_out; oy++)
                for (int ox = 0; ox < s->w_out; ox++) {
                    double acc = L->fbias ? L->fbias[co] : 0.0;
                    int c0 = co / opg * cpg;
                    for (int ci = 0; ci < cpg; ci++)
                        for (int ky = 0; ky < s->kh; ky++) {
                            int iy = oy * s->stride_h - s->pad_h + ky;
                            if (iy < 0 || iy >= s->h_in)
                                continue;
                            for (int kx = 0; kx < s->kw; kx++) {
                                int ix = ox * s->stride_w - s->pad_w + kx;
                                if (ix < 0 || ix >= s->w_in)
                                    continue;
                                acc += L->fweights[(((size_t)co * cpg + ci) * s->kh + ky) * s->kw + kx] *
                                       x[((size_t)(c0 + ci) * s->h_in + iy) * s->w_in + ix];
                            }
                        }
                    y[((size_t)co * s->h_out + oy) * s->w_out + ox] = act_float(L->act, acc);
                }
        return 0;
    }
    case SG_LAYER_MAXPOOL:
        for (int ch = 0; ch < s->c_in; ch++)
            for (int oy = 0; oy < s->h_out; oy++)
                for (int ox = 0; ox < s->w_out; ox++) {
                    double mx = -HUGE_VAL;
                    for (int dy = 0; dy < L->pool_k; dy++)
                        for (int dx = 0; dx < L->pool_k; dx++) {
                            double v = x[((size_t)ch * s->h_in + oy * L->pool_stride + dy) * s->w_in +
                                         ox * L->pool_stride + dx];
                            if (v > mx)
                                mx = v;
                        }
                    y[((size_t)ch * s->h_out + oy) * s->w_out + ox] = mx;
                }
        return 0;
    case SG_LAYER_LSTM:
        return forward_lstm_float(L, x, y);
    }
    return -1;
}

/* Run the float model m on sample x; the last layer's output (an lstm
 * layer's last h_t) into y when y is not NULL; max_out[l] (when not NULL)
 * raised to the largest |output| of layer l. */
int sg_model_forward_float(const sg_model *m, const double *x, double *y, double *max_out,
                           char *err, size_t errlen)
{
    long long n = sg_model_max_len(m);
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    int rc = 0;

    if (a == NULL || b == NULL) {
        snprintf(err, errlen, "out of memory for the activations of model '%s'", m->name);
        rc = -1;
    }
    if (rc == 0)
        memcpy(a, x, (size_t)m->input_len * sizeof *a);
    for (int l = 0; rc == 0 && l < m->n_layers; l++) {
        const sg_layer *L = &m->layers[l];
        if (sg_layer_forward_float(L, a + sg_layer_read_offset(m, l), b) != 0) {
            snprintf(err, errlen, "layer '%s': no float weights, or out of memory", L->name);
            rc = -1;
            break;
        }
        for (long long k = 0; max_out != NULL && k < sg_layer_out_len(L); k++) {
            double v = fabs(b[k]);
            if (isnan(v) || v > max_out[l]) /* a NaN sticks: nothing is > NaN */
                max_out[l] = v;
        }
        double *t = a;
        a = b;
        b = t;
    }
    if (rc == 0 && y != NULL)
        memcpy(y, a + sg_layer_read_offset(m, m->n_layers),
               (size_t)m->layers[m->n_layers - 1].out * sizeof *y);
    free(a);
    free(b);
    return rc;
}
