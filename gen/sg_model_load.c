/* sg_model_load: read a network (model JSON + .npy arrays, integer or float)
 * and a labels file.
 *
 * The format is documented in sg_model.h.  Everything is checked before the
 * model is handed out: unknown keys (per layer type), types, shapes, the
 * chain of layer shapes and every value against the width it must fit.  A
 * message names the file (the JSON or the .npy), the layer and key, the bad
 * value and what is legal; on any error the half-built model is freed and
 * zeroed.  The checks that judge what has been read (keys, values against
 * their width, the order of the layers) are sg_model_check.c's; the range
 * and shape checks made while parsing stay here, each made as its value or
 * shape is read (get_int and friends, load_* deriving the shapes): they
 * cannot be pulled apart from the parser without rewriting it.
 */
#include "sg_model.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "sg_conv.h"
#include "sg_model_int.h"
#include "sg_npy.h"

static const char *const top_keys = "name, input, layers";

/* ---- messages ---------------------------------------------------------- */

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

/* "(4, 8)", "(4,)" or "()". */
static const char *shape_str(char *dst, size_t len, const sg_npy *a)
{
    size_t o = 0;
    int d;

    o += (size_t)snprintf(dst, len, "(");
    for (d = 0; d < a->ndim && o < len; d++)
        o += (size_t)snprintf(dst + o, len - o, d ? ", %lld" : "%lld",
                              a->shape[d]);
    if (o < len)
        snprintf(dst + o, len - o, a->ndim == 1 ? ",)" : ")");
    return dst;
}

/* ---- JSON helpers ------------------------------------------------------ */

/* An integer value in lo..hi (why: what the range comes from); label
 * names it in messages, quoted as it should appear ("'in'[1]"). */
static int get_int_l(sg_model_ld *c, const char *loc, const char *label, json_t *v,
                     long long lo, long long hi, const char *why,
                     long long *out)
{
    long long x;

    if (!json_is_integer(v))
        return sg_model_fail_at(c, loc, "%s must be an integer, found %s", label,
                                json_kind(v));
    x = (long long)json_integer_value(v);
    if (x < lo || x > hi)
        return sg_model_fail_at(c, loc, "%s is %lld, must be %lld..%lld%s", label, x,
                                lo, hi, why);
    *out = x;
    return 0;
}

/* An integer value of key in lo..hi. */
static int get_int(sg_model_ld *c, const char *loc, const char *key, json_t *v,
                   long long lo, long long hi, const char *why, long long *out)
{
    char label[40];

    snprintf(label, sizeof label, "'%s'", key);
    return get_int_l(c, loc, label, v, lo, hi, why, out);
}

/* n ints lo..hi (hi <= INT_MAX) from key: an array of n integers (names:
 * "kh, kw" for messages) or, if scalar_ok, one integer for all n. */
static int get_ints(sg_model_ld *c, const char *loc, const char *key, json_t *v,
                    int n, const char *names, int scalar_ok, long long lo,
                    long long hi, int *out)
{
    char label[48];
    long long x;
    size_t i;

    if (scalar_ok && json_is_integer(v)) {
        if (get_int(c, loc, key, v, lo, hi, "", &x) != 0)
            return -1;
        for (i = 0; i < (size_t)n; i++)
            out[i] = (int)x;
        return 0;
    }
    if (!json_is_array(v))
        return sg_model_fail_at(c, loc, "'%s' must be %san array [%s] of %d integers, "
                                "found %s", key, scalar_ok ? "an integer or " : "",
                                names, n, json_kind(v));
    if (json_array_size(v) != (size_t)n)
        return sg_model_fail_at(c, loc, "'%s' has %zu entries, must be %s[%s]", key,
                                json_array_size(v), scalar_ok ? "an integer or " : "",
                                names);
    for (i = 0; i < (size_t)n; i++) {
        snprintf(label, sizeof label, "'%s'[%zu]", key, i);
        if (get_int_l(c, loc, label, json_array_get(v, i), lo, hi, "", &x))
            return -1;
        out[i] = (int)x;
    }
    return 0;
}

/* n ints as "[1, 2, 3]", or "3" for n = 1. */
static const char *ints_str(char *dst, size_t len, const int *v, int n)
{
    size_t o = 0;
    int i;

    if (n == 1) {
        snprintf(dst, len, "%d", v[0]);
        return dst;
    }
    o += (size_t)snprintf(dst, len, "[");
    for (i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(dst + o, len - o, i ? ", %d" : "%d", v[i]);
    if (o < len)
        snprintf(dst + o, len - o, "]");
    return dst;
}

/* A name: 1..SG_MODEL_NAME_MAX of [A-Za-z0-9_.-]. */
static int get_name(sg_model_ld *c, const char *loc, json_t *v, char *dst)
{
    const char *s;
    char q[4 * SG_MODEL_QUOTE_MAX + 4];
    size_t i, n;

    if (!json_is_string(v))
        return sg_model_fail_at(c, loc, "'name' must be a string, found %s",
                                json_kind(v));
    s = json_string_value(v);
    n = strlen(s);
    if (n == 0 || n > SG_MODEL_NAME_MAX)
        return sg_model_fail_at(c, loc, "'name' '%s' is %zu bytes long, must be 1..%d",
                                sg_model_quote(q, s), n, SG_MODEL_NAME_MAX);
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
            return sg_model_fail_at(c, loc,
                                    "invalid character in 'name' '%s' (legal: letters, "
                                    "digits, '_', '-', '.')", sg_model_quote(q, s));
    }
    memcpy(dst, s, n + 1);
    return 0;
}

/* ---- arrays ------------------------------------------------------------ */

/* Load the .npy named by string v (what: "'weights' of layers[0] 'fc1'",
 * used in messages): integer, or in a float model float or integer, held
 * as doubles in a->f (a->i freed).  *file gets the resolved path (caller
 * frees). */
