/* sg_model_check: the loader's checks on what it has read -- the keys of an
 * object, the values of an array against the width they must fit, the
 * order of the layers. */
#include "sg_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "sg_model_int.h"
#include "sg_npy.h"

/* The multi-index of C-order element k of a, as "[1, 2]". */
static const char *index_str(char *dst, size_t len, const sg_npy *a,
                             long long k)
{
    long long idx[SG_NPY_MAX_DIMS];
    size_t o = 0;
    int d;

    for (d = a->ndim - 1; d >= 0; d--) {
        idx[d] = a->shape[d] ? k % a->shape[d] : 0;
        k = a->shape[d] ? k / a->shape[d] : 0;
    }
    o += (size_t)snprintf(dst, len, "[");
    for (d = 0; d < a->ndim && o < len; d++)
        o += (size_t)snprintf(dst + o, len - o, d ? ", %lld" : "%lld", idx[d]);
    if (o < len)
        snprintf(dst + o, len - o, "]");
    return dst;
}

/* ---- keys -------------------------------------------------------------- */

/* Refuse any key of obj not in the comma-separated list legal (ctx, such
 * as " for type conv", follows the key in the message). */
int sg_model_check_keys(sg_model_ld *c, const char *loc, const char *ctx, json_t *obj,
                        const char *legal)
{
    const char *key;
    json_t *v;
    char q[4 * SG_MODEL_QUOTE_MAX + 4];

    json_object_foreach(obj, key, v) {
        size_t n = strlen(key);
        const char *p = legal;
        int found = 0;
        while (*p && !found) {
            size_t m = strcspn(p, ",");
            found = m == n && memcmp(p, key, n) == 0;
            p += m;
            while (*p == ',' || *p == ' ')
                p++;
        }
        if (!found)
            return sg_model_fail_at(c, loc, "unknown key '%s'%s (legal: %s)",
                                    sg_model_quote(q, key), ctx, legal);
    }
    return 0;
}

/* Refuse a layer that lacks one of the keys req (NULL-terminated). */
int sg_model_require_keys(sg_model_ld *c, const char *loc, json_t *jl,
                          const char *const *req)
{
    int k;

    for (k = 0; req[k] != NULL; k++)
        if (json_object_get(jl, req[k]) == NULL)
            return sg_model_fail_at(c, loc, "missing required key '%s'%s", req[k],
                                    strcmp(req[k], "mult") == 0 ||
                                            strcmp(req[k], "shift") == 0
                                        ? " (a float model is quantized first: "
                                          "sparsegen quantize)"
                                        : "");
    return 0;
}

/* Refuse a layer that lacks one of weights, mult, shift (a float model:
 * weights). */
int sg_model_require_wms(sg_model_ld *c, const char *loc, json_t *jl)
{
    static const char *const req[] = {"weights", "mult", "shift", NULL};
    static const char *const freq[] = {"weights", NULL};

    return sg_model_require_keys(c, loc, jl, c->fl ? freq : req);
}

/* ---- values ------------------------------------------------------------ */

/* A float model: refuse the first value of a that is not finite. */
int sg_model_check_finite(sg_model_ld *c, const char *file, const char *what,
                          const sg_npy *a)
{
    char ix[SG_NPY_MAX_DIMS * 22 + 4];
    long long k;

    for (k = 0; k < a->count; k++)
        if (!isfinite(a->f[k]))
            return sg_model_fail(c, file, "value at index %s is %g (%s must be "
                                 "finite)", index_str(ix, sizeof ix, a, k), a->f[k],
                                 what);
    return 0;
}

/* Refuse the first value of a outside lo..hi. */
int sg_model_check_range(sg_model_ld *c, const char *file, const char *what,
                         const sg_npy *a, long long lo, long long hi,
                         const char *why)
{
    char ix[SG_NPY_MAX_DIMS * 22 + 4];
    long long k;

    if (c->fl)
        return sg_model_check_finite(c, file, what, a);
    for (k = 0; k < a->count; k++)
        if (a->i[k] < lo || a->i[k] > hi)
            return sg_model_fail(c, file,
                                 "value out of range at index %s: %lld (%s must be "
                                 "%lld..%lld%s)",
                                 index_str(ix, sizeof ix, a, k), (long long)a->i[k],
                                 what, lo, hi, why);
    return 0;
}

/* Refuse a weight of w outside the WGT_W range. */
int sg_model_check_weights(sg_model_ld *c, const char *file, const char *what,
                           const sg_npy *w)
{
    char why[48];

    snprintf(why, sizeof why, " for wgt_w %d", c->wgt_w);
    return sg_model_check_range(c, file, what, w, sg_model_smin(c->wgt_w), sg_model_smax(c->wgt_w),
                                why);
}

/* ---- the chain of layers ----------------------------------------------- */

/* The order a sequence allows: lstm layers first, then layers that read
 * the last h_t (fc); a conv or maxpool layer cannot read a sequence. */
int sg_model_check_order(sg_model_ld *c, const sg_model *m, int li, const char *loc)
{
    const sg_layer *L = &m->layers[li], *P;

    if (li == 0)
        return 0;
    P = &m->layers[li - 1];
    if (L->type == SG_LAYER_LSTM && P->type != SG_LAYER_LSTM)
        return sg_model_fail_at(c, loc, "an lstm layer must be the first layer or "
                                "follow an lstm layer, not %s layer layers[%d] '%s'",
                                sg_layer_type_name(P->type), li - 1, P->name);
    if (sg_model_is_spatial(L) && P->type == SG_LAYER_LSTM)
        return sg_model_fail_at(c, loc, "a %s layer cannot follow lstm layer "
                                "layers[%d] '%s' (legal after lstm: lstm, fc)",
                                sg_layer_type_name(L->type), li - 1, P->name);
    return 0;
}
