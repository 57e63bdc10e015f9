/* sg_compile: the compiler's driver -- plan every layer (sg_lower_*.c), the
 * golden pass (sg_expect), lower the layers in order into the program
 * (sg_emit), place the expectations; then the program's files. */
#include "sg_compile.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg_cmd.h"
#include "sg_conv.h"
#include "sg_expect.h"
#include "sg_lower.h"
#include "sg_strbuf.h"

/* ---- limits --------------------------------------------------------------- */

long long sg_program_max_bytes = SG_PROGRAM_MAX_BYTES;
long long sg_program_max_results = SG_PROGRAM_MAX_RESULTS;

static int is_conv(const sg_layer *L)
{
    return L->type == SG_LAYER_CONV || L->type == SG_LAYER_MAXPOOL;
}

/* Plan every layer.  With one sample, a CONV or max-pool layer of stride 1
 * banked by channel takes its input map from the CONV or max-pool before it
 * on chip (chain[l] = 1) when both fit half the vector banks and the map
 * fits whole: the layers of such a chain share one flat row width and use
 * the two halves of the banks in turn.  A chain that does not fit is cut and
 * everything planned again. */
static int plan_all(const sg_config *c, const sg_model *m, const sg_layer *layers, int count,
                    plan *plans, int *chain, char *err, size_t errlen)
{
    int n = m->n_layers, half = c->vbuf_depth / 2;
    for (int l = 0; l < n; l++) {
        const sg_layer *L = &layers[l];
        /* stride 1 and every input row and column read: a layer planned as
         * stride 1 for its single output row (sg_compile) may leave rows
         * of its input unread, where the producer's writes would not fit */
        const sg_conv_shape *cs = &L->conv;
        chain[l] = count == 1 && l > 0 && is_conv(L) && is_conv(&layers[l - 1]) &&
                   cs->stride_h == 1 && cs->stride_w == 1 && sg_lower_conv_unit(c, L) == 0 &&
                   (long long)cs->h_out + cs->kh - 1 == (long long)cs->h_in + 2 * cs->pad_h &&
                   (long long)cs->w_out + cs->kw - 1 == (long long)cs->w_in + 2 * cs->pad_w;
    }
    chain[n] = 0;
    for (;;) {
        int retry = 0;
        for (int l = 0; l < n && !retry; l++) {
            const sg_layer *L = &layers[l];
            if (L->type == SG_LAYER_FC || L->type == SG_LAYER_LSTM) {
                int rc = L->type == SG_LAYER_FC ? sg_lower_fc_plan(c, L, &plans[l], err, errlen)
                                                : sg_lower_lstm_plan(c, L, &plans[l], err, errlen);
                if (rc != 0)
                    return -1;
                continue;
            }
            /* the chain segment around l: a .. e */
            int a = l, e = l, wf = 0;
            while (chain[a])
                a--;
            while (chain[e + 1])
                e++;
            for (int i = a; i <= e; i++)
                if (sg_lower_conv_min_wf(&layers[i]) > wf)
                    wf = sg_lower_conv_min_wf(&layers[i]);
            conv_place pc = {wf, c->vbuf_depth, 0, chain[l]};
            if (e > a) {
                pc.room = half;
                pc.vbase = (l - a) % 2 ? half : 0;
            }
            if (sg_lower_conv_plan(c, L, &pc, &plans[l], err, errlen) == 0)
                continue;
            if (e == a) /* not in a chain: a real refusal */
                return -1;
            /* cut the chain at l (or after it, when l is its head) and replan */
            if (chain[l])
                chain[l] = 0;
            else
                chain[l + 1] = 0;
            retry = 1;
        }
        if (!retry)
            return 0;
        for (int l = 0; l < n; l++)
            sg_plan_free(&plans[l]);
    }
}