static int load_npy(sg_model_ld *c, const char *loc, const char *key, const char *what,
                    json_t *v, sg_npy *a, char **file)
{
    char msg[SG_MODEL_MSG_LEN];
    const char *rel;
    size_t n;

    *file = NULL;
    memset(a, 0, sizeof *a);
    if (!json_is_string(v))
        return sg_model_fail_at(c, loc, "'%s' must be a string naming an .npy file, "
                                "found %s", key, json_kind(v));
    rel = json_string_value(v);
    if (rel[0] == '\0')
        return sg_model_fail_at(c, loc, "'%s' is an empty string, must name an .npy "
                                "file", key);
    n = rel[0] == '/' ? 0 : c->dirlen;
    *file = malloc(n + strlen(rel) + 1);
    if (*file == NULL)
        return sg_model_fail_at(c, loc, "out of memory");
    memcpy(*file, c->path, n);
    strcpy(*file + n, rel);
    if (sg_npy_load(*file, a, msg, sizeof msg) != 0) {
        /* msg already starts with "<file>: " */
        if (c->err != NULL && c->errlen > 0)
            snprintf(c->err, c->errlen, "%s (%s in %s)", msg, what, c->path);
        return -1;
    }
    if (c->fl && a->kind != SG_NPY_FLOAT) {
        long long k;
        a->f = malloc((size_t)(a->count ? a->count : 1) * sizeof *a->f);
        if (a->f == NULL) {
            sg_npy_free(a);
            return sg_model_fail(c, *file, "out of memory for %s", what);
        }
        for (k = 0; k < a->count; k++)
            a->f[k] = (double)a->i[k];
        free(a->i);
        a->i = NULL;
    } else if (!c->fl && a->kind == SG_NPY_FLOAT) {
        int bits = a->itemsize * 8;
        sg_npy_free(a);
        return sg_model_fail(c, *file, "%s is float%d; quantize it first (sparsegen "
                             "quantize)", what, bits);
    }
    return 0;
}

/* A per-row (fc) or per-channel (conv: unit) parameter: a JSON integer
 * broadcast to all rows, or (scalar_ok or not) an .npy file of shape [out];
 * values lo..hi.  vals gets out entries. */
static int load_rows(sg_model_ld *c, const char *loc, const char *key, json_t *v,
                     int scalar_ok, int out, const char *unit, long long lo,
                     long long hi, const char *why, int64_t *vals)
{
    char what[160], sh[SG_NPY_MAX_DIMS * 22 + 4], *file = NULL;
    sg_npy a;
    long long x;
    int r, rc = -1;

    memset(&a, 0, sizeof a);
    if (scalar_ok && json_is_integer(v)) {
        if (get_int(c, loc, key, v, lo, hi, why, &x) != 0)
            return -1;
        for (r = 0; r < out; r++)
            vals[r] = x;
        return 0;
    }
    if (scalar_ok && !json_is_string(v))
        return sg_model_fail_at(c, loc, "'%s' must be an integer or a string naming "
                                "an .npy file, found %s", key, json_kind(v));
    snprintf(what, sizeof what, "'%s' of %s", key, loc);
    if (load_npy(c, loc, key, what, v, &a, &file) != 0)
        goto done;
    if (a.ndim != 1 || a.shape[0] != out) {
        sg_model_fail(c, file, "%s has shape %s, must be [%d] (one per output %s)",
                      what, shape_str(sh, sizeof sh, &a), out, unit);
        goto done;
    }
    if (sg_model_check_range(c, file, what, &a, lo, hi, why) != 0)
        goto done;
    for (r = 0; r < out; r++)
        vals[r] = a.i[r];
    rc = 0;
done:
    sg_npy_free(&a);
    free(file);
    return rc;
}

/* ---- layers ------------------------------------------------------------ */

/* The input map [C, H, W] of conv or maxpool layer li into chw: "in" if
 * given, checked against the previous layer, else the previous layer's
 * output map.  "in" is required for the first layer and after an fc
 * layer, whose output is then read as [C, H, W]. */
static int get_in_chw(sg_model_ld *c, sg_model *m, int li, const char *loc,
                      json_t *jl, int chw[3])
{
    const sg_layer *P = li > 0 ? &m->layers[li - 1] : NULL;
    json_t *v = json_object_get(jl, "in");
    char a[80], b[80];
    long long n;

    if (v == NULL) {
        if (P == NULL)
            return sg_model_fail_at(c, loc, "missing required key 'in' (the input "
                                    "shape [C, H, W] of the first layer)");
        if (!sg_model_is_spatial(P))
            return sg_model_fail_at(c, loc, "missing required key 'in' (the [C, H, "
                                    "W] in which to read the flat output of length "
                                    "%d of layers[%d] '%s')", P->out, li - 1,
                                    P->name);
        chw[0] = P->conv.c_out;
        chw[1] = P->conv.h_out;
        chw[2] = P->conv.w_out;
        return 0;
    }
    if (get_ints(c, loc, "in", v, 3, "C, H, W", 0, 1, INT_MAX, chw) != 0)
        return -1;
    ints_str(a, sizeof a, chw, 3);
    n = sg_model_prod3(chw[0], chw[1], chw[2]);
    if (n < 0)
        return sg_model_fail_at(c, loc, "'in' %s has more than %d values (C*H*W)", a,
                                INT_MAX);
    if (P == NULL)
        return 0;
    if (!sg_model_is_spatial(P)) {
        if (n != P->out)
            return sg_model_fail_at(c, loc, "'in' is %s (%lld values) but layers[%d] "
                                    "'%s' outputs %d values (C*H*W must equal it)", a,
                                    n, li - 1, P->name, P->out);
        return 0;
    }
    if (chw[0] != P->conv.c_out || chw[1] != P->conv.h_out ||
        chw[2] != P->conv.w_out) {
        int o[3];
        o[0] = P->conv.c_out;
        o[1] = P->conv.h_out;
        o[2] = P->conv.w_out;
        return sg_model_fail_at(c, loc, "'in' is %s but layers[%d] '%s' outputs %s",
                                a, li - 1, P->name, ints_str(b, sizeof b, o, 3));
    }
    return 0;
}

/* The weights of L from a checked .npy (values in WGT_W range). */
static int take_weights(sg_model_ld *c, const char *loc, const char *file,
                        const char *what, const sg_npy *w, sg_layer *L)
{
    long long k;

    if (sg_model_check_weights(c, file, what, w) != 0)
        return -1;
    if (c->fl) {
        L->fweights = malloc((size_t)w->count * sizeof *L->fweights);
        if (L->fweights == NULL)
            return sg_model_fail_at(c, loc, "out of memory for %s", what);
        memcpy(L->fweights, w->f, (size_t)w->count * sizeof *L->fweights);
        return 0;
    }
    L->weights = malloc((size_t)w->count * sizeof *L->weights);
    if (L->weights == NULL)
        return sg_model_fail_at(c, loc, "out of memory for %s", what);
    for (k = 0; k < w->count; k++)
        L->weights[k] = (int32_t)w->i[k];
    return 0;
}

/* The bias keys of fc and conv layers, and of lstm layers (summed). */
static const char *const fc_bias[] = {"bias", NULL};
static const char *const lstm_bias[] = {"bias_ih", "bias_hh", NULL};

/* The bias of L (n entries): the sum of the optional int32 .npy [n] arrays
 * named by bias_keys (default zeros), which must fit 32 bits. */
