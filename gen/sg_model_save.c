/* sg_model_save: write a model as a model directory sg_model_load reads back. */
#include "sg_model.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "sg_conv.h"
#include "sg_npy.h"
#include "sg_strbuf.h"

/* ---- writing a model ------------------------------------------------------ */

/* The smallest of <i1 .. <i4 that holds v[0..n-1]. */
static const char *int_descr(const int32_t *v, long long n)
{
    int32_t lo = 0, hi = 0;
    for (long long i = 0; i < n; i++) {
        if (v[i] < lo)
            lo = v[i];
        if (v[i] > hi)
            hi = v[i];
    }
    return lo >= INT8_MIN && hi <= INT8_MAX ? "<i1" : lo >= INT16_MIN && hi <= INT16_MAX ? "<i2" : "<i4";
}

/* Write n int32 values as dir/file (shape ndim/shape) and set key in o. */
static int save_array(const char *dir, const char *file, json_t *o, const char *key,
                      const int32_t *v, int ndim, const long long *shape, char *err,
                      size_t errlen)
{
    long long n = 1;
    for (int d = 0; d < ndim; d++)
        n *= shape[d];
    int64_t *w = malloc((size_t)(n > 0 ? n : 1) * sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory writing %s", file);
        return -1;
    }
    for (long long i = 0; i < n; i++)
        w[i] = v[i];
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int rc = sg_npy_save_int(path, int_descr(v, n), ndim, shape, w, err, errlen);
    free(w);
    if (rc == 0)
        json_object_set_new(o, key, json_string(file));
    return rc;
}

static int save_layer(const sg_layer *L, int li, const char *dir, json_t *o, char *err,
                      size_t errlen)
{
    char f[64];
    int rc = 0;
    json_object_set_new(o, "name", json_string(L->name));
    json_object_set_new(o, "type", json_string(sg_layer_type_name(L->type)));
    if (L->type == SG_LAYER_MAXPOOL) {
        json_object_set_new(o, "in", json_pack("[iii]", L->conv.c_in, L->conv.h_in, L->conv.w_in));
        json_object_set_new(o, "kernel", json_integer(L->pool_k));
        json_object_set_new(o, "stride", json_integer(L->pool_stride));
        return 0;
    }
    long long rows = L->type == SG_LAYER_LSTM ? 4LL * L->out
                     : L->type == SG_LAYER_CONV ? L->conv.c_out
                                                : L->out;
    if (L->type == SG_LAYER_FC) {
        long long sh[2] = {L->out, L->in};
        json_object_set_new(o, "in", json_integer(L->in));
        json_object_set_new(o, "out", json_integer(L->out));
        snprintf(f, sizeof f, "l%d_w.npy", li);
        rc = save_array(dir, f, o, "weights", L->weights, 2, sh, err, errlen);
    } else if (L->type == SG_LAYER_CONV) {
        const sg_conv_shape *s = &L->conv;
        long long sh[4] = {s->c_out, sg_conv_cpg(s), s->kh, s->kw};
        json_object_set_new(o, "in", json_pack("[iii]", s->c_in, s->h_in, s->w_in));
        json_object_set_new(o, "stride", json_pack("[ii]", s->stride_h, s->stride_w));
        json_object_set_new(o, "padding", json_pack("[ii]", s->pad_h, s->pad_w));
        if (sg_conv_groups(s) > 1)
            json_object_set_new(o, "groups", json_integer(sg_conv_groups(s)));
        snprintf(f, sizeof f, "l%d_w.npy", li);
        rc = save_array(dir, f, o, "weights", L->weights, 4, sh, err, errlen);
    } else {
        /* lstm: [W_ih | W_hh] split back into torch's two arrays */
        int H = L->out, cols = L->in + H;
        int32_t *ih = malloc((size_t)4 * H * L->in * sizeof *ih);
        int32_t *hh = malloc((size_t)4 * H * H * sizeof *hh);
        if (!ih || !hh) {
            free(ih);
            free(hh);
            snprintf(err, errlen, "out of memory writing layer '%s'", L->name);
            return -1;
        }
        for (long long r = 0; r < 4LL * H; r++) {
            memcpy(ih + r * L->in, L->weights + r * cols, (size_t)L->in * sizeof *ih);
            memcpy(hh + r * H, L->weights + r * cols + L->in, (size_t)H * sizeof *hh);
        }
        long long shi[2] = {4LL * H, L->in}, shh[2] = {4LL * H, H};
        json_object_set_new(o, "in", json_integer(L->in));
        json_object_set_new(o, "hidden", json_integer(H));
        snprintf(f, sizeof f, "l%d_wih.npy", li);
        rc = save_array(dir, f, o, "weight_ih", ih, 2, shi, err, errlen);
        snprintf(f, sizeof f, "l%d_whh.npy", li);
        if (rc == 0)
            rc = save_array(dir, f, o, "weight_hh", hh, 2, shh, err, errlen);
        free(ih);
        free(hh);
    }
    long long sh1[1] = {rows};
    int32_t *shift = malloc((size_t)rows * sizeof *shift);
    if (!shift) {
        snprintf(err, errlen, "out of memory writing layer '%s'", L->name);
        return -1;
    }
    for (long long r = 0; r < rows; r++)
        shift[r] = L->shift[r];
    snprintf(f, sizeof f, "l%d_b.npy", li);
    if (rc == 0)
        rc = save_array(dir, f, o, L->type == SG_LAYER_LSTM ? "bias_ih" : "bias", L->bias, 1,
                        sh1, err, errlen);
    snprintf(f, sizeof f, "l%d_m.npy", li);
    if (rc == 0)
        rc = save_array(dir, f, o, "mult", L->mult, 1, sh1, err, errlen);
    snprintf(f, sizeof f, "l%d_s.npy", li);
    if (rc == 0)
        rc = save_array(dir, f, o, "shift", shift, 1, sh1, err, errlen);
    free(shift);
    if (L->type != SG_LAYER_LSTM) {
        json_object_set_new(o, "activation", json_string(sg_act_name(L->act)));
        if (L->act == SG_ACT_RELU6)
            json_object_set_new(o, "act_max", json_integer(L->act_max));
    }
    return rc;
}

