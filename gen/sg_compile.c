/* sg_compile: tile, CSB-encode and serialize a model into a command stream. */
#include "sg_compile.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg_cmd.h"
#include "sg_expect.h"
#include "sg_conv.h"
#include "sg_csb.h"
#include "sg_fc.h"
#include "sg_strbuf.h"

/* ---- growable beat arrays ------------------------------------------------ */

long long sg_program_max_bytes = SG_PROGRAM_MAX_BYTES;
long long sg_program_max_results = SG_PROGRAM_MAX_RESULTS;

/* What stopped a builder (builder.failed). */
enum { B_OK = 0, B_STREAM_CAP, B_RESULTS_CAP, B_NOMEM };

/* p grown to hold need elements (*cap of them allocated): the new array, or
 * NULL when out of memory (p is then still valid and unchanged). */
static void *grow(void *p, long long *cap, long long need, size_t elem)
{
    if (need <= *cap)
        return p;
    long long n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    if ((unsigned long long)n > SIZE_MAX / elem)
        return NULL;
    void *q = realloc(p, (size_t)n * elem);
    if (q)
        *cap = n;
    return q;
}

typedef struct builder {
    sg_program *p;
    long long cap_beats, cap_out, cap_lanes, cap_last;
    long long lane_fill; /* results placed in the current output beat */
    int failed;          /* B_OK, or why the program could not be built: every
                          * emitter then does nothing, sg_compile reports it
                          * for the layer being compiled */
    sg_layer_stats *st;  /* the layer being emitted (its beats by kind) */
    long long cap_ops;
    int layer, sample;   /* what the operations being emitted serve (sg_op) */
    int wbase, rbase, pbase; /* the bases the last BASE set */
    int wb_on;           /* write-back on (OUT 1) */
    long long wb_lo, wb_hi; /* vector-bank addresses the next final CONV writes back */
} builder;

/* Append nb zeroed command beats of a kind (sg_beat_kind); returns the first word, or NULL once the
 * builder has failed (the stream would pass SG_PROGRAM_MAX_BYTES, or no
 * memory). */
static uint32_t *add_beats(builder *b, long long nb, int kind)
{
    sg_program *p = b->p;
    if (b->failed)
        return NULL;
    p->beats_kind[kind] += nb;
    if (b->st) {
        b->st->beats_in += nb;
        b->st->beats_kind[kind] += nb;
    }
    long long words = (p->n_beats + nb) * p->beat_words;
    if (words > sg_program_max_bytes / 4) {
        b->failed = B_STREAM_CAP;
        return NULL;
    }
    uint32_t *beats = grow(p->beats, &b->cap_beats, words, sizeof *p->beats);
    if (!beats) {
        b->failed = B_NOMEM;
        return NULL;
    }
    p->beats = beats;
    uint32_t *w = p->beats + p->n_beats * p->beat_words;
    memset(w, 0, (size_t)(nb * p->beat_words) * sizeof *w);
    p->n_beats += nb;
    if (kind != SG_BEATS_HDR && p->n_ops > 0) /* the payload of the operation just begun */
        p->ops[p->n_ops - 1].beats += nb;
    return w;
}

/* The operation being emitted (NULL once the builder has failed). */
static sg_op *cur_op(builder *b)
{
    return b->failed || b->p->n_ops == 0 ? NULL : &b->p->ops[b->p->n_ops - 1];
}

/* The current operation also writes (or reads) addresses lo .. hi - 1 of
 * buffer buf (sg_ops.h); an empty range adds nothing. */
static void op_region(builder *b, int buf, int write, long long lo, long long hi)
{
    sg_op *op = cur_op(b);
    if (!op || hi <= lo)
        return;
    if (op->n_regions == SG_OP_REGIONS) { /* cannot happen: no command has more */
        b->failed = B_NOMEM;
        return;
    }
    /* kept in int: sg_ops_check refuses what passes a buffer */
    sg_region g = {(signed char)buf, (signed char)write, lo > INT_MAX ? INT_MAX : (int)lo,
                   hi > INT_MAX ? INT_MAX : (int)hi};
    op->region[op->n_regions++] = g;
}

/* The current RUN or CONV reads `words` CSB words from the weight base and
 * vector-bank words lo .. hi - 1 from the vector base. */
static void op_reads(builder *b, long long words, long long vlo, long long vhi)
{
    op_region(b, SG_BUF_WGT, 0, b->wbase, b->wbase + words);
    op_region(b, SG_BUF_VEC, 0, b->pbase + vlo, b->pbase + vhi);
}

static int min_i(int a, int b)
{
    return a < b ? a : b;
}

/* Append the payload beats of a VEC of n elements (a feature map) and
 * count how long the vector banks take to write it: rate elements a cycle
 * (min(B, E) broadcast, min(P, E) scatter, sg_cmd.h), so a beat of E
 * elements may hold the stream for more than its cycle. */
static uint32_t *add_vec_beats(builder *b, const sg_config *c, long long n, int rate)
{
    long long nb = (n + c->elems_per_beat - 1) / c->elems_per_beat, cyc = (n + rate - 1) / rate;
    uint32_t *w = add_beats(b, nb, SG_BEATS_FMAP);
    if (w) {
        b->p->fmap_cycles += cyc > nb ? cyc : nb;
        if (b->st)
            b->st->fmap_cycles += cyc > nb ? cyc : nb;
    }
    return w;
}

/* One lane of a CSB word: value, offset inside the bank, rotation (CONV). */
static void put_lane(uint32_t *w, const sg_config *c, int lane, int32_t v, uint64_t off,
                     uint64_t rot)
{
    long long bit = (long long)lane * c->lane_w;
    sg_put_bits(w, bit, c->wgt_w, sg_field(v, c->wgt_w));
    sg_put_bits(w, bit + c->wgt_w, c->off_w, off);
    sg_put_bits(w, bit + c->wgt_w + c->off_w, c->rot_w, rot);
}

/* The row record of output row (or channel) r: bias, M, S (sg_cmd.h). */
static void put_row_record(uint32_t *w, const sg_layer *L, int r)
{
    sg_put_bits(w, 0, 32, sg_field(L->bias[r], 32));
    sg_put_bits(w, 32, 32, sg_field(L->mult[r], 32));
    sg_put_bits(w, 64, SG_SHIFT_W, sg_field(L->shift[r], SG_SHIFT_W));
}

/* Begin the operation of a command: its header beats, the op (sg_ops.h)
 * and the regions the header alone says it writes and reads; the bases a
 * BASE sets.  What a RUN, CONV or LSTM reads of the vector and weight
 * buffers, and where a CONV writes back, the lowering adds. */
static void emit_header(builder *b, const sg_config *c, unsigned op, unsigned act, unsigned final,
                        unsigned act_max, unsigned rows, unsigned count)
{
    sg_program *p = b->p;
    uint32_t *w = add_beats(b, c->hdr_beats, SG_BEATS_HDR);
    if (!w)
        return;
    sg_put_bits(w, 0, 64, sg_cmd_header(op, act, final, act_max, rows, count));
    sg_op *ops = grow(p->ops, &b->cap_ops, p->n_ops + 1, sizeof *p->ops);
    if (!ops) {
        b->failed = B_NOMEM;
        return;
    }
    p->ops = ops;
    sg_op *o = &p->ops[p->n_ops++];
    memset(o, 0, sizeof *o);
    o->kind = (int)op;
    o->flags = final ? SG_OPF_FINAL : 0;
    o->act = act;
    o->rows = rows;
    o->count = count;
    o->act_max = act_max;
    o->layer = b->layer;
    o->sample = b->sample;
    o->beat0 = p->n_beats - c->hdr_beats;
    o->beats = c->hdr_beats;
    long long P = c->pe_count, B = c->banks;
    switch (op) {
    case SG_OP_BASE:
        b->wbase = (int)count;
        b->rbase = (int)rows;
        b->pbase = (int)act_max;
        break;
    case SG_OP_VEC: /* scatter: P * B elements a word, else B */
        op_region(b, SG_BUF_VEC, 1, b->pbase, b->pbase + (count + (final ? P * B : B) - 1) /
                                                             (final ? P * B : B));
        break;
    case SG_OP_CLR:
        op_region(b, SG_BUF_VEC, 1, b->pbase, b->pbase + count);
        break;
    case SG_OP_WGT:
        op_region(b, SG_BUF_WGT, 1, b->wbase, b->wbase + count);
        break;
    case SG_OP_ROW:
        op_region(b, SG_BUF_ROW, 1, b->rbase, b->rbase + count);
        break;
    case SG_OP_OUT:
        b->wb_on = count != 0;
        break;
    case SG_OP_RUN:
    case SG_OP_CONV: /* the row records (or partial sums); not final: new partial sums */
        op_region(b, SG_BUF_ROW, 0, b->rbase, b->rbase + count);
        if (!final)
            op_region(b, SG_BUF_ROW, 1, b->rbase, b->rbase + count);
        else if (op == SG_OP_CONV && b->wb_on)
            op_region(b, SG_BUF_VEC, 1, b->wb_lo, b->wb_hi);
        break;
    default:
        break;
    }
}