static int load_bias(sg_model_ld *c, const char *loc, json_t *jl, int n,
                     const char *unit, const char *const *bias_keys,
                     sg_layer *L, int64_t *tmp)
{
    char keys[80];
    size_t o = 0;
    int64_t *sum = calloc((size_t)n, sizeof *sum);
    json_t *v;
    int k, r, rc = -1;

    if (sum == NULL)
        return sg_model_fail_at(c, loc, "out of memory for %d output %ss", n, unit);
    for (k = 0; bias_keys[k] != NULL; k++) {
        if (o < sizeof keys)
            o += (size_t)snprintf(keys + o, sizeof keys - o,
                                  k ? " + '%s'" : "'%s'", bias_keys[k]);
        v = json_object_get(jl, bias_keys[k]);
        if (v == NULL)
            continue;
        if (load_rows(c, loc, bias_keys[k], v, 0, n, unit, sg_model_smin(SG_BIAS_W),
                      sg_model_smax(SG_BIAS_W), " (32-bit)", tmp) != 0)
            goto done;
        for (r = 0; r < n; r++)
            sum[r] += tmp[r]; /* each term is 32-bit: no overflow */
    }
    for (r = 0; r < n; r++) {
        if (sum[r] < sg_model_smin(SG_BIAS_W) || sum[r] > sg_model_smax(SG_BIAS_W)) {
            sg_model_fail_at(c, loc, "%s out of range at index [%d]: %lld (the sum "
                             "must be %lld..%lld (32-bit))", keys, r,
                             (long long)sum[r], sg_model_smin(SG_BIAS_W), sg_model_smax(SG_BIAS_W));
            goto done;
        }
        L->bias[r] = (int32_t)sum[r];
    }
    rc = 0;
done:
    free(sum);
    return rc;
}

/* A float model's bias of L (n entries): the sum of the optional float
 * .npy [n] arrays named by bias_keys (default zeros). */
static int load_fbias(sg_model_ld *c, const char *loc, json_t *jl, int n,
                      const char *unit, const char *const *bias_keys,
                      sg_layer *L)
{
    char what[160], sh[SG_NPY_MAX_DIMS * 22 + 4], *file = NULL;
    sg_npy a;
    json_t *v;
    int k, r;

    L->fbias = calloc((size_t)n, sizeof *L->fbias);
    if (L->fbias == NULL)
        return sg_model_fail_at(c, loc, "out of memory for %d output %ss", n, unit);
    for (k = 0; bias_keys[k] != NULL; k++) {
        v = json_object_get(jl, bias_keys[k]);
        if (v == NULL)
            continue;
        snprintf(what, sizeof what, "'%s' of %s", bias_keys[k], loc);
        if (load_npy(c, loc, bias_keys[k], what, v, &a, &file) != 0) {
            free(file);
            return -1;
        }
        if (a.ndim != 1 || a.shape[0] != n) {
            sg_model_fail(c, file, "%s has shape %s, must be [%d] (one per output %s)",
                          what, shape_str(sh, sizeof sh, &a), n, unit);
            r = -1;
        } else {
            r = sg_model_check_finite(c, file, what, &a);
        }
        for (int i = 0; r == 0 && i < n; i++)
            L->fbias[i] += a.f[i];
        sg_npy_free(&a);
        free(file);
        if (r != 0)
            return -1;
    }
    for (r = 0; r < n; r++) /* two finite terms can still overflow */
        if (!isfinite(L->fbias[r]))
            return sg_model_fail_at(c, loc, "the bias sum is not finite at index [%d] "
                                    "(%s)", r, bias_keys[1] ? "'bias_ih' + 'bias_hh'"
                                                            : "'bias'");
    return 0;
}

/* The activation of L and (relu6, quantized model) its act_max. */
static int load_act(sg_model_ld *c, const char *loc, json_t *jl, sg_layer *L)
{
    char why[48], q[4 * SG_MODEL_QUOTE_MAX + 4];
    json_t *v;
    long long x;

    L->act = SG_ACT_NONE;
    v = json_object_get(jl, "activation");
    if (v != NULL) {
        int a;
        if (!json_is_string(v))
            return sg_model_fail_at(c, loc, "'activation' must be a string, found %s",
                                    json_kind(v));
        a = sg_act_parse(json_string_value(v));
        if (a < 0)
            return sg_model_fail_at(c, loc, "unknown activation '%s' (legal: none, "
                                    "relu, relu6)", sg_model_quote(q, json_string_value(v)));
        L->act = (sg_act)a;
    }
    v = json_object_get(jl, "act_max");
    if (L->act == SG_ACT_RELU6 && !c->fl) {
        if (v == NULL)
            return sg_model_fail_at(c, loc, "missing 'act_max' (required for "
                                    "activation 'relu6')");
        snprintf(why, sizeof why, " for data_w %d", c->data_w);
        if (get_int(c, loc, "act_max", v, 0, sg_model_smax(c->data_w), why, &x) != 0)
            return -1;
        L->act_max = (int32_t)x;
    } else if (v != NULL) {
        return sg_model_fail_at(c, loc, "'act_max' is only used with activation "
                                "'relu6', found '%s'", sg_act_name(L->act));
    }
    return 0;
}

/* The requantization keys a float model leaves to sparsegen quantize. */
static const char *const quant_keys[] = {"mult", "shift", "act_max", NULL};

/* bias (the sum of bias_keys), mult, shift (n entries, one per output
 * `unit`), activation and act_max of an fc, conv or lstm layer (an lstm
 * layer's keys leave the activation none).  A float model has a float bias
 * and the activation only. */
static int load_post(sg_model_ld *c, const char *loc, json_t *jl, int n,
                     const char *unit, const char *const *bias_keys,
                     sg_layer *L)
{
    int64_t *tmp;
    int r, rc = -1;

    if (c->fl) {
        for (r = 0; quant_keys[r] != NULL; r++)
            if (json_object_get(jl, quant_keys[r]) != NULL)
                return sg_model_fail_at(c, loc, "'%s' does not belong in a float "
                                        "model (sparsegen quantize computes it)",
                                        quant_keys[r]);
        if (load_fbias(c, loc, jl, n, unit, bias_keys, L) != 0)
            return -1;
        return load_act(c, loc, jl, L);
    }
    L->bias = calloc((size_t)n, sizeof *L->bias);
    L->mult = malloc((size_t)n * sizeof *L->mult);
    L->shift = malloc((size_t)n * sizeof *L->shift);
    tmp = malloc((size_t)n * sizeof *tmp);
    if (!L->bias || !L->mult || !L->shift || !tmp) {
        sg_model_fail_at(c, loc, "out of memory for %d output %ss", n, unit);
        goto done;
    }
    if (load_bias(c, loc, jl, n, unit, bias_keys, L, tmp) != 0)
        goto done;
    if (load_rows(c, loc, "mult", json_object_get(jl, "mult"), 1, n, unit,
                  sg_model_smin(SG_MULT_W), sg_model_smax(SG_MULT_W), " (32-bit)", tmp) != 0)
        goto done;
    for (r = 0; r < n; r++)
        L->mult[r] = (int32_t)tmp[r];
    if (load_rows(c, loc, "shift", json_object_get(jl, "shift"), 1, n, unit,
                  0, SG_SHIFT_MAX, "", tmp) != 0)
        goto done;
    for (r = 0; r < n; r++)
        L->shift[r] = (int8_t)tmp[r];
    if (load_act(c, loc, jl, L) != 0)
        goto done;
    rc = 0;
done:
    free(tmp);
    return rc;
}