int sg_model_save(const sg_model *m, const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        snprintf(err, errlen, "output '%s' exists; give a new directory", dir);
        return -1;
    }
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.partXXXXXX", dir) >= sizeof tmp || !mkdtemp(tmp)) {
        snprintf(err, errlen, "cannot create a directory next to '%s': %s", dir, strerror(errno));
        return -1;
    }
    json_t *root = json_object(), *layers = json_array();
    json_object_set_new(root, "name", json_string(m->name));
    int rc = 0;
    /* the input: [n, in], [n, C, H, W] or [n, T, in] */
    const sg_layer *L0 = &m->layers[0];
    long long sh[4] = {m->n_inputs, 0, 0, 0};
    int nd;
    if (L0->type == SG_LAYER_FC) {
        sh[1] = L0->in;
        nd = 2;
    } else if (L0->type == SG_LAYER_LSTM) {
        sh[1] = L0->steps;
        sh[2] = L0->in;
        nd = 3;
    } else {
        sh[1] = L0->conv.c_in;
        sh[2] = L0->conv.h_in;
        sh[3] = L0->conv.w_in;
        nd = 4;
    }
    rc = save_array(tmp, "input.npy", root, "input", m->inputs, nd, sh, err, errlen);
    for (int l = 0; rc == 0 && l < m->n_layers; l++) {
        json_t *o = json_object();
        rc = save_layer(&m->layers[l], l, tmp, o, err, errlen);
        json_array_append_new(layers, o);
    }
    json_object_set_new(root, "layers", layers);
    if (rc == 0) {
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        sg_strbuf sb;
        sg_sb_init(&sb);
        sg_sb_adds(&sb, text ? text : "");
        sg_sb_adds(&sb, "\n");
        char path[4200];
        snprintf(path, sizeof path, "%s/model.json", tmp);
        rc = text ? sg_sb_write_file(&sb, path, err, errlen) : -1;
        if (!text)
            snprintf(err, errlen, "out of memory writing model.json");
        free(text);
        sg_sb_release(&sb);
    }
    json_decref(root);
    if (rc == 0 && rename(tmp, dir) != 0) {
        snprintf(err, errlen, "cannot rename '%s' to '%s': %s", tmp, dir, strerror(errno));
        rc = -1;
    }
    if (rc != 0) { /* no half-written output */
        DIR *d = opendir(tmp);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char p[8600];
            snprintf(p, sizeof p, "%s/%s", tmp, e->d_name);
            unlink(p);
        }
        if (d)
            closedir(d);
        rmdir(tmp);
    }
    return rc;
}
