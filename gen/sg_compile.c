/* sg_compile: tile, CSB-encode and serialize a model into a command stream. */
#include "sg_compile.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg_cmd.h"
#include "sg_csb.h"
#include "sg_fc.h"
#include "sg_strbuf.h"

/* ---- growable beat arrays ------------------------------------------------ */

static void *grow(void *p, long long *cap, long long need, size_t elem)
{
    if (need <= *cap)
        return p;
    long long n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    void *q = realloc(p, (size_t)n * elem);
    if (!q) {
        fprintf(stderr, "sparsegen: out of memory compiling the program\n");
        abort();
    }
    *cap = n;
    return q;
}

typedef struct builder {
    sg_program *p;
    long long cap_beats, cap_out, cap_lanes, cap_last;
    long long lane_fill; /* results placed in the current output beat */
} builder;

/* Append nb zeroed command beats; returns the first word. */
static uint32_t *add_beats(builder *b, long long nb)
{
    sg_program *p = b->p;
    long long words = (p->n_beats + nb) * p->beat_words;
    p->beats = grow(p->beats, &b->cap_beats, words, sizeof *p->beats);
    uint32_t *w = p->beats + p->n_beats * p->beat_words;
    memset(w, 0, (size_t)(nb * p->beat_words) * sizeof *w);
    p->n_beats += nb;
    return w;
}

/* Set `width` (1..64) bits at bit position `bit` of a little-endian word array. */
static void put_bits(uint32_t *w, long long bit, int width, uint64_t v)
{
    for (int i = 0; i < width; i++) {
        long long pos = bit + i;
        if ((v >> i) & 1u)
            w[pos / 32] |= 1u << (pos % 32);
    }
}

static uint64_t field(int64_t v, int width)
{
    return width >= 64 ? (uint64_t)v : ((uint64_t)v & ((1ULL << width) - 1));
}

static void emit_header(builder *b, const sg_config *c, unsigned op, unsigned act, unsigned final,
                        unsigned act_max, unsigned rows, unsigned count)
{
    uint32_t *w = add_beats(b, c->hdr_beats);
    put_bits(w, 0, 64, sg_cmd_header(op, act, final, act_max, rows, count));
}

/* Place one expected result in the output beats. */
static void expect_result(builder *b, int32_t value, int layer, int row, int sample, int last)
{
    sg_program *p = b->p;
    if (b->lane_fill == 0) {
        long long nw = (p->n_out + 1) * p->beat_words;
        p->out = grow(p->out, &b->cap_out, nw, sizeof *p->out);
        memset(p->out + p->n_out * p->beat_words, 0, (size_t)p->beat_words * sizeof *p->out);
        p->lanes = grow(p->lanes, &b->cap_lanes, (p->n_out + 1) * p->elems, sizeof *p->lanes);
        for (int j = 0; j < p->elems; j++)
            p->lanes[p->n_out * p->elems + j] = (sg_lane){0, -1, -1, -1};
        p->out_last = grow(p->out_last, &b->cap_last, p->n_out + 1, 1);
        p->out_last[p->n_out] = 0;
        p->n_out++;
    }
    long long beat = p->n_out - 1;
    int data_w = p->stream_w / p->elems;
    put_bits(p->out + beat * p->beat_words, b->lane_fill * data_w, data_w, field(value, data_w));
    p->lanes[beat * p->elems + b->lane_fill] = (sg_lane){value, layer, row, sample};
    b->lane_fill++;
    p->outputs++;
    if (last)
        p->out_last[beat] = 1;
    if (last || b->lane_fill == p->elems)
        b->lane_fill = 0;
}

/* ---- per-layer plan: tiles, CSB, blocks ---------------------------------- */

typedef struct tile {
    int col0, cols;  /* columns of the layer in this tile */
    int bank_size;   /* columns per bank */
    sg_csb csb;      /* CSB of the tile's sub-matrix */
    int *gwords;     /* words per row group (>= 1) */
} tile;

typedef struct plan {
    int rows, cols, groups;
    int n_tiles;
    tile *t;
    int n_blocks;
    int *block_g0;   /* n_blocks + 1 entries: first group of each block */
} plan;

