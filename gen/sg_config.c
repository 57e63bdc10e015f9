/* sg_config: read, validate and derive the hardware configuration. */
#include "sg_config.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sg_cmd.h"
#include "sg_lstm.h"

int sg_clog2(long long n)
{
    int b = 0;
    while ((1LL << b) < n)
        b++;
    return b;
}

static int max2(int a, int b)
{
    return a > b ? a : b;
}

static int ceil_div(int a, int b)
{
    return (a + b - 1) / b;
}

void sg_config_default(sg_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "default");
    c->pe_count = 16;
    c->banks = 8;
    c->data_w = 8;
    c->wgt_w = 8;
    c->acc_w = 32;
    c->vbuf_depth = 512;
    c->wbuf_depth = 4096;
    c->rbuf_depth = 256;
    c->stream_w = 64;
    c->clock_mhz = 200.0;
    c->post_lanes = 1;
    c->lstm_lanes = 1;
    c->lstm_hidden = 256;
}

/* One integer key: its legal range or set of values. */
typedef struct int_key {
    const char *key; /* JSON key */
    size_t field;    /* offset of the int in sg_config */
    int lo, hi;      /* legal range (when choices is NULL) */
    const int *choices; /* legal values, terminated by 0, or NULL */
} int_key;

static const int data_choices[] = {8, 16, 0};
static const int wgt_choices[] = {4, 8, 16, 0};
static const int stream_choices[] = {32, 64, 128, 256, 512, 0};

static const int_key int_keys[] = {
    {"pe_count", offsetof(sg_config, pe_count), 1, 64, NULL},
    {"banks", offsetof(sg_config, banks), 1, 64, NULL},
    {"data_width", offsetof(sg_config, data_w), 0, 0, data_choices},
    {"weight_width", offsetof(sg_config, wgt_w), 0, 0, wgt_choices},
    {"acc_width", offsetof(sg_config, acc_w), 16, 32, NULL},
    {"vbuf_depth", offsetof(sg_config, vbuf_depth), 2, 65536, NULL},
    {"wbuf_depth", offsetof(sg_config, wbuf_depth), 2, 65536, NULL},
    {"rbuf_depth", offsetof(sg_config, rbuf_depth), 1, 65536, NULL},
    {"stream_width", offsetof(sg_config, stream_w), 0, 0, stream_choices},
    {"post_lanes", offsetof(sg_config, post_lanes), 1, 64, NULL},
    {"lstm_lanes", offsetof(sg_config, lstm_lanes), 1, 32, NULL},
    {"lstm_hidden", offsetof(sg_config, lstm_hidden), 1, 65535, NULL},
};
#define N_INT_KEYS (sizeof int_keys / sizeof int_keys[0])

static void legal_text(const int_key *k, char *out, size_t n)
{
    if (!k->choices) {
        snprintf(out, n, "%d..%d", k->lo, k->hi);
        return;
    }
    size_t used = 0;
    out[0] = '\0';
    for (const int *v = k->choices; *v; v++) {
        int w = snprintf(out + used, n - used, "%s%d", v == k->choices ? "" : ", ", *v);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
}

static int int_legal(const int_key *k, long long v)
{
    if (!k->choices)
        return v >= k->lo && v <= k->hi;
    for (const int *c = k->choices; *c; c++)
        if (v == *c)
            return 1;
    return 0;
}

static const char *legal_keys =
    "name, pe_count, banks, data_width, weight_width, acc_width, vbuf_depth, "
    "wbuf_depth, rbuf_depth, stream_width, clock_mhz, post_lanes, lstm_lanes, lstm_hidden";

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 48)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
            return 0;
    }
    return 1;
}

/* Apply one JSON key to c. */
static int apply_key(sg_config *c, const char *src, const char *key, json_t *v, char *err,
                     size_t errlen)
{
    if (strcmp(key, "name") == 0) {
        if (!json_is_string(v) || !name_ok(json_string_value(v))) {
            char *dump = json_dumps(v, JSON_ENCODE_ANY);
            snprintf(err, errlen,
                     "%s: bad value %s for 'name': legal is a string of 1..48 letters, digits, "
                     "'_', '-' or '.'",
                     src, dump ? dump : "?");
            free(dump);
            return -1;
        }
        snprintf(c->name, sizeof c->name, "%s", json_string_value(v));
        return 0;
    }
    if (strcmp(key, "clock_mhz") == 0) {
        if (!json_is_number(v) || !(json_number_value(v) >= 1.0 && json_number_value(v) <= 1000.0)) {
            char *dump = json_dumps(v, JSON_ENCODE_ANY);
            snprintf(err, errlen, "%s: bad value %s for 'clock_mhz': legal range 1..1000", src,
                     dump ? dump : "?");
            free(dump);
            return -1;
        }
        c->clock_mhz = json_number_value(v);
        return 0;
    }
    for (size_t i = 0; i < N_INT_KEYS; i++) {
        const int_key *k = &int_keys[i];
        if (strcmp(key, k->key) != 0)
            continue;
        char legal[64];
        legal_text(k, legal, sizeof legal);
        if (!json_is_integer(v) || !int_legal(k, json_integer_value(v))) {
            char *dump = json_dumps(v, JSON_ENCODE_ANY);
            snprintf(err, errlen, "%s: bad value %s for '%s': legal %s %s", src, dump ? dump : "?",
                     key, k->choices ? "values" : "range", legal);
            free(dump);
            return -1;
        }
        *(int *)((char *)c + k->field) = (int)json_integer_value(v);
        return 0;
    }
    snprintf(err, errlen, "%s: unknown key '%s': legal keys are %s", src, key, legal_keys);
    return -1;
}