/* Set the max flag (header bit 56) of the header just emitted. */
static void mark_max(builder *b, const sg_config *c)
{
    sg_op *op = cur_op(b);
    if (!op)
        return;
    sg_put_bits(b->p->beats + (b->p->n_beats - c->hdr_beats) * b->p->beat_words, 56, 1, 1);
    op->flags |= SG_OPF_MAX;
}

/* Place one result lane in the output beats: what the accelerator sends
 * next is row `row` of layer `layer` for that sample, from that PE (its
 * golden value is sg_expect_fill's, a pass of its own); row < 0: a result
 * the accelerator computes and sends but nobody needs (a flat CONV pixel
 * between two output rows), its value not checked. */
static void place_result(builder *b, int layer, int row, int sample, int pe, int last)
{
    sg_program *p = b->p;
    if (b->failed)
        return;
    if (b->lane_fill == 0) {
        if ((p->n_out + 1) * p->elems > sg_program_max_results) {
            b->failed = B_RESULTS_CAP;
            return;
        }
        uint32_t *out = grow(p->out, &b->cap_out, (p->n_out + 1) * p->beat_words, sizeof *p->out);
        if (out)
            p->out = out;
        sg_lane *lanes = out ? grow(p->lanes, &b->cap_lanes, (p->n_out + 1) * p->elems,
                                    sizeof *p->lanes)
                             : NULL;
        if (lanes)
            p->lanes = lanes;
        uint8_t *last = lanes ? grow(p->out_last, &b->cap_last, p->n_out + 1, 1) : NULL;
        if (!last) {
            b->failed = B_NOMEM;
            return;
        }
        p->out_last = last;
        memset(p->out + p->n_out * p->beat_words, 0, (size_t)p->beat_words * sizeof *p->out);
        for (int j = 0; j < p->elems; j++)
            p->lanes[p->n_out * p->elems + j] = (sg_lane){0, -1, -1, -1, -1};
        p->out_last[p->n_out] = 0;
        p->n_out++;
    }
    long long beat = p->n_out - 1;
    p->lanes[beat * p->elems + b->lane_fill] = (sg_lane){0, layer, row, sample, pe};
    b->lane_fill++;
    if (row >= 0)
        p->outputs++;
    else
        p->discarded++;
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

/* One slice of a CONV layer: a phase over a tile of input channels.  A
 * stride-(sh, sw) convolution is the sum of sh * sw stride-1 convolutions
 * ("phases"): phase (a, e) takes the kernel taps (a + sh*i, e + sw*j) and the
 * padded input's rows a + sh*y and columns e + sw*x.  When the rows of all
 * input channels do not fit the vector banks, the channels are cut into
 * tiles.  Each slice is run as its own stride-1 CONV, the partial sums
 * staying in the PEs' bias buffers between slices. */
typedef struct conv_phase {
    int c0, nc;      /* input channels c0 .. c0 + nc - 1 (the slice's tile) */
    int a, e;        /* first tap row and column of the phase */
    int kh, kw;      /* taps of the phase */
    int wq;          /* flat vector-buffer words per unit (unit_words) */
    int upb;         /* units per bank (conv_plan.unit) */
    int utaps;       /* CSB columns (taps) per unit: kh * kw, kw or 1 */
    int region;      /* first vector-buffer address of the phase's rows */
    int words;       /* region size: upb * wq */
    sg_csb csb;      /* the phase's sub-kernel, banks over groups of units */
    int *cwords;     /* words per output channel (>= 1) */
    long long *cnnz; /* nonzero weights per output channel */
} conv_phase;

typedef struct conv_plan {
    int unit;        /* what a bank unit holds: 0 a channel, 1 a (channel, tap row)
                      * pair, 2 a (channel, tap) triple -- each unit a copy of
                      * the channel's band shifted to its first tap */
    int w_out, wf;   /* output row width; flat row width of the line buffer */
    int groups;      /* pixel groups of the layer: ceil(((h_out - 1) Wf + w_out) / P) */
    int gpb;         /* pixel groups per band (per load of the line buffer) */
    int shift;       /* flat shift of the stored data (a consumer written on chip) */
    int vbase;       /* first vector-buffer address of the layer's line buffer */
    int chained_in;  /* the input map is written by the previous layer (no loads) */
    int chained_out; /* the results are also written into the next layer's banks */
    int upb0;        /* units per bank of the (single) slice, for the producer */
    int nph;         /* phases */
    int nct;         /* input-channel tiles, every tile inside one group (a grouped
                      * layer has at least one per group) */
    int tpg;         /* tiles per group: above 1 the partial sums of a group's
                      * tiles wait in the row buffer (band 1) */
    int opg;         /* output channels per group (c_out when ungrouped) */
    conv_phase *ph;  /* nct * nph slices, slice t * nph + i: phase i of tile t */
    int n_blocks;    /* output-channel blocks */
    int *block_o0;   /* n_blocks + 1 entries: first channel of each block */
} conv_plan;

typedef struct plan {
    conv_plan *cv;   /* CONV layers: the conv plan (tiles/blocks unused) */
    int rows, cols, groups;
    int lq;          /* LSTM: vector words per bank of one step's region */
    int lregions;    /* LSTM: regions in the vector buffer (>= 2) */
    int n_tiles;
    tile *t;
    int n_blocks;
    int *block_g0;   /* n_blocks + 1 entries: first group of each block */
} plan;

static void conv_plan_free(conv_plan *cv)
{
    if (!cv)
        return;
    for (int i = 0; cv->ph && i < cv->nph * cv->nct; i++) {
        sg_csb_free(&cv->ph[i].csb);
        free(cv->ph[i].cwords);
        free(cv->ph[i].cnnz);
    }
    free(cv->ph);
    free(cv->block_o0);
    free(cv);
}

static void plan_free(plan *pl)
{
    conv_plan_free(pl->cv);
    for (int i = 0; i < pl->n_tiles; i++) {
        sg_csb_free(&pl->t[i].csb);
        free(pl->t[i].gwords);
    }
    free(pl->t);
    free(pl->block_g0);
    memset(pl, 0, sizeof *pl);
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
    uint32_t *w = add_vec_beats(b, c, n, min_i(c->banks, c->elems_per_beat));
    if (!w)
        return;
    for (long long i = 0; i < n; i++) {
        long long col = (i % B) * t->bank_size + i / B; /* bank i % B, offset i / B */
        int32_t v = col < t->cols ? x[t->col0 + col] : 0;
        sg_put_bits(w, i * c->data_w, c->data_w, sg_field(v, c->data_w));
    }
}

/* The model row that row r of the hardware order holds, or -1 (padding):
 * FC r itself; LSTM row 4j + g is gate g of unit j, model row g * H + j. */
static int model_row(const sg_layer *L, int r)
{
    if (L->type == SG_LAYER_LSTM)
        return r < 4 * L->out ? (r % 4) * L->out + r / 4 : -1;
    return r < L->out ? r : -1;
}

/* Row records of groups g0 .. g1-1: row g * P + pe on PE pe. */
static void emit_rows(builder *b, const sg_config *c, const sg_layer *L, int g0, int g1)
{
    int P = c->pe_count;
    emit_header(b, c, SG_OP_ROW, 0, 0, 0, 0, (unsigned)(g1 - g0));
    for (int g = g0; g < g1; g++) {
        for (int pe = 0; pe < P; pe++) {
            uint32_t *w = add_beats(b, c->row_beats, SG_BEATS_ROW);
            if (!w)
                return;
            int r = model_row(L, g * P + pe);
            if (r >= 0)
                put_row_record(w, L, r);
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
                uint32_t *w = add_beats(b, c->wgt_beats, SG_BEATS_WGT);
                if (!w)
                    return n;
                int r = g * P + pe;
                if (j == t->gwords[g] - 1)
                    sg_put_bits(w, c->word_w - 1, 1, 1);
                if (r >= t->csb.rows || j >= sg_csb_row_words(&t->csb, r))
                    continue;
                long long word = t->csb.row_start[r] + j;
                for (int lane = 0; lane < B; lane++) {
                    int32_t v = t->csb.value[word * B + lane];
                    if (v == 0)
                        continue;
                    (*nnz)++;
                    put_lane(w, c, lane, v, t->csb.offset[word * B + lane], 0);
                }
            }
        }
    }
    return n;
}