/* The message of a builder that failed while emitting layer L. */
static void build_failed(const builder *b, const sg_layer *L, char *err, size_t errlen)
{
    if (b->failed == SG_BUILD_STREAM_CAP)
        snprintf(err, errlen,
                 "layer '%s': the command stream would pass %lld bytes, the most one program "
                 "holds (compile fewer samples at once: --samples)",
                 L->name, sg_program_max_bytes);
    else if (b->failed == SG_BUILD_RESULTS_CAP)
        snprintf(err, errlen,
                 "layer '%s': the expected results (with the discarded ones between CONV "
                 "rows) would pass %lld, the most one program holds (compile fewer samples at "
                 "once: --samples)", L->name, sg_program_max_results);
    else
        snprintf(err, errlen, "layer '%s': out of memory building the program", L->name);
}

int sg_compile(const sg_config *c, const sg_model *m, int first, int count, sg_program *p,
               char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (first < 0 || first >= m->n_inputs) {
        snprintf(err, errlen, "sample %d out of range: the model has %d input vectors", first,
                 m->n_inputs);
        return -1;
    }
    if (m->n_layers < 1) {
        snprintf(err, errlen, "model '%s' has no layers", m->name);
        return -1;
    }
    if (count <= 0 || first + count > m->n_inputs)
        count = m->n_inputs - first;
    /* the results alone (each layer's outputs, every sample) must fit the
     * cap: refuse a model that cannot before any golden work */
    long long results = 0;
    for (int l = 0; l < m->n_layers; l++) {
        results += sg_layer_out_len(&m->layers[l]) * count;
        if (results > sg_program_max_results) {
            snprintf(err, errlen,
                     "layer '%s': %lld results for %d sample(s) up to this layer, more than "
                     "the %lld one program holds (compile fewer samples at once: --samples)",
                     m->layers[l].name, results, count, sg_program_max_results);
            return -1;
        }
    }
    p->stream_w = c->stream_w;
    p->beat_words = c->stream_w / 32;
    p->elems = c->elems_per_beat;
    p->samples = count;
    p->n_layers = m->n_layers;
    p->layer = calloc((size_t)m->n_layers, sizeof *p->layer);
    plan *plans = calloc((size_t)m->n_layers, sizeof *plans);
    /* the inputs of the layer being lowered, one per sample (from golden) */
    const int32_t **xs = calloc((size_t)count, sizeof *xs);
    sg_golden golden = {0, 0, 0, NULL};
    int *base_w = calloc((size_t)m->n_layers, sizeof *base_w);
    int *base_r = calloc((size_t)m->n_layers, sizeof *base_r);
    /* the layers as compiled: max-pools as their depthwise CONV */
    sg_layer *layers = calloc((size_t)m->n_layers, sizeof *layers);
    int *chain = calloc((size_t)m->n_layers + 1, sizeof *chain);
    int rc = -1;
    if (!p->layer || !plans || !xs || !base_w || !base_r || !layers || !chain) {
        snprintf(err, errlen, "out of memory compiling '%s'", m->name);
        goto out;
    }
    for (int l = 0; l < m->n_layers; l++) {
        layers[l] = m->layers[l];
        if (m->layers[l].type == SG_LAYER_MAXPOOL &&
            sg_lower_pool_layer(c, &m->layers[l], &layers[l]) != 0) {
            snprintf(err, errlen, "out of memory compiling '%s'", m->name);
            goto out;
        }
        /* along an axis with one output position only the first window is
         * read, whatever the stride: plan it as stride 1, one phase instead
         * of min(stride, kernel) (a global pool, a kernel covering the map) */
        if (is_conv(&layers[l]) && layers[l].conv.h_out == 1)
            layers[l].conv.stride_h = 1;
        if (is_conv(&layers[l]) && layers[l].conv.w_out == 1)
            layers[l].conv.stride_w = 1;
    }
    if (plan_all(c, m, layers, count, plans, chain, err, errlen) != 0)
        goto out;
    for (int l = 0; l < m->n_layers; l++) {
        const sg_layer *L = &layers[l];
        snprintf(p->layer[l].name, sizeof p->layer[l].name, "%s", L->name);
        /* rows x cols of the weight matrix; a max-pool's is its k x k window */
        p->layer[l].rows = L->type == SG_LAYER_FC     ? L->out
                           : L->type == SG_LAYER_LSTM ? 4 * L->out
                                                      : L->conv.c_out;
        p->layer[l].cols = L->type == SG_LAYER_FC            ? L->in
                           : L->type == SG_LAYER_LSTM        ? L->in + L->out
                           : L->type == SG_LAYER_MAXPOOL ? L->conv.kh * L->conv.kw
                                                         : sg_conv_cpg(&L->conv) * L->conv.kh * L->conv.kw;
        p->layer[l].tiles = plans[l].cv ? plans[l].cv->nct : plans[l].n_tiles;
        p->layer[l].unit = plans[l].cv ? plans[l].cv->unit : 0;
        p->layer[l].band = plans[l].cv ? plans[l].cv->gpb : 0;
        p->layer[l].groups = plans[l].cv ? plans[l].cv->groups : 0;
        p->layer[l].on_chip = chain[l];
        p->layer[l].blocks = plans[l].n_blocks;
        for (int ti = 0; plans[l].t && ti < plans[l].n_tiles; ti++)
            p->layer[l].weights_nnz += plans[l].t[ti].csb.nnz;
        for (int i = 0; plans[l].cv && i < plans[l].cv->nph * plans[l].cv->nct; i++)
            p->layer[l].weights_nnz += plans[l].cv->ph[i].csb.nnz;
    }
    /* the golden pass: every layer's output for every sample, the inputs
     * the lowering's loads carry and the values sg_expect_fill places */
    if (sg_golden_run(c, m, first, count, &golden, err, errlen) != 0)
        goto out;
    builder b = {p, 0, 0, 0, 0, 0, SG_BUILD_OK, NULL, 0, -1, -1, 0, 0, 0, 0, 0, 0};
    int l = 0; /* the layer being emitted, for a failure's message */
    p->resident = count > 1 && sg_lower_fc_resident_fits(c, m, plans, base_w, base_r);
    for (l = 0; p->resident && l < m->n_layers && !b.failed; l++) {
        b.st = &p->layer[l];
        b.layer = l;
        b.sample = -1;
        sg_lower_fc_preload(&b, c, &m->layers[l], &plans[l], base_w[l], base_r[l]);
    }
    if (b.failed)
        l--;
    if (p->resident && !b.failed) {
        for (int s = first; s < first + count && !b.failed; s++) {
            for (l = 0; l < m->n_layers; l++) {
                b.st = &p->layer[l];
                b.layer = l;
                b.sample = s;
                sg_lower_fc_resident(&b, c, &layers[l], l, &plans[l],
                                     sg_golden_input(&golden, m, l, s - first), s, base_w[l],
                                     base_r[l], &p->layer[l]);
                if (b.failed)
                    break;
            }
        }
    } else if (!b.failed) {
        /* layer by layer, every sample through a layer before the next, so
         * each layer's weights cross the stream once for all samples */
        for (l = 0; l < m->n_layers && !b.failed; l++) {
            const sg_layer *L = &layers[l];
            b.st = &p->layer[l];
            b.layer = l;
            b.sample = -1;
            for (int s = 0; s < count; s++)
                xs[s] = sg_golden_input(&golden, m, l, s);
            if (L->type == SG_LAYER_LSTM)
                sg_lower_lstm(&b, c, L, l, &plans[l], xs, first, count, &p->layer[l]);
            else if (L->type != SG_LAYER_FC)
                sg_lower_conv(&b, c, L, l, &plans[l], chain[l + 1] ? &plans[l + 1] : NULL,
                              chain[l + 1] ? &layers[l + 1] : NULL, xs, first, count, &p->layer[l]);
            else
                sg_lower_fc(&b, c, L, l, &plans[l], xs, first, count, &p->layer[l]);
        }
        if (b.failed)
            l--;
    }
    b.st = NULL;
    b.layer = b.sample = -1;
    if (p->resident) /* leave the bases at 0, where every other program expects them */
        sg_emit_base(&b, c, 0, 0);
    if (b.failed) {
        build_failed(&b, &m->layers[l < m->n_layers ? l : m->n_layers - 1], err, errlen);
        goto out;
    }
    /* the expectations, a pass of their own: the golden values into the
     * result lanes the lowering placed */
    sg_expect_fill(p, c, &golden);
    /* nnz/words/runs per layer were summed over samples; nnz is per layer */
    rc = 0;
out:
    for (int l = 0; plans && l < m->n_layers; l++)
        sg_plan_free(&plans[l]);
    free(plans);
    free(xs);
    sg_golden_free(&golden);
    free(base_w);
    free(base_r);
    for (int l = 0; layers && l < m->n_layers; l++)
        if (m->layers[l].type == SG_LAYER_MAXPOOL)
            sg_lower_pool_free(&layers[l]);
    free(layers);
    free(chain);
    if (rc != 0)
        sg_program_free(p);
    return rc;
}

