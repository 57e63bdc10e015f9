/* sg_model: load and validate a quantized network (model JSON + .npy arrays).
 *
 * The format is documented in sg_model.h.  Everything is checked before the
 * model is handed out: unknown keys, types, shapes, the chain of layer
 * lengths and every value against the width it must fit.  A message names
 * the file (the JSON or the .npy), the layer and key, the bad value and what
 * is legal; on any error the half-built model is freed and zeroed.
 */
#include "sg_model.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "sg_npy.h"

#if defined(__GNUC__)
#define SG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SG_PRINTF(f, a)
#endif

#define NAME_MAX_LEN 63 /* bytes of a model or layer name (name[64]) */
#define QUOTE_MAX 40    /* bytes of a bad string value quoted in a message */
#define MSG_LEN 512     /* a message from sg_npy before context is added */

static const char *const top_keys = "name, input, layers";
static const char *const layer_keys =
    "name, type, in, out, weights, bias, mult, shift, activation, act_max";

/* The state of one sg_model_load call. */
typedef struct ld {
    const char *path; /* the model JSON as given */
    size_t dirlen;    /* bytes of path up to and including its last '/' */
    int data_w;       /* activation bits */
    int wgt_w;        /* weight bits */
    char *err;        /* message buffer */
    size_t errlen;    /* its size */
} ld;

/* ---- messages ---------------------------------------------------------- */

/* "file: <fmt...>" into the message buffer; returns -1. */
static int SG_PRINTF(3, 4) fail(ld *c, const char *file, const char *fmt, ...)
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
static int SG_PRINTF(3, 4) fail_at(ld *c, const char *loc, const char *fmt, ...)
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

/* s as printable ASCII (\xNN for other bytes), at most QUOTE_MAX bytes of
 * it; dst needs 4*QUOTE_MAX+4. */
static const char *quote(char *dst, const char *s)
{
    size_t i, o = 0;

    for (i = 0; s[i] && i < QUOTE_MAX; i++) {
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

/* ---- JSON helpers ------------------------------------------------------ */

/* Refuse any key of obj not in the comma-separated list legal. */
static int check_keys(ld *c, const char *loc, json_t *obj, const char *legal)
{
    const char *key;
    json_t *v;
    char q[4 * QUOTE_MAX + 4];

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
            return fail_at(c, loc, "unknown key '%s' (legal: %s)",
                           quote(q, key), legal);
    }
    return 0;
}

/* An integer value of key in lo..hi (why: what the range comes from). */
static int get_int(ld *c, const char *loc, const char *key, json_t *v,
                   long long lo, long long hi, const char *why, long long *out)
{
    long long x;

    if (!json_is_integer(v))
        return fail_at(c, loc, "'%s' must be an integer, found %s", key,
                       json_kind(v));
    x = (long long)json_integer_value(v);
    if (x < lo || x > hi)
        return fail_at(c, loc, "'%s' is %lld, must be %lld..%lld%s", key, x,
                       lo, hi, why);
    *out = x;
    return 0;
}

/* A name: 1..NAME_MAX_LEN of [A-Za-z0-9_.-]. */
static int get_name(ld *c, const char *loc, json_t *v, char *dst)
{
    const char *s;
    char q[4 * QUOTE_MAX + 4];
    size_t i, n;

    if (!json_is_string(v))
        return fail_at(c, loc, "'name' must be a string, found %s",
                       json_kind(v));
    s = json_string_value(v);
    n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN)
        return fail_at(c, loc, "'name' '%s' is %zu bytes long, must be 1..%d",
                       quote(q, s), n, NAME_MAX_LEN);
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
            return fail_at(c, loc,
                           "invalid character in 'name' '%s' (legal: letters, "
                           "digits, '_', '-', '.')", quote(q, s));
    }
    memcpy(dst, s, n + 1);
    return 0;
}

/* ---- arrays ------------------------------------------------------------ */

/* Load the integer .npy named by string v (what: "'weights' of layers[0]
 * 'fc1'", used in messages).  *file gets the resolved path (caller frees). */