static void plan_free(plan *pl)
{
    for (int i = 0; i < pl->n_tiles; i++) {
        sg_csb_free(&pl->t[i].csb);
        free(pl->t[i].gwords);
    }
    free(pl->t);
    free(pl->block_g0);
    memset(pl, 0, sizeof *pl);
}

static int min_i(int a, int b)
{
    return a < b ? a : b;
}

static int plan_layer(const sg_config *c, const sg_layer *L, plan *pl, char *err, size_t errlen)
{
    memset(pl, 0, sizeof *pl);
    int B = c->banks, P = c->pe_count;
    int max_bank = min_i(min_i(c->vbuf_depth, c->wbuf_depth), (int)(SG_HDR_COUNT_MAX / B));
    int tile_cols = B * max_bank;
    pl->rows = L->out;
    pl->cols = L->in;
    pl->groups = (L->out + P - 1) / P;
    pl->n_tiles = (L->in + tile_cols - 1) / tile_cols;
    pl->t = calloc((size_t)pl->n_tiles, sizeof *pl->t);
    int32_t *sub = malloc((size_t)L->out * (size_t)min_i(tile_cols, L->in) * sizeof *sub);
    if (!pl->t || !sub) {
        free(sub);
        snprintf(err, errlen, "layer '%s': out of memory", L->name);
        plan_free(pl);
        return -1;
    }
    for (int ti = 0; ti < pl->n_tiles; ti++) {
        tile *t = &pl->t[ti];
        t->col0 = ti * tile_cols;
        t->cols = min_i(tile_cols, L->in - t->col0);
        t->bank_size = (t->cols + B - 1) / B;
        for (int r = 0; r < L->out; r++)
            memcpy(sub + (size_t)r * t->cols, L->weights + (size_t)r * L->in + t->col0,
                   (size_t)t->cols * sizeof *sub);
        if (sg_csb_encode(sub, L->out, t->cols, B, t->bank_size, &t->csb, err, errlen) != 0) {
            free(sub);
            plan_free(pl);
            return -1;
        }
        t->gwords = malloc((size_t)pl->groups * sizeof *t->gwords);
        if (!t->gwords) {
            free(sub);
            snprintf(err, errlen, "layer '%s': out of memory", L->name);
            plan_free(pl);
            return -1;
        }
        for (int g = 0; g < pl->groups; g++) {
            int k = sg_csb_group_words(&t->csb, g * P, P);
            t->gwords[g] = k > 0 ? k : 1;
        }
    }
    free(sub);

    /* Blocks: greedily add groups while every tile's words fit the weight
     * buffer and the rows fit the row buffer (and the header's rows field). */
    int max_groups = min_i(c->rbuf_depth, (int)(SG_HDR_COUNT_MAX / P));
    pl->block_g0 = malloc((size_t)(pl->groups + 1) * sizeof *pl->block_g0);
    long long *used = calloc((size_t)pl->n_tiles, sizeof *used);
    if (!pl->block_g0 || !used) {
        free(used);
        snprintf(err, errlen, "layer '%s': out of memory", L->name);
        plan_free(pl);
        return -1;
    }
    int g = 0;
    while (g < pl->groups) {
        pl->block_g0[pl->n_blocks++] = g;
        memset(used, 0, (size_t)pl->n_tiles * sizeof *used);
        int n = 0;
        while (g < pl->groups && n < max_groups) {
            int fits = 1;
            for (int ti = 0; ti < pl->n_tiles; ti++)
                if (used[ti] + pl->t[ti].gwords[g] > c->wbuf_depth)
                    fits = 0;
            if (!fits)
                break;
            for (int ti = 0; ti < pl->n_tiles; ti++)
                used[ti] += pl->t[ti].gwords[g];
            g++;
            n++;
        }
        if (n == 0) { /* cannot happen: a group never exceeds a bank's size */
            free(used);
            snprintf(err, errlen, "layer '%s': row group %d does not fit a %d-word weight buffer",
                     L->name, g, c->wbuf_depth);
            plan_free(pl);
            return -1;
        }
    }
    pl->block_g0[pl->n_blocks] = pl->groups;
    free(used);
    return 0;
}

