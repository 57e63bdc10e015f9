/* sg_ops: the program's operations -- dependencies, invariants, printing;
 * see sg_ops.h. */
#include "sg_ops.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sg_cmd.h"

const char *const sg_buf_names[SG_BUFS] = {"vbuf", "wbuf", "rbuf"};

const char *sg_op_name(int kind)
{
    static const char *const names[] = {"?",    "VEC", "WGT", "ROW", "RUN",
                                        "BASE", "CONV", "OUT", "CLR", "LSTM"};
    return kind >= 0 && kind < (int)(sizeof names / sizeof names[0]) ? names[kind] : "?";
}

static int buf_depth(const sg_config *c, int buf)
{
    return buf == SG_BUF_VEC ? c->vbuf_depth : buf == SG_BUF_WGT ? c->wbuf_depth : c->rbuf_depth;
}

static const char *layer_str(const char *const *names, int n_layers, int l)
{
    return l >= 0 && l < n_layers && names ? names[l] : "-";
}

/* Per buffer: the last operation that wrote, and the last that read, each
 * address (-1: none yet). */
typedef struct track {
    long long *w[SG_BUFS], *r[SG_BUFS];
} track;

static void track_free(track *t)
{
    for (int b = 0; b < SG_BUFS; b++) {
        free(t->w[b]);
        free(t->r[b]);
    }
}

static int track_init(track *t, const sg_config *c)
{
    memset(t, 0, sizeof *t);
    for (int b = 0; b < SG_BUFS; b++) {
        size_t n = (size_t)buf_depth(c, b);
        t->w[b] = malloc(n * sizeof *t->w[b]);
        t->r[b] = malloc(n * sizeof *t->r[b]);
        if (!t->w[b] || !t->r[b]) {
            track_free(t);
            return -1;
        }
        memset(t->w[b], 0xff, n * sizeof *t->w[b]); /* all -1 */
        memset(t->r[b], 0xff, n * sizeof *t->r[b]);
    }
    return 0;
}