static int load_npy(ld *c, const char *loc, const char *key, const char *what,
                    json_t *v, sg_npy *a, char **file)
{
    char msg[MSG_LEN];
    const char *rel;
    size_t n;

    *file = NULL;
    memset(a, 0, sizeof *a);
    if (!json_is_string(v))
        return fail_at(c, loc, "'%s' must be a string naming an .npy file, "
                       "found %s", key, json_kind(v));
    rel = json_string_value(v);
    if (rel[0] == '\0')
        return fail_at(c, loc, "'%s' is an empty string, must name an .npy "
                       "file", key);
    n = rel[0] == '/' ? 0 : c->dirlen;
    *file = malloc(n + strlen(rel) + 1);
    if (*file == NULL)
        return fail_at(c, loc, "out of memory");
    memcpy(*file, c->path, n);
    strcpy(*file + n, rel);
    if (sg_npy_load(*file, a, msg, sizeof msg) != 0) {
        /* msg already starts with "<file>: " */
        if (c->err != NULL && c->errlen > 0)
            snprintf(c->err, c->errlen, "%s (%s in %s)", msg, what, c->path);
        return -1;
    }
    if (a->kind == SG_NPY_FLOAT) {
        int bits = a->itemsize * 8;
        sg_npy_free(a);
        return fail(c, *file, "%s is float%d; quantize it first", what, bits);
    }
    return 0;
}

/* Refuse the first value of a outside lo..hi. */
static int check_range(ld *c, const char *file, const char *what,
                       const sg_npy *a, long long lo, long long hi,
                       const char *why)
{
    char ix[SG_NPY_MAX_DIMS * 22 + 4];
    long long k;

    for (k = 0; k < a->count; k++)
        if (a->i[k] < lo || a->i[k] > hi)
            return fail(c, file,
                        "value out of range at index %s: %lld (%s must be "
                        "%lld..%lld%s)",
                        index_str(ix, sizeof ix, a, k), (long long)a->i[k],
                        what, lo, hi, why);
    return 0;
}

/* A per-row parameter: a JSON integer broadcast to all rows, or (scalar_ok
 * or not) an .npy file of shape [out]; values lo..hi.  vals gets out
 * entries. */
static int load_rows(ld *c, const char *loc, const char *key, json_t *v,
                     int scalar_ok, int out, long long lo, long long hi,
                     const char *why, int64_t *vals)
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
        return fail_at(c, loc, "'%s' must be an integer or a string naming "
                       "an .npy file, found %s", key, json_kind(v));
    snprintf(what, sizeof what, "'%s' of %s", key, loc);
    if (load_npy(c, loc, key, what, v, &a, &file) != 0)
        goto done;
    if (a.ndim != 1 || a.shape[0] != out) {
        fail(c, file, "%s has shape %s, must be [%d] (one per output row)",
             what, shape_str(sh, sizeof sh, &a), out);
        goto done;
    }
    if (check_range(c, file, what, &a, lo, hi, why) != 0)
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

/* Range of a signed `bits`-bit value. */
static long long smin(int bits) { return -((long long)1 << (bits - 1)); }
static long long smax(int bits) { return ((long long)1 << (bits - 1)) - 1; }

