/* sg_lower_conv: CONV and max-pool layers -- the vector generator's dataflow. */
#include "sg_lower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_cmd.h"
#include "sg_conv.h"
#include "sg_csb.h"

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

/* The flat row width a CONV layer needs: output width + widest phase - 1. */
int sg_lower_conv_min_wf(const sg_layer *L)
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
int sg_lower_conv_unit(const sg_config *c, const sg_layer *L)
{
    const sg_conv_shape *s = &L->conv;
    int kh0 = (int)(((long long)s->kh + s->stride_h - 1) / s->stride_h);
    int kw0 = (int)(((long long)s->kw + s->stride_w - 1) / s->stride_w);
    int cpg = sg_conv_cpg(s); /* the channels one output reads: its group's */
    if (L->type == SG_LAYER_MAXPOOL || cpg >= c->banks || kh0 * kw0 == 1)
        return 0;
    return (long long)cpg * kh0 * kw0 <= c->banks ? 2 : 1;
}

int sg_lower_conv_plan(const sg_config *c, const sg_layer *L, const conv_place *pc, plan *pl,
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
    cv->unit = sg_lower_conv_unit(c, L);
    cv->w_out = s->w_out;
    cv->wf = pc->wf > sg_lower_conv_min_wf(L) ? pc->wf : sg_lower_conv_min_wf(L);
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
    geo = calloc((size_t)sg_min(s->stride_h, s->kh) * (size_t)sg_min(s->stride_w, s->kw),
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
    int room = sg_min(pc->room, 65535);
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
    int lo = 1, hi = cv->tpg > 1 ? sg_min(cv->groups, (s->w_out + P - 1) / P) : cv->groups;
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
            ph->nc = sg_min(ct, s->c_in - ph->c0);
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
     * (sg_lower_conv); a max-pool's blocks stay inside one tile (its
     * channel reads only its own) */
    cv->block_o0 = malloc((size_t)(s->c_out + 1) * sizeof *cv->block_o0);
    if (!cv->block_o0)
        goto oom;
    int o = 0;
    int max_ch = c->rbuf_depth;
    if (cv->tpg > 1 && cv->gpb > 1) /* several groups' partial sums wait together */
        max_ch = c->rbuf_depth / cv->gpb > 1 ? c->rbuf_depth / cv->gpb : 1;
    max_ch = sg_min(max_ch, (int)SG_HDR_COUNT_MAX);
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
        int na = sg_min(per_cmd, ph->words - a0);
        long long n = (long long)na * P * B;
        sg_emit_base3(b, c, 0, 0, ph->region + a0);
        sg_emit_header(b, c, SG_OP_VEC, 0, 1, 0, 0, (unsigned)n);
        uint32_t *w = sg_emit_vec_beats(b, c, n, sg_min(c->pe_count, c->elems_per_beat));
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
    sg_emit_header(b, c, SG_OP_WGT, 0, 1, 0, 0, (unsigned)n);
    for (int o = o0; o < o1; o++) {
        for (int j = 0; j < ph->cwords[o]; j++) {
            uint32_t *w = sg_emit_beats(b, c->wgt_beats, SG_BEATS_WGT);
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
                sg_emit_lane(w, c, lane, v, (uint64_t)a, (uint64_t)(d % P));
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
    sg_emit_header(b, c, SG_OP_ROW, 0, 1, 0, 0, (unsigned)(o1 - o0));
    for (int o = o0; o < o1; o++) {
        uint32_t *w = sg_emit_beats(b, c->row_beats, SG_BEATS_ROW);
        if (!w)
            return;
        sg_emit_row_record(w, L, o);
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
    sg_emit_header(b, c, SG_OP_OUT, 0, 0, 0, 0, 1);
    uint32_t *w = sg_emit_beats(b, c->out_beats, SG_BEATS_REC);
    if (!w)
        return;
    sg_put_bits(w, 0, 64, mask);
    sg_put_bits(w, 64, 16, (uint64_t)(base + (long long)cl * nx->ph[0].wq));
    sg_put_bits(w, 80, 16, (uint64_t)base);
    sg_put_bits(w, 96, 16, (uint64_t)nx->ph[0].wq);
    sg_put_bits(w, 112, 16, (uint64_t)upb);
    sg_put_bits(w, 128, 16, (uint64_t)(upb - cl));
    sg_put_bits(w, 144, 6, (uint64_t)(k->o0 / upb));
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
            sg_emit_base3(b, c, 0, rb, 0);
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
            sg_emit_base3(b, c, k->wb[si], rb, ph->region + (g - gb));
            sg_emit_header(b, c, SG_OP_CONV, (unsigned)k->L->act, (unsigned)(si == k->last),
                           (unsigned)k->L->act_max, (unsigned)npix, (unsigned)nch);
            if (pool)
                sg_emit_max(b, c);
            long long words, nnz = slice_nnz(ph, k->o0, k->o1, &words);
            /* pixels between the rows are computed and thrown away */
            int kept = 0;
            for (int p = 0; p < npix; p++)
                kept += ((long long)g * P + p) % cv->wf < s->w_out;
            sg_emit_account(b, k->st, nnz * npix, words, nnz * (npix - kept));
            sg_emit_reads(b, words, k->rd[2 * si], k->rd[2 * si + 1]);
        }
        if (t != k->last_t)
            continue;
        for (int o = k->o0; o < k->o1; o++)
            for (int p = 0; p < npix; p++) {
                long long f = (long long)g * P + p;
                int oy = (int)(f / cv->wf), ox = (int)(f % cv->wf);
                int r = ox < s->w_out ? o * hw + oy * s->w_out + ox : -1;
                sg_emit_result(b, k->li, r, k->sample, p, o == k->o1 - 1 && p == npix - 1);
            }
    }
}

/* CONV or max-pool layer li for samples first .. first + ns - 1 (inputs
 * xs[s]): per output-channel block the rows and
 * words are loaded once, then every sample's bands run (results layer-major:
 * block by block, sample by sample).  next/nextL: the next layer when our
 * results are written into its line buffer too (one sample). */
void sg_lower_conv(builder *b, const sg_config *c, const sg_layer *L, int li, const plan *pl,
                   const plan *next, const sg_layer *nextL, const int32_t *const *xs, int first,
                   int ns, sg_layer_stats *st)
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
        b->failed = SG_BUILD_NOMEM;
        return;
    }
    if (next) { /* the next layer's line buffer: padding zero, then our writes */
        const conv_phase *nph = &next->cv->ph[0];
        sg_emit_base3(b, c, 0, 0, nph->region);
        sg_emit_header(b, c, SG_OP_CLR, 0, 0, 0, 0, (unsigned)nph->words);
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
            sg_emit_base3(b, c, wbase, 0, 0);
            emit_conv_wgt(b, c, cv, &cv->ph[i], k.o0, k.o1, &rd[2 * i]);
            for (int o = k.o0; o < k.o1; o++)
                wbase += cv->ph[i].cwords[o];
        }
        /* With tiles, a band is a chunk of pixel groups whose partial sums
         * wait in the row buffer while every tile's input passes. */
        int bsz = cv->tpg > 1 ? sg_min(cv->gpb, c->rbuf_depth / (k.o1 - k.o0)) : cv->gpb;
        for (int si = 0; si < ns && !b->failed; si++) {
            k.x = xs[si];
            k.sample = first + si;
            b->sample = k.sample;
            k.fresh = si == 0;
            for (int gb = 0; gb < cv->groups && !b->failed; gb += bsz)
                for (int t = k.first_t; t <= k.last_t; t++)
                    conv_tile_runs(b, c, &k, gb, gb, sg_min(cv->groups, gb + bsz), t);
        }
    }
    free(wb);
    free(rd);
    free(live);
    if (next)
        sg_emit_header(b, c, SG_OP_OUT, 0, 0, 0, 0, 0); /* write-back off */
    sg_emit_base3(b, c, 0, 0, 0);
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
 * caller frees with sg_lower_pool_free); returns 0 or -1 when out of memory. */
int sg_lower_pool_layer(const sg_config *c, const sg_layer *L, sg_layer *pool)
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

void sg_lower_pool_free(sg_layer *pool)
{
    free(pool->weights);
    free(pool->bias);
    free(pool->mult);
    free(pool->shift);
}