static void emit_base3(builder *b, const sg_config *c, int wbase, int rbase, int pbase)
{
    emit_header(b, c, SG_OP_BASE, 0, 0, (unsigned)pbase, (unsigned)rbase, (unsigned)wbase);
}

static void emit_base(builder *b, const sg_config *c, int wbase, int rbase)
{
    emit_base3(b, c, wbase, rbase, 0);
}

/* Count one RUN's work in the program and the layer's stats: nnz MACs
 * issued, junk of them for results that are thrown away. */
static void account_run(builder *b, sg_layer_stats *st, long long nnz, long long words,
                        long long junk)
{
    b->p->useful_macs += nnz;
    b->p->junk_macs += junk;
    b->p->words += words;
    b->p->runs++;
    st->macs += nnz;
    st->junk_macs += junk;
    st->words += words;
    st->runs++;
    sg_op *op = cur_op(b);
    if (op) {
        op->macs += nnz;
        op->words += words;
    }
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
        if (m->layers[l].type != SG_LAYER_FC || plans[l].n_tiles != 1 || plans[l].n_blocks != 1)
            return 0;
        base_w[l] = (int)w;
        base_r[l] = (int)r;
        w += tile_words(&plans[l].t[0], 0, plans[l].groups);
        r += plans[l].groups;
    }
    return w <= c->wbuf_depth && r <= c->rbuf_depth;
}

static void preload_layer(builder *b, const sg_config *c, const sg_layer *L, const plan *pl,
                          int wbase, int rbase)
{
    long long nnz = 0;
    emit_base(b, c, wbase, rbase);
    emit_rows(b, c, L, 0, pl->groups);
    emit_wgt(b, c, &pl->t[0], 0, pl->groups, &nnz);
}

static void run_resident_layer(builder *b, const sg_config *c, const sg_layer *L, int li,
                               const plan *pl, const int32_t *x, int sample, int wbase,
                               int rbase, sg_layer_stats *st)
{
    emit_base(b, c, wbase, rbase);
    emit_vec(b, c, &pl->t[0], x);
    emit_header(b, c, SG_OP_RUN, (unsigned)L->act, 1, (unsigned)L->act_max, (unsigned)L->out,
                (unsigned)pl->groups);
    account_run(b, st, pl->t[0].csb.nnz, tile_words(&pl->t[0], 0, pl->groups), 0);
    op_reads(b, tile_words(&pl->t[0], 0, pl->groups), 0, pl->t[0].bank_size);
    for (int r = 0; r < L->out; r++)
        place_result(b, li, r, sample, r % c->pe_count, r == L->out - 1);
    st->outputs += L->out;
    b->p->dense_macs += (long long)L->out * L->in;
}

/* FC layer li for samples first .. first + ns - 1 (inputs xs[s]).  One column tile and several samples: each block's
 * rows and words are loaded once and every sample only sends its vector
 * (results layer-major: block by block, sample by sample).  Otherwise
 * sample by sample: the partial sums of the column tiles fill the bias
 * buffers. */
static void compile_layer(builder *b, const sg_config *c, const sg_layer *L, int li,
                          const plan *pl, const int32_t *const *xs, int first, int ns,
                          sg_layer_stats *st)
{
    int P = c->pe_count;
    if (pl->n_tiles == 1 && ns > 1) {
        for (int bi = 0; bi < pl->n_blocks; bi++) {
            int g0 = pl->block_g0[bi], g1 = pl->block_g0[bi + 1];
            int rows = min_i(L->out - g0 * P, (g1 - g0) * P);
            long long nnz = 0;
            b->sample = -1; /* one load for every sample */
            emit_rows(b, c, L, g0, g1);
            int words = emit_wgt(b, c, &pl->t[0], g0, g1, &nnz);
            for (int s = 0; s < ns; s++) {
                b->sample = first + s;
                emit_vec(b, c, &pl->t[0], xs[s]);
                emit_header(b, c, SG_OP_RUN, (unsigned)L->act, 1, (unsigned)L->act_max,
                            (unsigned)rows, (unsigned)(g1 - g0));
                account_run(b, st, nnz, words, 0);
                op_reads(b, words, 0, pl->t[0].bank_size);
                for (int r = g0 * P; r < g0 * P + rows; r++)
                    place_result(b, li, r, first + s, r % P, r == g0 * P + rows - 1);
            }
        }
    }
    for (int s = 0; s < ns && !(pl->n_tiles == 1 && ns > 1); s++) {
        b->sample = first + s;
        if (pl->n_tiles == 1)
            emit_vec(b, c, &pl->t[0], xs[s]);
        for (int bi = 0; bi < pl->n_blocks; bi++) {
            int g0 = pl->block_g0[bi], g1 = pl->block_g0[bi + 1];
            emit_rows(b, c, L, g0, g1);
            int rows = min_i(L->out - g0 * P, (g1 - g0) * P);
            for (int ti = 0; ti < pl->n_tiles; ti++) {
                int final = ti == pl->n_tiles - 1;
                if (pl->n_tiles > 1)
                    emit_vec(b, c, &pl->t[ti], xs[s]);
                long long nnz = 0;
                int words = emit_wgt(b, c, &pl->t[ti], g0, g1, &nnz);
                emit_header(b, c, SG_OP_RUN, (unsigned)L->act, (unsigned)final,
                            (unsigned)L->act_max, final ? (unsigned)rows : 0, (unsigned)(g1 - g0));
                account_run(b, st, nnz, words, 0);
                op_reads(b, words, 0, pl->t[ti].bank_size);
            }
            for (int r = g0 * P; r < g0 * P + rows; r++)
                place_result(b, li, r, first + s, r % P, r == g0 * P + rows - 1);
        }
    }
    st->outputs += (long long)L->out * ns;
    b->p->dense_macs += (long long)L->out * L->in * ns;
}

/* ---- CONV layers: the vector generator's dataflow --------------------------
 *
 * Every PE holds the same CSB words (one output channel = one group), loaded
 * once by broadcast.  The input rows of a band of output rows are laid out
 * flat, row after row, Wf columns each (Wf = w_out + kw - 1 of the widest
 * phase): input element (r, x) of a unit sits at flat position F = r * Wf +
 * x, in PE F % P at address region + unit * wq + F / P of the unit's bank.
 * Output pixel (oy0 + f / Wf, f % Wf) of the band is flat position f, and
 * its tap (i, j) reads F = f + i * Wf + j: one constant offset d = i * Wf + j
 * for all pixels.  PE p computes f = g * P + p of pixel group g, so a lane
 * with tap d has offset unit * wq + d / P and rotation d % P; the hardware
 * adds the group (BASE pbase = region + g) and rotates the banks' data
 * (sg_core.v).  The flat layout lets a group span several output rows, so
 * narrow maps (13 x 13 on 56 PEs) keep most PEs busy; the Wf - w_out
 * columns between rows are computed and discarded (lanes marked so).
 * Loop: per output-channel block ROW + WGT (broadcast); per band one scatter
 * VEC per slice; per pixel group one CONV per slice. */

/* Units per input channel of phase ph: 1, kh (pairs) or kh * kw (taps). */
static int unit_count(const conv_plan *cv, const conv_phase *ph)
{
    return cv->unit == 0 ? 1 : cv->unit == 1 ? ph->kh : ph->kh * ph->kw;
}

/* Flat shift of unit uc (0 .. unit_count - 1) of a channel: its first tap. */
static long long unit_shift(const conv_plan *cv, const conv_phase *ph, int uc)
{
    return cv->unit == 0 ? 0 : cv->unit == 1 ? (long long)uc * cv->wf
                                             : (long long)(uc / ph->kw) * cv->wf + uc % ph->kw;
}

/* Encode slice ph (channels and phase set) of layer L: its CSB, words and
 * nonzeros per output channel.  Returns 0 or -1 with err set. */
