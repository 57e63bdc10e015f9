/* sg_emit: the program builder -- command beats, the operation each command is
 * (sg_ops), the regions it touches and the result lanes it places; shared by
 * every layer kind's lowering (sg_lower_*.c). */
#include "sg_emit.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sg_cmd.h"

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

/* Append nb zeroed command beats of a kind (sg_beat_kind); returns the first word, or NULL once the
 * builder has failed (the stream would pass SG_PROGRAM_MAX_BYTES, or no
 * memory). */
uint32_t *sg_emit_beats(builder *b, long long nb, int kind)
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
        b->failed = SG_BUILD_STREAM_CAP;
        return NULL;
    }
    uint32_t *beats = grow(p->beats, &b->cap_beats, words, sizeof *p->beats);
    if (!beats) {
        b->failed = SG_BUILD_NOMEM;
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
sg_op *sg_emit_cur_op(builder *b)
{
    return b->failed || b->p->n_ops == 0 ? NULL : &b->p->ops[b->p->n_ops - 1];
}

/* The current operation also writes (or reads) addresses lo .. hi - 1 of
 * buffer buf (sg_ops.h); an empty range adds nothing. */
void sg_emit_region(builder *b, int buf, int write, long long lo, long long hi)
{
    sg_op *op = sg_emit_cur_op(b);
    if (!op || hi <= lo)
        return;
    if (op->n_regions == SG_OP_REGIONS) { /* cannot happen: no command has more */
        b->failed = SG_BUILD_NOMEM;
        return;
    }
    /* kept in int: sg_ops_check refuses what passes a buffer */
    sg_region g = {(signed char)buf, (signed char)write, lo > INT_MAX ? INT_MAX : (int)lo,
                   hi > INT_MAX ? INT_MAX : (int)hi};
    op->region[op->n_regions++] = g;
}

/* The current RUN or CONV reads `words` CSB words from the weight base and
 * vector-bank words lo .. hi - 1 from the vector base. */
void sg_emit_reads(builder *b, long long words, long long vlo, long long vhi)
{
    sg_emit_region(b, SG_BUF_WGT, 0, b->wbase, b->wbase + words);
    sg_emit_region(b, SG_BUF_VEC, 0, b->pbase + vlo, b->pbase + vhi);
}

/* Append the payload beats of a VEC of n elements (a feature map) and
 * count how long the vector banks take to write it: rate elements a cycle
 * (min(B, E) broadcast, min(P, E) scatter, sg_cmd.h), so a beat of E
 * elements may hold the stream for more than its cycle. */
uint32_t *sg_emit_vec_beats(builder *b, const sg_config *c, long long n, int rate)
{
    long long nb = (n + c->elems_per_beat - 1) / c->elems_per_beat, cyc = (n + rate - 1) / rate;
    uint32_t *w = sg_emit_beats(b, nb, SG_BEATS_FMAP);
    if (w) {
        b->p->fmap_cycles += cyc > nb ? cyc : nb;
        if (b->st)
            b->st->fmap_cycles += cyc > nb ? cyc : nb;
    }
    return w;
}

/* One lane of a CSB word: value, offset inside the bank, rotation (CONV). */
void sg_emit_lane(uint32_t *w, const sg_config *c, int lane, int32_t v, uint64_t off, uint64_t rot)
{
    long long bit = (long long)lane * c->lane_w;
    sg_put_bits(w, bit, c->wgt_w, sg_field(v, c->wgt_w));
    sg_put_bits(w, bit + c->wgt_w, c->off_w, off);
    sg_put_bits(w, bit + c->wgt_w + c->off_w, c->rot_w, rot);
}

/* The row record of output row (or channel) r: bias, M, S (sg_cmd.h). */
void sg_emit_row_record(uint32_t *w, const sg_layer *L, int r)
{
    sg_put_bits(w, 0, 32, sg_field(L->bias[r], 32));
    sg_put_bits(w, 32, 32, sg_field(L->mult[r], 32));
    sg_put_bits(w, 64, SG_SHIFT_W, sg_field(L->shift[r], SG_SHIFT_W));
}

/* Begin the operation of a command: its header beats, the op (sg_ops.h)
 * and the regions the header alone says it writes and reads; the bases a
 * BASE sets.  What a RUN, CONV or LSTM reads of the vector and weight
 * buffers, and where a CONV writes back, the lowering adds. */
void sg_emit_header(builder *b, const sg_config *c, unsigned op, unsigned act, unsigned final,
                    unsigned act_max, unsigned rows, unsigned count)
{
    sg_program *p = b->p;
    uint32_t *w = sg_emit_beats(b, c->hdr_beats, SG_BEATS_HDR);
    if (!w)
        return;
    sg_put_bits(w, 0, 64, sg_cmd_header(op, act, final, act_max, rows, count));
    sg_op *ops = grow(p->ops, &b->cap_ops, p->n_ops + 1, sizeof *p->ops);
    if (!ops) {
        b->failed = SG_BUILD_NOMEM;
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
        sg_emit_region(b, SG_BUF_VEC, 1, b->pbase,
                       b->pbase + (count + (final ? P * B : B) - 1) / (final ? P * B : B));
        break;
    case SG_OP_CLR:
        sg_emit_region(b, SG_BUF_VEC, 1, b->pbase, b->pbase + count);
        break;
    case SG_OP_WGT:
        sg_emit_region(b, SG_BUF_WGT, 1, b->wbase, b->wbase + count);
        break;
    case SG_OP_ROW:
        sg_emit_region(b, SG_BUF_ROW, 1, b->rbase, b->rbase + count);
        break;
    case SG_OP_OUT:
        b->wb_on = count != 0;
        break;
    case SG_OP_RUN:
    case SG_OP_CONV: /* the row records (or partial sums); not final: new partial sums */
        sg_emit_region(b, SG_BUF_ROW, 0, b->rbase, b->rbase + count);
        if (!final)
            sg_emit_region(b, SG_BUF_ROW, 1, b->rbase, b->rbase + count);
        else if (op == SG_OP_CONV && b->wb_on)
            sg_emit_region(b, SG_BUF_VEC, 1, b->wb_lo, b->wb_hi);
        break;
    default:
        break;
    }
}

/* Set the max flag (header bit 56) of the header just emitted. */
void sg_emit_max(builder *b, const sg_config *c)
{
    sg_op *op = sg_emit_cur_op(b);
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
void sg_emit_result(builder *b, int layer, int row, int sample, int pe, int last)
{
    sg_program *p = b->p;
    if (b->failed)
        return;
    if (b->lane_fill == 0) {
        if ((p->n_out + 1) * p->elems > sg_program_max_results) {
            b->failed = SG_BUILD_RESULTS_CAP;
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
            b->failed = SG_BUILD_NOMEM;
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

/* Row records of groups g0 .. g1-1: row g * P + pe on PE pe. */
void sg_emit_rows(builder *b, const sg_config *c, const sg_layer *L, int g0, int g1)
{
    int P = c->pe_count;
    sg_emit_header(b, c, SG_OP_ROW, 0, 0, 0, 0, (unsigned)(g1 - g0));
    for (int g = g0; g < g1; g++) {
        for (int pe = 0; pe < P; pe++) {
            uint32_t *w = sg_emit_beats(b, c->row_beats, SG_BEATS_ROW);
            if (!w)
                return;
            int r = sg_plan_model_row(L, g * P + pe);
            if (r >= 0)
                sg_emit_row_record(w, L, r);
        }
    }
}

/* WGT for groups g0..g1-1 of one tile; returns words per PE and adds nnz. */
int sg_emit_wgt(builder *b, const sg_config *c, const tile *t, int g0, int g1, long long *nnz)
{
    int P = c->pe_count, B = c->banks;
    int n = 0;
    for (int g = g0; g < g1; g++)
        n += t->gwords[g];
    sg_emit_header(b, c, SG_OP_WGT, 0, 0, 0, 0, (unsigned)n);
    for (int g = g0; g < g1; g++) {
        for (int j = 0; j < t->gwords[g]; j++) {
            for (int pe = 0; pe < P; pe++) {
                uint32_t *w = sg_emit_beats(b, c->wgt_beats, SG_BEATS_WGT);
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
                    sg_emit_lane(w, c, lane, v, t->csb.offset[word * B + lane], 0);
                }
            }
        }
    }
    return n;
}

void sg_emit_base3(builder *b, const sg_config *c, int wbase, int rbase, int pbase)
{
    sg_emit_header(b, c, SG_OP_BASE, 0, 0, (unsigned)pbase, (unsigned)rbase, (unsigned)wbase);
}

void sg_emit_base(builder *b, const sg_config *c, int wbase, int rbase)
{
    sg_emit_base3(b, c, wbase, rbase, 0);
}

/* Count one RUN's work in the program and the layer's stats: nnz MACs
 * issued, junk of them for results that are thrown away. */
void sg_emit_account(builder *b, sg_layer_stats *st, long long nnz, long long words, long long junk)
{
    b->p->useful_macs += nnz;
    b->p->junk_macs += junk;
    b->p->words += words;
    b->p->runs++;
    st->macs += nnz;
    st->junk_macs += junk;
    st->words += words;
    st->runs++;
    sg_op *op = sg_emit_cur_op(b);
    if (op) {
        op->macs += nnz;
        op->words += words;
    }
}