void sg_program_free(sg_program *p)
{
    free(p->beats);
    free(p->out);
    free(p->out_last);
    free(p->lanes);
    free(p->layer);
    free(p->ops);
    free(p->deps);
    memset(p, 0, sizeof *p);
}

/* ---- files ---------------------------------------------------------------- */

static void hex_beats(sg_strbuf *sb, const uint32_t *w, long long n, int bw)
{
    for (long long i = 0; i < n; i++) {
        for (int j = bw - 1; j >= 0; j--)
            sg_sb_addf(sb, "%08x", w[i * bw + j]);
        sg_sb_adds(sb, "\n");
    }
}

const char *const sg_beat_kind_names[SG_BEAT_KINDS] = {"headers",     "weights",
                                                       "feature_maps", "row_records",
                                                       "records",     "lstm_x"};

/* {"headers": n, "weights": n, ...} of the beats by kind k[]. */
static json_t *beats_kind_json(const long long *k)
{
    json_t *o = json_object();
    for (int i = 0; i < SG_BEAT_KINDS; i++)
        json_object_set_new(o, sg_beat_kind_names[i], json_integer(k[i]));
    return o;
}

char *sg_program_summary_json(const sg_program *p, const sg_config *c, const sg_model *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(m->name));
    json_object_set_new(o, "config", json_string(c->name));
    json_object_set_new(o, "samples", json_integer(p->samples));
    json_object_set_new(o, "command_beats", json_integer(p->n_beats));
    json_object_set_new(o, "command_beats_by_kind", beats_kind_json(p->beats_kind));
    json_object_set_new(o, "feature_map_cycles", json_integer(p->fmap_cycles));
    json_object_set_new(o, "output_beats", json_integer(p->n_out));
    json_object_set_new(o, "outputs", json_integer(p->outputs));
    /* useful: MACs of kept results; issued: what the hardware counts */
    json_object_set_new(o, "useful_macs", json_integer(p->useful_macs - p->junk_macs));
    json_object_set_new(o, "issued_macs", json_integer(p->useful_macs));
    json_object_set_new(o, "junk_macs", json_integer(p->junk_macs));
    json_object_set_new(o, "discarded", json_integer(p->discarded));
    json_object_set_new(o, "dense_macs", json_integer(p->dense_macs));
    json_object_set_new(o, "words", json_integer(p->words));
    json_object_set_new(o, "runs", json_integer(p->runs));
    json_object_set_new(o, "weights_resident", json_boolean(p->resident));
    json_t *layers = json_array();
    for (int l = 0; l < p->n_layers; l++) {
        const sg_layer_stats *s = &p->layer[l];
        json_t *j = json_object();
        json_object_set_new(j, "name", json_string(s->name));
        json_object_set_new(j, "rows", json_integer(s->rows));
        json_object_set_new(j, "cols", json_integer(s->cols));
        json_object_set_new(j, "tiles", json_integer(s->tiles));
        json_object_set_new(j, "blocks", json_integer(s->blocks));
        json_object_set_new(j, "weights_nnz", json_integer(s->weights_nnz));
        json_object_set_new(j, "useful_macs", json_integer(s->macs - s->junk_macs));
        json_object_set_new(j, "issued_macs", json_integer(s->macs));
        json_object_set_new(j, "junk_macs", json_integer(s->junk_macs));
        if (m->layers[l].type != SG_LAYER_FC) {
            static const char *units[] = {"channel", "pair", "tap"};
            json_object_set_new(j, "bank_unit", json_string(units[s->unit]));
            json_object_set_new(j, "band_groups", json_integer(s->band));
            json_object_set_new(j, "groups", json_integer(s->groups));
            json_object_set_new(j, "on_chip_input", json_boolean(s->on_chip));
        }
        json_object_set_new(j, "words", json_integer(s->words));
        json_object_set_new(j, "runs", json_integer(s->runs));
        json_object_set_new(j, "command_beats", json_integer(s->beats_in));
        json_object_set_new(j, "command_beats_by_kind", beats_kind_json(s->beats_kind));
        json_object_set_new(j, "feature_map_cycles", json_integer(s->fmap_cycles));
        json_object_set_new(j, "outputs", json_integer(s->outputs));
        json_array_append_new(layers, j);
    }
    json_object_set_new(o, "layers", layers);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