static int encode_slice(const sg_config *c, const sg_layer *L, const conv_plan *cv, conv_phase *ph,
                        char *err, size_t errlen)
{
    const sg_conv_shape *s = &L->conv;
    int B = c->banks;
    ph->upb = (ph->nc * unit_count(cv, ph) + B - 1) / B;
    ph->utaps = ph->kh * ph->kw / unit_count(cv, ph);
    /* the slice's sub-kernel as a c_out x (nc * kh * kw) matrix */
    int cols = ph->nc * ph->kh * ph->kw;
    int32_t *sub = calloc((size_t)s->c_out * (size_t)cols, sizeof *sub);
    if (!sub)
        goto oom;
    /* the tile lies inside one group: only that group's outputs have
     * weights in it, at channel c0 + ch - (the group's first) of their rows */
    int cpg = sg_conv_cpg(s), go = ph->c0 / cpg;
    for (int o = go * cv->opg; o < (go + 1) * cv->opg; o++)
        for (int ch = 0; ch < ph->nc; ch++)
            for (int i = 0; i < ph->kh; i++)
                for (int j = 0; j < ph->kw; j++)
                    sub[(size_t)o * cols + ((size_t)ch * ph->kh + i) * ph->kw + j] =
                        L->weights[(((size_t)o * cpg + ph->c0 - go * cpg + ch) * s->kh + ph->a +
                                    s->stride_h * i) * s->kw + ph->e + s->stride_w * j];
    /* columns (c * kh + i) * kw + j = unit * utaps + tap in every banking */
    int rc = sg_csb_encode(sub, s->c_out, cols, B, ph->upb * ph->utaps, &ph->csb, err, errlen);
    free(sub);
    if (rc != 0)
        return -1;
    ph->cwords = malloc((size_t)s->c_out * sizeof *ph->cwords);
    ph->cnnz = calloc((size_t)s->c_out, sizeof *ph->cnnz);
    if (!ph->cwords || !ph->cnnz)
        goto oom;
    for (int o = 0; o < s->c_out; o++) {
        int k = sg_csb_row_words(&ph->csb, o);
        ph->cwords[o] = k > 0 ? k : 1;
        for (long long w = ph->csb.row_start[o]; w < ph->csb.row_start[o + 1]; w++)
            for (int lane = 0; lane < B; lane++)
                ph->cnnz[o] += ph->csb.value[w * B + lane] != 0;
    }
    return 0;
oom:
    snprintf(err, errlen, "layer '%s': out of memory", L->name);
    return -1;
}

/* Flat vector-buffer words per unit that phase ph needs for a band of gpb
 * pixel groups: as far as the last group's taps reach from the unit's shift
 * (plus the layer's storage shift; positions past the map hold zeros). */
static long long unit_words(const sg_config *c, const conv_plan *cv, const conv_phase *ph, int gpb)
{
    long long P = c->pe_count;
    long long reach = cv->unit == 0   ? (long long)(ph->kh - 1) * cv->wf + ph->kw - 1
                      : cv->unit == 1 ? ph->kw - 1
                                      : 0;
    return ((long long)gpb * P + reach + cv->shift + P - 1) / P;
}

/* Vector-buffer words per bank that the phases geo[0 .. nph-1] need for a
 * band of gpb pixel groups over nc input channels. */
static long long band_words(const sg_config *c, const conv_plan *cv, const conv_phase *geo, int nc,
                            int gpb)
{
    long long need = 0;
    for (int i = 0; i < cv->nph; i++) {
        long long units = (long long)nc * unit_count(cv, &geo[i]);
        need += (units + c->banks - 1) / c->banks * unit_words(c, cv, &geo[i], gpb);
    }
    return need;
}

/* How a CONV layer is placed: its flat row width (at least the layer's
 * own), the vector-buffer room and first address it may use, and whether
 * its input is written on chip by the previous layer (then its line buffer
 * must hold the whole map, stored with the shift that aligns the writes). */
typedef struct conv_place {
    int wf, room, vbase, chained_in;
} conv_place;

/* The flat row width a CONV layer needs: output width + widest phase - 1. */
static int conv_min_wf(const sg_layer *L)
{
    const sg_conv_shape *s = &L->conv;
    return s->w_out + (int)(((long long)s->kw + s->stride_w - 1) / s->stride_w) - 1;
}

/* What a bank unit of CONV layer L holds (conv_plan.unit).  With fewer
 * input channels than banks, banking by channel leaves banks idle (AlexNet
 * conv1: 3 of 32); banking (channel, tap row) pairs, or (channel, tap)
 * triples when all of them fit the banks, fills them, each unit keeping its
 * own copy of the band shifted to its first tap.  A max-pool keeps channel
 * banking: all taps of a channel then sit in one bank, so every word carries
 * one tap, as the max accumulation needs. */
static int conv_unit(const sg_config *c, const sg_layer *L)
{
    const sg_conv_shape *s = &L->conv;
    int kh0 = (int)(((long long)s->kh + s->stride_h - 1) / s->stride_h);
    int kw0 = (int)(((long long)s->kw + s->stride_w - 1) / s->stride_w);
    int cpg = sg_conv_cpg(s); /* the channels one output reads: its group's */
    if (L->type == SG_LAYER_MAXPOOL || cpg >= c->banks || kh0 * kw0 == 1)
        return 0;
    return (long long)cpg * kh0 * kw0 <= c->banks ? 2 : 1;
}

static int plan_conv(const sg_config *c, const sg_layer *L, const conv_place *pc, plan *pl,
                     char *err, size_t errlen)
{
    const sg_conv_shape *s = &L->conv;
    int P = c->pe_count, pool = L->type == SG_LAYER_MAXPOOL;
    conv_phase *geo = NULL;
    memset(pl, 0, sizeof *pl);
    pl->rows = s->c_out;
    pl->cols = s->c_in * s->kh * s->kw;
    conv_plan *cv = calloc(1, sizeof *cv);
    pl->cv = cv;
    if (!cv)
        goto oom;
    cv->unit = conv_unit(c, L);
    cv->w_out = s->w_out;
    cv->wf = pc->wf > conv_min_wf(L) ? pc->wf : conv_min_wf(L);
    cv->groups = (int)(((long long)(s->h_out - 1) * cv->wf + s->w_out + P - 1) / P);
    cv->vbase = pc->vbase;
    cv->chained_in = pc->chained_in;
    if (cv->chained_in) {
        /* the producer writes input pixel (Y, X) at flat (Y + pad) Wf + X +
         * pad + shift; the shift makes that P-aligned with its own output
         * position Y Wf + X, so its PE p writes our PE p */
        long long k = (long long)s->pad_h * cv->wf + s->pad_w;
        cv->shift = (int)((k + P - 1) / P * P - k);
    }
    /* the phases' geometry: min(sh, kh) x min(sw, kw) of them (a 9 x 9
     * stride-9 pool has 81) */
    geo = calloc((size_t)min_i(s->stride_h, s->kh) * (size_t)min_i(s->stride_w, s->kw),
                             sizeof *geo);
    if (!geo)
        goto oom;
    for (int a = 0; a < s->stride_h && a < s->kh; a++) {
        for (int e = 0; e < s->stride_w && e < s->kw; e++) {
            conv_phase *ph = &geo[cv->nph++];
            memset(ph, 0, sizeof *ph);
            ph->a = a;
            ph->e = e;
            ph->kh = (s->kh - a + s->stride_h - 1) / s->stride_h;
            ph->kw = (s->kw - e + s->stride_w - 1) / s->stride_w;
        }
    }
    /* Band: as many pixel groups per load as the vector banks hold, so each
     * input row is sent about (kh + rows - 1) / rows times, not kh times.
     * When not even one group's input fits, the input channels are cut into
     * tiles of ct channels run one after the other, the partial sums in the
     * bias buffers. */
    int room = min_i(pc->room, 65535);
    /* a grouped layer's tiles hold one group's channels (or an equal part
     * of them): its output channels read nothing else */
    int G = sg_conv_groups(s), cpg = sg_conv_cpg(s);
    int ct = cpg;
    cv->opg = s->c_out / G;
    cv->nct = G;
    if (band_words(c, cv, geo, ct, 1) > room) {
        while (ct > 1 && (band_words(c, cv, geo, ct, 1) > room || (G > 1 && cpg % ct != 0)))
            ct--;
        if (band_words(c, cv, geo, ct, 1) > room) {
            snprintf(err, errlen,
                     "layer '%s': the input rows of one %s per bank need %lld vector-buffer "
                     "words (%d columns per row over %d PEs), more than vbuf_depth %d; tiling "
                     "the map's width is not implemented",
                     L->name, cv->unit == 0 ? "channel" : cv->unit == 1 ? "(channel, kernel row) pair" : "(channel, tap)",
                     band_words(c, cv, geo, 1, 1), cv->wf, P, c->vbuf_depth);
            goto fail;
        }
        cv->nct = (s->c_in + ct - 1) / ct;
    }
    cv->tpg = (cpg + ct - 1) / ct;
    /* the most groups whose band fits; with tiles at most an output row's
     * worth, so the groups' partial sums leave room for many channels */
    int lo = 1, hi = cv->tpg > 1 ? min_i(cv->groups, (s->w_out + P - 1) / P) : cv->groups;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (band_words(c, cv, geo, ct, mid) <= room)
            lo = mid;
        else
            hi = mid - 1;
    }
    cv->gpb = lo;
    if (cv->chained_in && (cv->nct > 1 || cv->gpb < cv->groups || cv->nph > 1 || cv->unit != 0)) {
        snprintf(err, errlen, "layer '%s': its input map does not fit the vector banks whole",
                 L->name);
        goto fail; /* sg_compile plans it again without the chain */
    }
    cv->ph = calloc((size_t)(cv->nph * cv->nct), sizeof *cv->ph);
    if (!cv->ph)
        goto oom;
    for (int t = 0; t < cv->nct; t++) {
        int region = 0;
        for (int i = 0; i < cv->nph; i++) {
            conv_phase *ph = &cv->ph[t * cv->nph + i];
            *ph = geo[i];
            ph->c0 = t * ct;
            ph->nc = min_i(ct, s->c_in - ph->c0);
            if (encode_slice(c, L, cv, ph, err, errlen) != 0)
                goto fail;
            ph->wq = (int)unit_words(c, cv, ph, cv->gpb);
            ph->region = cv->vbase + region; /* the tiles reuse the banks one after the other */
            ph->words = ph->upb * ph->wq;
            region += ph->words;
        }
    }
    free(geo);
    geo = NULL;
    /* output-channel blocks: all slices' words fit the weight buffer, the
     * channels fit the row buffer -- with channel tiles, once per pixel group
     * of a chunk of groups whose partial sums wait there for the next tile
     * (compile_conv_layer); a max-pool's blocks stay inside one tile (its
     * channel reads only its own) */
    cv->block_o0 = malloc((size_t)(s->c_out + 1) * sizeof *cv->block_o0);
    if (!cv->block_o0)
        goto oom;
    int o = 0;
    int max_ch = c->rbuf_depth;
    if (cv->tpg > 1 && cv->gpb > 1) /* several groups' partial sums wait together */
        max_ch = c->rbuf_depth / cv->gpb > 1 ? c->rbuf_depth / cv->gpb : 1;
    max_ch = min_i(max_ch, (int)SG_HDR_COUNT_MAX);
    while (o < s->c_out) {
        cv->block_o0[cv->n_blocks++] = o;
        long long used = 0;
        int n = 0;
        while (o < s->c_out && n < max_ch &&
               !(n > 0 && (pool ? o % ct == 0 : o % cv->opg == 0))) {
            long long need = 0;
            for (int i = 0; i < cv->nph * cv->nct; i++)
                need += cv->ph[i].cwords[o];
            if (used + need > c->wbuf_depth)
                break;
            used += need;
            o++;
            n++;
        }
        if (n == 0) {
            long long need = 0;
            for (int i = 0; i < cv->nph * cv->nct; i++)
                need += cv->ph[i].cwords[o];
            snprintf(err, errlen,
                     "layer '%s': output channel %d needs %lld CSB words, more than the %d-word "
                     "weight buffer",
                     L->name, o, need, c->wbuf_depth);
            return -1;
        }
    }
    cv->block_o0[cv->n_blocks] = s->c_out;
    pl->n_blocks = cv->n_blocks;
    cv->upb0 = cv->ph[0].upb;
    return 0;