static int load_layer(ld *c, sg_model *m, int li, json_t *jl)
{
    sg_layer *L = &m->layers[li];
    char loc[160], what[200], why[48], sh[SG_NPY_MAX_DIMS * 22 + 4];
    char q[4 * QUOTE_MAX + 4], *file = NULL;
    json_t *v;
    sg_npy w;
    int64_t *tmp = NULL;
    long long x;
    int r, k, rc = -1;

    memset(&w, 0, sizeof w);
    snprintf(loc, sizeof loc, "layers[%d]", li);
    if (!json_is_object(jl))
        return fail_at(c, loc, "must be an object, found %s", json_kind(jl));
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
            return fail_at(c, loc, "duplicate layer name '%s' (also "
                           "layers[%d])", L->name, k);
    if (check_keys(c, loc, jl, layer_keys) != 0)
        return -1;

    v = json_object_get(jl, "type");
    if (v != NULL) {
        if (!json_is_string(v))
            return fail_at(c, loc, "'type' must be a string, found %s",
                           json_kind(v));
        if (strcmp(json_string_value(v), "fc") != 0)
            return fail_at(c, loc, "unknown type '%s' (legal: fc)",
                           quote(q, json_string_value(v)));
    }
    L->type = SG_LAYER_FC;
    {
        static const char *const req[3] = {"weights", "mult", "shift"};
        for (k = 0; k < 3; k++)
            if (json_object_get(jl, req[k]) == NULL)
                return fail_at(c, loc, "missing required key '%s'", req[k]);
    }

    /* weights [out, in] fix the lengths */
    snprintf(what, sizeof what, "'weights' of %s", loc);
    if (load_npy(c, loc, "weights", what, json_object_get(jl, "weights"), &w,
                 &file) != 0)
        goto done;
    shape_str(sh, sizeof sh, &w);
    if (w.ndim != 2) {
        fail(c, file, "%s has shape %s, must be 2-D [out, in]", what, sh);
        goto done;
    }
    if (w.shape[0] < 1 || w.shape[1] < 1 || w.shape[0] > INT_MAX ||
        w.shape[1] > INT_MAX) {
        fail(c, file, "%s has shape %s, each dimension must be 1..%d", what,
             sh, INT_MAX);
        goto done;
    }
    L->out = (int)w.shape[0];
    L->in = (int)w.shape[1];
    v = json_object_get(jl, "in");
    if (v != NULL) {
        if (get_int(c, loc, "in", v, 1, INT_MAX, "", &x) != 0)
            goto done;
        if (x != L->in) {
            fail_at(c, loc, "'in' is %lld but %s has shape %s (%d columns)",
                    x, file, sh, L->in);
            goto done;
        }
    }
    v = json_object_get(jl, "out");
    if (v != NULL) {
        if (get_int(c, loc, "out", v, 1, INT_MAX, "", &x) != 0)
            goto done;
        if (x != L->out) {
            fail_at(c, loc, "'out' is %lld but %s has shape %s (%d rows)", x,
                    file, sh, L->out);
            goto done;
        }
    }
    if (li > 0 && L->in != m->layers[li - 1].out) {
        fail_at(c, loc, "input length %d (%s has shape %s) does not match "
                "the output length %d of layers[%d] '%s'", L->in, file, sh,
                m->layers[li - 1].out, li - 1, m->layers[li - 1].name);
        goto done;
    }
    snprintf(why, sizeof why, " for wgt_w %d", c->wgt_w);
    if (check_range(c, file, what, &w, smin(c->wgt_w), smax(c->wgt_w), why))
        goto done;
    L->weights = malloc((size_t)w.count * sizeof *L->weights);
    L->bias = calloc((size_t)L->out, sizeof *L->bias);
    L->mult = malloc((size_t)L->out * sizeof *L->mult);
    L->shift = malloc((size_t)L->out * sizeof *L->shift);
    tmp = malloc((size_t)L->out * sizeof *tmp);
    if (!L->weights || !L->bias || !L->mult || !L->shift || !tmp) {
        fail_at(c, loc, "out of memory for %s", what);
        goto done;
    }
    for (x = 0; x < w.count; x++)
        L->weights[x] = (int32_t)w.i[x];

    /* per-row parameters */
    v = json_object_get(jl, "bias");
    if (v != NULL) {
        if (load_rows(c, loc, "bias", v, 0, L->out, smin(SG_BIAS_W),
                      smax(SG_BIAS_W), " (32-bit)", tmp) != 0)
            goto done;
        for (r = 0; r < L->out; r++)
            L->bias[r] = (int32_t)tmp[r];
    }
    if (load_rows(c, loc, "mult", json_object_get(jl, "mult"), 1, L->out,
                  smin(SG_MULT_W), smax(SG_MULT_W), " (32-bit)", tmp) != 0)
        goto done;
    for (r = 0; r < L->out; r++)
        L->mult[r] = (int32_t)tmp[r];
    if (load_rows(c, loc, "shift", json_object_get(jl, "shift"), 1, L->out, 0,
                  SG_SHIFT_MAX, "", tmp) != 0)
        goto done;
    for (r = 0; r < L->out; r++)
        L->shift[r] = (int8_t)tmp[r];

    /* activation */
    L->act = SG_ACT_NONE;
    v = json_object_get(jl, "activation");
    if (v != NULL) {
        int a;
        if (!json_is_string(v)) {
            fail_at(c, loc, "'activation' must be a string, found %s",
                    json_kind(v));
            goto done;
        }
        a = sg_act_parse(json_string_value(v));
        if (a < 0) {
            fail_at(c, loc, "unknown activation '%s' (legal: none, relu, "
                    "relu6)", quote(q, json_string_value(v)));
            goto done;
        }
        L->act = (sg_act)a;
    }
    v = json_object_get(jl, "act_max");
    if (L->act == SG_ACT_RELU6) {
        if (v == NULL) {
            fail_at(c, loc, "missing 'act_max' (required for activation "
                    "'relu6')");
            goto done;
        }
        snprintf(why, sizeof why, " for data_w %d", c->data_w);
        if (get_int(c, loc, "act_max", v, 0, smax(c->data_w), why, &x) != 0)
            goto done;
        L->act_max = (int32_t)x;
    } else if (v != NULL) {
        fail_at(c, loc, "'act_max' is only used with activation 'relu6', "
                "found '%s'", sg_act_name(L->act));
        goto done;
    }
    rc = 0;
done:
    sg_npy_free(&w);
    free(file);
    free(tmp);
    return rc;
}