int sg_program_write(const sg_program *p, const sg_config *c, const sg_model *m, const char *dir,
                     char *err, size_t errlen)
{
    sg_strbuf cmd, exp, js;
    sg_sb_init(&cmd);
    sg_sb_init(&exp);
    sg_sb_init(&js);
    hex_beats(&cmd, p->beats, p->n_beats, p->beat_words);
    hex_beats(&exp, p->out, p->n_out, p->beat_words);
    for (long long i = 0; i < p->n_out; i++) /* tlast as one more hex digit per beat */
        sg_sb_addf(&js, "%d\n", p->out_last[i]);
    sg_strbuf last = js;
    sg_sb_init(&js);
    /* per beat, bit j set when lane j is checked (all but discarded results) */
    sg_strbuf mask;
    sg_sb_init(&mask);
    for (long long i = 0; i < p->n_out; i++) {
        uint64_t m = 0;
        for (int j = 0; j < p->elems; j++) {
            const sg_lane *ln = &p->lanes[i * p->elems + j];
            if (!(ln->layer >= 0 && ln->row < 0))
                m |= 1ULL << j;
        }
        sg_sb_addf(&mask, "%0*llx\n", (p->elems + 3) / 4, (unsigned long long)m);
    }
    char *sum = sg_program_summary_json(p, c, m);
    sg_sb_adds(&js, sum ? sum : "{}");
    sg_sb_adds(&js, "\n");
    free(sum);

    int rc = -1;
    struct stat st;
    int existed = stat(dir, &st) == 0;
    if (existed && !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "output '%s' exists and is not a directory", dir);
        goto out;
    }
    if (!existed && mkdir(dir, 0755) != 0) {
        snprintf(err, errlen, "cannot create directory '%s': %s", dir, strerror(errno));
        goto out;
    }
    const char *names[] = {"commands.hex", "expected.hex", "expected_last.hex",
                           "expected_mask.hex", "program.json"};
    const sg_strbuf *bufs[] = {&cmd, &exp, &last, &mask, &js};
    for (int i = 0; i < 5; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (sg_sb_write_file(bufs[i], path, err, errlen) != 0) {
            if (!existed) {
                for (int j = 0; j < i; j++) {
                    snprintf(path, sizeof path, "%s/%s", dir, names[j]);
                    unlink(path);
                }
                rmdir(dir);
            }
            goto out;
        }
    }
    rc = 0;
out:
    sg_sb_release(&cmd);
    sg_sb_release(&exp);
    sg_sb_release(&last);
    sg_sb_release(&mask);
    sg_sb_release(&js);
    return rc;
}