/* The 2-D integer array of key (what: for messages; dims: its shape in
 * words, "[out, in]") with every dimension 1..INT_MAX; sh gets the shape
 * as text, *file the path (caller frees both file and w). */
static int load_2d(sg_model_ld *c, const char *loc, json_t *jl, const char *key,
                   const char *what, const char *dims, sg_npy *w,
                   char **file, char *sh, size_t shlen)
{
    if (load_npy(c, loc, key, what, json_object_get(jl, key), w, file) != 0)
        return -1;
    shape_str(sh, shlen, w);
    if (w->ndim != 2)
        return sg_model_fail(c, *file, "%s has shape %s, must be 2-D %s", what, sh,
                             dims);
    if (w->shape[0] < 1 || w->shape[1] < 1 || w->shape[0] > INT_MAX ||
        w->shape[1] > INT_MAX)
        return sg_model_fail(c, *file, "%s has shape %s, each dimension must be 1..%d",
                             what, sh, INT_MAX);
    return 0;
}

/* An optional integer key of jl that must equal have, the `unit` count
 * found in file (shape sh). */
static int check_given(sg_model_ld *c, const char *loc, json_t *jl, const char *key,
                       int have, const char *file, const char *sh,
                       const char *unit)
{
    json_t *v = json_object_get(jl, key);
    long long x;

    if (v == NULL)
        return 0;
    if (get_int(c, loc, key, v, 1, INT_MAX, "", &x) != 0)
        return -1;
    if (x != have)
        return sg_model_fail_at(c, loc, "'%s' is %lld but %s has shape %s (%d %s)",
                                key, x, file, sh, have, unit);
    return 0;
}

static int load_fc(sg_model_ld *c, sg_model *m, int li, json_t *jl, const char *loc)
{
    sg_layer *L = &m->layers[li];
    const sg_layer *P = li > 0 ? &m->layers[li - 1] : NULL;
    char what[200], sh[SG_NPY_MAX_DIMS * 22 + 4], *file = NULL;
    sg_npy w;
    int rc = -1;

    memset(&w, 0, sizeof w);
    if (sg_model_require_wms(c, loc, jl) != 0)
        return -1;

    /* weights [out, in] fix the lengths */
    snprintf(what, sizeof what, "'weights' of %s", loc);
    if (load_2d(c, loc, jl, "weights", what, "[out, in]", &w, &file, sh,
                sizeof sh) != 0)
        goto done;
    L->out = (int)w.shape[0];
    L->in = (int)w.shape[1];
    if (check_given(c, loc, jl, "in", L->in, file, sh, "columns") != 0 ||
        check_given(c, loc, jl, "out", L->out, file, sh, "rows") != 0)
        goto done;
    if (P != NULL && L->in != P->out) {
        char flat[160] = "";
        if (sg_model_is_spatial(P))
            snprintf(flat, sizeof flat, "; an fc layer reads the [C, H, W] "
                     "= [%d, %d, %d] output flattened, so its input length "
                     "must be C*H*W = %d", P->conv.c_out, P->conv.h_out,
                     P->conv.w_out, P->out);
        else if (P->type == SG_LAYER_LSTM)
            snprintf(flat, sizeof flat, "; an fc layer after an lstm layer "
                     "reads its last h_t, so its input length must be the "
                     "hidden size %d", P->out);
        sg_model_fail_at(c, loc, "input length %d (%s has shape %s) does not match "
                         "the output length %d of layers[%d] '%s'%s", L->in, file, sh,
                         P->out, li - 1, P->name, flat);
        goto done;
    }
    if (take_weights(c, loc, file, what, &w, L) != 0 ||
        load_post(c, loc, jl, L->out, "row", fc_bias, L) != 0)
        goto done;
    rc = 0;
done:
    sg_npy_free(&w);
    free(file);
    return rc;
}

/* A float conv layer's "batchnorm" (torch's BatchNorm2d after it, in eval
 * mode): {"running_mean": f, "running_var": f, "weight": f, "bias": f,
 * "eps": 1e-5}, each file a [c_out] array, weight and bias optional (1, 0).
 * Folded into L's float weights and bias:  scale = weight / sqrt(var + eps),
 * w' = w * scale, b' = (b - mean) * scale + bias.  An integer model has it
 * folded already, so the key is refused there. */
static int load_batchnorm(sg_model_ld *c, const char *loc, json_t *jl, sg_layer *L)
{
    static const char *const keys[4] = {"running_mean", "running_var", "weight",
                                        "bias"};
    json_t *bn = json_object_get(jl, "batchnorm"), *v;
    double *val[4] = {NULL, NULL, NULL, NULL}, eps = 1e-5;
    int n = L->conv.c_out, rc = -1, k;
    long long per, row, j;
    char what[200], *file = NULL;
    sg_npy a;

    if (bn == NULL)
        return 0;
    if (!c->fl)
        return sg_model_fail_at(c, loc, "'batchnorm' is folded by sparsegen quantize: "
                                "an integer model has it in its weights and bias");
    if (!json_is_object(bn))
        return sg_model_fail_at(c, loc, "'batchnorm' must be an object {running_mean, "
                                "running_var, weight, bias, eps}, found %s",
                                json_kind(bn));
    if (sg_model_check_keys(c, loc, " of 'batchnorm'", bn,
                            "running_mean, running_var, weight, bias, eps") != 0)
        return -1;
    v = json_object_get(bn, "eps");
    if (v != NULL) {
        if (!json_is_number(v) || !(json_number_value(v) > 0) ||
            !isfinite(json_number_value(v)))
            return sg_model_fail_at(c, loc, "'batchnorm' 'eps' must be a number > 0");
        eps = json_number_value(v);
    }
    for (k = 0; k < 4; k++) {
        v = json_object_get(bn, keys[k]);
        if (v == NULL) {
            if (k < 2) {
                sg_model_fail_at(c, loc, "'batchnorm' needs '%s' (an .npy [%d])", keys[k], n);
                goto done;
            }
            continue;
        }
        snprintf(what, sizeof what, "'batchnorm' '%s' of %s", keys[k], loc);
        if (load_npy(c, loc, keys[k], what, v, &a, &file) != 0)
            goto done;
        if (a.count != n || a.ndim != 1) {
            char sh[SG_NPY_MAX_DIMS * 22 + 4];
            shape_str(sh, sizeof sh, &a);
            sg_model_fail(c, file, "%s has shape %s, must be [%d] (one per output "
                          "channel)", what, sh, n);
            sg_npy_free(&a);
            goto done;
        }
        if (sg_model_check_finite(c, file, what, &a) != 0) {
            sg_npy_free(&a);
            goto done;
        }
        for (j = 0; k == 1 && j < n; j++)
            if (!(a.f[j] > 0)) {
                sg_model_fail(c, file, "%s: channel %lld has variance %g, must be > 0",
                              what, j, a.f[j]);
                sg_npy_free(&a);
                goto done;
            }
        val[k] = a.f;
        a.f = NULL;
        sg_npy_free(&a);
        free(file);
        file = NULL;
    }
    /* fold, channel by channel: the weights of output o are one row */
    per = (long long)sg_conv_cpg(&L->conv) * L->conv.kh * L->conv.kw;
    for (row = 0; row < n; row++) {
        double scale = (val[2] ? val[2][row] : 1.0) / sqrt(val[1][row] + eps);
        for (j = 0; j < per; j++)
            L->fweights[row * per + j] *= scale;
        L->fbias[row] = (L->fbias[row] - val[0][row]) * scale + (val[3] ? val[3][row] : 0.0);
        if (!isfinite(L->fbias[row]) || !isfinite(scale)) {
            sg_model_fail_at(c, loc, "'batchnorm' of output channel %lld folds to a "
                             "value that is not finite", row);
            goto done;
        }
    }
    rc = 0;
done:
    free(file);
    for (k = 0; k < 4; k++)
        free(val[k]);
    return rc;
}