oom:
    snprintf(err, errlen, "layer '%s': out of memory", L->name);
fail:
    free(geo);
    return -1;
}

/* Input value of slice ph at (its channel ch, phase row y, phase column x). */
static int32_t phase_input(const sg_conv_shape *s, const conv_phase *ph, const int32_t *x, int ch,
                           int y, int xx)
{
    int Y = ph->a + s->stride_h * y - s->pad_h, X = ph->e + s->stride_w * xx - s->pad_w;
    if (ch >= ph->nc || Y < 0 || Y >= s->h_in || X < 0 || X >= s->w_in)
        return 0;
    return x[((size_t)(ph->c0 + ch) * s->h_in + Y) * s->w_in + X];
}

/* Scatter slice ph's input for the band from pixel group g0 on, laid out
 * flat, into the PEs' banks (VEC with the scatter flag: element i -> PE i %
 * P, bank (i / P) % B, address pbase + i / (P * B)), split into commands that
 * fit the count field; flat positions outside the map are zero. */
static void emit_conv_rows(builder *b, const sg_config *c, const sg_conv_shape *s,
                           const conv_plan *cv, const conv_phase *ph, const int32_t *x, int g0)
{
    int P = c->pe_count, B = c->banks;
    int per_cmd = (int)(SG_HDR_COUNT_MAX / ((long long)P * B));
    for (int a0 = 0; a0 < ph->words; a0 += per_cmd) {
        int na = min_i(per_cmd, ph->words - a0);
        long long n = (long long)na * P * B;
        emit_base3(b, c, 0, 0, ph->region + a0);
        emit_header(b, c, SG_OP_VEC, 0, 1, 0, 0, (unsigned)n);
        uint32_t *w = add_vec_beats(b, c, n, min_i(c->pe_count, c->elems_per_beat));
        if (!w)
            return;
        for (long long i = 0; i < n; i++) {
            int q = (int)(i % P), bank = (int)((i / P) % B), addr = a0 + (int)(i / ((long long)P * B));
            int u = bank * ph->upb + addr / ph->wq;
            /* unit u is channel u / n's copy shifted to its first tap */
            int un = unit_count(cv, ph), ch = u / un;
            long long f = (long long)g0 * P + (long long)(addr % ph->wq) * P + q - cv->shift +
                          unit_shift(cv, ph, u % un);
            int32_t v = f < 0 ? 0 : phase_input(s, ph, x, ch, (int)(f / cv->wf), (int)(f % cv->wf));
            sg_put_bits(w, i * c->data_w, c->data_w, sg_field(v, c->data_w));
        }
    }
}

/* Broadcast the words of channels o0 .. o1-1 of one phase (at the current
 * weight base), lanes remapped to the vector generator's addressing.
 * rd[0 .. 1]: the vector-bank words a CONV of these words reads, from its
 * base ([0, 0) when it has no weight). */
static void emit_conv_wgt(builder *b, const sg_config *c, const conv_plan *cv,
                          const conv_phase *ph, int o0, int o1, int *rd)
{
    int P = c->pe_count, B = c->banks, n = 0;
    long long lo = -1, hi = 0;
    for (int o = o0; o < o1; o++)
        n += ph->cwords[o];
    emit_header(b, c, SG_OP_WGT, 0, 1, 0, 0, (unsigned)n);
    for (int o = o0; o < o1; o++) {
        for (int j = 0; j < ph->cwords[o]; j++) {
            uint32_t *w = add_beats(b, c->wgt_beats, SG_BEATS_WGT);
            if (!w)
                return;
            if (j == ph->cwords[o] - 1)
                sg_put_bits(w, c->word_w - 1, 1, 1);
            if (j >= sg_csb_row_words(&ph->csb, o))
                continue;
            long long word = ph->csb.row_start[o] + j;
            for (int lane = 0; lane < B; lane++) {
                int32_t v = ph->csb.value[word * B + lane];
                if (v == 0)
                    continue;
                int t = (int)ph->csb.offset[word * B + lane];
                /* unit l of the bank (its channel's unit uc), tap (i, jj) at
                 * flat distance d from the unit's shift */
                long long col = (long long)ph->csb.bank_size * lane + t;
                int l = t / ph->utaps, tap = (int)(col % (ph->kh * ph->kw));
                int uc = (int)(col / ph->utaps % unit_count(cv, ph));
                long long d = (long long)(tap / ph->kw) * cv->wf + tap % ph->kw -
                              unit_shift(cv, ph, uc) + cv->shift;
                long long a = (long long)l * ph->wq + d / P;
                put_lane(w, c, lane, v, (uint64_t)a, (uint64_t)(d % P));
                /* a PE reads a rotated neighbour's bank, one word on when the
                 * rotation wraps */
                if (lo < 0 || a < lo)
                    lo = a;
                if (a + 1 + (d % P != 0) > hi)
                    hi = a + 1 + (d % P != 0);
            }
        }
    }
    rd[0] = lo < 0 ? 0 : (int)lo;
    rd[1] = lo < 0 ? 0 : (int)hi;
}

/* ROW with the broadcast flag: one record per output channel for every PE. */
static void emit_conv_rows_params(builder *b, const sg_config *c, const sg_layer *L, int o0, int o1)
{
    emit_header(b, c, SG_OP_ROW, 0, 1, 0, 0, (unsigned)(o1 - o0));
    for (int o = o0; o < o1; o++) {
        uint32_t *w = add_beats(b, c->row_beats, SG_BEATS_ROW);
        if (!w)
            return;
        put_row_record(w, L, o);
    }
}

/* Useful MACs and words of slice ph's CONV over channels o0 .. o1-1. */
static long long slice_nnz(const conv_phase *ph, int o0, int o1, long long *words)
{
    long long nnz = 0;
    *words = 0;
    for (int o = o0; o < o1; o++) {
        nnz += ph->cnnz[o];
        *words += ph->cwords[o];
    }
    return nnz;
}