/* ---- command emission ---------------------------------------------------- */

static void emit_vec(builder *b, const sg_config *c, const tile *t, const int32_t *x)
{
    int B = c->banks;
    long long n = (long long)B * t->bank_size;
    emit_header(b, c, SG_OP_VEC, 0, 0, 0, 0, (unsigned)n);
    uint32_t *w = add_beats(b, (n + c->elems_per_beat - 1) / c->elems_per_beat);
    for (long long i = 0; i < n; i++) {
        long long col = (i % B) * t->bank_size + i / B; /* bank i % B, offset i / B */
        int32_t v = col < t->cols ? x[t->col0 + col] : 0;
        put_bits(w, i * c->data_w, c->data_w, field(v, c->data_w));
    }
}

static void emit_rows(builder *b, const sg_config *c, const sg_layer *L, int g0, int g1)
{
    int P = c->pe_count;
    emit_header(b, c, SG_OP_ROW, 0, 0, 0, 0, (unsigned)(g1 - g0));
    for (int g = g0; g < g1; g++) {
        for (int pe = 0; pe < P; pe++) {
            uint32_t *w = add_beats(b, c->row_beats);
            int r = g * P + pe;
            if (r >= L->out)
                continue;
            put_bits(w, 0, 32, field(L->bias[r], 32));
            put_bits(w, 32, 32, field(L->mult[r], 32));
            put_bits(w, 64, SG_SHIFT_W, field(L->shift[r], SG_SHIFT_W));
        }
    }
}

/* WGT for groups g0..g1-1 of one tile; returns words per PE and adds nnz. */
static int emit_wgt(builder *b, const sg_config *c, const tile *t, int g0, int g1, long long *nnz)
{
    int P = c->pe_count, B = c->banks;
    int n = 0;
    for (int g = g0; g < g1; g++)
        n += t->gwords[g];
    emit_header(b, c, SG_OP_WGT, 0, 0, 0, 0, (unsigned)n);
    for (int g = g0; g < g1; g++) {
        for (int j = 0; j < t->gwords[g]; j++) {
            for (int pe = 0; pe < P; pe++) {
                uint32_t *w = add_beats(b, c->wgt_beats);
                int r = g * P + pe;
                if (j == t->gwords[g] - 1)
                    put_bits(w, c->word_w - 1, 1, 1);
                if (r >= t->csb.rows || j >= sg_csb_row_words(&t->csb, r))
                    continue;
                long long word = t->csb.row_start[r] + j;
                for (int lane = 0; lane < B; lane++) {
                    int32_t v = t->csb.value[word * B + lane];
                    if (v == 0)
                        continue;
                    (*nnz)++;
                    put_bits(w, (long long)lane * c->lane_w, c->wgt_w, field(v, c->wgt_w));
                    put_bits(w, (long long)lane * c->lane_w + c->wgt_w, c->off_w,
                             t->csb.offset[word * B + lane]);
                }
            }
        }
    }
    return n;
}

static sg_fc_params fc_params(const sg_config *c, const sg_layer *L)
{
    sg_fc_params fp = {c->data_w, c->acc_w, L->act, L->act_max, L->bias, L->mult, L->shift};
    return fp;
}

static void emit_base(builder *b, const sg_config *c, int wbase, int rbase)
{
    emit_header(b, c, SG_OP_BASE, 0, 0, 0, (unsigned)rbase, (unsigned)wbase);
}

/* Count one RUN's work in the program and the layer's stats. */
static void account_run(builder *b, sg_layer_stats *st, long long nnz, long long words)
{
    b->p->useful_macs += nnz;
    b->p->words += words;
    b->p->runs++;
    st->macs += nnz;
    st->words += words;
    st->runs++;
}

static long long tile_words(const tile *t, int g0, int g1)
{
    long long n = 0;
    for (int g = g0; g < g1; g++)
        n += t->gwords[g];
    return n;
}

/* Resident mode: every layer is one tile and one block and all of them fit
 * the weight and row buffers together, so weights and row records are loaded
 * once, each layer at its own base, and every sample only streams its input
 * vector.  base_w/base_r receive each layer's bases. */