static int load_conv(sg_model_ld *c, sg_model *m, int li, json_t *jl, const char *loc)
{
    sg_layer *L = &m->layers[li];
    sg_conv_shape *s = &L->conv;
    char what[200], sh[SG_NPY_MAX_DIMS * 22 + 4], msg[SG_MODEL_MSG_LEN], *file = NULL;
    char a[4][80];
    int chw[3], k[2], st[2] = {1, 1}, pad[2] = {0, 0}, d, groups = 1;
    long long n, g;
    json_t *v;
    sg_npy w;
    int rc = -1;

    memset(&w, 0, sizeof w);
    if (sg_model_require_wms(c, loc, jl) != 0)
        return -1;
    if (get_in_chw(c, m, li, loc, jl, chw) != 0)
        return -1;
    v = json_object_get(jl, "groups");
    if (v != NULL) {
        if (get_int(c, loc, "groups", v, 1, chw[0], "", &g) != 0)
            return -1;
        if (chw[0] % g != 0)
            return sg_model_fail_at(c, loc, "'groups' is %lld, must divide the %d input "
                                    "channels", g, chw[0]);
        groups = (int)g;
    }

    /* weights [c_out, c_in, kh, kw] */
    snprintf(what, sizeof what, "'weights' of %s", loc);
    if (load_npy(c, loc, "weights", what, json_object_get(jl, "weights"), &w,
                 &file) != 0)
        goto done;
    shape_str(sh, sizeof sh, &w);
    if (w.ndim != 4) {
        sg_model_fail(c, file, "%s has shape %s, must be 4-D [c_out, c_in, kh, kw]",
                      what, sh);
        goto done;
    }
    for (d = 0; d < 4; d++)
        if (w.shape[d] < 1 || w.shape[d] > INT_MAX) {
            sg_model_fail(c, file, "%s has shape %s, each dimension must be 1..%d",
                          what, sh, INT_MAX);
            goto done;
        }
    if (w.shape[1] != chw[0] / groups) {
        if (groups > 1)
            sg_model_fail(c, file, "%s has shape %s, must have %d input channels "
                          "(dimension 1: the input's %d over %d groups)", what, sh,
                          chw[0] / groups, chw[0], groups);
        else
            sg_model_fail(c, file, "%s has shape %s, must have %d input channels "
                          "(dimension 1) for the input %s", what, sh, chw[0],
                          ints_str(a[0], sizeof a[0], chw, 3));
        goto done;
    }
    if (w.shape[0] % groups != 0) {
        sg_model_fail(c, file, "%s has shape %s: its %lld output channels (dimension "
                      "0) must be a multiple of 'groups' %d", what, sh, w.shape[0],
                      groups);
        goto done;
    }
    k[0] = (int)w.shape[2];
    k[1] = (int)w.shape[3];
    if (k[0] > SG_GEOM_MAX || k[1] > SG_GEOM_MAX) {
        sg_model_fail(c, file, "%s has shape %s: kernel %s is out of range, each of kh, "
                      "kw must be 1..%d%s", what, sh, ints_str(a[0], sizeof a[0], k, 2),
                      SG_GEOM_MAX, "");
        goto done;
    }
    v = json_object_get(jl, "kernel");
    if (v != NULL) {
        int kk[2];
        if (get_ints(c, loc, "kernel", v, 2, "kh, kw", 1, 1, INT_MAX, kk))
            goto done;
        if (kk[0] != k[0] || kk[1] != k[1]) {
            sg_model_fail_at(c, loc, "'kernel' is %s but %s has shape %s (kernel %s)",
                             json_is_integer(v) ? ints_str(a[0], sizeof a[0], kk, 1)
                                                : ints_str(a[0], sizeof a[0], kk, 2),
                             file, sh, ints_str(a[1], sizeof a[1], k, 2));
            goto done;
        }
    }
    v = json_object_get(jl, "stride");
    if (v != NULL &&
        get_ints(c, loc, "stride", v, 2, "sh, sw", 1, 1, SG_GEOM_MAX, st) != 0)
        goto done;
    v = json_object_get(jl, "padding");
    if (v != NULL &&
        get_ints(c, loc, "padding", v, 2, "ph, pw", 1, 0, SG_GEOM_MAX, pad) != 0)
        goto done;

    s->c_in = chw[0];
    s->h_in = chw[1];
    s->w_in = chw[2];
    s->c_out = (int)w.shape[0];
    s->kh = k[0];
    s->kw = k[1];
    s->stride_h = st[0];
    s->stride_w = st[1];
    s->pad_h = pad[0];
    s->pad_w = pad[1];
    s->groups = groups;
    if (sg_conv_shape_derive(s, msg, sizeof msg) != 0) {
        sg_model_fail_at(c, loc, "invalid conv shape: %s (in %s, kernel %s, stride "
                         "%s, padding %s)", msg, ints_str(a[0], sizeof a[0], chw, 3),
                         ints_str(a[1], sizeof a[1], k, 2),
                         ints_str(a[2], sizeof a[2], st, 2),
                         ints_str(a[3], sizeof a[3], pad, 2));
        goto done;
    }
    /* get_in_chw bounded the input; the output can still be larger */
    L->in = (int)sg_model_prod3(s->c_in, s->h_in, s->w_in);
    n = sg_model_prod3(s->c_out, s->h_out, s->w_out);
    if (n < 0) {
        int o[3];
        o[0] = s->c_out;
        o[1] = s->h_out;
        o[2] = s->w_out;
        sg_model_fail_at(c, loc, "output %s has more than %d values (C*H*W)",
                         ints_str(a[0], sizeof a[0], o, 3), INT_MAX);
        goto done;
    }
    L->out = (int)n;
    if (take_weights(c, loc, file, what, &w, L) != 0 ||
        load_post(c, loc, jl, s->c_out, "channel", fc_bias, L) != 0 ||
        load_batchnorm(c, loc, jl, L) != 0)
        goto done;
    rc = 0;
done:
    sg_npy_free(&w);
    free(file);
    return rc;
}

