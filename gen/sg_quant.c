/* sg_quant: symmetric quantization and requantization parameters; see sg_quant.h. */
#include "sg_quant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_lstm.h"

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
        if (S < 0 && m < 2147483648.0) { /* just below 2^31: the largest M */
            M = 2147483647LL;
            S = 0;
        }
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

int sg_argmax_f64(const double *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

int sg_argmax_i32(const int32_t *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

/* ---- quantizing a model ---------------------------------------------------- */

/* The rows x cols weight matrix of layer L (fc: out x in; conv: c_out x
 * (c_in / groups)*kh*kw; lstm: 4H x (in + H)); 0 rows for maxpool. */
static void weight_matrix(const sg_layer *L, int *rows, int *cols)
{
    *rows = *cols = 0;
    if (L->type == SG_LAYER_FC) {
        *rows = L->out;
        *cols = L->in;
    } else if (L->type == SG_LAYER_CONV) {
        *rows = L->conv.c_out;
        *cols = sg_conv_cpg(&L->conv) * L->conv.kh * L->conv.kw;
    } else if (L->type == SG_LAYER_LSTM) {
        *rows = 4 * L->out;
        *cols = L->in + L->out;
    }
}

static int quant_layer(const sg_layer *F, int li, double s_in, double s_out, int data_w, int wgt_w,
                       sg_layer *Q, sg_quant_info *qi, char *err, size_t errlen)
{
    char msg[256];
    int rows, cols;

    weight_matrix(F, &rows, &cols);
    qi->scale_in = s_in;
    qi->scale_out = s_out;
    if (rows == 0)
        return 0;
    size_t n = (size_t)rows * cols;
    double *sw = malloc((size_t)rows * sizeof *sw);
    Q->weights = malloc(n * sizeof *Q->weights);
    Q->bias = malloc((size_t)rows * sizeof *Q->bias);
    Q->mult = malloc((size_t)rows * sizeof *Q->mult);
    Q->shift = malloc((size_t)rows * sizeof *Q->shift);
    if (!sw || !Q->weights || !Q->bias || !Q->mult || !Q->shift) {
        free(sw);
        snprintf(err, errlen, "layer %d '%s': out of memory", li, F->name);
        return -1;
    }
    sg_quant_rows(F->fweights, rows, cols, wgt_w, Q->weights, sw);
    qi->weights = (long long)n;
    for (size_t k = 0; k < n; k++) {
        qi->zeros_float += F->fweights[k] == 0.0;
        qi->zeros += Q->weights[k] == 0;
    }
    /* the output's unit: an lstm gate row's is Q3.12 */
    double unit = F->type == SG_LAYER_LSTM ? ldexp(1.0, -SG_LSTM_GATE_FRAC) : s_out;
    for (int r = 0; r < rows; r++) {
        int S;
        Q->bias[r] = sg_quant_bias(F->fbias ? F->fbias[r] : 0.0, s_in, sw[r]);
        if (sg_quant_multiplier(s_in * sw[r] / unit, &Q->mult[r], &S, msg, sizeof msg) != 0) {
            snprintf(err, errlen, "layer %d '%s' row %d: %s (input scale %g, weight scale %g, "
                     "output scale %g)", li, F->name, r, msg, s_in, sw[r], unit);
            free(sw);
            return -1;
        }
        Q->shift[r] = (int8_t)S;
        if (r == 0 || Q->mult[r] < qi->mult_min)
            qi->mult_min = Q->mult[r];
        if (r == 0 || Q->mult[r] > qi->mult_max)
            qi->mult_max = Q->mult[r];
        if (r == 0 || S < qi->shift_min)
            qi->shift_min = S;
        if (r == 0 || S > qi->shift_max)
            qi->shift_max = S;
    }
    if (F->act == SG_ACT_RELU6) {
        double q = round(6.0 / s_out), hi = qmax_of(data_w);
        Q->act_max = (int32_t)(q < hi ? q : hi);
    }
    free(sw);
    return 0;
}

int sg_quant_model(const sg_model *fm, const double *calib, int n_calib, int data_w, int wgt_w,
                   sg_model *qm, sg_quant_info *info, long long *saturated, char *err, size_t errlen)
{
    int nl = fm->n_layers;
    double hq = ldexp(1.0, -(data_w - 1)); /* the lstm's x and h: Q0.(data_w-1) */
    double *mx = calloc((size_t)nl, sizeof *mx);
    double in_max = 0.0;
    int rc = -1;

    memset(qm, 0, sizeof *qm);
    memset(info, 0, (size_t)nl * sizeof *info);
    *saturated = 0;
    if (mx == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (fm->finputs == NULL || n_calib < 1 || calib == NULL) {
        snprintf(err, errlen, "model '%s' is not a float model or has no calibration samples",
                 fm->name);
        goto done;
    }
    /* calibration: the largest |value| of the input and of every layer's output */
    for (int s = 0; s < n_calib; s++) {
        const double *x = calib + (size_t)s * fm->input_len;
        for (int k = 0; k < fm->input_len; k++)
            if (fabs(x[k]) > in_max)
                in_max = fabs(x[k]);
        if (sg_model_forward_float(fm, x, NULL, mx, err, errlen) != 0)
            goto done;
        for (int l = 0; l < nl; l++)
            if (!isfinite(mx[l])) { /* an inf or NaN output */
                snprintf(err, errlen, "layer %d '%s': the float output of calibration sample %d "
                         "is not finite (the weights overflow double precision)", l,
                         fm->layers[l].name, s);
                goto done;
            }
    }
    qm->layers = calloc((size_t)nl, sizeof *qm->layers);
    qm->inputs = malloc((size_t)fm->n_inputs * fm->input_len * sizeof *qm->inputs);
    if (qm->layers == NULL || qm->inputs == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    memcpy(qm->name, fm->name, sizeof qm->name);
    qm->n_layers = nl;
    qm->n_inputs = fm->n_inputs;
    qm->input_len = fm->input_len;
    double s = fm->layers[0].type == SG_LAYER_LSTM ? hq : (in_max > 0.0 ? in_max / qmax_of(data_w) : 1.0);
    for (long long k = 0; k < (long long)fm->n_inputs * fm->input_len; k++) {
        double q = round(fm->finputs[k] / s);
        qm->inputs[k] = sg_quant_value(fm->finputs[k], s, data_w);
        *saturated += q > qmax_of(data_w) || q < -qmax_of(data_w) - 1.0;
    }
    for (int l = 0; l < nl; l++) {
        const sg_layer *F = &fm->layers[l];
        sg_layer *Q = &qm->layers[l];
        *Q = *F;
        Q->fweights = Q->fbias = NULL;
        Q->weights = Q->bias = Q->mult = NULL;
        Q->shift = NULL;
        info[l].max_out = mx[l];
        double s_out = F->type == SG_LAYER_MAXPOOL ? s
                       : F->type == SG_LAYER_LSTM  ? hq
                       : mx[l] > 0.0               ? mx[l] / qmax_of(data_w)
                                                   : 1.0;
        if (quant_layer(F, l, s, s_out, data_w, wgt_w, Q, &info[l], err, errlen) != 0)
            goto done;
        s = s_out;
    }
    rc = 0;
done:
    free(mx);
    if (rc != 0)
        sg_model_free(qm);
    return rc;
}