static int plan_resident(const sg_config *c, const sg_model *m, const plan *plans, int *base_w,
                         int *base_r)
{
    long long w = 0, r = 0;
    for (int l = 0; l < m->n_layers; l++) {
        if (plans[l].n_tiles != 1 || plans[l].n_blocks != 1)
            return 0;
        base_w[l] = (int)w;
        base_r[l] = (int)r;
        w += tile_words(&plans[l].t[0], 0, plans[l].groups);
        r += plans[l].groups;
    }
    return w <= c->wbuf_depth && r <= c->rbuf_depth;
}

static void preload_layer(builder *b, const sg_config *c, const sg_layer *L, const plan *pl,
                          int wbase, int rbase, sg_layer_stats *st)
{
    long long beats0 = b->p->n_beats, nnz = 0;
    emit_base(b, c, wbase, rbase);
    emit_rows(b, c, L, 0, pl->groups);
    emit_wgt(b, c, &pl->t[0], 0, pl->groups, &nnz);
    st->beats_in += b->p->n_beats - beats0;
}

static void run_resident_layer(builder *b, const sg_config *c, const sg_layer *L, int li,
                               const plan *pl, const int32_t *x, int32_t *y, int sample,
                               int wbase, int rbase, sg_layer_stats *st)
{
    sg_fc_params fp = fc_params(c, L);
    sg_fc_dense(L->weights, L->out, L->in, x, &fp, y, NULL);
    long long beats0 = b->p->n_beats;
    emit_base(b, c, wbase, rbase);
    emit_vec(b, c, &pl->t[0], x);
    emit_header(b, c, SG_OP_RUN, (unsigned)L->act, 1, (unsigned)L->act_max, (unsigned)L->out,
                (unsigned)pl->groups);
    account_run(b, st, pl->t[0].csb.nnz, tile_words(&pl->t[0], 0, pl->groups));
    for (int r = 0; r < L->out; r++)
        expect_result(b, y[r], li, r, sample, r == L->out - 1);
    st->beats_in += b->p->n_beats - beats0;
    st->outputs += L->out;
    b->p->dense_macs += (long long)L->out * L->in;
}