static int load_maxpool(sg_model_ld *c, sg_model *m, int li, json_t *jl,
                        const char *loc)
{
    sg_layer *L = &m->layers[li];
    sg_conv_shape *s = &L->conv;
    char a[80];
    int chw[3], k[2];
    long long st;
    json_t *v;

    if (get_in_chw(c, m, li, loc, jl, chw) != 0)
        return -1;
    v = json_object_get(jl, "kernel");
    if (v == NULL)
        return sg_model_fail_at(c, loc, "missing required key 'kernel'");
    if (get_ints(c, loc, "kernel", v, 2, "k, k", 1, 1, SG_GEOM_MAX, k) != 0)
        return -1;
    if (k[0] != k[1])
        return sg_model_fail_at(c, loc, "'kernel' is %s, must be square (maxpool "
                                "takes one size: k or [k, k])",
                                ints_str(a, sizeof a, k, 2));
    st = k[0];
    v = json_object_get(jl, "stride");
    if (v != NULL &&
        get_int(c, loc, "stride", v, 1, SG_GEOM_MAX, "", &st) != 0)
        return -1;
    if (k[0] > chw[1] || k[0] > chw[2])
        return sg_model_fail_at(c, loc, "'kernel' %d is larger than the input %s "
                                "(legal: 1..%d)", k[0], ints_str(a, sizeof a, chw, 3),
                                chw[1] < chw[2] ? chw[1] : chw[2]);
    L->pool_k = k[0];
    L->pool_stride = (int)st;
    s->c_in = s->c_out = chw[0];
    s->h_in = chw[1];
    s->w_in = chw[2];
    s->kh = s->kw = L->pool_k;
    s->stride_h = s->stride_w = L->pool_stride;
    s->pad_h = s->pad_w = 0;
    s->h_out = (chw[1] - L->pool_k) / L->pool_stride + 1;
    s->w_out = (chw[2] - L->pool_k) / L->pool_stride + 1;
    L->in = (int)sg_model_prod3(chw[0], chw[1], chw[2]); /* bounded by get_in_chw */
    L->out = (int)sg_model_prod3(s->c_out, s->h_out, s->w_out); /* <= in */
    L->act = SG_ACT_NONE;
    return 0;
}

/* An lstm layer: weight_ih [4H, in] and weight_hh [4H, H] side by side
 * as the 4H x (in + H) weights, the biases summed; steps is set from the
 * input by load_input. */
static int load_lstm(sg_model_ld *c, sg_model *m, int li, json_t *jl, const char *loc)
{
    static const char *const req[] = {"weight_ih", "weight_hh", "mult",
                                      "shift", NULL};
    static const char *const freq[] = {"weight_ih", "weight_hh", NULL};
    sg_layer *L = &m->layers[li];
    const sg_layer *P = li > 0 ? &m->layers[li - 1] : NULL;
    char what[2][200], sh[2][SG_NPY_MAX_DIMS * 22 + 4];
    char *file[2] = {NULL, NULL};
    long long H, in, r, cols;
    sg_npy w[2];
    int rc = -1;

    memset(w, 0, sizeof w);
    if (sg_model_require_keys(c, loc, jl, c->fl ? freq : req) != 0)
        return -1;
    snprintf(what[0], sizeof what[0], "'weight_ih' of %s", loc);
    snprintf(what[1], sizeof what[1], "'weight_hh' of %s", loc);
    if (load_2d(c, loc, jl, "weight_ih", what[0], "[4*hidden, in]", &w[0],
                &file[0], sh[0], sizeof sh[0]) != 0)
        goto done;
    if (w[0].shape[0] % 4 != 0) {
        sg_model_fail(c, file[0], "%s has shape %s: %lld rows, must be 4*hidden (the "
                      "gate blocks i, f, g, o)", what[0], sh[0], w[0].shape[0]);
        goto done;
    }
    H = w[0].shape[0] / 4;
    in = w[0].shape[1];
    if (in > INT_MAX - H) {
        sg_model_fail(c, file[0], "%s has shape %s: input size %lld plus hidden size "
                      "%lld exceeds %d", what[0], sh[0], in, H, INT_MAX);
        goto done;
    }
    L->in = (int)in;
    L->out = (int)H;
    if (check_given(c, loc, jl, "in", L->in, file[0], sh[0],
                    "columns") != 0 ||
        check_given(c, loc, jl, "hidden", L->out, file[0], sh[0],
                    "hidden units: rows / 4") != 0)
        goto done;
    if (P != NULL && L->in != P->out) {
        sg_model_fail_at(c, loc, "input size %d (%s has shape %s) does not match the "
                         "hidden size %d of layers[%d] '%s'", L->in, file[0], sh[0],
                         P->out, li - 1, P->name);
        goto done;
    }
    if (load_2d(c, loc, jl, "weight_hh", what[1], "[4*hidden, hidden]",
                &w[1], &file[1], sh[1], sizeof sh[1]) != 0)
        goto done;
    if (w[1].shape[0] != 4 * H || w[1].shape[1] != H) {
        sg_model_fail(c, file[1], "%s has shape %s, must be [%lld, %lld] ([4*hidden, "
                      "hidden] for hidden %lld from %s)", what[1], sh[1], 4 * H, H, H,
                      file[0]);
        goto done;
    }
    if (sg_model_check_weights(c, file[0], what[0], &w[0]) != 0 ||
        sg_model_check_weights(c, file[1], what[1], &w[1]) != 0)
        goto done;
    cols = in + H;
    if (c->fl) {
        L->fweights = malloc((size_t)(4 * H) * (size_t)cols *
                             sizeof *L->fweights);
        if (L->fweights == NULL) {
            sg_model_fail_at(c, loc, "out of memory for the %lld x %lld weights",
                             4 * H, cols);
            goto done;
        }
        for (r = 0; r < 4 * H; r++) {
            memcpy(L->fweights + r * cols, w[0].f + r * in,
                   (size_t)in * sizeof *L->fweights);
            memcpy(L->fweights + r * cols + in, w[1].f + r * H,
                   (size_t)H * sizeof *L->fweights);
        }
    } else {
        L->weights = malloc((size_t)(4 * H) * (size_t)cols *
                            sizeof *L->weights);
        if (L->weights == NULL) {
            sg_model_fail_at(c, loc, "out of memory for the %lld x %lld weights",
                             4 * H, cols);
            goto done;
        }
    }
    for (r = 0; !c->fl && r < 4 * H; r++) {
        int32_t *row = L->weights + r * cols;
        long long j;
        for (j = 0; j < in; j++)
            row[j] = (int32_t)w[0].i[r * in + j];
        for (j = 0; j < H; j++)
            row[in + j] = (int32_t)w[1].i[r * H + j];
    }
    if (load_post(c, loc, jl, (int)(4 * H), "gate row", lstm_bias, L) != 0)
        goto done;
    rc = 0;
done:
    sg_npy_free(&w[0]);
    sg_npy_free(&w[1]);
    free(file[0]);
    free(file[1]);
    return rc;
}