static unsigned long long fnv1a(unsigned long long h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int sg_config_derive(sg_config *c, char *err, size_t errlen)
{
    if (c->acc_w < c->data_w + c->wgt_w) {
        snprintf(err, errlen,
                 "%s: bad value %d for 'acc_width': legal range %d..32 (data_width + "
                 "weight_width .. 32)",
                 c->source[0] ? c->source : c->name, c->acc_w, c->data_w + c->wgt_w);
        return -1;
    }
    int lanes_max = c->pe_count < c->stream_w / c->data_w ? c->pe_count : c->stream_w / c->data_w;
    if (c->post_lanes > lanes_max) {
        snprintf(err, errlen,
                 "%s: bad value %d for 'post_lanes': legal range 1..%d (min of pe_count and "
                 "stream_width / data_width)",
                 c->source[0] ? c->source : c->name, c->post_lanes, lanes_max);
        return -1;
    }
    /* h_t goes back into the vector banks, one unit per bank per cycle, the
     * lanes of a cycle in consecutive banks (so lstm_lanes divides B), and
     * out on the result stream (at most a beat per cycle) */
    if (c->banks % c->lstm_lanes != 0 || c->lstm_lanes > c->stream_w / c->data_w) {
        snprintf(err, errlen,
                 "%s: bad value %d for 'lstm_lanes': legal values divide banks (%d) and are at "
                 "most stream_width / data_width (%d)",
                 c->source[0] ? c->source : c->name, c->lstm_lanes, c->banks,
                 c->stream_w / c->data_w);
        return -1;
    }
    c->off_w = max2(1, sg_clog2(c->vbuf_depth));
    c->rot_w = max2(1, sg_clog2(c->pe_count));
    c->lane_w = c->wgt_w + c->off_w + c->rot_w;
    c->word_w = 1 + c->banks * c->lane_w;
    c->waddr_w = max2(1, sg_clog2(c->wbuf_depth));
    c->grp_w = max2(1, sg_clog2(c->rbuf_depth));
    c->tree_levels = sg_clog2(c->banks);
    c->pipe_depth = 3 + c->tree_levels;
    c->hdr_beats = ceil_div(SG_HDR_W, c->stream_w);
    c->wgt_beats = ceil_div(c->word_w, c->stream_w);
    c->row_beats = ceil_div(SG_ROW_W, c->stream_w);
    c->out_beats = ceil_div(SG_OUT_W, c->stream_w);
    c->max_beats = max2(max2(c->hdr_beats, c->out_beats), max2(c->wgt_beats, c->row_beats));
    c->elems_per_beat = c->stream_w / c->data_w;
    c->pe_w = max2(1, sg_clog2(c->pe_count));
    c->cnt_w = max2(1, sg_clog2(c->pe_count + 1));
    c->nz_w = max2(1, sg_clog2(c->banks + 1));
    c->nz_sum_w = max2(1, sg_clog2((long long)c->pe_count * c->banks + 1));
    /* sg_ctrl.v: RUN lasts words + PipeDepth + 1 cycles when never stalled
     * (issue to the last word's accumulate, plus the empty-pipeline check). */
    c->run_overhead = c->pipe_depth + 1;
    c->lanes = c->pe_count * c->banks;
    c->lstm_table_bits = sg_lstm_table_bits_for(c->data_w);
    c->lstm_c_depth = ceil_div(c->lstm_hidden, c->lstm_lanes);
    c->lstm_caddr_w = max2(1, sg_clog2(c->lstm_c_depth));
    int given[] = {c->pe_count, c->banks, c->data_w, c->wgt_w, c->acc_w, c->vbuf_depth,
                   c->wbuf_depth, c->rbuf_depth, c->stream_w, c->post_lanes, c->lstm_lanes,
                   c->lstm_hidden};
    unsigned long long h = 1469598103934665603ULL;
    h = fnv1a(h, given, sizeof given);
    h = fnv1a(h, &c->clock_mhz, sizeof c->clock_mhz);
    h = fnv1a(h, c->name, strlen(c->name));
    c->hash = h;
    return 0;
}

static void file_stem(const char *path, char *out, size_t n, int keep_ext)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(out, n, "%s", base);
    if (!keep_ext) {
        char *dot = strrchr(out, '.');
        if (dot && dot != out)
            *dot = '\0';
    }
}

int sg_config_load(const char *path, sg_config *c, char *err, size_t errlen)
{
    sg_config_default(c);
    file_stem(path, c->source, sizeof c->source, 1);
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (jerr.line < 0)
            snprintf(err, errlen, "%s: cannot read configuration: %s", path, jerr.text);
        else
            snprintf(err, errlen, "%s:%d:%d: malformed JSON: %s", path, jerr.line, jerr.column,
                     jerr.text);
        return -1;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: configuration must be a JSON object", path);
        json_decref(root);
        return -1;
    }
    char stem[256];
    file_stem(path, stem, sizeof stem, 0);
    if (name_ok(stem)) /* at most 48 characters */
        memcpy(c->name, stem, strlen(stem) + 1);
    /* the config.json that sparsegen gen writes (it has "generator") is a
     * configuration too: its echo-only keys are recomputed, not read */
    static const char *const echo_keys[] = {"generator", "source", "hash", "derived",
                                            "overflow", "rounding", NULL};
    int echo = json_object_get(root, "generator") != NULL;
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        int skip = 0;
        for (int i = 0; echo && echo_keys[i]; i++)
            skip |= strcmp(key, echo_keys[i]) == 0;
        if (skip)
            continue;
        if (apply_key(c, path, key, v, err, errlen) != 0) {
            json_decref(root);
            return -1;
        }
    }
    json_decref(root);
    return sg_config_derive(c, err, errlen);
}
