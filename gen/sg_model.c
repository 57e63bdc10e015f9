/* sg_model: what the model's files share -- the layer types, the loader's
 * messages, size arithmetic -- and sg_model_free (the API: sg_model.h). */
#include "sg_model.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_model_int.h"

/* ---- the loader's messages --------------------------------------------- */

/* "file: <fmt...>" into the message buffer; returns -1. */
int SG_PRINTF(3, 4) sg_model_fail(sg_model_ld *c, const char *file, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (c->err == NULL || c->errlen == 0)
        return -1;
    n = snprintf(c->err, c->errlen, "%s: ", file);
    if (n >= 0 && (size_t)n < c->errlen) {
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* "model.json: <loc>: <fmt...>", or without "<loc>: " at top level. */
int SG_PRINTF(3, 4) sg_model_fail_at(sg_model_ld *c, const char *loc, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (c->err == NULL || c->errlen == 0)
        return -1;
    n = snprintf(c->err, c->errlen, loc[0] ? "%s: %s: " : "%s: %s", c->path,
                 loc);
    if (n >= 0 && (size_t)n < c->errlen) {
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* s as printable ASCII (\xNN for other bytes), at most SG_MODEL_QUOTE_MAX
 * bytes of it; dst needs 4*SG_MODEL_QUOTE_MAX+4. */
const char *sg_model_quote(char *dst, const char *s)
{
    size_t i, o = 0;

    for (i = 0; s[i] && i < SG_MODEL_QUOTE_MAX; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b >= 0x20 && b < 0x7f && b != '\\') {
            dst[o++] = (char)b;
        } else {
            sprintf(dst + o, "\\x%02x", b);
            o += 4;
        }
    }
    if (s[i]) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}

/* ---- sizes ------------------------------------------------------------- */

/* Range of a signed `bits`-bit value. */
long long sg_model_smin(int bits) { return -((long long)1 << (bits - 1)); }
long long sg_model_smax(int bits) { return ((long long)1 << (bits - 1)) - 1; }

/* a * b * c for a, b, c >= 0, or -1 when it exceeds INT_MAX. */
long long sg_model_prod3(int a, int b, int c)
{
    long long ab = (long long)a * b; /* < 2^62 */

    if (ab > INT_MAX)
        return -1;
    ab *= c; /* < 2^62 again */
    return ab > INT_MAX ? -1 : ab;
}

/* A conv or maxpool layer: its input and output are [C, H, W] maps. */
int sg_model_is_spatial(const sg_layer *L)
{
    return L->type == SG_LAYER_CONV || L->type == SG_LAYER_MAXPOOL;
}

/* ---- layer types ------------------------------------------------------- */

/* The layer types, fc first (the default). */
const sg_model_type_info sg_model_layer_types[] = {
    {"fc", SG_LAYER_FC,
     "name, type, in, out, weights, bias, mult, shift, activation, act_max"},
    {"conv", SG_LAYER_CONV,
     "name, type, in, weights, kernel, stride, padding, groups, bias, mult, "
     "shift, activation, act_max, batchnorm"},
    {"maxpool", SG_LAYER_MAXPOOL, "name, type, in, kernel, stride"},
    {"lstm", SG_LAYER_LSTM,
     "name, type, in, hidden, weight_ih, weight_hh, bias_ih, bias_hh, mult, "
     "shift"},
};
const int sg_model_n_layer_types =
    (int)(sizeof sg_model_layer_types / sizeof sg_model_layer_types[0]);

const char *sg_layer_type_name(sg_layer_type type)
{
    int t;

    for (t = 0; t < sg_model_n_layer_types; t++)
        if (sg_model_layer_types[t].type == type)
            return sg_model_layer_types[t].name;
    return "?";
}

/* ---- releasing a model ------------------------------------------------- */

void sg_model_free(sg_model *m)
{
    int i;

    if (m == NULL)
        return;
    for (i = 0; m->layers != NULL && i < m->n_layers; i++) {
        free(m->layers[i].weights);
        free(m->layers[i].bias);
        free(m->layers[i].mult);
        free(m->layers[i].shift);
        free(m->layers[i].fweights);
        free(m->layers[i].fbias);
    }
    free(m->layers);
    free(m->inputs);
    free(m->finputs);
    memset(m, 0, sizeof *m);
}
