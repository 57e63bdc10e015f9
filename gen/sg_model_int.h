/* sg_model_int: what the sg_model_*.c files share; not part of the API (sg_model.h). */
#ifndef SG_MODEL_INT_H
#define SG_MODEL_INT_H

#include <jansson.h>

#include "sg_model.h"
#include "sg_npy.h"

#if defined(__GNUC__)
#define SG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SG_PRINTF(f, a)
#endif

#define SG_MODEL_NAME_MAX 63 /* bytes of a model or layer name (name[64]) */
#define SG_MODEL_QUOTE_MAX 40 /* bytes of a bad string value quoted in a message */
#define SG_MODEL_MSG_LEN 512  /* a message from sg_npy before context is added */

/* The state of one sg_model_load call. */
typedef struct sg_model_ld {
    const char *path; /* the model JSON as given */
    size_t dirlen;    /* bytes of path up to and including its last '/' */
    int data_w;       /* activation bits */
    int wgt_w;        /* weight bits */
    int fl;           /* 1: a float model (sg_model_load_float) */
    char *err;        /* message buffer */
    size_t errlen;    /* its size */
} sg_model_ld;

/* A layer type: the name in "type", the value, the keys allowed. */
typedef struct sg_model_type_info {
    const char *name;   /* as written in the model */
    sg_layer_type type; /* its sg_layer_type */
    const char *keys;   /* the legal keys, for sg_model_check_keys */
} sg_model_type_info;

/* The layer types, fc first (the default); sg_model_n_layer_types
 * entries (sg_model.c). */
extern const sg_model_type_info sg_model_layer_types[];
extern const int sg_model_n_layer_types;

/* ---- messages (sg_model.c) --------------------------------------------- */

/* "file: <fmt...>" into c's message buffer; returns -1. */
int SG_PRINTF(3, 4) sg_model_fail(sg_model_ld *c, const char *file, const char *fmt, ...);

/* "model.json: <loc>: <fmt...>", or without "<loc>: " at top level;
 * returns -1. */
int SG_PRINTF(3, 4) sg_model_fail_at(sg_model_ld *c, const char *loc, const char *fmt, ...);

/* s as printable ASCII (\xNN for other bytes), at most SG_MODEL_QUOTE_MAX
 * bytes of it; dst needs 4*SG_MODEL_QUOTE_MAX+4. */
const char *sg_model_quote(char *dst, const char *s);

/* ---- sizes (sg_model.c) ------------------------------------------------ */

/* Range of a signed `bits`-bit value. */
long long sg_model_smin(int bits);
long long sg_model_smax(int bits);

/* a * b * c for a, b, c >= 0, or -1 when it exceeds INT_MAX. */
long long sg_model_prod3(int a, int b, int c);

/* L is a conv or maxpool layer (its input and output are [C, H, W] maps). */
int sg_model_is_spatial(const sg_layer *L);

/* ---- the loader's checks (sg_model_check.c) ----------------------------
 *
 * Each returns 0, or -1 with a message in c naming the file or layer, the
 * bad key or value and what is legal. */

/* Refuse any key of obj not in the comma-separated list legal (ctx, such
 * as " for type conv", follows the key in the message). */
int sg_model_check_keys(sg_model_ld *c, const char *loc, const char *ctx, json_t *obj,
                        const char *legal);

/* Refuse a layer that lacks one of the keys req (NULL-terminated). */
int sg_model_require_keys(sg_model_ld *c, const char *loc, json_t *jl, const char *const *req);

/* Refuse a layer that lacks one of weights, mult, shift (a float model:
 * weights). */
int sg_model_require_wms(sg_model_ld *c, const char *loc, json_t *jl);

/* A float model: refuse the first value of a that is not finite (what
 * names a in the message). */
int sg_model_check_finite(sg_model_ld *c, const char *file, const char *what, const sg_npy *a);

/* Refuse the first value of a outside lo..hi (why: where the range comes
 * from); a float model: sg_model_check_finite. */
int sg_model_check_range(sg_model_ld *c, const char *file, const char *what, const sg_npy *a,
                         long long lo, long long hi, const char *why);

/* Refuse a weight of w outside the WGT_W range. */
int sg_model_check_weights(sg_model_ld *c, const char *file, const char *what, const sg_npy *w);

/* The order a sequence allows for layer li of m: lstm layers first, then
 * layers that read the last h_t (fc); a conv or maxpool layer cannot read
 * a sequence. */
int sg_model_check_order(sg_model_ld *c, const sg_model *m, int li, const char *loc);

#endif
