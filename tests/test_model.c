/* test_model: sg_model_load on the fixture models in $SG_TEST_DATA/models
 * (default data/models), then one check per kind of bad input, written into
 * a temporary directory at run time. */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    save_raw("w_f32.npy", "<f4", "(3, 4)", f32, sizeof f32);
    save_raw("x_f64.npy", "<f8", "(4,)", f32, 32);
    save_raw("w_bool.npy", "|b1", "(3,)", b1, sizeof b1);
}

/* Write text as m.json, load it, expect -1, both substrings (want2 may be
 * NULL) and a zeroed model. */
static void bad_w(const char *what, int data_w, int wgt_w, const char *json,
                  const char *want, const char *want2)
{
    char err[1024] = "";
    sg_model m;
    int rc;

    write_text("m.json", json);
    memset(&m, 0xab, sizeof m);
    rc = sg_model_load(json_path, data_w, wgt_w, &m, err, sizeof err);
    if (!tap_ok(rc == -1 && strstr(err, want) != NULL &&
                    (want2 == NULL || strstr(err, want2) != NULL) &&
                    is_zeroed(&m) &&
                    strncmp(err, tmp_dir, strlen(tmp_dir)) == 0,
                "%s: %s", what, err))
        tap_diag("wanted '%s'%s%s", want, want2 ? " and " : "",
                 want2 ? want2 : "");
    if (rc == 0)
        sg_model_free(&m);
}

static void bad(const char *what, const char *json, const char *want,
                const char *want2)
{
    bad_w(what, 8, 8, json, want, want2);
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
    bad("unknown type", ONE(FC1("\"type\": \"conv\", ")),
        "m.json: layers[0] 'fc1': unknown type 'conv' (legal: fc)", NULL);
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
        "/.: cannot read: Is a directory", NULL);
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

static void remove_tmp_dir(void)
{
    DIR *d = opendir(tmp_dir);
    struct dirent *e;
    char path[PATH_MAX + 300];

    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", tmp_dir, e->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
    if (rmdir(tmp_dir) != 0)
        tap_diag("could not remove %s", tmp_dir);
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

    if (mkdtemp(tmp_dir) == NULL) {
        printf("Bail out! mkdtemp failed\n");
        return 1;
    }
    snprintf(json_path, sizeof json_path, "%s/m.json", tmp_dir);
    make_arrays();
    test_bad_json();
    test_good_tmp();
    remove_tmp_dir();
    return tap_done();
}