/* One output-channel block of a CONV layer being emitted. */
typedef struct conv_block {
    const sg_layer *L;
    const conv_plan *cv;
    const conv_plan *next; /* the next layer's plan when our results go to its banks */
    const sg_layer *nextL;
    const int32_t *x;   /* the layer's input map */
    int li, sample;
    int fresh;          /* the row buffer holds the biases (the block's first sample) */
    sg_layer_stats *st;
    int o0, o1;         /* output channels */
    const char *live;   /* per slice: it runs (holds a weight of the block) */
    const int *wb;      /* per live slice: its weight-buffer base */
    const int *rd;      /* per live slice: the vector words its CONV reads (2 each) */
    int last;           /* the last live slice (its CONV is final) */
    int nlive;          /* live slices */
    int first_t, last_t; /* the first and last tile with a live slice */
} conv_block;

/* OUT before the final CONV of pixel group g: the block's results go to the
 * next layer's line buffer.  Our output pixel at flat f = g P + p is the next
 * layer's input (Y, X) = (f / Wf, f % Wf), stored at flat (Y + pad) Wf + X +
 * pad + shift = f + K2 with K2 a multiple of P: PE p, address base + g + K2
 * / P of channel o's unit (bank o / upb, unit o % upb).  Pixels between rows
 * and past the map are masked off. */
static void emit_out(builder *b, const sg_config *c, const conv_block *k, int g, int npix)
{
    const conv_plan *nx = k->next;
    const sg_conv_shape *ns = &k->nextL->conv;
    int P = c->pe_count;
    long long k2 = (long long)ns->pad_h * nx->wf + ns->pad_w + nx->shift;
    long long base = nx->ph[0].region + g + k2 / P;
    int upb = nx->upb0, cl = k->o0 % upb;
    uint64_t mask = 0;
    for (int p = 0; p < npix; p++) {
        long long f = (long long)g * P + p;
        if (f % k->cv->wf < k->cv->w_out && f / k->cv->wf < k->L->conv.h_out)
            mask |= 1ULL << p;
    }
    /* the units the block's channels go to, (cl + k) % upb, each wq apart */
    int nch = k->o1 - k->o0, u0 = cl, u1 = cl + nch - 1;
    if (nch >= upb || u1 >= upb)
        u0 = 0, u1 = upb - 1;
    b->wb_lo = base + (long long)u0 * nx->ph[0].wq;
    b->wb_hi = base + (long long)u1 * nx->ph[0].wq + 1;
    emit_header(b, c, SG_OP_OUT, 0, 0, 0, 0, 1);
    uint32_t *w = add_beats(b, c->out_beats, SG_BEATS_REC);
    if (!w)
        return;
    sg_put_bits(w, 0, 64, mask);
    sg_put_bits(w, 64, 16, (uint64_t)(base + (long long)cl * nx->ph[0].wq));
    sg_put_bits(w, 80, 16, (uint64_t)base);
    sg_put_bits(w, 96, 16, (uint64_t)nx->ph[0].wq);
    sg_put_bits(w, 112, 16, (uint64_t)upb);
    sg_put_bits(w, 128, 16, (uint64_t)(upb - cl));
    sg_put_bits(w, 144, 5, (uint64_t)(k->o0 / upb));
}

/* Band from pixel group gb, groups g0 .. g1-1 of it, tile t of block k: the
 * tile's input (unless the previous layer wrote it), the biases when the
 * partial sums replaced them, one CONV per live slice and group, and the
 * results the final CONVs send.  With tiles, group g's channels wait at
 * rbase (g - g0) * nch. */
static void conv_tile_runs(builder *b, const sg_config *c, const conv_block *k, int gb, int g0,
                           int g1, int t)
{
    const sg_conv_shape *s = &k->L->conv;
    const conv_plan *cv = k->cv;
    const conv_phase *tp = &cv->ph[t * cv->nph];
    int P = c->pe_count, nch = k->o1 - k->o0, hw = s->h_out * s->w_out;
    int pool = k->L->type == SG_LAYER_MAXPOOL, any = 0;
    long long f_end = (long long)(s->h_out - 1) * cv->wf + s->w_out; /* past the last pixel */
    for (int i = 0; i < cv->nph; i++)
        any |= k->live[t * cv->nph + i];
    if (!any)
        return;
    for (int i = 0; i < cv->nph && !cv->chained_in; i++)
        if (k->live[t * cv->nph + i])
            emit_conv_rows(b, c, s, cv, &tp[i], k->x, gb);
    for (int g = g0; g < g1; g++) {
        int npix = (int)(f_end - (long long)g * P < P ? f_end - (long long)g * P : P);
        int rb = cv->tpg > 1 ? (g - g0) * nch : 0;
        if (cv->tpg > 1 && t == k->first_t) {
            emit_base3(b, c, 0, rb, 0);
            emit_conv_rows_params(b, c, k->L, k->o0, k->o1);
        } else if (cv->tpg == 1 && k->nlive > 1 && (!k->fresh || g > 0)) {
            emit_conv_rows_params(b, c, k->L, k->o0, k->o1); /* partial sums replaced them */
        }
        for (int i = 0; i < cv->nph; i++) {
            int si = t * cv->nph + i;
            if (!k->live[si])
                continue;
            const conv_phase *ph = &cv->ph[si];
            if (si == k->last && k->next)
                emit_out(b, c, k, g, npix);
            emit_base3(b, c, k->wb[si], rb, ph->region + (g - gb));
            emit_header(b, c, SG_OP_CONV, (unsigned)k->L->act, (unsigned)(si == k->last),
                        (unsigned)k->L->act_max, (unsigned)npix, (unsigned)nch);
            if (pool)
                mark_max(b, c);
            long long words, nnz = slice_nnz(ph, k->o0, k->o1, &words);
            /* pixels between the rows are computed and thrown away */
            int kept = 0;
            for (int p = 0; p < npix; p++)
                kept += ((long long)g * P + p) % cv->wf < s->w_out;
            account_run(b, k->st, nnz * npix, words, nnz * (npix - kept));
            op_reads(b, words, k->rd[2 * si], k->rd[2 * si + 1]);
        }
        if (t != k->last_t)
            continue;
        for (int o = k->o0; o < k->o1; o++)
            for (int p = 0; p < npix; p++) {
                long long f = (long long)g * P + p;
                int oy = (int)(f / cv->wf), ox = (int)(f % cv->wf);
                int r = ox < s->w_out ? o * hw + oy * s->w_out + ox : -1;
                place_result(b, k->li, r, k->sample, p,
                              o == k->o1 - 1 && p == npix - 1);
            }
    }
}

/* CONV or max-pool layer li for samples first .. first + ns - 1 (inputs
 * xs[s]): per output-channel block the rows and
 * words are loaded once, then every sample's bands run (results layer-major:
 * block by block, sample by sample).  next/nextL: the next layer when our
 * results are written into its line buffer too (one sample). */
static void compile_conv_layer(builder *b, const sg_config *c, const sg_layer *L, int li,
                               const plan *pl, const plan *next, const sg_layer *nextL,
                               const int32_t *const *xs, int first, int ns,
                               sg_layer_stats *st)
{
    const sg_conv_shape *s = &L->conv;
    const conv_plan *cv = pl->cv;
    int pool = L->type == SG_LAYER_MAXPOOL, nsl = cv->nph * cv->nct;
    int *wb = malloc((size_t)nsl * sizeof *wb), *rd = malloc((size_t)nsl * 2 * sizeof *rd);
    char *live = malloc((size_t)nsl);
    if (!wb || !rd || !live) {
        free(wb);
        free(rd);
        free(live);
        b->failed = B_NOMEM;
        return;
    }
    if (next) { /* the next layer's line buffer: padding zero, then our writes */
        const conv_phase *nph = &next->cv->ph[0];
        emit_base3(b, c, 0, 0, nph->region);
        emit_header(b, c, SG_OP_CLR, 0, 0, 0, 0, (unsigned)nph->words);
    }
    for (int bi = 0; bi < cv->n_blocks && !b->failed; bi++) {
        conv_block k = {L,  cv, next ? next->cv : NULL, nextL, NULL, li, 0, 1, st,
                        cv->block_o0[bi], cv->block_o0[bi + 1], live, wb, rd, 0, 0, -1, 0};
        b->sample = -1; /* the block's weights and records serve every sample */
        /* the slices that hold a weight of the block run (at least one: the
         * biases still need their pass); a max-pool block's own tile */
        int wbase = 0;
        for (int i = 0; i < nsl; i++) {
            long long words;
            live[i] = slice_nnz(&cv->ph[i], k.o0, k.o1, &words) > 0;
            k.nlive += live[i];
        }
        if (k.nlive == 0) {
            live[0] = 1;
            k.nlive = 1;
        }
        if (cv->tpg == 1) /* with tiles: per pixel group, in conv_tile_runs */
            emit_conv_rows_params(b, c, L, k.o0, k.o1);
        for (int i = 0; i < nsl; i++) {
            if (!live[i])
                continue;
            if (k.first_t < 0)
                k.first_t = i / cv->nph;
            k.last_t = i / cv->nph;
            k.last = i;
            wb[i] = wbase;
            emit_base3(b, c, wbase, 0, 0);
            emit_conv_wgt(b, c, cv, &cv->ph[i], k.o0, k.o1, &rd[2 * i]);
            for (int o = k.o0; o < k.o1; o++)
                wbase += cv->ph[i].cwords[o];
        }
        /* With tiles, a band is a chunk of pixel groups whose partial sums
         * wait in the row buffer while every tile's input passes. */
        int bsz = cv->tpg > 1 ? min_i(cv->gpb, c->rbuf_depth / (k.o1 - k.o0)) : cv->gpb;
        for (int si = 0; si < ns && !b->failed; si++) {
            k.x = xs[si];
            k.sample = first + si;
            b->sample = k.sample;
            k.fresh = si == 0;
            for (int gb = 0; gb < cv->groups && !b->failed; gb += bsz)
                for (int t = k.first_t; t <= k.last_t; t++)
                    conv_tile_runs(b, c, &k, gb, gb, min_i(cv->groups, gb + bsz), t);
        }
    }
    free(wb);
    free(rd);
    free(live);
    if (next)
        emit_header(b, c, SG_OP_OUT, 0, 0, 0, 0, 0); /* write-back off */
    emit_base3(b, c, 0, 0, 0);
    st->outputs += (long long)s->c_out * s->h_out * s->w_out * ns;
    if (!pool) /* a max-pool's compares are not MACs */
        b->p->dense_macs +=
            (long long)s->c_out * s->h_out * s->w_out * sg_conv_cpg(s) * s->kh * s->kw * ns;
}