static int compile_layer(builder *b, const sg_config *c, const sg_layer *L, int li,
                         const plan *pl, const int32_t *x, int32_t *y, int sample,
                         sg_layer_stats *st)
{
    int P = c->pe_count;
    sg_fc_params fp = fc_params(c, L);
    sg_fc_dense(L->weights, L->out, L->in, x, &fp, y, NULL);
    long long beats0 = b->p->n_beats;

    if (pl->n_tiles == 1)
        emit_vec(b, c, &pl->t[0], x);
    for (int bi = 0; bi < pl->n_blocks; bi++) {
        int g0 = pl->block_g0[bi], g1 = pl->block_g0[bi + 1];
        emit_rows(b, c, L, g0, g1);
        int rows = min_i(L->out - g0 * P, (g1 - g0) * P);
        for (int ti = 0; ti < pl->n_tiles; ti++) {
            int final = ti == pl->n_tiles - 1;
            if (pl->n_tiles > 1)
                emit_vec(b, c, &pl->t[ti], x);
            long long nnz = 0;
            int words = emit_wgt(b, c, &pl->t[ti], g0, g1, &nnz);
            emit_header(b, c, SG_OP_RUN, (unsigned)L->act, (unsigned)final,
                        (unsigned)L->act_max, final ? (unsigned)rows : 0, (unsigned)(g1 - g0));
            account_run(b, st, nnz, words);
        }
        for (int r = g0 * P; r < g0 * P + rows; r++)
            expect_result(b, y[r], li, r, sample, r == g0 * P + rows - 1);
    }
    st->beats_in += b->p->n_beats - beats0;
    st->outputs += L->out;
    b->p->dense_macs += (long long)L->out * L->in;
    return 0;
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
    if (count <= 0 || first + count > m->n_inputs)
        count = m->n_inputs - first;
    p->stream_w = c->stream_w;
    p->beat_words = c->stream_w / 32;
    p->elems = c->elems_per_beat;
    p->samples = count;
    p->n_layers = m->n_layers;
    p->layer = calloc((size_t)m->n_layers, sizeof *p->layer);
    plan *plans = calloc((size_t)m->n_layers, sizeof *plans);
    int maxlen = m->input_len;
    for (int l = 0; l < m->n_layers; l++)
        if (m->layers[l].out > maxlen)
            maxlen = m->layers[l].out;
    int32_t *xa = malloc((size_t)maxlen * sizeof *xa);
    int32_t *ya = malloc((size_t)maxlen * sizeof *ya);
    int *base_w = calloc((size_t)m->n_layers, sizeof *base_w);
    int *base_r = calloc((size_t)m->n_layers, sizeof *base_r);
    int rc = -1;
    if (!p->layer || !plans || !xa || !ya || !base_w || !base_r) {
        snprintf(err, errlen, "out of memory compiling '%s'", m->name);
        goto out;
    }
    for (int l = 0; l < m->n_layers; l++) {
        const sg_layer *L = &m->layers[l];
        if (L->type != SG_LAYER_FC) {
            snprintf(err, errlen, "layer '%s': only fc layers run on this hardware yet", L->name);
            goto out;
        }
        if (plan_layer(c, L, &plans[l], err, errlen) != 0)
            goto out;
        snprintf(p->layer[l].name, sizeof p->layer[l].name, "%s", L->name);
        p->layer[l].rows = L->out;
        p->layer[l].cols = L->in;
        p->layer[l].tiles = plans[l].n_tiles;
        p->layer[l].blocks = plans[l].n_blocks;
        for (int ti = 0; ti < plans[l].n_tiles; ti++)
            p->layer[l].weights_nnz += plans[l].t[ti].csb.nnz;
    }
    builder b = {p, 0, 0, 0, 0, 0};
    p->resident = count > 1 && plan_resident(c, m, plans, base_w, base_r);
    for (int l = 0; p->resident && l < m->n_layers; l++)
        preload_layer(&b, c, &m->layers[l], &plans[l], base_w[l], base_r[l], &p->layer[l]);
    for (int s = first; s < first + count; s++) {
        memcpy(xa, m->inputs + (size_t)s * m->input_len, (size_t)m->input_len * sizeof *xa);
        for (int l = 0; l < m->n_layers; l++) {
            if (p->resident)
                run_resident_layer(&b, c, &m->layers[l], l, &plans[l], xa, ya, s, base_w[l],
                                   base_r[l], &p->layer[l]);
            else
                compile_layer(&b, c, &m->layers[l], l, &plans[l], xa, ya, s, &p->layer[l]);
            memcpy(xa, ya, (size_t)m->layers[l].out * sizeof *xa);
        }
    }
    if (p->resident) /* leave the bases at 0, where every other program expects them */
        emit_base(&b, c, 0, 0);
    /* nnz/words/runs per layer were summed over samples; nnz is per layer */
    rc = 0;
out:
    for (int l = 0; plans && l < m->n_layers; l++)
        plan_free(&plans[l]);
    free(plans);
    free(xa);
    free(ya);
    free(base_w);
    free(base_r);
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

char *sg_program_summary_json(const sg_program *p, const sg_config *c, const sg_model *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "model", json_string(m->name));
    json_object_set_new(o, "config", json_string(c->name));
    json_object_set_new(o, "samples", json_integer(p->samples));
    json_object_set_new(o, "command_beats", json_integer(p->n_beats));
    json_object_set_new(o, "output_beats", json_integer(p->n_out));
    json_object_set_new(o, "outputs", json_integer(p->outputs));
    json_object_set_new(o, "useful_macs", json_integer(p->useful_macs));
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
        json_object_set_new(j, "useful_macs", json_integer(s->macs));
        json_object_set_new(j, "words", json_integer(s->words));
        json_object_set_new(j, "runs", json_integer(s->runs));
        json_object_set_new(j, "command_beats", json_integer(s->beats_in));
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
    const char *names[] = {"commands.hex", "expected.hex", "expected_last.hex", "program.json"};
    const sg_strbuf *bufs[] = {&cmd, &exp, &last, &js};
    for (int i = 0; i < 4; i++) {
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
    sg_sb_release(&js);
    return rc;
}