static int load_layer(sg_model_ld *c, sg_model *m, int li, json_t *jl)
{
    sg_layer *L = &m->layers[li];
    char loc[160], q[4 * SG_MODEL_QUOTE_MAX + 4], ctx[40], legal[80];
    size_t o = 0;
    json_t *v;
    int k, t = 0; /* sg_model_layer_types[0] is fc, the default */

    snprintf(loc, sizeof loc, "layers[%d]", li);
    if (!json_is_object(jl))
        return sg_model_fail_at(c, loc, "must be an object, found %s", json_kind(jl));
    v = json_object_get(jl, "name");
    if (v != NULL) {
        if (get_name(c, loc, v, L->name) != 0)
            return -1;
    } else {
        snprintf(L->name, sizeof L->name, "layer%d", li);
    }
    snprintf(loc, sizeof loc, "layers[%d] '%s'", li, L->name);
    for (k = 0; k < li; k++)
        if (strcmp(m->layers[k].name, L->name) == 0)
            return sg_model_fail_at(c, loc, "duplicate layer name '%s' (also "
                                    "layers[%d])", L->name, k);

    v = json_object_get(jl, "type");
    if (v != NULL) {
        if (!json_is_string(v))
            return sg_model_fail_at(c, loc, "'type' must be a string, found %s",
                                    json_kind(v));
        for (t = 0; t < sg_model_n_layer_types; t++)
            if (strcmp(json_string_value(v), sg_model_layer_types[t].name) == 0)
                break;
        if (t == sg_model_n_layer_types) {
            for (k = 0; k < sg_model_n_layer_types && o < sizeof legal; k++)
                o += (size_t)snprintf(legal + o, sizeof legal - o,
                                      k ? ", %s" : "%s", sg_model_layer_types[k].name);
            return sg_model_fail_at(c, loc, "unknown type '%s' (legal: %s)",
                                    sg_model_quote(q, json_string_value(v)), legal);
        }
    }
    L->type = sg_model_layer_types[t].type;
    snprintf(ctx, sizeof ctx, " for type %s", sg_model_layer_types[t].name);
    if (sg_model_check_keys(c, loc, ctx, jl, sg_model_layer_types[t].keys) != 0 ||
        sg_model_check_order(c, m, li, loc) != 0)
        return -1;
    switch (L->type) {
    case SG_LAYER_CONV:
        return load_conv(c, m, li, jl, loc);
    case SG_LAYER_MAXPOOL:
        return load_maxpool(c, m, li, jl, loc);
    case SG_LAYER_LSTM:
        return load_lstm(c, m, li, jl, loc);
    case SG_LAYER_FC:
        break;
    }
    return load_fc(c, m, li, jl, loc);
}

/* ---- the model --------------------------------------------------------- */

/* The input array into m->inputs: [in] or [n, in] for a first fc layer,
 * [C, H, W] or [n, C, H, W] for a first conv or maxpool layer, [T, in] or
 * [n, T, in] for a first lstm layer (T, the steps, then set in every lstm
 * layer). */
static int load_input(sg_model_ld *c, sg_model *m, json_t *v)
{
    char sh[SG_NPY_MAX_DIMS * 22 + 4], why[48], one[80], *file = NULL;
    const char *what = "'input'";
    const sg_layer *L0 = &m->layers[0];
    int lstm = L0->type == SG_LAYER_LSTM;
    int in = L0->in, rc = -1, nd, d, dims[3], l;
    long long k;
    sg_npy a;

    memset(&a, 0, sizeof a);
    if (load_npy(c, "", "input", what, v, &a, &file) != 0)
        goto done;
    shape_str(sh, sizeof sh, &a);
    if (sg_model_is_spatial(L0)) {
        nd = 3;
        dims[0] = L0->conv.c_in;
        dims[1] = L0->conv.h_in;
        dims[2] = L0->conv.w_in;
    } else if (lstm) {
        nd = 2;
        dims[0] = 0; /* T: any, checked below */
        dims[1] = in;
    } else {
        nd = 1;
        dims[0] = in;
    }
    d = a.ndim == nd || a.ndim == nd + 1 ? 0 : -1;
    for (k = lstm; d == 0 && k < nd; k++)
        if (a.shape[a.ndim - nd + k] != dims[k])
            d = -1;
    if (d != 0) {
        if (nd == 1)
            sg_model_fail(c, file, "%s has shape %s, must be [%d] or [n, %d] "
                          "(layers[0] '%s' has %d inputs)", what, sh, in, in,
                          L0->name, in);
        else if (lstm)
            sg_model_fail(c, file, "%s has shape %s, must be [T, %d] or [n, T, %d] "
                          "(layers[0] '%s' is an lstm layer of input size %d)", what,
                          sh, in, in, L0->name, in);
        else
            sg_model_fail(c, file, "%s has shape %s, must be %s or [n, %d, %d, %d] "
                          "(layers[0] '%s' takes [C, H, W] = %s)", what, sh,
                          ints_str(one, sizeof one, dims, 3), dims[0], dims[1],
                          dims[2], L0->name, one);
        goto done;
    }
    if (lstm) {
        long long T = a.shape[a.ndim - 2];
        if (T < 1 || T > INT_MAX / in) {
            sg_model_fail(c, file, "%s has shape %s, must have 1..%d steps T", what,
                          sh, INT_MAX / in);
            goto done;
        }
        in *= (int)T; /* a sample is the whole sequence */
        for (l = 0; l < m->n_layers; l++)
            if (m->layers[l].type == SG_LAYER_LSTM)
                m->layers[l].steps = (int)T;
    }
    if (a.ndim == nd + 1 && (a.shape[0] < 1 || a.shape[0] > INT_MAX / in)) {
        sg_model_fail(c, file, "%s has shape %s, must have 1..%d samples", what, sh,
                      INT_MAX / in);
        goto done;
    }
    snprintf(why, sizeof why, " for data_w %d", c->data_w);
    if (sg_model_check_range(c, file, what, &a, sg_model_smin(c->data_w),
                             sg_model_smax(c->data_w), why))
        goto done;
    m->n_inputs = a.ndim == nd + 1 ? (int)a.shape[0] : 1;
    m->input_len = in;
    if (c->fl) {
        m->finputs = a.f; /* already checked finite */
        a.f = NULL;
        rc = 0;
        goto done;
    }
    m->inputs = malloc((size_t)a.count * sizeof *m->inputs);
    if (m->inputs == NULL) {
        sg_model_fail(c, file, "out of memory for %s", what);
        goto done;
    }
    for (k = 0; k < a.count; k++)
        m->inputs[k] = (int32_t)a.i[k];
    rc = 0;
done:
    sg_npy_free(&a);
    free(file);
    return rc;
}