/* A max-pool as the vector generator runs it: a depthwise CONV whose
 * channel o has weight 1 on each of its own k x k taps, bias the most
 * negative accumulator value, M = 1, S = 0, no activation, accumulated by
 * maximum (CONV max flag, sg_cmd.h).  Its requant is exact: the maximum of
 * DATA_W-bit inputs is a DATA_W-bit value.  Fills pool (whose arrays the
 * caller frees with pool_layer_free); returns 0 or -1 when out of memory. */
static int pool_layer(const sg_config *c, const sg_layer *L, sg_layer *pool)
{
    const sg_conv_shape *s = &L->conv;
    int C = s->c_in, kk = s->kh * s->kw;
    *pool = *L;
    pool->weights = calloc((size_t)C * C * kk, sizeof *pool->weights);
    pool->bias = malloc((size_t)C * sizeof *pool->bias);
    pool->mult = malloc((size_t)C * sizeof *pool->mult);
    pool->shift = calloc((size_t)C, sizeof *pool->shift);
    if (!pool->weights || !pool->bias || !pool->mult || !pool->shift)
        return -1;
    for (int o = 0; o < C; o++) {
        for (int t = 0; t < kk; t++)
            pool->weights[((size_t)o * C + o) * kk + t] = 1;
        pool->bias[o] = (int32_t)(-(1LL << (c->acc_w - 1)));
        pool->mult[o] = 1;
    }
    pool->act = SG_ACT_NONE;
    pool->act_max = 0;
    return 0;
}

static void pool_layer_free(sg_layer *pool)
{
    free(pool->weights);
    free(pool->bias);
    free(pool->mult);
    free(pool->shift);
}

/* Plan every layer.  With one sample, a CONV or max-pool layer of stride 1
 * banked by channel takes its input map from the CONV or max-pool before it
 * on chip (chain[l] = 1) when both fit half the vector banks and the map
 * fits whole: the layers of such a chain share one flat row width and use
 * the two halves of the banks in turn.  A chain that does not fit is cut and
 * everything planned again. */
/* ---- LSTM layers: a whole sequence per command -----------------------------
 *
 * One step is the gate product z = [W_ih | W_hh] [x_t ; h_(t-1)] + b on the
 * PE array, as an FC layer whose 4H rows are reordered unit by unit: row
 * 4j + g is gate g (i, f, g, o) of hidden unit j, so the post unit sees each
 * unit's four gates one after the other and its element-wise unit updates
 * c and h in unit order.  The vector buffer holds regions of lq words per
 * bank, one per step: x_t interleaved over the banks (element v < in in
 * bank v % B, word v / B), then h_(t-1) from word hoff = ceil(in / B) on
 * (unit j in bank j % B, word hoff + j / B).  Step t reads region r and the
 * hardware writes h_t into region r + 1 (wrapping at lregions), so the weight
 * offsets are the same every step and the CSB banks are these interleaved
 * column sets.  A VEC loads x_0 and h_0 = 0 into region 0; then one LSTM
 * command runs the whole sequence, its payload carrying x_1 .. x_(T-1),
 * each written into the next step's region while the step before runs.
 * Every h_t is also streamed out. */

/* Vector position v of a step's region as a weight column, or -1 (padding). */
static int lstm_col(const sg_layer *L, int hoff, int B, int v)
{
    if (v < L->in)
        return v;
    if (v >= hoff * B && v - hoff * B < L->out)
        return L->in + v - hoff * B;
    return -1;
}


int sg_lstm_hw_weights(const sg_layer *L, int banks, int32_t **out, int *lq)
{
    int B = banks, H = L->out, hoff = (L->in + B - 1) / B, cols = L->in + H;
    *lq = hoff + (H + B - 1) / B;
    int ncol = B * *lq;
    int32_t *wp = calloc((size_t)4 * H * (size_t)ncol, sizeof *wp);
    *out = wp;
    if (!wp)
        return -1;
    /* column b * lq + o of the encoded matrix is bank b, word o: position o * B + b */
    for (int r = 0; r < 4 * H; r++) {
        const int32_t *src = L->weights + (size_t)model_row(L, r) * cols;
        for (int b = 0; b < B; b++)
            for (int o = 0; o < *lq; o++) {
                int col = lstm_col(L, hoff, B, o * B + b);
                if (col >= 0)
                    wp[(size_t)r * ncol + (size_t)b * *lq + o] = src[col];
            }
    }
    return 0;
}

static int plan_lstm(const sg_config *c, const sg_layer *L, plan *pl, char *err, size_t errlen)
{
    memset(pl, 0, sizeof *pl);
    int B = c->banks, P = c->pe_count, H = L->out;
    int hoff = (L->in + B - 1) / B;
    pl->lq = hoff + (H + B - 1) / B;
    pl->lregions = c->vbuf_depth / pl->lq;
    pl->rows = 4 * H;
    pl->cols = L->in + H;
    pl->groups = (4 * H + P - 1) / P;
    if (H > c->lstm_hidden) {
        snprintf(err, errlen,
                 "layer '%s': hidden size %d above the configuration's lstm_hidden %d (the "
                 "element-wise unit's cell-state buffer)", L->name, H, c->lstm_hidden);
        return -1;
    }
    if (L->steps > SG_HDR_COUNT_MAX) {
        snprintf(err, errlen, "layer '%s': %d steps, one LSTM command runs at most %ld",
                 L->name, L->steps, (long)SG_HDR_COUNT_MAX);
        return -1;
    }
    if (pl->lregions < 2) {
        snprintf(err, errlen,
                 "layer '%s': one step's vector (input %d, hidden %d) takes %d words per vector "
                 "bank and two steps' must fit: vbuf_depth %d is too small", L->name, L->in, H,
                 pl->lq, c->vbuf_depth);
        return -1;
    }
    if (pl->groups > c->rbuf_depth) {
        snprintf(err, errlen,
                 "layer '%s': %d gate rows need %d row records per PE, rbuf_depth is %d (an LSTM "
                 "layer's rows stay on chip for the whole sequence)", L->name, 4 * H, pl->groups,
                 c->rbuf_depth);
        return -1;
    }
    int ncol = B * pl->lq;
    int32_t *wp = NULL;
    sg_lstm_hw_weights(L, B, &wp, &pl->lq);
    pl->t = calloc(1, sizeof *pl->t);
    pl->block_g0 = malloc(2 * sizeof *pl->block_g0);
    if (!wp || !pl->t || !(pl->t->gwords = malloc((size_t)pl->groups * sizeof(int))) ||
        !pl->block_g0) {
        free(wp);
        snprintf(err, errlen, "layer '%s': out of memory", L->name);
        plan_free(pl);
        return -1;
    }
    pl->n_tiles = pl->n_blocks = 1;
    pl->block_g0[0] = 0;
    pl->block_g0[1] = pl->groups;
    tile *t = pl->t;
    t->cols = ncol;
    t->bank_size = pl->lq;
    int rc = sg_csb_encode(wp, 4 * H, ncol, B, pl->lq, &t->csb, err, errlen);
    free(wp);
    if (rc != 0) {
        plan_free(pl);
        return -1;
    }
    for (int g = 0; g < pl->groups; g++) {
        int k = sg_csb_group_words(&t->csb, g * P, P);
        t->gwords[g] = k > 0 ? k : 1;
    }
    long long words = tile_words(t, 0, pl->groups);
    if (words > c->wbuf_depth) {
        snprintf(err, errlen,
                 "layer '%s': its gate rows take %lld CSB words per PE, wbuf_depth is %d (an "
                 "LSTM layer's weights stay on chip for the whole sequence)", L->name, words,
                 c->wbuf_depth);
        plan_free(pl);
        return -1;
    }
    return 0;
}