/* ---- the model --------------------------------------------------------- */

/* The input array [in] or [n, in] into m->inputs. */
static int load_input(ld *c, sg_model *m, json_t *v)
{
    char sh[SG_NPY_MAX_DIMS * 22 + 4], why[48], *file = NULL;
    const char *what = "'input'";
    int in = m->layers[0].in, rc = -1;
    long long k;
    sg_npy a;

    memset(&a, 0, sizeof a);
    if (load_npy(c, "", "input", what, v, &a, &file) != 0)
        goto done;
    shape_str(sh, sizeof sh, &a);
    if ((a.ndim != 1 && a.ndim != 2) || a.shape[a.ndim - 1] != in) {
        fail(c, file, "%s has shape %s, must be [%d] or [n, %d] (layers[0] "
             "'%s' has %d inputs)", what, sh, in, in, m->layers[0].name, in);
        goto done;
    }
    if (a.ndim == 2 && (a.shape[0] < 1 || a.shape[0] > INT_MAX / in)) {
        fail(c, file, "%s has shape %s, must have 1..%d samples", what, sh,
             INT_MAX / in);
        goto done;
    }
    snprintf(why, sizeof why, " for data_w %d", c->data_w);
    if (check_range(c, file, what, &a, smin(c->data_w), smax(c->data_w), why))
        goto done;
    m->n_inputs = a.ndim == 2 ? (int)a.shape[0] : 1;
    m->input_len = in;
    m->inputs = malloc((size_t)a.count * sizeof *m->inputs);
    if (m->inputs == NULL) {
        fail(c, file, "out of memory for %s", what);
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
    if (n > NAME_MAX_LEN)
        n = NAME_MAX_LEN;
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

static int load_root(ld *c, sg_model *m, json_t *root)
{
    json_t *v, *layers;
    size_t i, n;

    if (!json_is_object(root))
        return fail_at(c, "", "top level must be an object, found %s",
                       json_kind(root));
    if (check_keys(c, "", root, top_keys) != 0)
        return -1;
    layers = json_object_get(root, "layers");
    if (layers == NULL)
        return fail_at(c, "", "missing required key 'layers'");
    if (json_object_get(root, "input") == NULL)
        return fail_at(c, "", "missing required key 'input'");
    v = json_object_get(root, "name");
    if (v != NULL) {
        if (get_name(c, "", v, m->name) != 0)
            return -1;
    } else {
        default_name(c->path, m->name);
    }
    if (!json_is_array(layers))
        return fail_at(c, "", "'layers' must be an array, found %s",
                       json_kind(layers));
    n = json_array_size(layers);
    if (n == 0)
        return fail_at(c, "", "'layers' is empty, need at least one layer");
    if (n > INT_MAX / sizeof(sg_layer))
        return fail_at(c, "", "'layers' has too many entries (%zu)", n);
    m->layers = calloc(n, sizeof *m->layers);
    if (m->layers == NULL)
        return fail_at(c, "", "out of memory for %zu layers", n);
    m->n_layers = (int)n;
    for (i = 0; i < n; i++)
        if (load_layer(c, m, (int)i, json_array_get(layers, i)) != 0)
            return -1;
    return load_input(c, m, json_object_get(root, "input"));
}

int sg_model_load(const char *path, int data_w, int wgt_w, sg_model *m,
                  char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root;
    struct stat st;
    const char *slash;
    ld c;
    int rc;

    memset(m, 0, sizeof *m);
    c.path = path;
    slash = strrchr(path, '/');
    c.dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    c.data_w = data_w;
    c.wgt_w = wgt_w;
    c.err = err;
    c.errlen = errlen;
    if (data_w < 1 || data_w > 32)
        return fail(&c, path, "invalid data_w %d (legal: 1..32)", data_w);
    if (wgt_w < 1 || wgt_w > 32)
        return fail(&c, path, "invalid wgt_w %d (legal: 1..32)", wgt_w);
    if (stat(path, &st) != 0)
        return fail(&c, path, "cannot open: %s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return fail(&c, path, "cannot read: %s", strerror(EISDIR));

    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        if (jerr.line < 1)
            return fail(&c, path, "cannot read: %s", jerr.text);
        return fail(&c, path, "malformed json at line %d, column %d: %s",
                    jerr.line, jerr.column, jerr.text);
    }
    rc = load_root(&c, m, root);
    json_decref(root);
    if (rc != 0)
        sg_model_free(m);
    return rc;
}

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
    }
    free(m->layers);
    free(m->inputs);
    memset(m, 0, sizeof *m);
}
