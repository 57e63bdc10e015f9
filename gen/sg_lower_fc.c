/* sg_lower_fc: FC layers -- column tiles, row-group blocks, resident weights. */
#include "sg_lower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_cmd.h"
#include "sg_csb.h"

int sg_lower_fc_plan(const sg_config *c, const sg_layer *L, plan *pl, char *err, size_t errlen)
{
    memset(pl, 0, sizeof *pl);
    int B = c->banks, P = c->pe_count;
    int max_bank = sg_min(sg_min(c->vbuf_depth, c->wbuf_depth), (int)(SG_HDR_COUNT_MAX / B));
    int tile_cols = B * max_bank;
    pl->rows = L->out;
    pl->cols = L->in;
    pl->groups = (L->out + P - 1) / P;
    pl->n_tiles = (L->in + tile_cols - 1) / tile_cols;
    pl->t = calloc((size_t)pl->n_tiles, sizeof *pl->t);
    int32_t *sub = malloc((size_t)L->out * (size_t)sg_min(tile_cols, L->in) * sizeof *sub);
    if (!pl->t || !sub) {
        free(sub);
        snprintf(err, errlen, "layer '%s': out of memory", L->name);
        sg_plan_free(pl);
        return -1;
    }
    for (int ti = 0; ti < pl->n_tiles; ti++) {
        tile *t = &pl->t[ti];
        t->col0 = ti * tile_cols;
        t->cols = sg_min(tile_cols, L->in - t->col0);
        t->bank_size = (t->cols + B - 1) / B;
        for (int r = 0; r < L->out; r++)
            memcpy(sub + (size_t)r * t->cols, L->weights + (size_t)r * L->in + t->col0,
                   (size_t)t->cols * sizeof *sub);
        if (sg_csb_encode(sub, L->out, t->cols, B, t->bank_size, &t->csb, err, errlen) != 0) {
            free(sub);
            sg_plan_free(pl);
            return -1;
        }
        t->gwords = malloc((size_t)pl->groups * sizeof *t->gwords);
        if (!t->gwords) {
            free(sub);
            snprintf(err, errlen, "layer '%s': out of memory", L->name);
            sg_plan_free(pl);
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
    int max_groups = sg_min(c->rbuf_depth, (int)(SG_HDR_COUNT_MAX / P));
    pl->block_g0 = malloc((size_t)(pl->groups + 1) * sizeof *pl->block_g0);
    long long *used = calloc((size_t)pl->n_tiles, sizeof *used);
    if (!pl->block_g0 || !used) {
        free(used);
        snprintf(err, errlen, "layer '%s': out of memory", L->name);
        sg_plan_free(pl);
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
            sg_plan_free(pl);
            return -1;
        }
    }
    pl->block_g0[pl->n_blocks] = pl->groups;
    free(used);
    return 0;
}

static void emit_vec(builder *b, const sg_config *c, const tile *t, const int32_t *x)
{
    int B = c->banks;
    long long n = (long long)B * t->bank_size;
    sg_emit_header(b, c, SG_OP_VEC, 0, 0, 0, 0, (unsigned)n);
    uint32_t *w = sg_emit_vec_beats(b, c, n, sg_min(c->banks, c->elems_per_beat));
    if (!w)
        return;
    for (long long i = 0; i < n; i++) {
        long long col = (i % B) * t->bank_size + i / B; /* bank i % B, offset i / B */
        int32_t v = col < t->cols ? x[t->col0 + col] : 0;
        sg_put_bits(w, i * c->data_w, c->data_w, sg_field(v, c->data_w));
    }
}

/* Resident mode: every layer is one tile and one block and all of them fit
 * the weight and row buffers together, so weights and row records are loaded
 * once, each layer at its own base, and every sample only streams its input
 * vector.  base_w/base_r receive each layer's bases. */
int sg_lower_fc_resident_fits(const sg_config *c, const sg_model *m, const plan *plans, int *base_w,
                              int *base_r)
{
    long long w = 0, r = 0;
    for (int l = 0; l < m->n_layers; l++) {
        if (m->layers[l].type != SG_LAYER_FC || plans[l].n_tiles != 1 || plans[l].n_blocks != 1)
            return 0;
        base_w[l] = (int)w;
        base_r[l] = (int)r;
        w += sg_tile_words(&plans[l].t[0], 0, plans[l].groups);
        r += plans[l].groups;
    }
    return w <= c->wbuf_depth && r <= c->rbuf_depth;
}

void sg_lower_fc_preload(builder *b, const sg_config *c, const sg_layer *L, const plan *pl,
                         int wbase, int rbase)
{
    long long nnz = 0;
    sg_emit_base(b, c, wbase, rbase);
    sg_emit_rows(b, c, L, 0, pl->groups);
    sg_emit_wgt(b, c, &pl->t[0], 0, pl->groups, &nnz);
}

void sg_lower_fc_resident(builder *b, const sg_config *c, const sg_layer *L, int li, const plan *pl,
                          const int32_t *x, int sample, int wbase, int rbase, sg_layer_stats *st)
{
    sg_emit_base(b, c, wbase, rbase);
    emit_vec(b, c, &pl->t[0], x);
    sg_emit_header(b, c, SG_OP_RUN, (unsigned)L->act, 1, (unsigned)L->act_max, (unsigned)L->out,
                   (unsigned)pl->groups);
    sg_emit_account(b, st, pl->t[0].csb.nnz, sg_tile_words(&pl->t[0], 0, pl->groups), 0);
    sg_emit_reads(b, sg_tile_words(&pl->t[0], 0, pl->groups), 0, pl->t[0].bank_size);
    for (int r = 0; r < L->out; r++)
        sg_emit_result(b, li, r, sample, r % c->pe_count, r == L->out - 1);
    st->outputs += L->out;
    b->p->dense_macs += (long long)L->out * L->in;
}

/* FC layer li for samples first .. first + ns - 1 (inputs xs[s]).  One column tile and several samples: each block's
 * rows and words are loaded once and every sample only sends its vector
 * (results layer-major: block by block, sample by sample).  Otherwise
 * sample by sample: the partial sums of the column tiles fill the bias
 * buffers. */
void sg_lower_fc(builder *b, const sg_config *c, const sg_layer *L, int li, const plan *pl,
                 const int32_t *const *xs, int first, int ns, sg_layer_stats *st)
{
    int P = c->pe_count;
    if (pl->n_tiles == 1 && ns > 1) {
        for (int bi = 0; bi < pl->n_blocks; bi++) {
            int g0 = pl->block_g0[bi], g1 = pl->block_g0[bi + 1];
            int rows = sg_min(L->out - g0 * P, (g1 - g0) * P);
            long long nnz = 0;
            b->sample = -1; /* one load for every sample */
            sg_emit_rows(b, c, L, g0, g1);
            int words = sg_emit_wgt(b, c, &pl->t[0], g0, g1, &nnz);
            for (int s = 0; s < ns; s++) {
                b->sample = first + s;
                emit_vec(b, c, &pl->t[0], xs[s]);
                sg_emit_header(b, c, SG_OP_RUN, (unsigned)L->act, 1, (unsigned)L->act_max,
                               (unsigned)rows, (unsigned)(g1 - g0));
                sg_emit_account(b, st, nnz, words, 0);
                sg_emit_reads(b, words, 0, pl->t[0].bank_size);
                for (int r = g0 * P; r < g0 * P + rows; r++)
                    sg_emit_result(b, li, r, first + s, r % P, r == g0 * P + rows - 1);
            }
        }
    }
    for (int s = 0; s < ns && !(pl->n_tiles == 1 && ns > 1); s++) {
        b->sample = first + s;
        if (pl->n_tiles == 1)
            emit_vec(b, c, &pl->t[0], xs[s]);
        for (int bi = 0; bi < pl->n_blocks; bi++) {
            int g0 = pl->block_g0[bi], g1 = pl->block_g0[bi + 1];
            sg_emit_rows(b, c, L, g0, g1);
            int rows = sg_min(L->out - g0 * P, (g1 - g0) * P);
            for (int ti = 0; ti < pl->n_tiles; ti++) {
                int final = ti == pl->n_tiles - 1;
                if (pl->n_tiles > 1)
                    emit_vec(b, c, &pl->t[ti], xs[s]);
                long long nnz = 0;
                int words = sg_emit_wgt(b, c, &pl->t[ti], g0, g1, &nnz);
                sg_emit_header(b, c, SG_OP_RUN, (unsigned)L->act, (unsigned)final,
                               (unsigned)L->act_max, final ? (unsigned)rows : 0,
                               (unsigned)(g1 - g0));
                sg_emit_account(b, st, nnz, words, 0);
                sg_emit_reads(b, words, 0, pl->t[ti].bank_size);
            }
            for (int r = g0 * P; r < g0 * P + rows; r++)
                sg_emit_result(b, li, r, first + s, r % P, r == g0 * P + rows - 1);
        }
    }
    st->outputs += (long long)L->out * ns;
    b->p->dense_macs += (long long)L->out * L->in * ns;
}