/* VEC of a sequence's first region (region 0): x_0, then h_0 = 0. */
static void emit_lstm_vec(builder *b, const sg_config *c, const sg_layer *L, const plan *pl,
                          const int32_t *x)
{
    long long n = (long long)c->banks * pl->lq;
    emit_base3(b, c, 0, 0, 0);
    emit_header(b, c, SG_OP_VEC, 0, 0, 0, 0, (unsigned)n);
    uint32_t *w = add_vec_beats(b, c, n, min_i(c->banks, c->elems_per_beat));
    if (!w)
        return;
    for (long long v = 0; v < L->in; v++)
        sg_put_bits(w, v * c->data_w, c->data_w, sg_field(x[v], c->data_w));
}

/* LSTM layer li over the sequences of samples first .. first + ns - 1
 * (xs[s]: steps x in). */
static void compile_lstm_layer(builder *b, const sg_config *c, const sg_layer *L, int li,
                               const plan *pl, const int32_t *const *xs, int first, int ns,
                               sg_layer_stats *st)
{
    int T = L->steps, H = L->out, R = pl->lregions, hoff = (L->in + c->banks - 1) / c->banks;
    long long words = tile_words(pl->t, 0, pl->groups);
    emit_base(b, c, 0, 0);
    emit_rows(b, c, L, 0, pl->groups);
    long long nnz = 0;
    emit_wgt(b, c, pl->t, 0, pl->groups, &nnz);
    long long xn = (long long)c->banks * hoff; /* x elements per step, padded */
    long long xbeats = (xn + c->elems_per_beat - 1) / c->elems_per_beat;
    for (int s = 0; s < ns; s++) {
        /* x_0 and h_0 = 0 into region 0, then one command for the sequence
         * whose payload brings x_1 .. x_(T-1), one step ahead */
        b->sample = first + s;
        emit_lstm_vec(b, c, L, pl, xs[s]);
        emit_header(b, c, SG_OP_LSTM, 0, 1, 0, 0, (unsigned)T);
        /* every step: the gate rows' words and records, a region of the
         * vector banks (x_0 and h_0 from the VEC); the payload's x and h_t
         * written into the regions */
        op_region(b, SG_BUF_WGT, 0, b->wbase, b->wbase + words);
        op_region(b, SG_BUF_ROW, 0, b->rbase, b->rbase + pl->groups);
        op_region(b, SG_BUF_VEC, 0, b->pbase, b->pbase + pl->lq);
        op_region(b, SG_BUF_VEC, 1, 0, (long long)R * pl->lq);
        b->pbase = (int)((b->pbase + (long long)(T - 1) * pl->lq) % ((long long)R * pl->lq));
        uint32_t *w = add_beats(b, c->out_beats, SG_BEATS_REC);
        if (!w)
            break;
        sg_put_bits(w, 0, 20, (uint64_t)pl->groups);
        sg_put_bits(w, 20, 20, (uint64_t)(4 * H));
        sg_put_bits(w, 40, 16, (uint64_t)pl->lq);
        sg_put_bits(w, 56, 16, (uint64_t)R * pl->lq);
        sg_put_bits(w, 72, 16, (uint64_t)hoff);
        sg_put_bits(w, 88, 20, (uint64_t)xn);
        for (int t = 1; t < T; t++) {
            if (!(w = add_beats(b, xbeats, SG_BEATS_XSTEP)))
                break;
            for (long long v = 0; v < L->in; v++)
                sg_put_bits(w, v * c->data_w, c->data_w,
                         sg_field(xs[s][(size_t)t * L->in + v], c->data_w));
        }
        for (int t = 0; t < T; t++) {
            account_run(b, st, nnz, words, 0);
            for (int j = 0; j < H; j++)
                /* h_t of unit j comes from the element-wise unit, fed by gate
                 * rows 4j .. 4j + 3 on PEs (4j + g) % P */
                place_result(b, li, t * H + j, first + s, (4 * j) % c->pe_count, j == H - 1);
        }
    }
    emit_base(b, c, 0, 0);
    st->outputs += (long long)T * H * ns;
    b->p->dense_macs += (long long)4 * H * (L->in + H) * T * ns;
}

static int is_conv(const sg_layer *L)
{
    return L->type == SG_LAYER_CONV || L->type == SG_LAYER_MAXPOOL;
}

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
                   cs->stride_h == 1 && cs->stride_w == 1 && conv_unit(c, L) == 0 &&
                   (long long)cs->h_out + cs->kh - 1 == (long long)cs->h_in + 2 * cs->pad_h &&
                   (long long)cs->w_out + cs->kw - 1 == (long long)cs->w_in + 2 * cs->pad_w;
    }
    chain[n] = 0;
    for (;;) {
        int retry = 0;
        for (int l = 0; l < n && !retry; l++) {
            const sg_layer *L = &layers[l];
            if (L->type == SG_LAYER_FC || L->type == SG_LAYER_LSTM) {
                if ((L->type == SG_LAYER_FC ? plan_layer : plan_lstm)(c, L, &plans[l], err,
                                                                      errlen) != 0)
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
                if (conv_min_wf(&layers[i]) > wf)
                    wf = conv_min_wf(&layers[i]);
            conv_place pc = {wf, c->vbuf_depth, 0, chain[l]};
            if (e > a) {
                pc.room = half;
                pc.vbase = (l - a) % 2 ? half : 0;
            }
            if (plan_conv(c, L, &pc, &plans[l], err, errlen) == 0)
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
            plan_free(&plans[l]);
    }
}

/* The message of a builder that failed while emitting layer L. */
static void build_failed(const builder *b, const sg_layer *L, char *err, size_t errlen)
{
    if (b->failed == B_STREAM_CAP)
        snprintf(err, errlen,
                 "layer '%s': the command stream would pass %lld bytes, the most one program "
                 "holds (compile fewer samples at once: --samples)",
                 L->name, sg_program_max_bytes);
    else if (b->failed == B_RESULTS_CAP)
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
        if (m->layers[l].type == SG_LAYER_MAXPOOL && pool_layer(c, &m->layers[l], &layers[l]) != 0) {
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
    builder b = {p, 0, 0, 0, 0, 0, B_OK, NULL, 0, -1, -1, 0, 0, 0, 0, 0, 0};
    int l = 0; /* the layer being emitted, for a failure's message */
    p->resident = count > 1 && plan_resident(c, m, plans, base_w, base_r);
    for (l = 0; p->resident && l < m->n_layers && !b.failed; l++) {
        b.st = &p->layer[l];
        b.layer = l;
        b.sample = -1;
        preload_layer(&b, c, &m->layers[l], &plans[l], base_w[l], base_r[l]);
    }
    if (b.failed)
        l--;
    if (p->resident && !b.failed) {
        for (int s = first; s < first + count && !b.failed; s++) {
            for (l = 0; l < m->n_layers; l++) {
                b.st = &p->layer[l];
                b.layer = l;
                b.sample = s;
                run_resident_layer(&b, c, &layers[l], l, &plans[l],
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
                compile_lstm_layer(&b, c, L, l, &plans[l], xs, first, count, &p->layer[l]);
            else if (L->type != SG_LAYER_FC)
                compile_conv_layer(&b, c, L, l, &plans[l], chain[l + 1] ? &plans[l + 1] : NULL,
                                   chain[l + 1] ? &layers[l + 1] : NULL, xs, first, count,
                                   &p->layer[l]);
            else
                compile_layer(&b, c, L, l, &plans[l], xs, first, count, &p->layer[l]);
        }
        if (b.failed)
            l--;
    }
    b.st = NULL;
    b.layer = b.sample = -1;
    if (p->resident) /* leave the bases at 0, where every other program expects them */
        emit_base(&b, c, 0, 0);
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
        plan_free(&plans[l]);
    free(plans);
    free(xs);
    sg_golden_free(&golden);
    free(base_w);
    free(base_r);
    for (int l = 0; layers && l < m->n_layers; l++)
        if (m->layers[l].type == SG_LAYER_MAXPOOL)
            pool_layer_free(&layers[l]);
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