/* The default model name: the file's stem, other bytes than [A-Za-z0-9_.-]
 * replaced by '_'. */
static void default_name(const char *path, char *dst)
{
    const char *base = strrchr(path, '/');
    size_t n, i;

    base = base ? base + 1 : path;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    if (n > SG_MODEL_NAME_MAX)
        n = SG_MODEL_NAME_MAX;
    for (i = 0; i < n; i++) {
        char ch = base[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
                 ch == '.';
        dst[i] = ok ? ch : '_';
    }
    dst[n] = '\0';
    if (n == 0)
        strcpy(dst, "model");
}

static int load_root(sg_model_ld *c, sg_model *m, json_t *root)
{
    json_t *v, *layers;
    size_t i, n;

    if (!json_is_object(root))
        return sg_model_fail_at(c, "", "top level must be an object, found %s",
                                json_kind(root));
    if (sg_model_check_keys(c, "", "", root, top_keys) != 0)
        return -1;
    layers = json_object_get(root, "layers");
    if (layers == NULL)
        return sg_model_fail_at(c, "", "missing required key 'layers'");
    if (json_object_get(root, "input") == NULL)
        return sg_model_fail_at(c, "", "missing required key 'input'");
    v = json_object_get(root, "name");
    if (v != NULL) {
        if (get_name(c, "", v, m->name) != 0)
            return -1;
    } else {
        default_name(c->path, m->name);
    }
    if (!json_is_array(layers))
        return sg_model_fail_at(c, "", "'layers' must be an array, found %s",
                                json_kind(layers));
    n = json_array_size(layers);
    if (n == 0)
        return sg_model_fail_at(c, "", "'layers' is empty, need at least one layer");
    if (n > INT_MAX / sizeof(sg_layer))
        return sg_model_fail_at(c, "", "'layers' has too many entries (%zu)", n);
    m->layers = calloc(n, sizeof *m->layers);
    if (m->layers == NULL)
        return sg_model_fail_at(c, "", "out of memory for %zu layers", n);
    m->n_layers = (int)n;
    for (i = 0; i < n; i++)
        if (load_layer(c, m, (int)i, json_array_get(layers, i)) != 0)
            return -1;
    return load_input(c, m, json_object_get(root, "input"));
}

static int load_model(const char *path, int data_w, int wgt_w, int fl,
                      sg_model *m, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root;
    struct stat st;
    const char *slash;
    sg_model_ld c;
    int rc;

    memset(m, 0, sizeof *m);
    c.path = path;
    slash = strrchr(path, '/');
    c.dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    c.data_w = data_w;
    c.wgt_w = wgt_w;
    c.fl = fl;
    c.err = err;
    c.errlen = errlen;
    if (data_w < 1 || data_w > 32)
        return sg_model_fail(&c, path, "invalid data_w %d (legal: 1..32)", data_w);
    if (wgt_w < 1 || wgt_w > 32)
        return sg_model_fail(&c, path, "invalid wgt_w %d (legal: 1..32)", wgt_w);
    if (stat(path, &st) != 0)
        return sg_model_fail(&c, path, "cannot open: %s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return sg_model_fail(&c, path, "cannot read: %s", strerror(EISDIR));

    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        if (jerr.line < 1)
            return sg_model_fail(&c, path, "cannot read: %s", jerr.text);
        return sg_model_fail(&c, path, "malformed json at line %d, column %d: %s",
                             jerr.line, jerr.column, jerr.text);
    }
    rc = load_root(&c, m, root);
    json_decref(root);
    if (rc != 0)
        sg_model_free(m);
    return rc;
}

int sg_model_load(const char *path, int data_w, int wgt_w, sg_model *m,
                  char *err, size_t errlen)
{
    return load_model(path, data_w, wgt_w, 0, m, err, errlen);
}

int sg_model_load_float(const char *path, sg_model *m, char *err,
                        size_t errlen)
{
    return load_model(path, 32, 32, 1, m, err, errlen);
}

int sg_labels_load(const char *path, int n, int classes, int32_t **labels, char *err,
                   size_t errlen)
{
    char msg[SG_MODEL_MSG_LEN], ix[SG_NPY_MAX_DIMS * 22 + 4];
    sg_npy a;

    *labels = NULL;
    if (sg_npy_load(path, &a, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s (the labels)", msg);
        return -1;
    }
    int rc = -1;
    if (a.kind == SG_NPY_FLOAT)
        snprintf(err, errlen, "%s: the labels are float%d, must be integer class indices", path,
                 a.itemsize * 8);
    else if (a.ndim != 1 || a.shape[0] != n)
        snprintf(err, errlen, "%s: the labels have shape %s, must be [%d] (one per input sample)",
                 path, shape_str(ix, sizeof ix, &a), n);
    else
        rc = 0;
    for (long long k = 0; rc == 0 && k < a.count; k++)
        if (a.i[k] < 0 || a.i[k] >= classes) {
            snprintf(err, errlen, "%s: label at index [%lld] is %lld (legal: 0..%d, the model "
                     "has %d outputs)", path, k, (long long)a.i[k], classes - 1, classes);
            rc = -1;
        }
    if (rc == 0) {
        *labels = malloc((size_t)(n ? n : 1) * sizeof **labels);
        if (*labels == NULL) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
        }
        for (int k = 0; rc == 0 && k < n; k++)
            (*labels)[k] = (int32_t)a.i[k];
    }
    sg_npy_free(&a);
    return rc;
}
