/* sg_lower_lstm: LSTM layers -- a whole sequence per command. */
#include "sg_lower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_cmd.h"
#include "sg_csb.h"

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
        const int32_t *src = L->weights + (size_t)sg_plan_model_row(L, r) * cols;
        for (int b = 0; b < B; b++)
            for (int o = 0; o < *lq; o++) {
                int col = lstm_col(L, hoff, B, o * B + b);
                if (col >= 0)
                    wp[(size_t)r * ncol + (size_t)b * *lq + o] = src[col];
            }
    }
    return 0;
}

int sg_lower_lstm_plan(const sg_config *c, const sg_layer *L, plan *pl, char *err, size_t errlen)
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
        sg_plan_free(pl);
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
        sg_plan_free(pl);
        return -1;
    }
    for (int g = 0; g < pl->groups; g++) {
        int k = sg_csb_group_words(&t->csb, g * P, P);
        t->gwords[g] = k > 0 ? k : 1;
    }
    long long words = sg_tile_words(t, 0, pl->groups);
    if (words > c->wbuf_depth) {
        snprintf(err, errlen,
                 "layer '%s': its gate rows take %lld CSB words per PE, wbuf_depth is %d (an "
                 "LSTM layer's weights stay on chip for the whole sequence)", L->name, words,
                 c->wbuf_depth);
        sg_plan_free(pl);
        return -1;
    }
    return 0;
}

/* VEC of a sequence's first region (region 0): x_0, then h_0 = 0. */
static void emit_lstm_vec(builder *b, const sg_config *c, const sg_layer *L, const plan *pl,
                          const int32_t *x)
{
    long long n = (long long)c->banks * pl->lq;
    sg_emit_base3(b, c, 0, 0, 0);
    sg_emit_header(b, c, SG_OP_VEC, 0, 0, 0, 0, (unsigned)n);
    uint32_t *w = sg_emit_vec_beats(b, c, n, sg_min(c->banks, c->elems_per_beat));
    if (!w)
        return;
    for (long long v = 0; v < L->in; v++)
        sg_put_bits(w, v * c->data_w, c->data_w, sg_field(x[v], c->data_w));
}

/* LSTM layer li over the sequences of samples first .. first + ns - 1
 * (xs[s]: steps x in). */
void sg_lower_lstm(builder *b, const sg_config *c, const sg_layer *L, int li, const plan *pl,
                   const int32_t *const *xs, int first, int ns, sg_layer_stats *st)
{
    int T = L->steps, H = L->out, R = pl->lregions, hoff = (L->in + c->banks - 1) / c->banks;
    long long words = sg_tile_words(pl->t, 0, pl->groups);
    sg_emit_base(b, c, 0, 0);
    sg_emit_rows(b, c, L, 0, pl->groups);
    long long nnz = 0;
    sg_emit_wgt(b, c, pl->t, 0, pl->groups, &nnz);
    long long xn = (long long)c->banks * hoff; /* x elements per step, padded */
    long long xbeats = (xn + c->elems_per_beat - 1) / c->elems_per_beat;
    for (int s = 0; s < ns; s++) {
        /* x_0 and h_0 = 0 into region 0, then one command for the sequence
         * whose payload brings x_1 .. x_(T-1), one step ahead */
        b->sample = first + s;
        emit_lstm_vec(b, c, L, pl, xs[s]);
        sg_emit_header(b, c, SG_OP_LSTM, 0, 1, 0, 0, (unsigned)T);
        /* every step: the gate rows' words and records, a region of the
         * vector banks (x_0 and h_0 from the VEC); the payload's x and h_t
         * written into the regions */
        sg_emit_region(b, SG_BUF_WGT, 0, b->wbase, b->wbase + words);
        sg_emit_region(b, SG_BUF_ROW, 0, b->rbase, b->rbase + pl->groups);
        sg_emit_region(b, SG_BUF_VEC, 0, b->pbase, b->pbase + pl->lq);
        sg_emit_region(b, SG_BUF_VEC, 1, 0, (long long)R * pl->lq);
        b->pbase = (int)((b->pbase + (long long)(T - 1) * pl->lq) % ((long long)R * pl->lq));
        uint32_t *w = sg_emit_beats(b, c->out_beats, SG_BEATS_REC);
        if (!w)
            break;
        sg_put_bits(w, 0, 20, (uint64_t)pl->groups);
        sg_put_bits(w, 20, 20, (uint64_t)(4 * H));
        sg_put_bits(w, 40, 16, (uint64_t)pl->lq);
        sg_put_bits(w, 56, 16, (uint64_t)R * pl->lq);
        sg_put_bits(w, 72, 16, (uint64_t)hoff);
        sg_put_bits(w, 88, 20, (uint64_t)xn);
        for (int t = 1; t < T; t++) {
            if (!(w = sg_emit_beats(b, xbeats, SG_BEATS_XSTEP)))
                break;
            for (long long v = 0; v < L->in; v++)
                sg_put_bits(w, v * c->data_w, c->data_w,
                         sg_field(xs[s][(size_t)t * L->in + v], c->data_w));
        }
        for (int t = 0; t < T; t++) {
            sg_emit_account(b, st, nnz, words, 0);
            for (int j = 0; j < H; j++)
                /* h_t of unit j comes from the element-wise unit, fed by gate
                 * rows 4j .. 4j + 3 on PEs (4j + g) % P */
                sg_emit_result(b, li, t * H + j, first + s, (4 * j) % c->pe_count, j == H - 1);
        }
    }
    sg_emit_base(b, c, 0, 0);
    st->outputs += (long long)T * H * ns;
    b->p->dense_macs += (long long)4 * H * (L->in + H) * T * ns;
}