static int region_ok(const sg_config *c, const sg_op *op, long long i, const sg_region *g,
                     char *err, size_t errlen)
{
    if (g->buf < 0 || g->buf >= SG_BUFS || g->lo < 0 || g->hi < g->lo ||
        g->hi > buf_depth(c, g->buf)) {
        snprintf(err, errlen, "operation #%lld (%s) %s %s[%d, %d), outside the %d-word buffer", i,
                 sg_op_name(op->kind), g->write ? "writes" : "reads",
                 g->buf >= 0 && g->buf < SG_BUFS ? sg_buf_names[g->buf] : "?", g->lo, g->hi,
                 g->buf >= 0 && g->buf < SG_BUFS ? buf_depth(c, g->buf) : 0);
        return -1;
    }
    return 0;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

int sg_ops_link(const sg_config *c, sg_op *ops, long long n, long long **deps, long long *n_deps,
                char *err, size_t errlen)
{
    track t;
    long long *stamp = malloc((size_t)(n > 0 ? n : 1) * sizeof *stamp);
    long long cap = 1024, nd = 0;
    long long *d = malloc((size_t)cap * sizeof *d);
    *deps = NULL;
    *n_deps = 0;
    if (!stamp || !d || track_init(&t, c) != 0) {
        free(stamp);
        free(d);
        snprintf(err, errlen, "out of memory linking the program");
        return -1;
    }
    memset(stamp, 0xff, (size_t)(n > 0 ? n : 1) * sizeof *stamp);
    int rc = 0;
    for (long long i = 0; i < n && rc == 0; i++) {
        sg_op *op = &ops[i];
        op->dep0 = nd;
        /* reads first (an operation that reads and writes the same address,
         * a RUN's partial sums, depends on the writer before it), then
         * writes: the last writer and the last reader (readers of a buffer
         * are the PE array's RUN, CONV and LSTM, which run in order) */
        for (int pass = 0; pass < 2 && rc == 0; pass++) {
            for (int k = 0; k < op->n_regions && rc == 0; k++) {
                const sg_region *g = &op->region[k];
                if (g->write != pass)
                    continue;
                if (region_ok(c, op, i, g, err, errlen) != 0) {
                    rc = -1;
                    break;
                }
                for (int a = g->lo; a < g->hi; a++) {
                    long long src[2] = {t.w[g->buf][a], pass ? t.r[g->buf][a] : -1};
                    for (int s = 0; s < 2; s++) {
                        long long j = src[s];
                        if (j < 0 || j == i || stamp[j] == i)
                            continue;
                        stamp[j] = i;
                        if (nd == cap) {
                            long long *q = realloc(d, (size_t)(cap * 2) * sizeof *d);
                            if (!q) {
                                snprintf(err, errlen, "out of memory linking the program");
                                rc = -1;
                                break;
                            }
                            d = q;
                            cap *= 2;
                        }
                        d[nd++] = j;
                    }
                }
            }
        }
        if (rc != 0)
            break;
        op->n_deps = (int)(nd - op->dep0);
        qsort(d + op->dep0, (size_t)op->n_deps, sizeof *d, cmp_ll);
        for (int k = 0; k < op->n_regions; k++) {
            const sg_region *g = &op->region[k];
            long long *m = g->write ? t.w[g->buf] : t.r[g->buf];
            for (int a = g->lo; a < g->hi; a++)
                m[a] = i;
        }
    }
    track_free(&t);
    free(stamp);
    if (rc != 0) {
        free(d);
        return -1;
    }
    *deps = d;
    *n_deps = nd;
    return 0;
}

/* May operation r (reading buffer buf) read what operation w wrote? */
static int writer_ok(const sg_op *r, const sg_op *w, int buf)
{
    switch (buf) {
    case SG_BUF_WGT: /* its layer's weights, loaded for it or for every sample */
        return w->kind == SG_OP_WGT && w->layer == r->layer;
    case SG_BUF_ROW: /* its layer's row records, or the partial sums of its run before */
        return (w->kind == SG_OP_ROW || w->kind == SG_OP_RUN || w->kind == SG_OP_CONV) &&
               w->layer == r->layer && (w->sample == r->sample || w->sample < 0);
    default: /* its own sample's map: loaded, cleared, written back by the
              * layer before (a CONV chain), or h_t of its own sequence */
        if (w->sample != r->sample && w->sample >= 0)
            return 0;
        if (w->layer == r->layer)
            return w->kind == SG_OP_VEC || w->kind == SG_OP_CLR || w->kind == SG_OP_LSTM;
        return w->layer == r->layer - 1 && (w->kind == SG_OP_CONV || w->kind == SG_OP_CLR);
    }
}

static void op_desc(char *s, size_t n, const sg_op *op, long long i, const char *const *names,
                    int n_layers)
{
    char smp[24] = "every sample";
    if (op->sample >= 0)
        snprintf(smp, sizeof smp, "sample %d", op->sample);
    snprintf(s, n, "operation #%lld (%s, layer '%s', %s)", i, sg_op_name(op->kind),
             layer_str(names, n_layers, op->layer), smp);
}

int sg_ops_check(const sg_config *c, const sg_op *ops, long long n, const long long *deps,
                 const char *const *layer_names, int n_layers, char *err, size_t errlen)
{
    track t;
    if (track_init(&t, c) != 0) {
        snprintf(err, errlen, "out of memory checking the program");
        return -1;
    }
    int rc = 0;
    char a_s[160], b_s[160];
    for (long long i = 0; i < n && rc == 0; i++) {
        const sg_op *op = &ops[i];
        for (int k = 0; k < op->n_deps; k++) {
            long long j = deps[op->dep0 + k];
            if (j < 0 || j >= i || (k > 0 && j <= deps[op->dep0 + k - 1])) {
                op_desc(a_s, sizeof a_s, op, i, layer_names, n_layers);
                snprintf(err, errlen, "%s depends on #%lld, not an earlier operation", a_s, j);
                rc = -1;
                break;
            }
        }
        for (int k = 0; k < op->n_regions && rc == 0; k++) {
            const sg_region *g = &op->region[k];
            if (region_ok(c, op, i, g, err, errlen) != 0) {
                rc = -1;
                break;
            }
            if (g->write)
                continue;
            for (int a = g->lo; a < g->hi; a++) {
                long long w = t.w[g->buf][a];
                if (w >= 0 && writer_ok(op, &ops[w], g->buf))
                    continue;
                op_desc(a_s, sizeof a_s, op, i, layer_names, n_layers);
                if (w < 0)
                    snprintf(err, errlen, "%s reads %s address %d, which no operation wrote", a_s,
                             sg_buf_names[g->buf], a);
                else {
                    op_desc(b_s, sizeof b_s, &ops[w], w, layer_names, n_layers);
                    snprintf(err, errlen, "%s reads %s address %d, last written by %s", a_s,
                             sg_buf_names[g->buf], a, b_s);
                }
                rc = -1;
                break;
            }
        }
        for (int k = 0; k < op->n_regions && rc == 0; k++) {
            const sg_region *g = &op->region[k];
            if (g->write)
                for (int a = g->lo; a < g->hi; a++)
                    t.w[g->buf][a] = i;
        }
    }
    track_free(&t);
    return rc;
}

/* "final relu max" and the like: the header's flags as words. */
static void flag_str(char *s, size_t n, const sg_op *op)
{
    static const char *const acts[] = {"", " relu", " relu6", " act3"};
    const char *f = "";
    if (op->flags & SG_OPF_FINAL)
        f = op->kind == SG_OP_VEC                          ? " scatter"
            : op->kind == SG_OP_WGT || op->kind == SG_OP_ROW ? " broadcast"
            : op->kind == SG_OP_LSTM                       ? " c0"
                                                           : " final";
    snprintf(s, n, "%s%s%s", f, (op->flags & SG_OPF_MAX) ? " max" : "",
             op->kind == SG_OP_RUN || op->kind == SG_OP_CONV ? acts[op->act & 3] : "");
}

void sg_ops_print(FILE *f, const sg_op *ops, long long n, const long long *deps,
                  const char *const *layer_names, int n_layers)
{
    fprintf(f, "%7s %-4s %-16s %6s %6s %6s %9s %10s  %s\n", "op", "kind", "layer", "sample",
            "count", "rows", "beats", "MACs", "regions (W written, R read) <- dependencies");
    for (long long i = 0; i < n; i++) {
        const sg_op *op = &ops[i];
        char fl[48], smp[16] = "-";
        flag_str(fl, sizeof fl, op);
        if (op->sample >= 0)
            snprintf(smp, sizeof smp, "%d", op->sample);
        fprintf(f, "%7lld %-4s %-16s %6s %6u %6u %9lld %10lld ", i, sg_op_name(op->kind),
                layer_str(layer_names, n_layers, op->layer), smp, op->count, op->rows, op->beats,
                op->macs);
        if (op->kind == SG_OP_BASE)
            fprintf(f, " wbase %u rbase %u vbase %u", op->count, op->rows, op->act_max);
        for (int w = 1; w >= 0; w--)
            for (int k = 0; k < op->n_regions; k++)
                if (op->region[k].write == w)
                    fprintf(f, " %c %s[%d,%d)", w ? 'W' : 'R', sg_buf_names[op->region[k].buf],
                            op->region[k].lo, op->region[k].hi);
        if (op->n_deps > 0) {
            fprintf(f, " <-");
            int show = op->n_deps < 8 ? op->n_deps : 6;
            for (int k = 0; k < show; k++)
                fprintf(f, " %lld", deps[op->dep0 + k]);
            if (show < op->n_deps)
                fprintf(f, " ... %lld (%d in all)", deps[op->dep0 + op->n_deps - 1], op->n_deps);
        }
        fprintf(f, "%s\n", fl);
    }
}

int sg_ops_print_json(FILE *f, const sg_op *ops, long long n, const long long *deps,
                      const char *const *layer_names, int n_layers)
{
    fputs("{\"ops\": [\n", f);
    for (long long i = 0; i < n; i++) {
        const sg_op *op = &ops[i];
        json_t *o = json_object(), *regs = json_array(), *dl = json_array();
        if (!o || !regs || !dl) {
            json_decref(o);
            json_decref(regs);
            json_decref(dl);
            return -1;
        }
        json_object_set_new(o, "op", json_integer(i));
        json_object_set_new(o, "kind", json_string(sg_op_name(op->kind)));
        json_object_set_new(o, "layer", op->layer >= 0 && op->layer < n_layers
                                            ? json_string(layer_names[op->layer])
                                            : json_null());
        json_object_set_new(o, "layer_index", json_integer(op->layer));
        json_object_set_new(o, "sample", op->sample >= 0 ? json_integer(op->sample) : json_null());
        json_object_set_new(o, "count", json_integer(op->count));
        json_object_set_new(o, "rows", json_integer(op->rows));
        json_object_set_new(o, "act_max", json_integer(op->act_max));
        json_object_set_new(o, "final", json_boolean(op->flags & SG_OPF_FINAL));
        json_object_set_new(o, "max", json_boolean(op->flags & SG_OPF_MAX));
        json_object_set_new(o, "act", json_integer(op->act));
        json_object_set_new(o, "beat0", json_integer(op->beat0));
        json_object_set_new(o, "beats", json_integer(op->beats));
        json_object_set_new(o, "macs", json_integer(op->macs));
        json_object_set_new(o, "words", json_integer(op->words));
        for (int k = 0; k < op->n_regions; k++)
            json_array_append_new(regs, json_pack("{s:s, s:s, s:i, s:i}", "buf",
                                                  sg_buf_names[op->region[k].buf], "access",
                                                  op->region[k].write ? "write" : "read", "lo",
                                                  op->region[k].lo, "hi", op->region[k].hi));
        json_object_set_new(o, "regions", regs);
        for (int k = 0; k < op->n_deps; k++)
            json_array_append_new(dl, json_integer(deps[op->dep0 + k]));
        json_object_set_new(o, "deps", dl);
        char *s = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        if (!s)
            return -1;
        fprintf(f, "%s%s\n", s, i + 1 < n ? "," : "");
        free(s);
    }
    fputs("]}\n", f);
    return ferror(f) ? -1 : 0;
}
