/* test_compile: the compiler checked against the command-stream contract.
 *
 * A small software model of the accelerator (hw_*) interprets the command
 * stream of a compiled program exactly as gen/sg_cmd.h defines it -- its own
 * header decoder, CSB word and row record unpacking, per-PE vector, weight
 * and row buffers, BASE with its weight, row and vector (pbase) bases, VEC
 * broadcast or scattered over the PEs, WGT and ROW per PE or broadcast, RUN
 * with partial sums, CONV through the vector generator's rotation, LSTM
 * steps with the element-wise update and h_t written back -- and
 * produces the output beats the hardware would send.  For many
 * configurations and random FC and CONV models (and the committed CNN
 * fixtures) the test asserts that these beats equal the program's expected
 * beats, that the interpreter's counters equal the program's statistics,
 * that the lane descriptions hold the lane values, that the stream is
 * consumed exactly, and that the results equal an independent computation
 * (sg_fc_dense and sg_layer_forward chained over the layers, max-pool layers
 * on the host), so a bug shared by compiler and interpreter still shows.
 * Then hand-checked streams (and mutated ones the interpreter must refuse),
 * bad arguments of sg_compile and configuration validation (sg_config_load
 * on files in a temp directory).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sg_cmd.h"
#include "sg_compile.h"
#include "sg_config.h"
#include "sg_fc.h"
#include "sg_lstm.h"
#include "sg_model.h"
#include "sg_post.h"
#include "sg_random.h"
#include "tap.h"

/* Opcodes as drawn in sg_cmd.h (kept separate from the enum on purpose). */
#define OP_VEC 1
#define OP_WGT 2
#define OP_ROW 3
#define OP_RUN 4
#define OP_BASE 5
#define OP_CONV 6
#define OP_OUT 7
#define OP_CLR 8
#define OP_LSTM 9

/* ---- bit helpers (independent of the compiler's) ------------------------ */

/* `width` (0..64) bits at `bit` of a little-endian uint32 array. */
static uint64_t bits_at(const uint32_t *w, long long bit, int width)
{
    uint64_t v = 0;
    int i = 0;
    while (i < width) {
        long long pos = bit + i;
        int sh = (int)(pos % 32);
        int take = 32 - sh < width - i ? 32 - sh : width - i;
        uint64_t chunk = (uint64_t)(w[pos / 32] >> sh);
        if (take < 32)
            chunk &= (1ULL << take) - 1;
        v |= chunk << i;
        i += take;
    }
    return v;
}

/* Are bits from .. to-1 all zero? */
static int bits_zero(const uint32_t *w, long long from, long long to)
{
    for (long long pos = from; pos < to; pos++)
        if ((w[pos / 32] >> (pos % 32)) & 1u)
            return 0;
    return 1;
}

static void set_bits(uint32_t *w, long long bit, int width, uint64_t v)
{
    for (int i = 0; i < width; i++)
        if ((v >> i) & 1u)
            w[(bit + i) / 32] |= 1u << ((bit + i) % 32);
}

/* Sign-extend the low `width` bits of v. */
static int64_t sext(uint64_t v, int width)
{
    if (width >= 64)
        return (int64_t)v;
    uint64_t m = 1ULL << (width - 1);
    v &= (1ULL << width) - 1;
    return (int64_t)(v ^ m) - (int64_t)m;
}

static int clog2_(long long n)
{
    int b = 0;
    while ((1LL << b) < n)
        b++;
    return b;
}

static long long cdiv(long long a, long long b)
{
    return (a + b - 1) / b;
}

/* ---- the accelerator model ----------------------------------------------- */

typedef struct hw {
    /* geometry, derived here from the given fields (not from sg_config_derive) */
    int P, B, data_w, wgt_w, acc_w, stream_w, vdepth, wdepth, rdepth;
    int off_w, rot_w, lane_w, word_w, bw, E, hdr_beats, wgt_beats, row_beats, out_beats;
    /* buffers */
    int32_t *vbuf;          /* [(p * B + b) * vdepth + o] */
    uint8_t *vwr;           /* same index: written by some VEC */
    long long vbuf_n;       /* elements written by the last broadcast VEC (0 after a scatter) */
    long long vbuf_at;      /* its first address (pbase then) */
    int32_t *wval;          /* [((p * wdepth) + a) * B + b] */
    uint32_t *woff;         /* same index */
    uint32_t *wrot;         /* same index: lane rotation (CONV) */
    uint8_t *wlast;         /* [p * wdepth + a] */
    long long wbuf_n;       /* words per PE written by the last WGT */
    int32_t *rbias, *rmult; /* [p * rdepth + g] */
    uint8_t *rshift;
    long long rbuf_n; /* groups written by the last ROW */
    long long wbase, rbase;     /* BASE: where WGT/ROW write and RUN reads */
    long long pbase;            /* BASE: where VEC writes and CONV reads */
    long long w_hi, r_hi;       /* highest weight / row address loaded + 1 */
    int based;                  /* a BASE command was seen */
    /* results */
    uint32_t *out;
    uint8_t *out_last;
    long long n_out, cap_out;
    int lane; /* results in the current output beat */
    int32_t *res;
    long long n_res, cap_res;
    long long macs, words, runs, cmds;
    long long convs;    /* CONV commands */
    long long scatters; /* scatter VECs */
    long long wgts;     /* WGT commands */
    /* OUT: results written back into the vector banks */
    int wb_en, wb_bank;
    uint64_t wb_mask;
    long long wb_addr, wb_base, wb_wq, wb_upb, wb_left;
    long long wb_writes; /* results written back */
    long long clears;    /* CLR commands */
    long long loads;    /* line-buffer loads: scatter VECs not preceded (BASE aside) by one */
    unsigned prev_op;   /* opcode of the previous command other than BASE */
    int prev_flag;      /* its flag bit */
    long long wraps; /* MACs whose exact sum left the ACC_W range */
    char trace[64];  /* first opcodes: V W B r(un, partial) R(un, final) S(BASE), flagged
                      * v(scatter) w b(broadcast), c(onv, partial) C(onv, final) */
    int n_trace;
    uint64_t hdr[8]; /* first headers, for hand checks */
    long long hdr_at[8]; /* and the beats they start at */
    /* problems: contract violations and (looser) hygiene notes */
    int errors, fatal;
    char err[512];     /* the first violation */
    char errlog[2048]; /* the first ones, "; "-separated, for the mutation checks */
    int notes;
    char note[512];
    /* LSTM: the element-wise unit's cell states and formats */
    int32_t *cell;      /* lstm_hidden entries */
    int lstm_hidden;
    sg_lstm_fmt fmt;
    long long lstm_steps; /* LSTM steps run */
    long long lstm_cmds;  /* LSTM commands */
    long long region_wraps; /* LSTM steps whose next region wrapped to address 0 */
    long long h_writes;   /* h_t elements written into the vector banks */
    long long kind_beats[SG_BEAT_KINDS]; /* beats by what the decoded commands carry */
    long long fmap_cycles; /* cycles the banks take to write the VEC payloads */
} hw;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void hw_error(hw *h, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (h->errors++ == 0)
        snprintf(h->err, sizeof h->err, "%s", msg);
    size_t n = strlen(h->errlog);
    if (n + 2 < sizeof h->errlog)
        snprintf(h->errlog + n, sizeof h->errlog - n, "%s%s", n ? "; " : "", msg);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void hw_note(hw *h, const char *fmt, ...)
{
    if (h->notes++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(h->note, sizeof h->note, fmt, ap);
        va_end(ap);
    }
}

static void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n ? n : 1, s);
    if (!p) {
        fprintf(stderr, "test_compile: out of memory\n");
        exit(99);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "test_compile: out of memory\n");
        exit(99);
    }
    return q;
}

static void hw_init(hw *h, const sg_config *c)
{
    memset(h, 0, sizeof *h);
    h->P = c->pe_count;
    h->B = c->banks;
    h->data_w = c->data_w;
    h->wgt_w = c->wgt_w;
    h->acc_w = c->acc_w;
    h->stream_w = c->stream_w;
    h->vdepth = c->vbuf_depth;
    h->wdepth = c->wbuf_depth;
    h->rdepth = c->rbuf_depth;
    h->off_w = clog2_(h->vdepth) > 1 ? clog2_(h->vdepth) : 1; /* vbuf address bits */
    h->rot_w = clog2_(h->P) > 1 ? clog2_(h->P) : 1;             /* CONV rotation bits */
    h->lane_w = h->off_w + h->wgt_w + h->rot_w;
    h->word_w = 1 + h->B * h->lane_w;
    h->bw = h->stream_w / 32;
    h->E = h->stream_w / h->data_w;
    h->hdr_beats = (int)cdiv(64, h->stream_w);
    h->wgt_beats = (int)cdiv(h->word_w, h->stream_w);
    h->row_beats = (int)cdiv(70, h->stream_w);
    h->out_beats = (int)cdiv(192, h->stream_w);
    h->vbuf = xcalloc((size_t)h->P * h->B * h->vdepth, sizeof *h->vbuf);
    h->vwr = xcalloc((size_t)h->P * h->B * h->vdepth, 1);
    h->wval = xcalloc((size_t)h->P * h->wdepth * h->B, sizeof *h->wval);
    h->woff = xcalloc((size_t)h->P * h->wdepth * h->B, sizeof *h->woff);
    h->wrot = xcalloc((size_t)h->P * h->wdepth * h->B, sizeof *h->wrot);
    h->wlast = xcalloc((size_t)h->P * h->wdepth, 1);
    h->rbias = xcalloc((size_t)h->P * h->rdepth, sizeof *h->rbias);
    h->rmult = xcalloc((size_t)h->P * h->rdepth, sizeof *h->rmult);
    h->rshift = xcalloc((size_t)h->P * h->rdepth, 1);
    h->lstm_hidden = c->lstm_hidden;
    h->cell = xcalloc((size_t)c->lstm_hidden, sizeof *h->cell);
    char e[128];
    if (sg_lstm_fmt_derive(&h->fmt, c->data_w, sg_lstm_table_bits_for(c->data_w), 1, e, sizeof e))
        abort();
}

static void hw_free(hw *h)
{
    free(h->vbuf);
    free(h->vwr);
    free(h->wval);
    free(h->woff);
    free(h->wrot);
    free(h->wlast);
    free(h->rbias);
    free(h->rmult);
    free(h->rshift);
    free(h->out);
    free(h->out_last);
    free(h->res);
    free(h->cell);
    sg_lstm_fmt_free(&h->fmt);
    memset(h, 0, sizeof *h);
}

/* One result onto m_axis. */
static void hw_emit(hw *h, int32_t v)
{
    if (h->lane == 0) {
        if (h->n_out + 1 > h->cap_out) {
            h->cap_out = h->cap_out ? h->cap_out * 2 : 64;
            h->out = xrealloc(h->out, (size_t)h->cap_out * h->bw * sizeof *h->out);
            h->out_last = xrealloc(h->out_last, (size_t)h->cap_out);
        }
        memset(h->out + h->n_out * h->bw, 0, (size_t)h->bw * sizeof *h->out);
        h->out_last[h->n_out] = 0;
        h->n_out++;
    }
    set_bits(h->out + (h->n_out - 1) * h->bw, (long long)h->lane * h->data_w, h->data_w,
             (uint64_t)(int64_t)v & ((1ULL << h->data_w) - 1));
    if (++h->lane == h->E)
        h->lane = 0;
    if (h->n_res + 1 > h->cap_res) {
        h->cap_res = h->cap_res ? h->cap_res * 2 : 256;
        h->res = xrealloc(h->res, (size_t)h->cap_res * sizeof *h->res);
    }
    h->res[h->n_res++] = v;
}

/* A captured batch of n results (PE order) with write-back on: result p
 * goes to PE p's bank wb_bank at wb_addr when mask bit p is set; then the
 * next batch's target (sg_cmd.h, OUT). */
static void hw_wb_batch(hw *h, const int32_t *y, int n, long long at)
{
    if (!h->wb_en)
        return;
    for (int p = 0; p < n; p++) {
        if (!(h->wb_mask >> p & 1))
            continue;
        if (h->wb_bank >= h->B || h->wb_addr >= h->vdepth) {
            hw_error(h, "CONV at beat %lld: write-back to bank %d address %lld outside the %d x "
                     "%d banks", at, h->wb_bank, h->wb_addr, h->B, h->vdepth);
            return;
        }
        size_t vi = ((size_t)p * h->B + (size_t)h->wb_bank) * h->vdepth + (size_t)h->wb_addr;
        h->vbuf[vi] = y[p];
        h->vwr[vi] = 1;
        h->wb_writes++;
    }
    if (h->wb_left == 1) {
        h->wb_left = h->wb_upb;
        h->wb_bank++;
        h->wb_addr = h->wb_base;
    } else {
        h->wb_left--;
        h->wb_addr += h->wb_wq;
    }
}

static void hw_trace(hw *h, char ch, uint64_t hdr, long long at)
{
    if (h->n_trace < (int)sizeof h->trace - 1)
        h->trace[h->n_trace] = ch;
    if (h->n_trace < 8) {
        h->hdr[h->n_trace] = hdr;
        h->hdr_at[h->n_trace] = at;
    }
    h->n_trace++;
}

/* VEC: n elements from address pbase on.  Broadcast (flag 0): element i to
 * bank i % B, address pbase + i / B of every PE.  Scatter (flag 1): element i
 * to PE i % P only, bank (i / P) % B, address pbase + i / (P * B). */
static void hw_vec(hw *h, const uint32_t *pl, long long n, int scatter, long long at)
{
    long long per_addr = scatter ? (long long)h->P * h->B : h->B;
    if (h->pbase + cdiv(n, per_addr) > h->vdepth) {
        hw_error(h, "VEC at beat %lld (%s) of %lld elements at pbase %lld overflows the %d-word "
                 "vector banks", at, scatter ? "scatter" : "broadcast", n, h->pbase, h->vdepth);
        h->fatal = 1;
        return;
    }
    for (long long i = 0; i < n; i++) {
        int32_t v = (int32_t)sext(bits_at(pl, i * h->data_w, h->data_w), h->data_w);
        if (scatter) {
            int q = (int)(i % h->P), b = (int)((i / h->P) % h->B);
            long long o = h->pbase + i / per_addr;
            size_t vi = ((size_t)q * h->B + b) * h->vdepth + (size_t)o;
            h->vbuf[vi] = v;
            h->vwr[vi] = 1;
            continue;
        }
        int b = (int)(i % h->B);
        long long o = h->pbase + i / h->B;
        for (int p = 0; p < h->P; p++) {
            size_t vi = ((size_t)p * h->B + b) * h->vdepth + (size_t)o;
            h->vbuf[vi] = v;
            h->vwr[vi] = 1;
        }
    }
    /* an FC RUN must read what the last broadcast VEC wrote: a scatter
     * replaces parts of some PEs' banks only */
    h->vbuf_n = scatter ? 0 : n;
    h->vbuf_at = h->pbase;
}

/* WGT: n addresses from wbase on; P words per address (one per PE), or with
 * the broadcast flag one word written into every PE. */
static void hw_wgt(hw *h, const uint32_t *pl, long long n, int bcast, long long at)
{
    if (h->wbase + n > h->wdepth) {
        hw_error(h, "WGT of %lld words at base %lld overflows the %d-word weight buffer", n,
                 h->wbase, h->wdepth);
        h->fatal = 1;
        return;
    }
    int per = bcast ? 1 : h->P;
    for (long long a = 0; a < n; a++) {
        for (int k = 0; k < per; k++) {
            long long ri = a * per + k; /* record index in the payload */
            const uint32_t *rec = pl + (ri * h->wgt_beats) * h->bw;
            for (int p = bcast ? 0 : k; p < (bcast ? h->P : k + 1); p++) {
                size_t wi = (size_t)p * h->wdepth + (size_t)(h->wbase + a);
                h->wlast[wi] = (uint8_t)bits_at(rec, h->word_w - 1, 1);
                for (int b = 0; b < h->B; b++) {
                    uint64_t lane = bits_at(rec, (long long)b * h->lane_w, h->lane_w);
                    h->wval[wi * h->B + b] = (int32_t)sext(lane, h->wgt_w);
                    h->woff[wi * h->B + b] =
                        (uint32_t)((lane >> h->wgt_w) & ((1ULL << h->off_w) - 1));
                    h->wrot[wi * h->B + b] = (uint32_t)(lane >> (h->wgt_w + h->off_w));
                }
            }
            if (!bits_zero(rec, h->word_w, (long long)h->wgt_beats * h->stream_w))
                hw_error(h, "WGT word (a=%lld, %s %d) at beat %lld: nonzero bits above WordW", a,
                         bcast ? "broadcast record" : "pe", k, at + ri * h->wgt_beats);
        }
    }
    h->wbuf_n = n;
    if (h->wbase + n > h->w_hi)
        h->w_hi = h->wbase + n;
}

/* ROW: n groups from rbase on; P records per group, or with the broadcast
 * flag one record written into every PE. */
static void hw_row(hw *h, const uint32_t *pl, long long n, int bcast, long long at)
{
    if (h->rbase + n > h->rdepth) {
        hw_error(h, "ROW of %lld groups at base %lld overflows the %d-row row buffer", n,
                 h->rbase, h->rdepth);
        h->fatal = 1;
        return;
    }
    int per = bcast ? 1 : h->P;
    for (long long g = 0; g < n; g++) {
        for (int k = 0; k < per; k++) {
            long long ri = g * per + k;
            const uint32_t *rec = pl + (ri * h->row_beats) * h->bw;
            for (int p = bcast ? 0 : k; p < (bcast ? h->P : k + 1); p++) {
                size_t i = (size_t)p * h->rdepth + (size_t)(h->rbase + g);
                h->rbias[i] = (int32_t)sext(bits_at(rec, 0, 32), 32);
                h->rmult[i] = (int32_t)sext(bits_at(rec, 32, 32), 32);
                h->rshift[i] = (uint8_t)bits_at(rec, 64, 6);
            }
            if (!bits_zero(rec, 70, (long long)h->row_beats * h->stream_w))
                hw_error(h, "row record (g=%lld, %s %d) at beat %lld: nonzero bits above 70", g,
                         bcast ? "broadcast record" : "pe", k, at + ri * h->row_beats);
        }
    }
    h->rbuf_n = n;
    if (h->rbase + n > h->r_hi)
        h->r_hi = h->rbase + n;
}

/* RUN (gates NULL), or one LSTM step (gates receives the rows requantized
 * to the 16-bit Q3.12 gate format; vector reads need only be written by
 * someone, VEC or an earlier step's h_t, not by the last VEC). */
static void hw_run_cmd(hw *h, long long G, int act, int final, int act_max, long long rows,
                       long long at, int32_t *gates)
{
    int P = h->P, B = h->B;
    if (h->wb_en)
        hw_error(h, "RUN at beat %lld with write-back on (OUT): FC results are not kept", at);
    if (h->based ? h->rbase + G > h->r_hi : G > h->rbuf_n)
        hw_error(h, "RUN at beat %lld: %lld groups at base %lld but only %lld loaded by ROW", at,
                 G, h->rbase, h->based ? h->r_hi : h->rbuf_n);
    if (h->rbase + G > h->rdepth) {
        hw_error(h, "RUN at beat %lld: %lld groups exceed the row buffer", at, G);
        h->fatal = 1;
        return;
    }
    if (act == 3)
        hw_error(h, "RUN at beat %lld: act field 3 is not an activation", at);
    if (act_max >> (h->data_w - 1)) /* the hardware keeps DATA_W bits of it */
        hw_error(h, "RUN at beat %lld: act_max %d outside 0..2^(DATA_W-1)-1", at, act_max);
    if (final && !(rows > G * P - P && rows <= G * P))
        hw_error(h, "RUN at beat %lld: rows %lld not in (%lld, %lld]", at, rows, G * P - P, G * P);
    if (!final && rows > G * P)
        hw_error(h, "RUN at beat %lld (partial): rows %lld > %lld", at, rows, G * P);
    int64_t *acc = xcalloc((size_t)P, sizeof *acc);
    long long a = 0;
    long long emitted = 0;
    for (long long g = 0; g < G && !h->fatal; g++) {
        for (int p = 0; p < P; p++)
            acc[p] = sg_wrap(h->rbias[(size_t)p * h->rdepth + h->rbase + g], h->acc_w);
        for (;;) {
            long long aa = h->wbase + a; /* absolute weight-buffer address */
            if (aa >= h->wdepth) {
                hw_error(h, "RUN at beat %lld walks past the %d-word weight buffer (group %lld)",
                         at, h->wdepth, g);
                h->fatal = 1;
                break;
            }
            if (aa >= (h->based ? h->w_hi : h->wbuf_n)) {
                hw_error(h, "RUN at beat %lld reads weight address %lld, only %lld loaded", at, aa,
                         h->based ? h->w_hi : h->wbuf_n);
                h->fatal = 1;
                break;
            }
            int last0 = h->wlast[aa];
            for (int p = 0; p < P; p++) {
                size_t wi = (size_t)p * h->wdepth + (size_t)aa;
                if (h->wlast[wi] != last0)
                    hw_error(h, "RUN at beat %lld: PEs disagree on the last bit at address %lld",
                             at, a);
                for (int b = 0; b < B; b++) {
                    int32_t v = h->wval[wi * B + b];
                    uint32_t off = h->woff[wi * B + b];
                    if (h->wrot[wi * B + b])
                        hw_error(h, "RUN at beat %lld, address %lld pe %d lane %d: an FC word "
                                 "with rotation %u", at, aa, p, b, h->wrot[wi * B + b]);
                    if (off >= (uint32_t)h->vdepth) {
                        hw_error(h, "address %lld pe %d lane %d: offset %u >= vbuf depth %d", a, p,
                                 b, off, h->vdepth);
                        continue;
                    }
                    if (v == 0)
                        continue;
                    long long va = (long long)off + h->pbase; /* the RTL adds pbase */
                    if (va >= h->vdepth) {
                        hw_error(h, "address %lld pe %d lane %d: offset %u + pbase %lld past the "
                                 "vector banks", a, p, b, off, h->pbase);
                        continue;
                    }
                    size_t vi = ((size_t)p * B + b) * h->vdepth + (size_t)va;
                    if (gates ? !h->vwr[vi]
                              : va < h->vbuf_at || (va - h->vbuf_at) * B + b >= h->vbuf_n)
                        hw_error(h, "address %lld pe %d lane %d: offset %u + pbase %lld %s", a, p,
                                 b, off, h->pbase,
                                 gates ? "never written" : "not loaded by the last broadcast VEC");
                    h->macs++;
                    int32_t x = h->vbuf[((size_t)p * B + b) * h->vdepth + va];
                    int64_t exact = acc[p] + (int64_t)v * x;
                    acc[p] = sg_wrap(exact, h->acc_w);
                    h->wraps += acc[p] != exact;
                }
            }
            h->words++;
            a++;
            if (last0)
                break;
        }
        if (h->fatal)
            break;
        for (int p = 0; p < P; p++) {
            size_t ri = (size_t)p * h->rdepth + (size_t)(h->rbase + g);
            if (!final) {
                h->rbias[ri] = (int32_t)sext((uint64_t)acc[p], 32); /* acc fits ACC_W <= 32 */
                continue;
            }
            if (g * P + p >= rows)
                continue;
            if (gates) {
                gates[g * P + p] =
                    (int32_t)sg_requant(acc[p], h->rmult[ri], h->rshift[ri], SG_LSTM_GATE_W);
                continue;
            }
            int64_t y = sg_requant(acc[p], h->rmult[ri], h->rshift[ri], h->data_w);
            y = sg_activate(y, (sg_act)act, act_max);
            hw_emit(h, (int32_t)y);
            emitted++;
        }
    }
    free(acc);
    if (!h->based && a != h->wbuf_n)
        hw_note(h, "RUN at beat %lld read %lld of the %lld loaded words", at, a, h->wbuf_n);
    if (final && emitted > 0) {
        h->out_last[h->n_out - 1] = 1;
        h->lane = 0;
    }
    h->runs++;
}

/* LSTM: `steps` steps from region pbase (sg_cmd.h, LSTM record in pl). */
static void hw_lstm_cmd(hw *h, long long steps, int czero, const uint32_t *pl, long long at)
{
    long long G = (long long)bits_at(pl, 0, 20), rows = (long long)bits_at(pl, 20, 20);
    long long lq = (long long)bits_at(pl, 40, 16), end = (long long)bits_at(pl, 56, 16);
    long long hoff = (long long)bits_at(pl, 72, 16), xn = (long long)bits_at(pl, 88, 20);
    long long H = rows / 4, xbeats = cdiv(xn, h->E);
    const uint32_t *xp = pl + (long long)h->out_beats * h->bw; /* x_1 .. x_(T-1) */
    if (!bits_zero(pl, 108, (long long)h->out_beats * h->stream_w))
        hw_error(h, "LSTM at beat %lld: nonzero reserved record bits", at);
    if (rows % 4 || H < 1 || H > h->lstm_hidden || lq < 1 || end % lq || end > h->vdepth ||
        end < 2 * lq || h->pbase % lq || h->pbase >= end || hoff * h->B + H > lq * h->B ||
        xn > hoff * h->B) {
        hw_error(h, "LSTM at beat %lld: bad record (G %lld, rows %lld, lq %lld, end %lld, hoff "
                 "%lld, pbase %lld)", at, G, rows, lq, end, hoff, h->pbase);
        h->fatal = 1;
        return;
    }
    int32_t *z = xcalloc((size_t)(G * h->P > rows ? G * h->P : rows), sizeof *z);
    h->lstm_cmds++;
    for (long long s = 0; s < steps && !h->fatal; s++) {
        long long next = h->pbase + lq == end ? 0 : h->pbase + lq;
        h->region_wraps += next == 0;
        /* the payload's x_(s+1) goes into the next region while step s runs */
        if (s + 1 < steps) {
            const uint32_t *xw = xp + s * xbeats * h->bw;
            if (!bits_zero(xw, xn * h->data_w, xbeats * h->stream_w))
                hw_error(h, "LSTM at beat %lld: nonzero bits after x element %lld", at, xn);
            for (long long i = 0; i < xn; i++) {
                int32_t v = (int32_t)sext(bits_at(xw, i * h->data_w, h->data_w), h->data_w);
                for (int q = 0; q < h->P; q++) {
                    size_t vi = ((size_t)q * h->B + (size_t)(i % h->B)) * h->vdepth +
                                (size_t)(next + i / h->B);
                    h->vbuf[vi] = v;
                    h->vwr[vi] = 1;
                }
            }
        }
        hw_run_cmd(h, G, 0, 1, 0, rows, at, z);
        for (long long j = 0; j < H; j++) {
            int32_t c0 = czero && s == 0 ? 0 : h->cell[j];
            int32_t y = sg_lstm_cell(&h->fmt, z[4 * j], z[4 * j + 1], z[4 * j + 2], z[4 * j + 3],
                                     c0, &h->cell[j]);
            hw_emit(h, y);
            long long a = next + hoff + j / h->B;
            for (int q = 0; q < h->P; q++) {
                size_t vi = ((size_t)q * h->B + (size_t)(j % h->B)) * h->vdepth + (size_t)a;
                h->vbuf[vi] = y;
                h->vwr[vi] = 1;
            }
            h->h_writes++;
        }
        h->out_last[h->n_out - 1] = 1;
        h->lane = 0;
        h->lstm_steps++;
        if (s + 1 < steps)
            h->pbase = next;
    }
    free(z);
}

/* CONV: G output channels (groups) over a pixel group of npix PEs.  Every
 * PE walks the same words from wbase; PE p, lane b of a word (v, off, rot)
 * takes the activation that PE q = (p + rot) % P read from its bank b at
 * off + pbase + (q < rot).  Accumulation, partial write-back and the final
 * requant/activation as for RUN; per channel the results of PEs 0 .. npix-1,
 * tlast on the command's last one. */
static void hw_conv_cmd(hw *h, long long G, int act, int final, int act_max, long long npix,
                        int max, long long at)
{
    int P = h->P, B = h->B;
    if (h->based ? h->rbase + G > h->r_hi : G > h->rbuf_n)
        hw_error(h, "CONV at beat %lld: %lld channels at base %lld but only %lld loaded by ROW",
                 at, G, h->rbase, h->based ? h->r_hi : h->rbuf_n);
    if (h->rbase + G > h->rdepth) {
        hw_error(h, "CONV at beat %lld: %lld channels exceed the row buffer", at, G);
        h->fatal = 1;
        return;
    }
    if (npix < 1 || npix > P) {
        hw_error(h, "CONV at beat %lld: npix %lld not in 1..%d", at, npix, P);
        h->fatal = 1;
        return;
    }
    if (act == 3)
        hw_error(h, "CONV at beat %lld: act field 3 is not an activation", at);
    if (act_max >> (h->data_w - 1))
        hw_error(h, "CONV at beat %lld: act_max %d outside 0..2^(DATA_W-1)-1", at, act_max);
    int64_t *acc = xcalloc((size_t)P, sizeof *acc);
    int64_t *wsum = xcalloc((size_t)P, sizeof *wsum); /* max: this word's sum per PE */
    int32_t *batch = xcalloc((size_t)P, sizeof *batch); /* a channel's results */
    long long a = 0;
    long long emitted = 0;
    for (long long g = 0; g < G && !h->fatal; g++) {
        for (int p = 0; p < P; p++)
            acc[p] = sg_wrap(h->rbias[(size_t)p * h->rdepth + h->rbase + g], h->acc_w);
        for (;;) {
            long long aa = h->wbase + a;
            if (aa >= h->wdepth) {
                hw_error(h, "CONV at beat %lld walks past the %d-word weight buffer (channel %lld)",
                         at, h->wdepth, g);
                h->fatal = 1;
                break;
            }
            if (aa >= (h->based ? h->w_hi : h->wbuf_n)) {
                hw_error(h, "CONV at beat %lld reads weight address %lld, only %lld loaded", at,
                         aa, h->based ? h->w_hi : h->wbuf_n);
                h->fatal = 1;
                break;
            }
            /* the rotator takes PE p's rotation, the bank read PE q's own
             * offset and rotation: only the same word everywhere is defined */
            size_t w0 = (size_t)aa;
            for (int p = 1; p < P; p++) {
                size_t wi = (size_t)p * h->wdepth + (size_t)aa;
                int same = h->wlast[wi] == h->wlast[w0];
                for (int b = 0; b < B && same; b++)
                    same = h->wval[wi * B + b] == h->wval[w0 * B + b] &&
                           h->woff[wi * B + b] == h->woff[w0 * B + b] &&
                           h->wrot[wi * B + b] == h->wrot[w0 * B + b];
                if (!same)
                    hw_error(h, "CONV at beat %lld: PE %d holds another word than PE 0 at weight "
                             "address %lld", at, p, aa);
            }
            for (int p = 0; p < P; p++) {
                size_t wi = (size_t)p * h->wdepth + (size_t)aa;
                wsum[p] = 0;
                for (int b = 0; b < B; b++) {
                    int32_t v = h->wval[wi * B + b];
                    uint32_t off = h->woff[wi * B + b], rot = h->wrot[wi * B + b];
                    if (rot >= (uint32_t)P) {
                        hw_error(h, "CONV at beat %lld, address %lld lane %d: rotation %u >= P %d",
                                 at, aa, b, rot, P);
                        continue;
                    }
                    int q = (int)((p + (int)rot) % P);
                    long long addr = (long long)off + h->pbase + (q < (int)rot);
                    if (addr >= h->vdepth) {
                        hw_error(h, "CONV at beat %lld, address %lld pe %d lane %d: vector address "
                                 "%lld (offset %u + pbase %lld + wrap) >= vbuf depth %d",
                                 at, aa, p, b, addr, off, h->pbase, h->vdepth);
                        continue;
                    }
                    if (v == 0)
                        continue;
                    size_t vi = ((size_t)q * B + b) * h->vdepth + (size_t)addr;
                    if (!h->vwr[vi]) {
                        if (p < npix)
                            hw_error(h, "CONV at beat %lld, address %lld pe %d lane %d: reads "
                                     "vector address %lld of PE %d, never written by a VEC",
                                     at, aa, p, b, addr, q);
                        else
                            hw_note(h, "CONV at beat %lld: idle PE %d lane %d reads unwritten "
                                    "vector address %lld of PE %d", at, p, b, addr, q);
                    }
                    int32_t x = h->vbuf[vi];
                    if (p < npix)
                        h->macs++;
                    if (max) { /* the adder tree's sum, then the maximum */
                        wsum[p] = sg_wrap(wsum[p] + (int64_t)v * x, h->acc_w);
                        continue;
                    }
                    int64_t exact = acc[p] + (int64_t)v * x;
                    acc[p] = sg_wrap(exact, h->acc_w);
                    if (p < npix)
                        h->wraps += acc[p] != exact;
                }
                if (max && wsum[p] > acc[p])
                    acc[p] = wsum[p];
            }
            int last0 = h->wlast[w0];
            h->words++;
            a++;
            if (last0)
                break;
        }
        if (h->fatal)
            break;
        for (int p = 0; p < P; p++) {
            size_t ri = (size_t)p * h->rdepth + (size_t)(h->rbase + g);
            if (!final) {
                h->rbias[ri] = (int32_t)sext((uint64_t)acc[p], 32);
                continue;
            }
            if (p >= npix)
                continue;
            int64_t y = sg_requant(acc[p], h->rmult[ri], h->rshift[ri], h->data_w);
            y = sg_activate(y, (sg_act)act, act_max);
            hw_emit(h, (int32_t)y);
            batch[p] = (int32_t)y;
            emitted++;
        }
        if (final) /* after the whole batch: a CONV may write where it reads */
            hw_wb_batch(h, batch, (int)npix, at);
    }
    free(acc);
    free(wsum);
    free(batch);
    if (!h->based && a != h->wbuf_n)
        hw_note(h, "CONV at beat %lld read %lld of the %lld loaded words", at, a, h->wbuf_n);
    if (final && emitted > 0) {
        h->out_last[h->n_out - 1] = 1;
        h->lane = 0;
    }
    h->runs++;
    h->convs++;
}

/* Interpret a whole stream.  Returns 0 when it was consumed exactly. */
static int hw_exec(hw *h, const uint32_t *beats, long long n_beats)
{
    long long i = 0;
    while (i < n_beats && !h->fatal) {
        long long at = i;
        if (i + h->hdr_beats > n_beats) {
            hw_error(h, "beat %lld: header cut short by the end of the stream", i);
            h->fatal = 1;
            break;
        }
        const uint32_t *hb = beats + i * h->bw;
        uint64_t hdr = bits_at(hb, 0, 64);
        if (!bits_zero(hb, 64, (long long)h->hdr_beats * h->stream_w))
            hw_error(h, "beat %lld: nonzero bits above the 64-bit header", i);
        unsigned op = (unsigned)(hdr >> 60) & 0xfu;
        int act = (int)((hdr >> 58) & 0x3u);
        int final = (int)((hdr >> 57) & 0x1u);
        int max = (int)((hdr >> 56) & 0x1u);
        int act_max = (int)((hdr >> 40) & 0xffffu);
        long long rows = (long long)((hdr >> 20) & 0xfffffu);
        long long count = (long long)(hdr & 0xfffffu);
        i += h->hdr_beats;
        h->cmds++;
        if (max && op != OP_CONV)
            hw_error(h, "beat %lld: max flag (bit 56) on opcode %u, not CONV", at, op);
        if (count == 0 && op != OP_BASE && op != OP_OUT)
            hw_error(h, "beat %lld: opcode %u with count 0", at, op);
        /* final is the flag of VEC/WGT/ROW; act_max is BASE's pbase */
        int flag = final;
        if ((op == OP_VEC || op == OP_WGT || op == OP_ROW) && (act || act_max || rows))
            hw_note(h, "beat %lld: opcode %u carries RUN-only fields", at, op);
        if (op == OP_BASE && (act || final))
            hw_note(h, "beat %lld: BASE carries RUN-only fields", at);
        long long nb;
        switch (op) {
        case OP_VEC:
            nb = cdiv(count, h->E);
            break;
        case OP_WGT:
            nb = count * (flag ? 1 : h->P) * h->wgt_beats;
            break;
        case OP_ROW:
            nb = count * (flag ? 1 : h->P) * h->row_beats;
            break;
        case OP_OUT:
            nb = count ? h->out_beats : 0;
            if (count > 1)
                hw_error(h, "beat %lld: OUT count %lld, must be 0 or 1", at, count);
            if (act || final || act_max || rows)
                hw_note(h, "beat %lld: OUT carries RUN-only fields", at);
            break;
        case OP_LSTM: /* the record, then x_1 .. x_(T-1) */
            nb = h->out_beats;
            if (i + nb <= n_beats && count > 0)
                nb += (count - 1) * cdiv((long long)bits_at(beats + i * h->bw, 88, 20), h->E);
            if (act || act_max || rows)
                hw_note(h, "beat %lld: LSTM carries RUN-only fields", at);
            break;
        case OP_RUN:
        case OP_BASE:
        case OP_CONV:
        case OP_CLR:
            nb = 0;
            break;
        default:
            hw_error(h, "beat %lld: unknown opcode %u (header %016llx)", at, op,
                     (unsigned long long)hdr);
            h->fatal = 1;
            return -1;
        }
        if (i + nb > n_beats) {
            hw_error(h, "beat %lld: opcode %u payload of %lld beats cut short", at, op, nb);
            h->fatal = 1;
            break;
        }
        /* what the beats carry, from the decoded header alone */
        h->kind_beats[SG_BEATS_HDR] += h->hdr_beats;
        if (op == OP_LSTM) {
            h->kind_beats[SG_BEATS_REC] += h->out_beats;
            h->kind_beats[SG_BEATS_XSTEP] += nb - h->out_beats;
        } else {
            h->kind_beats[op == OP_VEC ? SG_BEATS_FMAP : op == OP_WGT ? SG_BEATS_WGT
                          : op == OP_ROW ? SG_BEATS_ROW : SG_BEATS_REC] += nb;
        }
        if (op == OP_VEC) { /* the banks take min(B, E) (scatter: min(P, E)) a cycle */
            long long rate = flag ? (h->P < h->E ? h->P : h->E) : (h->B < h->E ? h->B : h->E);
            h->fmap_cycles += cdiv(count, rate) > nb ? cdiv(count, rate) : nb;
        }
        const uint32_t *pl = beats + i * h->bw;
        switch (op) {
        case OP_VEC:
            hw_trace(h, flag ? 'v' : 'V', hdr, at);
            if (flag) {
                h->scatters++;
                h->loads += !(h->prev_op == OP_VEC && h->prev_flag);
            }
            hw_vec(h, pl, count, flag, at);
            if (!bits_zero(pl, count * h->data_w, nb * h->stream_w))
                hw_error(h, "VEC at beat %lld: nonzero bits after element %lld", at, count);
            break;
        case OP_WGT:
            h->wgts++;
            hw_trace(h, flag ? 'w' : 'W', hdr, at);
            hw_wgt(h, pl, count, flag, i);
            break;
        case OP_ROW:
            hw_trace(h, flag ? 'b' : 'B', hdr, at);
            hw_row(h, pl, count, flag, i);
            break;
        case OP_BASE:
            hw_trace(h, 'S', hdr, at);
            h->wbase = count;
            h->rbase = rows;
            h->pbase = act_max;
            h->based = 1;
            if (act_max >> h->off_w) /* the hardware keeps OFF_W bits */
                hw_error(h, "BASE at beat %lld: pbase %d does not fit OFF_W = %d bits", at,
                         act_max, h->off_w);
            break;
        case OP_CONV:
            hw_trace(h, final ? 'C' : 'c', hdr, at);
            hw_conv_cmd(h, count, act, final, act_max, rows, max, at);
            break;
        case OP_OUT:
            hw_trace(h, count ? 'O' : 'o', hdr, at);
            h->wb_en = count != 0;
            if (count) {
                h->wb_mask = bits_at(pl, 0, 64);
                h->wb_addr = (long long)bits_at(pl, 64, 16);
                h->wb_base = (long long)bits_at(pl, 80, 16);
                h->wb_wq = (long long)bits_at(pl, 96, 16);
                h->wb_upb = (long long)bits_at(pl, 112, 16);
                h->wb_left = (long long)bits_at(pl, 128, 16);
                h->wb_bank = (int)bits_at(pl, 144, 6);
                if (!bits_zero(pl, 150, (long long)h->out_beats * h->stream_w) ||
                    (h->P < 64 && h->wb_mask >> h->P))
                    hw_error(h, "OUT at beat %lld: nonzero reserved bits (mask above P)", at);
                if (h->wb_upb < 1 || h->wb_left < 1 || h->wb_left > h->wb_upb)
                    hw_error(h, "OUT at beat %lld: units per bank %lld, left %lld", at, h->wb_upb,
                             h->wb_left);
            }
            break;
        case OP_LSTM:
            hw_trace(h, 'L', hdr, at);
            hw_lstm_cmd(h, count, final, pl, at);
            break;
        case OP_CLR:
            hw_trace(h, 'Z', hdr, at);
            h->clears++;
            if (h->pbase + count > h->vdepth) {
                hw_error(h, "CLR at beat %lld: %lld addresses from %lld past the banks", at, count,
                         h->pbase);
                break;
            }
            for (int q = 0; q < h->P; q++)
                for (int bk = 0; bk < h->B; bk++)
                    for (long long a = h->pbase; a < h->pbase + count; a++) {
                        size_t vi = ((size_t)q * h->B + (size_t)bk) * h->vdepth + (size_t)a;
                        h->vbuf[vi] = 0;
                        h->vwr[vi] = 1;
                    }
            break;
        default:
            hw_trace(h, final ? 'R' : 'r', hdr, at);
            hw_run_cmd(h, count, act, final, act_max, rows, at, NULL);
            break;
        }
        if (op != OP_BASE) {
            h->prev_op = op;
            h->prev_flag = flag;
        }
        i += nb;
    }
    if (h->n_trace < (int)sizeof h->trace)
        h->trace[h->n_trace] = '\0';
    else
        h->trace[sizeof h->trace - 1] = '\0';
    return i == n_beats && !h->fatal ? 0 : -1;
}

/* ---- configurations and models ------------------------------------------- */

typedef struct hwcfg {
    int P, B, data_w, wgt_w, acc_w, stream_w, vbuf, wbuf, rbuf;
} hwcfg;

static int make_config(const hwcfg *k, sg_config *c, char *err, size_t errlen)
{
    sg_config_default(c);
    snprintf(c->name, sizeof c->name, "t");
    c->pe_count = k->P;
    c->banks = k->B;
    c->data_w = k->data_w;
    c->wgt_w = k->wgt_w;
    c->acc_w = k->acc_w;
    c->stream_w = k->stream_w;
    c->vbuf_depth = k->vbuf;
    c->wbuf_depth = k->wbuf;
    c->rbuf_depth = k->rbuf;
    return sg_config_derive(c, err, errlen);
}

/* The outputs of every layer for samples first .. first + count - 1, with the
 * golden layers alone (sg_fc_dense for FC, sg_layer_forward for CONV and
 * max-pool), each layer fed the previous one's output: row r of layer l for
 * sample first + s is ref[s * *per + off[l] + r], off[l] the summed outputs
 * of the earlier layers, *per all layers' outputs.  NULL with a message in
 * err when a layer refuses. */
static int32_t *dense_results(const sg_model *m, int data_w, int acc_w, int first, int count,
                              long long *off, long long *per, char *err, size_t errlen)
{
    int maxlen = m->input_len;
    long long total = 0;
    for (int l = 0; l < m->n_layers; l++) {
        const sg_layer *L = &m->layers[l];
        int len = L->type == SG_LAYER_LSTM ? L->steps * L->out : L->out; /* LSTM: every h_t */
        if (len > maxlen)
            maxlen = len;
        off[l] = total;
        total += len;
    }
    off[m->n_layers] = total;
    *per = total;
    int32_t *all = xcalloc((size_t)(total * count), sizeof *all);
    int32_t *x = xcalloc((size_t)maxlen, sizeof *x), *y = xcalloc((size_t)maxlen, sizeof *y);
    for (int s = 0; s < count && all; s++) {
        memcpy(x, m->inputs + (size_t)(first + s) * m->input_len,
               (size_t)m->input_len * sizeof *x);
        for (int l = 0; l < m->n_layers; l++) {
            const sg_layer *L = &m->layers[l];
            if (L->type == SG_LAYER_FC) {
                sg_fc_params fp = {data_w, acc_w, L->act, L->act_max, L->bias, L->mult, L->shift};
                sg_fc_dense(L->weights, L->out, L->in, x, &fp, y, NULL);
            } else if (sg_layer_forward(L, data_w, acc_w, x, y, err, errlen) != 0) {
                free(all);
                all = NULL;
                break;
            }
            memcpy(all + s * total + off[l], y, (size_t)(off[l + 1] - off[l]) * sizeof *y);
            if (L->type == SG_LAYER_LSTM && (l + 1 == m->n_layers ||
                                             m->layers[l + 1].type != SG_LAYER_LSTM))
                memcpy(x, y + (size_t)(L->steps - 1) * L->out, (size_t)L->out * sizeof *x);
            else
                memcpy(x, y, (size_t)(off[l + 1] - off[l]) * sizeof *x);
        }
    }
    free(x);
    free(y);
    return all;
}

/* Results of layer L per sample: its outputs, for an LSTM every step's h_t
 * (lane rows t * H + j). */
static int lane_rows(const sg_layer *L)
{
    return L->type == SG_LAYER_LSTM ? L->steps * L->out : L->out;
}

/* ---- one compiled case, checked end to end ------------------------------- */

#define NEED_TILES 1   /* layer 0 must have several column tiles */
#define NEED_BLOCKS 2  /* layer 0 must have several row blocks */
#define NEED_CBLOCKS 4 /* a CONV layer must have several output-channel blocks */
#define NEED_PHASES 8  /* a CONV layer must run several phases (stride > 1) */
#define NEED_BAND 16   /* a line-buffer load must serve several pixel groups */
#define NEED_BAND1 32  /* every pixel group of the CONV layers needs its own load */
#define NEED_CTILES 64 /* a CONV layer must cut its input channels into tiles */

static int n_cases;
/* coverage over all cases: several tiles, several blocks, rows < P, several
 * layers, wrapped accumulations (FC models) */
static int cov_tiles, cov_blocks, cov_few_rows, cov_layers, cov_resident;
static long long cov_wraps;
/* CONV models: cases, several phases, several channel blocks, band > 1,
 * band 1 over several output rows, w_out not a multiple of P, max-pool
 * layers, an FC layer after CONV */
/* LSTM: cases, steps interpreted, cases whose sequences wrapped around the
 * vector buffer's step regions, with stacked layers, with an fc after,
 * wrapped accumulations */
static int cov_lstm, cov_lstm_wrapped, cov_lstm_stacked, cov_lstm_fc;
static long long cov_lstm_steps, cov_lstm_wraps;
static int cov_conv, cov_conv_phases, cov_conv_blocks, cov_conv_band, cov_conv_band1;
static int cov_conv_ragged, cov_conv_pool, cov_conv_fc, cov_conv_ctiles, cov_conv_junk;
static int cov_conv_unit[3]; /* cases with a CONV layer banked by channel, pair, tap */
static int cov_conv_onchip;  /* cases with a layer whose input map was written on chip */
static long long cov_conv_wraps;

/* Phases of a CONV layer: min(stride, kernel) in each direction. */
static int conv_phases(const sg_conv_shape *s)
{
    int ph = s->stride_h < s->kh ? s->stride_h : s->kh;
    int pw = s->stride_w < s->kw ? s->stride_w : s->kw;
    return ph * pw;
}

/* Compile samples first .. first + count - 1 of m on configuration c (made
 * from k) and check the program end to end. */
static void check_model(const hwcfg *k, const sg_config *c, const sg_model *m, const char *label,
                        int first, int count, int need)
{
    char err[512] = "";
    n_cases++;
    sg_program p;
    if (!tap_ok(sg_compile(c, m, first, count, &p, err, sizeof err) == 0, "%s: compiles %s",
                label, err))
        return;
    int ns = count <= 0 || first + count > m->n_inputs ? m->n_inputs - first : count;

    hw h;
    hw_init(&h, c);
    int rc = hw_exec(&h, p.beats, p.n_beats);
    tap_ok(rc == 0 && h.errors == 0,
           "%s: stream of %lld beats consumed exactly, %lld commands, no contract violation%s%s",
           label, p.n_beats, h.cmds, h.errors ? ": " : "", h.err);
    tap_ok(h.notes == 0, "%s: hygiene (RUNs read every loaded word, non-RUN headers clean)%s%s",
           label, h.notes ? ": " : "", h.note);

    /* output beats and tlast */
    long long bad = -1;
    for (long long i = 0; i < h.n_out && i < p.n_out && bad < 0; i++) {
        if (h.out_last[i] != p.out_last[i])
            bad = i;
        for (int j = 0; j < p.elems && bad < 0; j++) {
            const sg_lane *ln = &p.lanes[i * p.elems + j];
            if (ln->layer >= 0 && ln->row < 0) /* discarded: not checked */
                continue;
            if (bits_at(h.out + i * h.bw, (long long)j * c->data_w, c->data_w) !=
                bits_at(p.out + i * p.beat_words, (long long)j * c->data_w, c->data_w))
                bad = i;
        }
    }
    if (!tap_ok(h.n_out == p.n_out && bad < 0, "%s: %lld output beats equal the program's %lld",
                label, h.n_out, p.n_out) &&
        bad >= 0)
        tap_diag("first differing beat %lld: interpreter word0 %08x last %d, program %08x last %d",
                 bad, h.out[bad * h.bw], h.out_last[bad], p.out[bad * p.beat_words],
                 p.out_last[bad]);
    tap_ok(h.macs == p.useful_macs && h.words == p.words && h.runs == p.runs,
           "%s: useful MACs %lld/%lld, words %lld/%lld, runs %lld/%lld (interpreter/program)",
           label, h.macs, p.useful_macs, h.words, p.words, h.runs, p.runs);

    /* independent reference: every layer's outputs from the golden layers */
    long long *off = xcalloc((size_t)m->n_layers + 1, sizeof *off), per = 0, nd = 0;
    int maxout = 1;
    for (int l = 0; l < m->n_layers; l++) {
        nd += lane_rows(&m->layers[l]);
        if (lane_rows(&m->layers[l]) > maxout)
            maxout = lane_rows(&m->layers[l]);
    }
    nd *= ns;
    int32_t *ref = dense_results(m, c->data_w, c->acc_w, first, ns, off, &per, err, sizeof err);
    if (!ref)
        tap_ok(0, "%s: golden layers run: %s", label, err);

    /* lane descriptions: value in the lane, padding lanes zero; a resident
     * program sample by sample, in each the layers in order and an FC
     * layer's rows in order; any other layer by layer (each layer's
     * weights cross the stream once for all samples), in each every
     * (sample, row) once; each interpreted result equal to the reference at
     * its lane's (sample, layer, row) */
    long long lane_bad = -1, ref_bad = -1, seq = 0, junk = 0;
    int s_exp = first, l_exp = 0;
    long long r_cnt = 0;
    long long per_layer = p.resident ? 1 : ns; /* samples a layer's results cover */
    uint8_t *seen = xcalloc((size_t)maxout * (size_t)per_layer, 1);
    for (long long i = 0; i < p.n_out * p.elems && lane_bad < 0; i++) {
        const sg_lane *ln = &p.lanes[i];
        uint64_t bits = bits_at(p.out + (i / p.elems) * p.beat_words,
                                (long long)(i % p.elems) * c->data_w, c->data_w);
        if (ln->layer < 0) {
            if (bits != 0)
                lane_bad = i;
            continue;
        }
        int s_ok = p.resident ? ln->sample == s_exp
                              : ln->sample >= first && ln->sample < first + ns;
        if (ln->row < 0) { /* a discarded result: computed and sent, not checked */
            if (ln->layer != l_exp || !s_ok || ln->value != 0 ||
                m->layers[l_exp].type == SG_LAYER_FC)
                lane_bad = i;
            seq++;
            junk++;
            continue;
        }
        int ok = sext(bits, c->data_w) == ln->value && s_ok && ln->layer == l_exp;
        const sg_layer *L = ok ? &m->layers[l_exp] : NULL;
        if (ok && p.resident) {
            ok = ln->row == r_cnt;
        } else if (ok) {
            long long key =
                (long long)(p.resident ? 0 : ln->sample - first) * lane_rows(L) + ln->row;
            ok = ln->row >= 0 && ln->row < lane_rows(L) && !seen[key];
            if (ok)
                seen[key] = 1;
        }
        if (!ok) {
            lane_bad = i;
            break;
        }
        if (ref && ref_bad < 0 &&
            (seq >= h.n_res ||
             h.res[seq] != ref[(long long)(ln->sample - first) * per + off[l_exp] + ln->row]))
            ref_bad = i;
        seq++;
        if (++r_cnt == lane_rows(L) * per_layer) {
            r_cnt = 0;
            memset(seen, 0, (size_t)maxout * (size_t)per_layer);
            if (++l_exp == m->n_layers) {
                l_exp = 0;
                s_exp++;
            }
        }
    }
    free(seen);
    if (!tap_ok(lane_bad < 0 && seq - junk == p.outputs && seq - junk == nd &&
                    junk == p.discarded,
                "%s: %lld lane descriptions hold their lanes' values, %s, every row once "
                "(%lld discarded), %lld expected",
                label, seq - junk, p.resident ? "sample by sample" : "layer by layer", junk, nd) &&
        lane_bad >= 0)
        tap_diag("lane %lld: value %d layer %d row %d sample %d (expected layer %d sample %d)",
                 lane_bad, p.lanes[lane_bad].value, p.lanes[lane_bad].layer,
                 p.lanes[lane_bad].row, p.lanes[lane_bad].sample, l_exp, s_exp);
    if (!tap_ok(ref && ref_bad < 0 && lane_bad < 0 && h.n_res == nd + junk && p.outputs == nd,
                "%s: %lld interpreted results equal the golden layers' %lld (program says %lld)",
                label, h.n_res, nd, p.outputs) &&
        ref && ref_bad >= 0) {
        const sg_lane *ln = &p.lanes[ref_bad];
        tap_diag("lane %lld (sample %d layer %d row %d): program/interpreter %d, golden %d",
                 ref_bad, ln->sample, ln->layer, ln->row, ln->value,
                 ref[(long long)(ln->sample - first) * per + off[ln->layer] + ln->row]);
    }
    free(ref);
    free(off);

    /* tiling as sg_compile.h states it: FC tiles = ceil(cols / (B * min(vbuf,
     * wbuf))), blocks at least ceil(groups / rbuf); CONV blocks of output
     * channels, at least ceil(c_out / rbuf); max-pool the same, its compares
     * not counted as dense MACs */
    int tiles_ok = 1, stats_ok = 1, conv = 0, phases = 0, cblocks = 0, ragged = 0, pool = 0;
    int conv_fc = 0, rows_many = 0, ctiles = 0, units = 0, onchip = 0, lstm = 0, lstm_layers = 0;
    long long lstm_steps = 0, fc_outputs = 0, band1_loads = 0, dense = 0, macs = 0, words = 0, runs = 0, beats = 0;
    for (int l = 0; l < m->n_layers; l++) {
        const sg_layer *L = &m->layers[l];
        const sg_layer_stats *st = &p.layer[l];
        if (L->type == SG_LAYER_FC) {
            long long tc = (long long)k->B * (k->vbuf < k->wbuf ? k->vbuf : k->wbuf);
            long long groups = cdiv(L->out, k->P);
            if (st->tiles != cdiv(L->in, tc) || st->blocks < cdiv(groups, k->rbuf) ||
                st->blocks > groups)
                tiles_ok = 0;
            dense += (long long)L->out * L->in;
            fc_outputs += (long long)L->out * ns;
            conv_fc |= conv;
        } else if (L->type == SG_LAYER_LSTM) {
            /* one run per step, every weight once per step, on chip */
            long long steps = (long long)L->steps * ns;
            dense += 4LL * L->out * (L->in + L->out) * L->steps;
            lstm = 1;
            lstm_layers++;
            lstm_steps += steps;
            if (st->runs != steps || st->macs != st->weights_nnz * steps || st->blocks != 1 ||
                st->outputs != (long long)L->out * steps)
                stats_ok = 0;
            macs += st->macs;
            words += st->words;
            runs += st->runs;
            beats += st->beats_in;
            continue;
        } else if (L->type == SG_LAYER_CONV) {
            const sg_conv_shape *cs = &L->conv;
            if (st->blocks < cdiv(cs->c_out, k->rbuf) || st->blocks > cs->c_out)
                tiles_ok = 0;
            dense += (long long)L->out * (cs->c_in / (cs->groups > 1 ? cs->groups : 1)) * cs->kh * cs->kw;
            conv = 1;
            phases |= conv_phases(cs) > 1;
            cblocks |= st->blocks > 1;
            ragged |= cs->w_out % k->P != 0;
            rows_many |= cs->h_out > 1;
            /* at most one load per tile and pixel group */
            band1_loads += (long long)ns * st->blocks * st->tiles * st->groups;
            rows_many |= st->groups > 1;
            ctiles |= st->tiles > 1;
            units |= 1 << st->unit;
        } else {
            const sg_conv_shape *cs = &L->conv;
            pool = 1;
            conv = 1; /* it runs on the vector generator too */
            /* one compare per window tap and output */
            if (st->blocks < 1 || st->runs < 1 ||
                st->macs - st->junk_macs != (long long)L->out * cs->kh * cs->kw * ns)
                stats_ok = 0;
            /* at most one load per tile and pixel group */
            band1_loads += (long long)ns * st->blocks * st->tiles * st->groups;
            rows_many |= st->groups > 1;
            ctiles |= st->tiles > 1;
        }
        if (st->outputs != (long long)L->out * ns)
            stats_ok = 0;
        onchip |= st->on_chip;
        macs += st->macs;
        words += st->words;
        runs += st->runs;
        beats += st->beats_in;
    }
    tap_ok(tiles_ok && p.samples == ns,
           "%s: tiles/blocks per layer as the tiling rules say (%d tiles, %d blocks in layer 0), "
           "%d samples",
           label, p.layer[0].tiles, p.layer[0].blocks, p.samples);
    int kinds_ok = 1;
    long long lkinds[SG_BEAT_KINDS] = {0};
    for (int l = 0; l < p.n_layers; l++)
        for (int k = 0; k < SG_BEAT_KINDS; k++)
            lkinds[k] += p.layer[l].beats_kind[k];
    for (int k = 0; k < SG_BEAT_KINDS; k++)
        kinds_ok &= p.beats_kind[k] == h.kind_beats[k] &&
                    lkinds[k] + (k == SG_BEATS_HDR && p.resident ? c->hdr_beats : 0) == p.beats_kind[k];
    long long lfmap = 0;
    for (int l = 0; l < p.n_layers; l++)
        lfmap += p.layer[l].fmap_cycles;
    kinds_ok &= p.fmap_cycles == h.fmap_cycles && lfmap == p.fmap_cycles;
    tap_ok(kinds_ok, "%s: beats by kind as decoded (headers %lld, weights %lld, maps %lld, rows %lld, "
           "records %lld, lstm x %lld), the layers' adding up", label, h.kind_beats[0], h.kind_beats[1],
           h.kind_beats[2], h.kind_beats[3], h.kind_beats[4], h.kind_beats[5]);
    tap_ok(stats_ok && macs == p.useful_macs && words == p.words && runs == p.runs &&
               beats + (p.resident ? c->hdr_beats : 0) == p.n_beats &&
               p.dense_macs == dense * ns,
           "%s: layer stats add up to the program's (MACs %lld, words %lld, runs %lld, beats "
           "%lld), dense MACs %lld = %lld, max-pools one compare per tap and output",
           label, macs, words, runs, beats, p.dense_macs, dense * ns);
    if (lstm) {
        cov_lstm++;
        cov_lstm_steps += h.lstm_steps;
        cov_lstm_wrapped += h.region_wraps > 0;
        cov_lstm_stacked += m->n_layers > 1 && m->layers[1].type == SG_LAYER_LSTM;
        cov_lstm_fc += m->layers[m->n_layers - 1].type == SG_LAYER_FC;
        cov_lstm_wraps += h.wraps;
        tap_ok(h.lstm_steps == lstm_steps && h.h_writes == p.outputs - fc_outputs &&
                   h.lstm_cmds == (long long)lstm_layers * ns,
               "%s: %lld LSTM steps in %lld commands (one per sequence), %lld h_t written back "
               "into the vector banks", label, h.lstm_steps, h.lstm_cmds, h.h_writes);
    } else if (conv) {
        cov_conv++;
        cov_conv_phases += phases;
        cov_conv_blocks += cblocks;
        cov_conv_band += h.loads < band1_loads;
        cov_conv_band1 += h.loads == band1_loads && rows_many;
        cov_conv_ragged += ragged;
        cov_conv_pool += pool;
        cov_conv_ctiles += ctiles;
        cov_conv_junk += p.discarded > 0; /* a pixel group spans two output rows */
        cov_conv_onchip += onchip;
        for (int u = 0; u < 3; u++)
            cov_conv_unit[u] += units >> u & 1;
        cov_conv_fc += conv_fc;
        cov_conv_wraps += h.wraps;
        tap_ok(h.loads >= 1 && h.loads <= band1_loads && h.convs > 0,
               "%s: %lld line-buffer loads (at most one per pixel group, tile and channel "
               "block: %lld), %lld scatter VECs, %lld CONV commands",
               label, h.loads, band1_loads, h.scatters, h.convs);
    } else {
        cov_tiles += p.layer[0].tiles > 1;
        cov_blocks += p.layer[0].blocks > 1;
        cov_few_rows += m->layers[0].out < k->P;
        cov_layers += m->n_layers > 1;
        cov_wraps += h.wraps;
        cov_resident += p.resident;
    }
    if (need & NEED_TILES)
        tap_ok(p.layer[0].tiles > 1, "%s: exercises column tiles (%d)", label, p.layer[0].tiles);
    if (need & NEED_BLOCKS)
        tap_ok(p.layer[0].blocks > 1, "%s: exercises row blocks (%d)", label, p.layer[0].blocks);
    if (need & NEED_CBLOCKS)
        tap_ok(cblocks, "%s: exercises output-channel blocks", label);
    if (need & NEED_PHASES)
        tap_ok(phases, "%s: exercises stride phases", label);
    if (need & NEED_BAND)
        tap_ok(conv && h.loads < band1_loads,
               "%s: a line-buffer load serves several pixel groups (%lld loads < %lld)", label,
               h.loads, band1_loads);
    if (need & NEED_CTILES)
        tap_ok(ctiles, "%s: exercises input-channel tiles", label);
    if (need & NEED_BAND1)
        tap_ok(conv && rows_many && h.loads == band1_loads,
               "%s: band 1, one load per pixel group (%lld loads = %lld)", label, h.loads,
               band1_loads);

    hw_free(&h);
    sg_program_free(&p);
}

static void check_case(const hwcfg *k, const char *spec, int first, int count, int need)
{
    char label[400], err[512] = "";
    snprintf(label, sizeof label, "P=%d B=%d d=%d w=%d acc=%d s=%d v=%d wb=%d rb=%d [%s] first=%d",
             k->P, k->B, k->data_w, k->wgt_w, k->acc_w, k->stream_w, k->vbuf, k->wbuf, k->rbuf,
             spec, first);
    sg_config c;
    if (!tap_ok(make_config(k, &c, err, sizeof err) == 0, "%s: config derives %s", label, err))
        return;
    sg_model m;
    if (!tap_ok(sg_model_random(&c, spec, &m, err, sizeof err) == 0, "%s: model %s", label, err))
        return;
    check_model(k, &c, &m, label, first, count, need);
    sg_model_free(&m);
}

/* ---- the cases ------------------------------------------------------------ */

typedef struct dcase {
    hwcfg k;
    const char *spec;
    int first, count, need;
} dcase;

/* Directed cases: each exercises one feature the brief of the compiler names. */
/* clang-format off */
static const dcase directed[] = {
    /* hardware shapes: P and B over their interesting values */
    {{1, 1, 8, 8, 32, 64, 512, 4096, 256}, "rows=3,cols=7,pattern=dense,seed=1", 0, 0, 0},
    {{2, 2, 8, 8, 32, 64, 512, 4096, 256}, "rows=9,cols=33,pattern=bbs,seed=2", 0, 0, 0},
    {{3, 3, 8, 8, 32, 64, 512, 4096, 256}, "rows=10,cols=31,pattern=unstructured,seed=3", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 512, 4096, 256}, "rows=17,cols=64,pattern=nm,seed=4", 0, 0, 0},
    {{16, 8, 8, 8, 32, 64, 512, 4096, 256}, "rows=64,cols=100,seed=5", 0, 0, 0},
    {{32, 16, 8, 8, 32, 128, 512, 512, 256}, "rows=70,cols=200,pattern=block,seed=6", 0, 0, 0},
    {{32, 1, 16, 16, 32, 512, 64, 64, 4}, "rows=40,cols=50,pattern=dense,seed=7", 0, 0, 0},
    /* widths: data x weight, accumulator at its minimum (wrap exercised) */
    {{2, 4, 8, 4, 16, 32, 512, 4096, 256}, "rows=6,cols=40,pattern=dense,seed=10", 0, 0, 0},
    {{2, 4, 8, 8, 16, 64, 512, 4096, 256}, "rows=6,cols=300,pattern=dense,seed=11", 0, 0, 0},
    {{2, 4, 8, 16, 24, 128, 512, 4096, 256}, "rows=6,cols=300,pattern=dense,seed=12", 0, 0, 0},
    {{2, 4, 16, 4, 20, 512, 512, 4096, 256}, "rows=6,cols=100,pattern=dense,seed=13", 0, 0, 0},
    {{2, 4, 16, 8, 24, 32, 512, 4096, 256}, "rows=6,cols=100,pattern=dense,seed=14", 0, 0, 0},
    {{2, 4, 16, 16, 32, 64, 512, 4096, 256}, "rows=6,cols=100,pattern=dense,seed=15", 0, 0, 0},
    {{3, 2, 16, 16, 32, 256, 512, 4096, 256}, "rows=5,cols=11,pattern=unstructured,seed=16",
     0, 0, 0},
    /* streams */
    {{4, 8, 8, 8, 32, 32, 512, 4096, 256}, "rows=11,cols=50,seed=20", 0, 0, 0},
    {{4, 8, 16, 8, 32, 32, 512, 4096, 256}, "rows=11,cols=50,seed=21", 0, 0, 0},
    {{4, 8, 8, 8, 32, 512, 512, 4096, 256}, "rows=11,cols=50,seed=22", 0, 0, 0},
    {{4, 16, 8, 16, 32, 32, 512, 4096, 256}, "rows=11,cols=50,seed=23", 0, 0, 0},
    /* column tiles: cols > B * min(vbuf, wbuf) */
    {{1, 2, 8, 8, 32, 64, 4, 4096, 256}, "rows=3,cols=50,pattern=dense,seed=30", 0, 0, NEED_TILES},
    {{2, 3, 8, 8, 32, 64, 512, 3, 256}, "rows=7,cols=40,pattern=unstructured,density=0.5,seed=31",
     0, 0, NEED_TILES},
    {{1, 1, 8, 4, 16, 32, 2, 2, 1}, "rows=3,cols=9,pattern=dense,seed=32",
     0, 0, NEED_TILES | NEED_BLOCKS},
    {{4, 8, 16, 8, 32, 128, 3, 5, 2}, "rows=30,cols=100,pattern=bbs,density=0.5,seed=33",
     0, 0, NEED_TILES | NEED_BLOCKS},
    {{16, 4, 8, 8, 32, 64, 7, 16, 3}, "rows=100,cols=61,pattern=block,seed=34",
     0, 0, NEED_TILES | NEED_BLOCKS},
    /* row blocks: rows > P * rbuf, or the weight buffer too small for all groups */
    {{2, 2, 8, 8, 32, 64, 512, 4096, 2}, "rows=13,cols=10,seed=40", 0, 0, NEED_BLOCKS},
    {{3, 4, 8, 8, 32, 64, 64, 4, 256}, "rows=20,cols=16,pattern=dense,seed=41", 0, 0, NEED_BLOCKS},
    {{2, 4, 8, 8, 32, 64, 64, 6, 256}, "rows=21,cols=24,pattern=unstructured,density=0.4,seed=42",
     0, 0, NEED_BLOCKS},
    {{1, 8, 8, 8, 32, 64, 512, 4096, 1}, "rows=5,cols=30,seed=43", 0, 0, NEED_BLOCKS},
    /* rows < P, a single row, cols not a multiple of B */
    {{16, 4, 8, 8, 32, 64, 512, 4096, 256}, "rows=5,cols=20,seed=50", 0, 0, 0},
    {{32, 8, 8, 8, 32, 64, 512, 4096, 256}, "rows=1,cols=13,seed=51", 0, 0, 0},
    {{1, 4, 8, 8, 32, 64, 512, 4096, 256}, "rows=1,cols=1,pattern=dense,seed=52", 0, 0, 0},
    {{3, 3, 8, 8, 32, 64, 512, 4096, 256}, "rows=4,cols=10,pattern=dense,seed=53", 0, 0, 0},
    {{2, 8, 8, 8, 32, 64, 512, 4096, 256}, "rows=3,cols=13,pattern=bbs,density=0.5,seed=54",
     0, 0, 0},
    {{4, 16, 8, 8, 32, 64, 512, 4096, 256}, "rows=9,cols=17,pattern=unstructured,seed=55", 0, 0, 0},
    /* every pattern, bbs balanced for another bank count too */
    {{4, 4, 8, 8, 32, 64, 16, 32, 4}, "rows=20,cols=70,pattern=bbs,density=0.25,seed=60", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 16, 32, 4}, "rows=20,cols=70,pattern=bbs,banks=3,seed=61", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 16, 32, 4}, "rows=20,cols=70,pattern=nm,n=1,m=4,seed=62", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 16, 32, 4}, "rows=20,cols=70,pattern=unstructured,density=0.1,seed=63",
     0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 16, 32, 4}, "rows=20,cols=70,pattern=block,density=0.3,seed=64", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 16, 32, 4}, "rows=20,cols=70,pattern=dense,seed=65", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 16, 32, 4}, "rows=20,cols=70,pattern=zero,seed=66", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 512, 4096, 256}, "rows=7,cols=9,pattern=zero,seed=67", 0, 0, 0},
    /* activations one at a time */
    {{2, 4, 8, 8, 32, 64, 512, 4096, 256}, "rows=9,cols=20,act=none,seed=70", 0, 0, 0},
    {{2, 4, 8, 8, 32, 64, 512, 4096, 256}, "rows=9,cols=20,act=relu,seed=71", 0, 0, 0},
    {{2, 4, 16, 8, 32, 64, 512, 4096, 256}, "rows=9,cols=20,act=relu6,seed=72", 0, 0, 0},
    /* chained layers and samples */
    {{4, 4, 8, 8, 32, 64, 8, 16, 2}, "rows=30:12,cols=45,layers=2,samples=2,seed=80",
     0, 0, NEED_TILES | NEED_BLOCKS},
    {{3, 2, 16, 8, 32, 128, 4, 8, 3},
     "rows=20:9:5,cols=33,layers=3,samples=2,pattern=unstructured,density=0.3,seed=81",
     0, 0, NEED_TILES | NEED_BLOCKS},
    {{16, 8, 8, 4, 16, 512, 512, 4096, 256}, "rows=40:3:17,layers=3,cols=64,samples=2,seed=82",
     0, 0, 0},
    {{2, 2, 8, 8, 32, 32, 4, 4, 2}, "rows=9:9,cols=19,layers=2,samples=3,pattern=dense,seed=83",
     1, 1, NEED_TILES | NEED_BLOCKS},
    {{2, 2, 8, 8, 32, 32, 4, 4, 2}, "rows=9:9,cols=19,layers=2,samples=3,pattern=dense,seed=84",
     1, 0, NEED_TILES | NEED_BLOCKS},
};
/* clang-format on */
#define N_DIRECTED (int)(sizeof directed / sizeof directed[0])

typedef struct lcg {
    unsigned long long s;
} lcg;

static int pick(lcg *r, int n)
{
    r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (int)((r->s >> 33) % (unsigned long long)n);
}

/* A sweep of random combinations over the same value sets. */
static int compiles(const hwcfg *k, const char *spec, char *err, size_t errlen);

/* Data, weight, accumulator and stream widths of a random configuration
 * (the accumulator 32 bits or anything from data + weight bits up). */
static void pick_widths(lcg *r, hwcfg *k)
{
    static const int Ds[] = {8, 16};
    static const int Ws[] = {4, 8, 16};
    static const int Ss[] = {32, 64, 128, 256, 512};
    k->data_w = Ds[pick(r, 2)];
    k->wgt_w = Ws[pick(r, 3)];
    int lo = k->data_w + k->wgt_w < 16 ? 16 : k->data_w + k->wgt_w;
    k->acc_w = pick(r, 2) ? 32 : lo + pick(r, 33 - lo);
    k->stream_w = Ss[pick(r, 5)];
}

/* Double the buffer a compile error names (its message contains vneed,
 * wneed or rneed; NULL: never) until spec compiles on k or cannot grow. */
static void grow_to_fit(hwcfg *k, const char *spec, const char *vneed, const char *wneed,
                        const char *rneed)
{
    char err[512] = "";
    while (!compiles(k, spec, err, sizeof err)) {
        if (strstr(err, vneed) && k->vbuf < 65536)
            k->vbuf *= 2;
        else if (strstr(err, wneed) && k->wbuf < 65536)
            k->wbuf *= 2;
        else if (rneed && strstr(err, rneed) && k->rbuf < 65536)
            k->rbuf *= 2;
        else
            break; /* check_case reports it */
    }
}

static void sweep(int n)
{
    static const int Ps[] = {1, 2, 3, 4, 16, 32};
    static const int Bs[] = {1, 2, 3, 4, 8, 16};
    static const int Vs[] = {2, 3, 4, 7, 16, 512};
    static const int WBs[] = {2, 3, 5, 8, 64, 512};
    static const int Rs[] = {1, 2, 3, 256};
    static const char *pats[] = {"bbs", "nm", "unstructured", "block", "dense", "zero"};
    static const char *dens[] = {"0.1", "0.25", "0.5", "0.9"};
    static const char *acts[] = {"mixed", "none", "relu", "relu6"};
    lcg r = {20240601ULL};
    for (int i = 0; i < n; i++) {
        hwcfg k;
        k.P = Ps[pick(&r, 6)];
        k.B = Bs[pick(&r, 6)];
        pick_widths(&r, &k);
        k.vbuf = Vs[pick(&r, 6)];
        k.wbuf = WBs[pick(&r, 6)];
        k.rbuf = Rs[pick(&r, 4)];
        int layers = 1 + pick(&r, 3);
        char rows[64];
        int len = snprintf(rows, sizeof rows, "%d", 1 + pick(&r, 3 * k.P + 8));
        for (int l = 1; l < layers; l++)
            len += snprintf(rows + len, sizeof rows - (size_t)len, ":%d", 1 + pick(&r, 40));
        char spec[256];
        snprintf(
            spec, sizeof spec,
            "rows=%s,cols=%d,layers=%d,samples=%d,pattern=%s,density=%s,act=%s,n=%d,m=%d,seed=%d",
            rows, 1 + pick(&r, 160), layers, 1 + pick(&r, 2), pats[pick(&r, 6)], dens[pick(&r, 4)],
            acts[pick(&r, 4)], 1 + pick(&r, 2), 3 + pick(&r, 4), 1000 + i);
        check_case(&k, spec, 0, 0, 0);
    }
}

/* Random LSTM stacks on random configurations through the interpreter (the
 * vector buffer grown until two step regions fit, the weight and row
 * buffers until the layer stays on chip, as the compiler requires). */
static void lstm_sweep(int n)
{
    static const int Ps[] = {1, 2, 3, 4, 7, 16};
    static const int Bs[] = {1, 2, 3, 4, 8, 16};
    static const char *pats[] = {"bbs", "nm", "unstructured", "block", "dense", "zero"};
    static const char *dens[] = {"0.1", "0.25", "0.5", "0.9"};
    lcg r = {20261122ULL};
    for (int i = 0; i < n; i++) {
        hwcfg k;
        k.P = Ps[pick(&r, 6)];
        k.B = Bs[pick(&r, 6)];
        pick_widths(&r, &k);
        k.vbuf = 2 + pick(&r, 12);
        k.wbuf = 16;
        k.rbuf = 4;
        int layers = 1 + pick(&r, 3);
        char rows[64];
        int len = snprintf(rows, sizeof rows, "%d", 1 + pick(&r, 40));
        for (int l = 1; l < layers; l++)
            len += snprintf(rows + len, sizeof rows - (size_t)len, ":%d", 1 + pick(&r, 30));
        char spec[256];
        snprintf(spec, sizeof spec,
                 "type=lstm,rows=%s,cols=%d,layers=%d,steps=%d,fc=%d,samples=%d,pattern=%s,"
                 "density=%s,n=%d,m=%d,seed=%d",
                 rows, 1 + pick(&r, 60), layers, 1 + pick(&r, 20), pick(&r, 3) ? 0 : 1 + pick(&r, 9),
                 1 + pick(&r, 2), pats[pick(&r, 6)], dens[pick(&r, 4)], 1 + pick(&r, 2),
                 3 + pick(&r, 4), 7000 + i);
        grow_to_fit(&k, spec, "vbuf_depth", "wbuf_depth", "rbuf_depth");
        check_case(&k, spec, 0, 0, 0);
    }
    tap_ok(cov_lstm == n && cov_lstm_wrapped >= n / 4 && cov_lstm_stacked >= n / 4 &&
               cov_lstm_fc >= n / 8 && cov_lstm_wraps > 0,
           "LSTM coverage of %d cases: %lld steps, %d with sequences wrapping around the "
           "vector buffer's step regions, %d stacked, %d with an fc after, %lld wrapped "
           "accumulations",
           cov_lstm, cov_lstm_steps, cov_lstm_wrapped, cov_lstm_stacked, cov_lstm_fc,
           cov_lstm_wraps);
}

/* ---- hand-checked streams ------------------------------------------------- */

/* A small LSTM by hand: one command per sequence, its record as sg_cmd.h
 * draws it, and mutated records or payloads the interpreter refuses or
 * that change the results; then the layers the compiler refuses. */
static void test_lstm_hand(void)
{
    hwcfg k = {4, 4, 8, 8, 32, 64, 8, 256, 64};
    sg_config c;
    sg_model m;
    sg_program p;
    char err[512] = "";
    if (!tap_ok(make_config(&k, &c, err, sizeof err) == 0 &&
                    sg_model_random(&c, "type=lstm,cols=6,rows=5,steps=9,seed=2", &m, err,
                                    sizeof err) == 0 &&
                    sg_compile(&c, &m, 0, 0, &p, err, sizeof err) == 0,
                "hand LSTM (in 6, H 5, 9 steps, P 4 B 4, 8-word banks) compiles %s", err))
        return;
    hw h;
    hw_init(&h, &c);
    int rc = hw_exec(&h, p.beats, p.n_beats);
    long long at = -1;
    for (int i = 0; i < 8; i++)
        if ((h.hdr[i] >> 60) == OP_LSTM)
            at = h.hdr_at[i];
    /* hoff = ceil(6 / 4) = 2, lq = 2 + ceil(5 / 4) = 4, 8 / 4 = 2 regions,
     * G = ceil(20 / 4) = 5, xn = 8: x_1 .. x_8 one beat each (E = 8) */
    const uint32_t *rec = at >= 0 ? p.beats + (at + c.hdr_beats) * p.beat_words : NULL;
    tap_ok(rc == 0 && h.errors == 0 && at >= 0 && h.lstm_cmds == 1 && h.lstm_steps == 9 &&
               h.region_wraps == 4 && bits_at(rec, 0, 20) == 5 && bits_at(rec, 20, 20) == 20 &&
               bits_at(rec, 40, 16) == 4 && bits_at(rec, 56, 16) == 8 &&
               bits_at(rec, 72, 16) == 2 && bits_at(rec, 88, 20) == 8 &&
               (h.hdr[0] >> 57 & 1) == 0 && (p.beats[at * p.beat_words + 1] >> 25 & 1) == 1 &&
               p.n_beats == at + c.hdr_beats + c.out_beats + 8 + c.hdr_beats,
           "hand LSTM: one command of 9 steps, record G 5 rows 20 lq 4 end 8 hoff 2 xn 8, first "
           "step from c = 0, 8 payload beats, 4 region wraps (%s)", h.errors ? h.err : "ok");
    hw_free(&h);
    struct {
        int bit, width;
        uint64_t v;
        const char *needle, *what;
    } mut[] = {
        {56, 16, 4, "bad record", "one region (end = lq): x of the next step over the running one"},
        {88, 20, 12, "cut short", "xn 12: two beats of x per step, past the stream's end"},
        {20, 20, 18, "bad record", "rows not a multiple of 4"},
        {108, 4, 1, "reserved", "nonzero reserved bit"},
    };
    for (size_t i = 0; i < sizeof mut / sizeof mut[0] && at >= 0; i++) {
        uint32_t *b = xcalloc((size_t)(p.n_beats * p.beat_words), sizeof *b);
        memcpy(b, p.beats, (size_t)(p.n_beats * p.beat_words) * sizeof *b);
        uint32_t *r = b + (at + c.hdr_beats) * p.beat_words;
        for (int j = 0; j < mut[i].width; j++) /* clear, then set the field */
            r[(mut[i].bit + j) / 32] &= ~(1u << ((mut[i].bit + j) % 32));
        set_bits(r, mut[i].bit, mut[i].width, mut[i].v);
        hw_init(&h, &c);
        hw_exec(&h, b, p.n_beats);
        const char *hit = strstr(h.errlog, mut[i].needle);
        tap_ok(h.errors > 0 && hit != NULL, "hand LSTM mutated: %s is refused (%.*s)",
               mut[i].what, hit ? 200 : 400, hit ? hit : h.errlog);
        hw_free(&h);
        free(b);
    }
    /* a flipped bit of x_5 in the payload changes h from step 5 on, only */
    if (at >= 0) {
        uint32_t *b = xcalloc((size_t)(p.n_beats * p.beat_words), sizeof *b);
        memcpy(b, p.beats, (size_t)(p.n_beats * p.beat_words) * sizeof *b);
        b[(at + c.hdr_beats + c.out_beats + 4) * p.beat_words] ^= 1u << 6;
        hw_init(&h, &c);
        hw_exec(&h, b, p.n_beats);
        long long first_diff = -1, n = 0;
        for (long long i = 0; i < p.n_out * p.elems && first_diff < 0; i++) {
            if (p.lanes[i].layer < 0)
                continue;
            if (n >= h.n_res || h.res[n] != p.lanes[i].value)
                first_diff = n;
            n++;
        }
        tap_ok(h.errors == 0 && first_diff >= 5 * 5 && first_diff < 6 * 5,
               "hand LSTM: a flipped bit of x_5 in the payload first changes h_5 (result %lld)",
               first_diff);
        hw_free(&h);
        free(b);
    }
    sg_program_free(&p);
    sg_model_free(&m);

    /* refusals: cell buffer, vector buffer, row and weight buffers */
    struct {
        hwcfg k;
        const char *spec, *needle;
    } bad[] = {
        {{4, 4, 8, 8, 32, 64, 512, 4096, 256}, "type=lstm,cols=8,rows=300,steps=2", "lstm_hidden 256"},
        {{4, 4, 8, 8, 32, 64, 7, 4096, 256}, "type=lstm,cols=8,rows=8,steps=2", "vbuf_depth 7"},
        {{4, 4, 8, 8, 32, 64, 64, 4096, 3}, "type=lstm,cols=8,rows=8,steps=2", "rbuf_depth is 3"},
        {{4, 4, 8, 8, 32, 64, 64, 8, 256}, "type=lstm,cols=8,rows=8,steps=2,pattern=dense",
         "wbuf_depth is 8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int ok = make_config(&bad[i].k, &c, err, sizeof err) == 0 &&
                 sg_model_random(&c, bad[i].spec, &m, err, sizeof err) == 0;
        if (ok) {
            rc = sg_compile(&c, &m, 0, 0, &p, err, sizeof err);
            sg_model_free(&m);
        }
        tap_ok(ok && rc == -1 && strstr(err, bad[i].needle) && strstr(err, "lstm1") &&
                   p.beats == NULL,
               "LSTM %s: refused, %s", bad[i].spec, err);
    }
}

static uint64_t beat64(const sg_program *p, long long i)
{
    const uint32_t *w = p->beats + i * p->beat_words;
    return (uint64_t)w[0] | (p->beat_words > 1 ? (uint64_t)w[1] << 32 : 0);
}

/* A random 1-layer model of the given shape whose contents are then set by hand. */
static int hand_model(const sg_config *c, int rows, int cols, const int32_t *w, const int32_t *x,
                      int32_t bias, int32_t mult, int shift, sg_act act, sg_model *m)
{
    char spec[128], err[256];
    snprintf(spec, sizeof spec, "rows=%d,cols=%d,pattern=dense,seed=9", rows, cols);
    if (sg_model_random(c, spec, m, err, sizeof err) != 0) {
        tap_diag("hand model: %s", err);
        return -1;
    }
    sg_layer *L = &m->layers[0];
    memcpy(L->weights, w, (size_t)rows * cols * sizeof *w);
    memcpy(m->inputs, x, (size_t)cols * sizeof *x);
    for (int r = 0; r < rows; r++) {
        L->bias[r] = bias;
        L->mult[r] = mult;
        L->shift[r] = (int8_t)shift;
    }
    L->act = act;
    L->act_max = 0;
    return 0;
}

static void test_hand(void)
{
    static const int32_t w4[4] = {1, 2, 3, 4};
    static const int32_t x4[4] = {5, 6, -7, 8};
    char err[512] = "";
    sg_config c;
    sg_model m;
    sg_program p;
    hw h;

    /* 1 row x 4 cols, dense, P=1, B=2 (bank 0 = cols 0,1; bank 1 = cols 2,3),
     * vbuf_depth 4 (OFF_W 2, ROT_W 1, WordW 23), 64-bit stream.
     * acc = 10 + 5 + 12 - 21 + 32 = 38; y = relu((38 * 3 + 1) >> 1) = 57. */
    hwcfg k = {1, 2, 8, 8, 32, 64, 4, 4096, 256};
    if (make_config(&k, &c, err, sizeof err) != 0 ||
        hand_model(&c, 1, 4, w4, x4, 10, 3, 1, SG_ACT_RELU, &m) != 0) {
        tap_ok(0, "hand case 1 set up: %s", err);
        return;
    }
    if (tap_ok(sg_compile(&c, &m, 0, 0, &p, err, sizeof err) == 0, "hand 1x4: compiles %s", err)) {
        static const uint64_t want[9] = {
            0x1000000000000004ULL, /* VEC count 4 */
            0,                     /* VEC payload: `vec` below */
            0x3000000000000001ULL, /* ROW count 1 */
            0x000000030000000aULL, /* M = 3, bias = 10 */
            0x0000000000000001ULL, /* S = 1 */
            0x2000000000000002ULL, /* WGT count 2 */
            0x0000000000001801ULL, /* lane1 (3, off 0) at bit 11, lane0 (1, off 0) */
            0x0000000000482102ULL, /* last (bit 22), lane1 (4, off 1), lane0 (2, off 1) */
            0x4600000000100001ULL, /* RUN relu final rows 1 count 1 */
        };
        /* VEC payload: element i -> bank i % 2, offset i / 2: x0, x2, x1, x3 */
        uint64_t vec = 0x05u | (uint64_t)(uint8_t)-7 << 8 | (uint64_t)6 << 16 | (uint64_t)8 << 24;
        tap_ok(p.n_beats == 9, "hand 1x4: 9 command beats (got %lld)", p.n_beats);
        for (int i = 0; i < 9 && i < p.n_beats; i++) {
            uint64_t wv = i == 1 ? vec : want[i];
            tap_ok(beat64(&p, i) == wv, "hand 1x4: beat %d is %016llx (got %016llx)", i,
                   (unsigned long long)wv, (unsigned long long)beat64(&p, i));
        }
        tap_ok(p.n_out == 1 && p.out[0] == 57 && p.out[1] == 0 && p.out_last[0] == 1 &&
                   p.lanes[0].value == 57 && p.lanes[0].layer == 0 && p.lanes[1].layer == -1,
               "hand 1x4: one output beat holding 57 with tlast");
        tap_ok(p.useful_macs == 4 && p.words == 2 && p.runs == 1 && p.dense_macs == 4 &&
                   p.outputs == 1,
               "hand 1x4: 4 useful MACs, 2 words, 1 run, 1 output");
        hw_init(&h, &c);
        int rc = hw_exec(&h, p.beats, p.n_beats);
        tap_ok(rc == 0 && h.errors == 0 && strcmp(h.trace, "VBWR") == 0 && h.n_res == 1 &&
                   h.res[0] == 57,
               "hand 1x4: interpreter runs VEC ROW WGT RUN to 57 (trace %s) %s", h.trace, h.err);
        hw_free(&h);
        sg_program_free(&p);
    }

    /* the same on a 32-bit stream: headers take 2 beats, a row record 3 */
    k.stream_w = 32;
    make_config(&k, &c, err, sizeof err);
    if (tap_ok(sg_compile(&c, &m, 0, 0, &p, err, sizeof err) == 0, "hand 1x4/32: compiles %s",
               err)) {
        tap_ok(p.n_beats == 14, "hand 1x4/32: 14 command beats (got %lld)", p.n_beats);
        tap_ok(p.n_beats >= 14 && p.beats[0] == 4 && p.beats[1] == 0x10000000u && p.beats[3] == 1 &&
                   p.beats[4] == 0x30000000u && p.beats[5] == 10 && p.beats[6] == 3 &&
                   p.beats[7] == 1 && p.beats[8] == 2 && p.beats[9] == 0x20000000u &&
                   p.beats[10] == 0x1801 && p.beats[11] == 0x482102 && p.beats[12] == 0x00100001u &&
                   p.beats[13] == 0x46000000u,
               "hand 1x4/32: header, row record and word beats in place");
        tap_ok(p.n_out == 1 && p.out[0] == 57 && p.out_last[0] == 1,
               "hand 1x4/32: one output beat of 57");
        sg_program_free(&p);
    }
    sg_model_free(&m);

    /* 1 row x 8 cols on B=2, vbuf = wbuf = 2: two column tiles of 4,
     * the first RUN partial (final 0, rows 0); acc = -6 + 36 = 30. */
    static const int32_t w8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const int32_t x8[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    hwcfg k2 = {1, 2, 8, 8, 32, 64, 2, 2, 256};
    if (make_config(&k2, &c, err, sizeof err) != 0 ||
        hand_model(&c, 1, 8, w8, x8, -6, 1, 0, SG_ACT_NONE, &m) != 0) {
        tap_ok(0, "hand case 2 set up: %s", err);
        return;
    }
    if (tap_ok(sg_compile(&c, &m, 0, 0, &p, err, sizeof err) == 0, "hand tiles: compiles %s",
               err)) {
        hw_init(&h, &c);
        int rc = hw_exec(&h, p.beats, p.n_beats);
        tap_ok(rc == 0 && h.errors == 0 && strcmp(h.trace, "BVWrVWR") == 0,
               "hand tiles: ROW, then VEC WGT RUN(partial) VEC WGT RUN(final) (trace %s) %s",
               h.trace, h.err);
        tap_ok(h.n_trace >= 4 && h.hdr[3] == 0x4000000000000001ULL,
               "hand tiles: partial RUN header is 4000000000000001 (got %016llx)",
               (unsigned long long)h.hdr[3]);
        tap_ok(h.n_res == 1 && h.res[0] == 30 && p.n_out == 1 && p.out[0] == 30,
               "hand tiles: result 30 through the partial sum");
        tap_ok(p.n_beats == 2 + 1 + 2 * (2 + 1 + 2 * 1 + 1),
               "hand tiles: 15 command beats (got %lld)", p.n_beats);
        hw_free(&h);
        sg_program_free(&p);
    }
    sg_model_free(&m);

    /* 3 rows on P=2: one RUN of 2 groups, rows field 3, one beat of 3 lanes */
    static const int32_t w3[6] = {1, 0, 0, 1, 1, 1};
    static const int32_t x2[2] = {3, 4};
    hwcfg k3 = {2, 1, 8, 8, 32, 64, 512, 4096, 256};
    if (make_config(&k3, &c, err, sizeof err) != 0 ||
        hand_model(&c, 3, 2, w3, x2, 0, 1, 0, SG_ACT_NONE, &m) != 0) {
        tap_ok(0, "hand case 3 set up: %s", err);
        return;
    }
    if (tap_ok(sg_compile(&c, &m, 0, 0, &p, err, sizeof err) == 0, "hand 3 rows: compiles %s",
               err)) {
        hw_init(&h, &c);
        int rc = hw_exec(&h, p.beats, p.n_beats);
        tap_ok(rc == 0 && h.errors == 0 && strcmp(h.trace, "VBWR") == 0 &&
                   h.hdr[3] == 0x4200000000300002ULL,
               "hand 3 rows: RUN header 4200000000300002 (got %016llx) %s",
               (unsigned long long)h.hdr[3], h.err);
        tap_ok(h.n_res == 3 && h.res[0] == 3 && h.res[1] == 4 && h.res[2] == 7 && p.n_out == 1 &&
                   p.out[0] == 0x070403u && p.out[1] == 0 && p.out_last[0],
               "hand 3 rows: results 3, 4, 7 in one beat");
        /* group 0 (rows 0, 1) takes 1 word, group 1 (row 2 and padding) 2 */
        tap_ok(p.words == 3 && h.words == 3 && p.useful_macs == 4,
               "hand 3 rows: 4 useful MACs (got %lld), %lld words", p.useful_macs, p.words);
        hw_free(&h);
        sg_program_free(&p);
    }
    sg_model_free(&m);
}

/* ---- CONV layers ---------------------------------------------------------- */

/* Directed CONV cases: hardware shapes, widths, streams, kernel, stride and
 * padding shapes, channel blocks, bands, chained layers, patterns. */
/* clang-format off */
static const dcase conv_directed[] = {
    /* hardware shapes: P in 1, 2, 3, 5, 14, 16; B in 1, 2, 3, 5, 8, 16 */
    {{1, 1, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=2,h=5,w=5,k=3,pad=1,rows=3,pattern=dense,seed=101", 0, 0, NEED_BAND},
    {{2, 2, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=3,h=6,w=7,k=3,pad=1,rows=4,pattern=bbs,seed=102", 0, 0, 0},
    {{3, 3, 8, 8, 32, 128, 2048, 4096, 256},
     "type=conv,c=4,h=7,w=8,k=5,pad=2,rows=5,pattern=unstructured,seed=103", 0, 0, 0},
    {{5, 5, 8, 4, 16, 32, 2048, 4096, 256},
     "type=conv,c=6,h=12,w=13,k=7,stride=2,pad=3,rows=4,pattern=dense,seed=104",
     0, 0, NEED_PHASES},
    {{14, 8, 8, 8, 32, 256, 4096, 4096, 256},
     "type=conv,c=3,h=16,w=16,k=11,pad=3,rows=4,pattern=unstructured,density=0.5,seed=105",
     0, 0, 0},
    {{16, 16, 16, 16, 32, 512, 4096, 4096, 256},
     "type=conv,c=20,h=6,w=20,k=3,pad=1,rows=6,pattern=bbs,seed=106", 0, 0, 0},
    {{16, 1, 8, 8, 32, 64, 4096, 4096, 256},
     "type=conv,c=3,h=5,w=37,k=3,pad=1,rows=3,pattern=nm,seed=107", 0, 0, 0},
    {{1, 16, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=17,h=4,w=4,k=3,pad=1,rows=3,pattern=bbs,seed=108", 0, 0, 0},
    {{14, 3, 16, 8, 32, 128, 2048, 4096, 256},
     "type=conv,c=5,h=6,w=30,k=5,stride=2,pad=2,rows=3,seed=109", 0, 0, NEED_PHASES},
    /* strides 1..4 (phases), stride above the kernel, 1x1 kernels */
    {{4, 2, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=3,h=11,w=14,k=5,stride=3,pad=2,rows=3,pattern=dense,seed=110",
     0, 0, NEED_PHASES},
    {{3, 2, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=3,h=13,w=17,k=3,stride=4,pad=0,rows=3,pattern=dense,seed=111",
     0, 0, NEED_PHASES},
    {{2, 3, 8, 8, 32, 32, 2048, 4096, 256},
     "type=conv,c=4,h=9,w=10,k=4,stride=4,pad=1,rows=2,pattern=unstructured,seed=112",
     0, 0, NEED_PHASES},
    {{5, 2, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=5,h=6,w=7,k=1,pad=0,rows=4,pattern=dense,seed=113", 0, 0, 0},
    {{3, 2, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=3,h=7,w=8,k=1,stride=2,pad=0,rows=3,seed=114", 0, 0, 0},
    {{2, 2, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=2,h=5,w=7,k=3,stride=2,pad=3,rows=2,pattern=dense,seed=115",
     0, 0, NEED_PHASES},
    /* a kernel larger than the input (with padding): 1x1 outputs */
    {{2, 2, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=3,h=3,w=3,k=5,pad=1,rows=4,pattern=dense,seed=120", 0, 0, 0},
    {{3, 5, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=2,h=9,w=9,k=11,pad=1,rows=3,pattern=dense,seed=121", 0, 0, 0},
    {{16, 8, 8, 8, 32, 128, 2048, 4096, 256},
     "type=conv,c=4,h=5,w=6,k=7,pad=1,rows=5,pattern=unstructured,seed=122", 0, 0, 0},
    {{1, 1, 8, 8, 32, 32, 2048, 4096, 256},
     "type=conv,c=1,h=1,w=1,k=1,pad=0,rows=1,pattern=dense,seed=123", 0, 0, 0},
    {{5, 3, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=2,h=1,w=1,k=3,pad=1,rows=3,pattern=dense,seed=124", 0, 0, 0},
    /* output-channel blocks: the weight or the row buffer too small */
    {{4, 4, 8, 8, 32, 64, 2048, 40, 256},
     "type=conv,c=8,h=6,w=6,k=3,pad=1,rows=7,pattern=dense,seed=130", 0, 0, NEED_CBLOCKS},
    {{4, 4, 8, 8, 32, 64, 2048, 4096, 2},
     "type=conv,c=5,h=5,w=9,k=3,pad=1,rows=5,seed=131", 0, 0, NEED_CBLOCKS},
    {{3, 2, 8, 8, 32, 64, 2048, 24, 1},
     "type=conv,c=3,h=7,w=8,k=3,stride=2,pad=1,rows=4,pattern=unstructured,seed=132",
     0, 0, NEED_CBLOCKS | NEED_PHASES},
    /* band 1: the vector banks hold the input of one pixel group only (2
     * channels per bank x (4 pixels + 2 rows of Wf 10 + 2) / 4 = 7 words) */
    {{4, 2, 8, 8, 32, 64, 14, 4096, 256},
     "type=conv,c=4,h=8,w=8,k=3,pad=1,rows=3,pattern=dense,seed=140", 0, 0, NEED_BAND1},
    {{4, 2, 8, 8, 32, 64, 14, 40, 2},
     "type=conv,c=4,h=8,w=8,k=3,pad=1,rows=5,pattern=unstructured,seed=141",
     0, 0, NEED_BAND1 | NEED_CBLOCKS},
    {{2, 2, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=2,h=9,w=6,k=3,pad=1,rows=2,pattern=dense,seed=142", 0, 0, NEED_BAND},
    /* widths: data x weight, accumulator at its minimum */
    {{3, 2, 8, 4, 16, 32, 2048, 4096, 256},
     "type=conv,c=6,h=5,w=7,k=3,pad=1,rows=3,pattern=dense,seed=150", 0, 0, 0},
    {{3, 2, 8, 16, 24, 128, 2048, 4096, 256},
     "type=conv,c=6,h=5,w=7,k=3,pad=1,rows=3,pattern=dense,seed=151", 0, 0, 0},
    {{3, 2, 16, 8, 24, 256, 2048, 4096, 256},
     "type=conv,c=6,h=5,w=7,k=3,pad=1,rows=3,pattern=dense,seed=152", 0, 0, 0},
    {{3, 2, 16, 16, 32, 512, 2048, 4096, 256},
     "type=conv,c=6,h=5,w=7,k=3,pad=1,rows=3,pattern=dense,seed=153", 0, 0, 0},
    /* chained CONV layers, an FC layer after them, several samples */
    {{4, 4, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,layers=2,rows=4:6,c=3,h=9,w=9,k=3,stride=2,pad=1,fc=10,samples=2,seed=160",
     0, 0, NEED_PHASES},
    {{3, 2, 16, 8, 32, 128, 2048, 64, 3},
     "type=conv,layers=2,rows=5:3,c=2,h=7,w=10,k=3,pad=1,fc=7,samples=2,pattern=unstructured,"
     "seed=161", 0, 0, NEED_CBLOCKS},
    {{5, 3, 8, 8, 32, 32, 2048, 4096, 256},
     "type=conv,layers=2,rows=3,c=4,h=6,w=6,k=3,pad=0,fc=4,samples=3,pattern=dense,seed=162",
     1, 1, 0},
    {{16, 8, 8, 8, 32, 64, 4096, 4096, 256},
     "type=conv,layers=2,rows=8:4,c=3,h=10,w=18,k=3,pad=1,samples=2,seed=163", 0, 0, 0},
    /* every pattern, every activation */
    {{4, 4, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=8,h=6,w=6,k=3,pad=1,rows=5,pattern=bbs,density=0.5,seed=170", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=8,h=6,w=6,k=3,pad=1,rows=5,pattern=nm,n=1,m=4,seed=171", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=8,h=6,w=6,k=3,pad=1,rows=5,pattern=unstructured,density=0.1,seed=172", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=8,h=6,w=6,k=3,pad=1,rows=5,pattern=block,density=0.3,seed=173", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=8,h=6,w=6,k=3,pad=1,rows=5,pattern=zero,seed=174", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=8,h=6,w=6,k=3,pad=1,rows=5,pattern=dense,act=none,seed=175", 0, 0, 0},
    {{4, 4, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=8,h=6,w=6,k=3,pad=1,rows=5,act=relu,seed=176", 0, 0, 0},
    {{4, 4, 16, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=8,h=6,w=6,k=3,pad=1,rows=5,act=relu6,seed=177", 0, 0, 0},
    /* windows covering the whole map: a global max-pool (stride = kernel =
     * map), a 9 x 9 stride-9 kernel on 9 x 9 (planned as stride 1: one
     * output), and 81 phases (9 x 9 stride 9 on 18 x 18) */
    {{4, 2, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=4,h=9,w=9,k=1,pad=0,rows=3,pool=9,pool_stride=9,pattern=bbs,density=0.5,"
     "seed=180", 0, 0, 0},
    {{3, 2, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=2,h=9,w=9,k=9,stride=9,pad=0,rows=4,pattern=bbs,density=0.5,seed=181", 0, 0, 0},
    {{5, 3, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=3,h=18,w=18,k=9,stride=9,pad=0,rows=3,pattern=unstructured,density=0.5,"
     "seed=182", 0, 0, NEED_PHASES},
    {{4, 4, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=5,h=12,w=12,k=3,pad=1,rows=6,pool=12,fc=3,samples=2,seed=183", 0, 0, 0},
    /* grouped and depthwise convolution: a tile per group (or part of
     * one), the group's output channels its blocks */
    {{4, 4, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=8,h=7,w=9,k=3,pad=1,rows=6,groups=2,pattern=bbs,density=0.5,seed=190",
     0, 0, 0},
    {{5, 3, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=6,h=9,w=9,k=3,stride=2,pad=1,rows=6:9,layers=2,groups=3,fc=4,seed=191",
     0, 0, NEED_PHASES},
    {{4, 8, 8, 8, 32, 64, 2048, 4096, 256},
     "type=conv,c=8,h=8,w=8,k=3,pad=1,rows=16:16,layers=2,groups=dw,pool=2,seed=192", 0, 0, 0},
    {{3, 2, 16, 8, 32, 128, 2048, 40, 2},
     "type=conv,c=4,h=6,w=7,k=3,pad=1,rows=8,groups=2,pattern=unstructured,samples=2,seed=193",
     0, 0, NEED_CBLOCKS},
    /* a group's channels in two tiles (vector banks of 24 words) */
    {{4, 2, 8, 8, 32, 64, 24, 4096, 256},
     "type=conv,c=8,h=6,w=6,k=3,pad=1,rows=4,groups=2,pattern=dense,seed=194", 0, 0, 0},
    /* 64 banks: a 100-channel map kept on chip, written back from banks 0,
     * 16, 32 and 48 on (the OUT record's six bank0 bits) */
    {{3, 64, 8, 8, 32, 512, 64, 256, 32},
     "type=conv,c=3,h=3,w=3,k=1,pad=0,rows=100:3,layers=2,pattern=dense,seed=5", 0, 0, 0},
    {{2, 64, 8, 8, 32, 512, 64, 256, 32},
     "type=conv,c=70,h=5,w=5,k=3,pad=1,rows=9:5,layers=2,fc=3,pattern=bbs,density=0.5,seed=195",
     0, 0, 0},
};
/* clang-format on */
#define N_CONV_DIRECTED (int)(sizeof conv_directed / sizeof conv_directed[0])

/* Does sg_compile accept m on k?  Otherwise err says why. */
static int compiles(const hwcfg *k, const char *spec, char *err, size_t errlen)
{
    sg_config c;
    sg_model m;
    sg_program p;
    if (make_config(k, &c, err, errlen) != 0 || sg_model_random(&c, spec, &m, err, errlen) != 0)
        return 0;
    int rc = sg_compile(&c, &m, 0, 0, &p, err, errlen);
    if (rc == 0)
        sg_program_free(&p);
    sg_model_free(&m);
    return rc == 0;
}

/* Random CONV models over the same value sets.  The vector and weight
 * buffers start at a random size and double while sg_compile refuses the
 * layer for them, so many cases end just big enough (band 1, several
 * output-channel blocks). */
static void conv_sweep(int n)
{
    static const int Ps[] = {1, 2, 3, 5, 14, 16};
    static const int Bs[] = {1, 2, 3, 5, 8, 16};
    static const int Vs[] = {8, 32, 128, 2048, 4096};
    static const int WBs[] = {4, 16, 64, 4096};
    static const int Rs[] = {1, 2, 3, 256};
    static const int Ks[] = {1, 3, 5, 7, 11};
    static const char *pats[] = {"bbs", "nm", "unstructured", "block", "dense", "zero"};
    static const char *dens[] = {"0.1", "0.25", "0.5", "0.9"};
    static const char *acts[] = {"mixed", "none", "relu", "relu6"};
    lcg r = {20250102ULL};
    for (int i = 0; i < n; i++) {
        hwcfg k;
        k.P = Ps[pick(&r, 6)];
        k.B = Bs[pick(&r, 6)];
        pick_widths(&r, &k);
        k.vbuf = Vs[pick(&r, 5)];
        k.wbuf = WBs[pick(&r, 4)];
        k.rbuf = Rs[pick(&r, 4)];
        int kk = Ks[pick(&r, 5)], st = 1 + pick(&r, 4), pad = pick(&r, 4);
        int ch = 1 + pick(&r, 10), hh = 1 + pick(&r, 12), ww = 1 + pick(&r, 24);
        if (kk > 7) { /* keep the big kernels' maps small */
            hh = 1 + pick(&r, 12);
            ch = 1 + pick(&r, 3);
        }
        while (kk > (hh < ww ? hh : ww) + 2 * pad)
            pad++;
        int layers = 1 + pick(&r, 2), out1 = 1 + pick(&r, 8), out2 = 1 + pick(&r, 6);
        int h1 = (hh + 2 * pad - kk) / st + 1, w1 = (ww + 2 * pad - kk) / st + 1;
        /* every third case max-pools after its CONV layers (2x2 or 3x3,
         * stride 1..3), chosen from i so the other picks stay as they were */
        int pool = i % 3 == 0 ? 2 + i / 3 % 2 : 0, pool_st = 1 + i / 6 % 3;
        if (pool && pool <= h1 && pool <= w1) {
            h1 = (h1 - pool) / pool_st + 1;
            w1 = (w1 - pool) / pool_st + 1;
        }
        if (kk > (h1 < w1 ? h1 : w1) + 2 * pad)
            layers = 1;
        int fc = pick(&r, 3) ? 0 : 1 + pick(&r, 12);
        char spec[352];
        snprintf(spec, sizeof spec,
                 "type=conv,c=%d,h=%d,w=%d,k=%d,stride=%d,pad=%d,rows=%d:%d,layers=%d,fc=%d,"
                 "samples=%d,pattern=%s,density=%s,act=%s,n=%d,m=%d,seed=%d,pool=%d,"
                 "pool_stride=%d",
                 ch, hh, ww, kk, st, pad, out1, out2, layers, fc, 1 + pick(&r, 2),
                 pats[pick(&r, 6)], dens[pick(&r, 4)], acts[pick(&r, 4)], 1 + pick(&r, 2),
                 3 + pick(&r, 4), 5000 + i, pool, pool_st);
        grow_to_fit(&k, spec, "vector-buffer words", "weight buffer", NULL);
        check_case(&k, spec, 0, 0, 0);
    }
}

/* Random CNNs whose maps can stay on chip: one sample, stride-1 layers with
 * at least as many channels as banks, max-pools of stride 1 or 2 between
 * them; half the cases with vector banks too small for some chains. */
static void chain_sweep(int n)
{
    static const int Ps[] = {1, 2, 3, 5, 8, 16};
    static const int Bs[] = {1, 2, 3, 4, 8};
    lcg r = {20261122ULL};
    for (int i = 0; i < n; i++) {
        hwcfg k;
        k.P = Ps[pick(&r, 6)];
        k.B = Bs[pick(&r, 5)];
        k.data_w = pick(&r, 2) ? 8 : 16;
        k.wgt_w = pick(&r, 2) ? 8 : 4;
        k.acc_w = 32;
        k.stream_w = 32 << pick(&r, 5);
        k.vbuf = i % 2 ? 128 << pick(&r, 3) : 4096;
        k.wbuf = 4096;
        k.rbuf = 256;
        int ch = k.B + pick(&r, 6), kk = 1 + 2 * pick(&r, 3), hh = 3 + pick(&r, 9);
        int ww = 3 + pick(&r, 20), pool = pick(&r, 3) ? 2 : 0;
        char spec[320];
        snprintf(spec, sizeof spec,
                 "type=conv,c=%d,h=%d,w=%d,k=%d,stride=1,pad=%d,rows=%d:%d:%d,layers=%d,fc=%d,"
                 "pool=%d,pool_stride=%d,pattern=%s,density=0.5,seed=%d",
                 ch, hh, ww, kk, kk / 2, k.B + pick(&r, 5), k.B + pick(&r, 5), k.B + pick(&r, 3),
                 2 + pick(&r, 2), pick(&r, 2) ? 5 : 0, pool, 1 + pick(&r, 2),
                 pick(&r, 2) ? "bbs" : "unstructured", 7000 + i);
        check_case(&k, spec, 0, 1, 0);
    }
}

/* Index among the results of (sample, layer, row) in the program's lanes, or -1. */
static long long result_index(const sg_program *p, int sample, int layer, int row)
{
    long long seq = 0;
    for (long long i = 0; i < p->n_out * p->elems; i++) {
        const sg_lane *ln = &p->lanes[i];
        if (ln->layer < 0)
            continue;
        if (ln->sample == sample && ln->layer == layer && ln->row == row)
            return seq;
        seq++;
    }
    return -1;
}

/* The committed CNN fixtures ($SG_TEST_DATA/models, default data/models). */
static void conv_fixtures(void)
{
    static const hwcfg ks[] = {
        {1, 1, 8, 8, 32, 64, 2048, 4096, 256},  {2, 3, 8, 8, 32, 32, 2048, 4096, 256},
        {3, 2, 8, 8, 32, 128, 64, 32, 2},       {5, 5, 8, 8, 32, 512, 2048, 4096, 256},
        {14, 16, 16, 8, 32, 64, 4096, 4096, 256}, {16, 8, 8, 8, 32, 64, 512, 4096, 256},
        {4, 1, 8, 8, 24, 256, 40, 40, 1},
    };
    /* the cnn network's answer from the Python model of make_npy_fixtures.py
     * (tests/test_model.c checks it against naive loops too) */
    static const int32_t cnn_final[5] = {-65, 127, -128, 40, 127};
    const char *env = getenv("SG_TEST_DATA");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/models", env ? env : "data");
    if (!tap_ok(access(dir, R_OK) == 0, "CNN fixtures in %s (set SG_TEST_DATA to tests/data)",
                dir))
        return;
    const char *files[] = {"cnn.json", "conv_n3.json"};
    for (size_t f = 0; f < 2; f++) {
        for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
            char path[PATH_MAX + 32], label[PATH_MAX + 200], err[512] = "";
            snprintf(path, sizeof path, "%s/%s", dir, files[f]);
            const hwcfg *k = &ks[i];
            snprintf(label, sizeof label, "P=%d B=%d d=%d w=%d acc=%d s=%d v=%d wb=%d rb=%d %s",
                     k->P, k->B, k->data_w, k->wgt_w, k->acc_w, k->stream_w, k->vbuf, k->wbuf,
                     k->rbuf, files[f]);
            sg_config c;
            sg_model m;
            if (!tap_ok(make_config(k, &c, err, sizeof err) == 0 &&
                            sg_model_load(path, c.data_w, c.wgt_w, &m, err, sizeof err) == 0,
                        "%s: loads %s", label, err))
                continue;
            check_model(k, &c, &m, label, 0, 0, 0);
            if (f == 0 && c.data_w == 8 && c.acc_w == 32) {
                /* the known answer: fc3 of sample 0 and conv2's y2[1][0][1] = -16,
                 * from the interpreter */
                sg_program p;
                if (sg_compile(&c, &m, 0, 1, &p, err, sizeof err) == 0) {
                    hw h;
                    hw_init(&h, &c);
                    hw_exec(&h, p.beats, p.n_beats);
                    int ok = h.errors == 0;
                    for (int r = 0; r < 5 && ok; r++) {
                        long long j = result_index(&p, 0, 3, r);
                        ok = j >= 0 && j < h.n_res && h.res[j] == cnn_final[r];
                    }
                    long long j = result_index(&p, 0, 2, 5);
                    ok = ok && j >= 0 && j < h.n_res && h.res[j] == -16;
                    tap_ok(ok, "%s: interpreted fc3 is -65 127 -128 40 127, conv2 row 5 is -16",
                           label);
                    hw_free(&h);
                    sg_program_free(&p);
                } else {
                    tap_ok(0, "%s: compiles sample 0 %s", label, err);
                }
            }
            sg_model_free(&m);
        }
    }
}

/* A small CONV by hand: P=2, B=1, one 1x3 input row, a 3x3 kernel whose
 * middle row is 1 2 3, padding 1: the padded row 0 5 6 7 0 gives 28 38 20.
 * Then mutated streams the interpreter must refuse. */
static void test_conv_hand(void)
{
    char err[512] = "";
    sg_config c;
    sg_model m;
    sg_program p;
    hw h;
    hwcfg k = {2, 1, 8, 8, 32, 64, 64, 64, 4};
    if (make_config(&k, &c, err, sizeof err) != 0 ||
        sg_model_random(&c, "type=conv,c=1,h=1,w=3,k=3,pad=1,rows=1,pattern=dense,seed=9", &m,
                        err, sizeof err) != 0) {
        tap_ok(0, "hand conv set up: %s", err);
        return;
    }
    static const int32_t w[9] = {0, 0, 0, 1, 2, 3, 0, 0, 0};
    static const int32_t x[3] = {5, 6, 7};
    sg_layer *L = &m.layers[0];
    memcpy(L->weights, w, sizeof w);
    memcpy(m.inputs, x, sizeof x);
    L->bias[0] = 0;
    L->mult[0] = 1;
    L->shift[0] = 0;
    L->act = SG_ACT_NONE;
    L->act_max = 0;
    if (!tap_ok(sg_compile(&c, &m, 0, 0, &p, err, sizeof err) == 0, "hand conv: compiles %s",
                err)) {
        sg_model_free(&m);
        return;
    }
    hw_init(&h, &c);
    int rc = hw_exec(&h, p.beats, p.n_beats);
    /* ROW and WGT broadcast, one scatter VEC of wq * P * B = 8 * 2 * 1 = 16
     * elements (flat rows of Wf = 3 + 3 - 1 = 5 columns: 3 input rows are 15
     * positions, the last group's taps reach 2 * 2 + 2 * 5 + 2 = 16), two
     * CONVs (npix 2, then 1) */
    tap_ok(rc == 0 && h.errors == 0 && h.notes == 0 && strcmp(h.trace, "bSwSvSCSCS") == 0,
           "hand conv: ROW(b) WGT(b) VEC(scatter) CONV CONV with BASEs (trace %s) %s", h.trace,
           h.err);
    tap_ok(h.n_trace >= 7 && h.hdr[4] == 0x1200000000000010ULL &&
               h.hdr[6] == 0x6200000000200001ULL,
           "hand conv: scatter VEC header 1200000000000010 (got %016llx), CONV header "
           "6200000000200001 (got %016llx)",
           (unsigned long long)h.hdr[4], (unsigned long long)h.hdr[6]);
    tap_ok(h.n_res == 3 && h.res[0] == 28 && h.res[1] == 38 && h.res[2] == 20 && p.n_out == 2 &&
               p.out[0] == (28u | 38u << 8) && p.out[2] == 20u && p.out_last[0] &&
               p.out_last[1],
           "hand conv: results 28 38 (tlast), 20 (tlast)");
    tap_ok(h.macs == 9 && p.useful_macs == 9 && h.words == 6 && p.words == 6 && p.runs == 2,
           "hand conv: 9 useful MACs (3 taps x npix 2 + 3 x 1; got %lld), 6 words (got %lld)",
           h.macs, h.words);
    hw_free(&h);

    /* mutations: each header rewritten in a copy of the stream */
    struct {
        int cmd;        /* index of the command in the trace */
        uint64_t hdr;   /* its new header */
        const char *needle, *what;
    } mut[] = {
        {6, 0x6200000000000001ULL, "npix 0 not in 1..2", "CONV with npix 0"},
        {6, 0x6200000000300001ULL, "npix 3 not in 1..2", "CONV with npix 3 > P"},
        {5, 0x5000310000000000ULL, "never written", "CONV pbase 49: unwritten vector addresses"},
        {5, 0x50003e0000000000ULL, ">= vbuf depth", "CONV pbase 62: vector address past the banks"},
        {3, 0x5000390000000000ULL, "overflows", "scatter VEC at pbase 57 past the banks"},
        {3, 0x5000400000000000ULL, "does not fit OFF_W", "BASE pbase 64 wider than OFF_W"},
        {2, 0x2000000000000003ULL, "WGT word", "WGT without the broadcast flag: P x the payload"},
        {6, 0x4200000000200001ULL, "FC word with rotation", "RUN on CONV words (rotation)"},
    };
    for (size_t i = 0; i < sizeof mut / sizeof mut[0]; i++) {
        uint32_t *b = xcalloc((size_t)(p.n_beats * p.beat_words), sizeof *b);
        memcpy(b, p.beats, (size_t)(p.n_beats * p.beat_words) * sizeof *b);
        hw_init(&h, &c);
        hw_exec(&h, p.beats, p.n_beats); /* to find the command */
        long long at = h.hdr_at[mut[i].cmd];
        hw_free(&h);
        b[at * p.beat_words] = (uint32_t)mut[i].hdr;
        b[at * p.beat_words + 1] = (uint32_t)(mut[i].hdr >> 32);
        hw_init(&h, &c);
        rc = hw_exec(&h, b, p.n_beats);
        const char *hit = strstr(h.errlog, mut[i].needle);
        tap_ok(h.errors > 0 && hit != NULL, "hand conv mutated: %s is refused (%.*s)",
               mut[i].what, hit ? 200 : 400, hit ? hit : h.errlog);
        hw_free(&h);
        free(b);
    }
    sg_program_free(&p);
    sg_model_free(&m);

    /* a CONV layer whose rows outgrow the vector banks is cut into
     * input-channel tiles (c=64 on 8 banks, a group's reach 16 + 2 x 202 + 2
     * = 422 positions, 27 words per channel in 64-word banks: 4 tiles of 16
     * channels) */
    hwcfg kb = {16, 8, 8, 8, 32, 64, 64, 4096, 256};
    check_case(&kb, "type=conv,c=64,h=8,w=200,k=3,pad=1,rows=4,seed=3", 0, 0, NEED_CTILES);
    hwcfg kt = {16, 8, 8, 8, 32, 64, 32, 4096, 3};
    check_case(&kt, "type=conv,c=40,h=5,w=70,k=3,pad=1,rows=40,pool=2,seed=4", 0, 0, NEED_CTILES);
    /* one channel's rows too wide for the banks: refused, nothing emitted */
    if (make_config(&kb, &c, err, sizeof err) == 0 &&
        sg_model_random(&c, "type=conv,c=16,h=8,w=2000,k=3,pad=1,rows=4,seed=3", &m, err,
                        sizeof err) == 0) {
        err[0] = '\0';
        rc = sg_compile(&c, &m, 0, 0, &p, err, sizeof err);
        tap_ok(rc == -1 && strstr(err, "vector-buffer words") && strstr(err, "conv1") &&
                   p.beats == NULL && p.n_beats == 0,
               "CONV c=16 h=8 w=2000 k=3 on vbuf_depth 64: refused, %s", err);
        sg_model_free(&m);
    } else {
        tap_ok(0, "wide CONV set up: %s", err);
    }
}

/* Several samples run layer by layer: every layer's weights cross the
 * stream once, however many samples (single-tile FC and CONV layers). */
static void test_batch_weights(void)
{
    char err[512] = "";
    sg_config c;
    hwcfg k = {4, 4, 8, 8, 32, 64, 512, 1024, 64};
    const char *spec = "type=conv,c=5,h=9,w=11,k=3,stride=2,pad=1,rows=6:7,layers=2,pool=2,"
                       "fc=9,pattern=bbs,density=0.5,samples=%d,seed=31";
    long long wgts[2] = {-1, -1}, outs[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        char sp[256];
        snprintf(sp, sizeof sp, spec, i ? 3 : 1);
        sg_model m;
        sg_program p;
        if (make_config(&k, &c, err, sizeof err) != 0 ||
            sg_model_random(&c, sp, &m, err, sizeof err) != 0)
            break;
        if (sg_compile(&c, &m, 0, 0, &p, err, sizeof err) == 0) {
            hw h;
            hw_init(&h, &c);
            if (hw_exec(&h, p.beats, p.n_beats) == 0 && h.errors == 0) {
                wgts[i] = h.wgts;
                outs[i] = p.outputs;
            }
            hw_free(&h);
            sg_program_free(&p);
        }
        sg_model_free(&m);
    }
    tap_ok(wgts[0] > 0 && wgts[1] == wgts[0] && outs[1] == 3 * outs[0],
           "3 samples of a CNN load the weights once: %lld WGT commands for 1 sample, %lld for 3 "
           "(results %lld, %lld) %s",
           wgts[0], wgts[1], outs[0], outs[1], err);
}

/* ---- random LSTM models ------------------------------------------------------ */

/* Nonzeros of an LSTM row (in x columns, then h) in interleaved bank b of B. */
static int lstm_bank_nz(const int32_t *row, int in, int H, int B, int b, int *size)
{
    int nz = 0;
    *size = 0;
    for (int j = b; j < in; j += B, ++*size)
        nz += row[j] != 0;
    for (int j = b; j < H; j += B, ++*size)
        nz += row[in + j] != 0;
    return nz;
}

/* type=lstm: the stacking shapes, steps, bbs banks interleaved as the
 * hardware reads them with exactly k nonzeros each, gate pre-activations
 * mostly in [-4, 4], and the same model for the same seed. */
static void test_random_lstm(void)
{
    static const struct {
        int banks;
        const char *spec;
        int n_layers, steps, in[3], out[3], k[2]; /* k: nonzeros per bank of each LSTM layer */
    } cases[] = {
        /* 13 + 9 columns in 4 banks: 4+3, 3+2, 3+2, 3+2 -> k = round(0.5 * 5) = 3;
         * 9 + 6: 3+2, 2+2, 2+1, 2+1 -> round(0.5 * 3) = 2 */
        {4, "type=lstm,cols=13,rows=9:6,layers=2,steps=3,fc=4,density=0.5,samples=2,seed=5", 3,
         3, {13, 9, 6}, {9, 6, 4}, {3, 2}},
        /* 3 + 2 columns in 8 banks: banks 3..7 empty, the smallest other holds 1 */
        {8, "type=lstm,cols=3,rows=2,density=0.5,seed=7", 1, 8, {3}, {2}, {1, 0}},
        /* density 0 still keeps one per bank: 10 + 16 in 4 banks, smallest 2+4 */
        {4, "type=lstm,cols=10,rows=16,steps=2,density=0,seed=2", 1, 2, {10}, {16}, {1, 0}},
        /* the defaults: 100 + 64 in 8 banks, smallest 12+8 -> round(0.25 * 20) = 5 */
        {8, "type=lstm", 1, 8, {100}, {64}, {5, 0}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512] = "";
        sg_config c;
        sg_model m, m2;
        sg_config_default(&c);
        c.banks = cases[i].banks;
        if (!tap_ok(sg_config_derive(&c, err, sizeof err) == 0 &&
                        sg_model_random(&c, cases[i].spec, &m, err, sizeof err) == 0,
                    "random %s: builds %s", cases[i].spec, err))
            continue;
        int steps = cases[i].steps, shapes = m.n_layers == cases[i].n_layers;
        for (int l = 0; shapes && l < m.n_layers; l++) {
            const sg_layer *L = &m.layers[l];
            int lstm = l < m.n_layers - (cases[i].n_layers == 3);
            shapes = L->in == cases[i].in[l] && L->out == cases[i].out[l] &&
                     L->type == (lstm ? SG_LAYER_LSTM : SG_LAYER_FC) &&
                     L->steps == (lstm ? steps : 0) && (!lstm || L->act == SG_ACT_NONE);
        }
        shapes = shapes && m.input_len == steps * cases[i].in[0];
        tap_ok(shapes, "random %s: %d layers chained in -> hidden (-> fc), steps %d, input %d",
               cases[i].spec, m.n_layers, steps, m.input_len);
        /* every bank of every gate row holds exactly k (0 when it has no column) */
        int bad = 0;
        long long zn = 0, zmid = 0, zsat = 0;
        for (int l = 0; shapes && l < m.n_layers && !bad; l++) {
            const sg_layer *L = &m.layers[l];
            if (L->type != SG_LAYER_LSTM)
                continue;
            for (int r = 0; r < 4 * L->out && !bad; r++)
                for (int b = 0; b < c.banks; b++) {
                    int size, nz = lstm_bank_nz(L->weights + (size_t)r * (L->in + L->out), L->in,
                                                L->out, c.banks, b, &size);
                    if (nz != (size ? cases[i].k[l] : 0)) {
                        bad = 1;
                        tap_diag("layer %d row %d bank %d (%d columns): %d nonzeros, expected %d",
                                 l, r, b, size, nz, size ? cases[i].k[l] : 0);
                        break;
                    }
                }
        }
        tap_ok(shapes && !bad, "random %s: every interleaved bank keeps exactly k = %d (%d) "
               "nonzeros", cases[i].spec, cases[i].k[0], cases[i].k[1]);
        /* the gate pre-activations of the first layer over the first sample */
        if (shapes) {
            const sg_layer *L = &m.layers[0];
            sg_lstm_fmt f;
            sg_lstm_layer ll = {L->in, L->out, L->weights, L->bias, L->mult, L->shift};
            int32_t *h = xcalloc((size_t)L->out, sizeof *h);
            int32_t *cs = xcalloc((size_t)L->out, sizeof *cs);
            int32_t *g = xcalloc((size_t)4 * L->out, sizeof *g);
            if (sg_lstm_fmt_derive(&f, c.data_w, sg_lstm_table_bits_for(c.data_w), 1, err,
                                   sizeof err) == 0) {
                for (int t = 0; t < steps; t++) {
                    sg_lstm_step(&f, &ll, c.acc_w, m.inputs + (size_t)t * L->in, h, cs, g, err,
                                 sizeof err);
                    for (int r = 0; r < 4 * L->out; r++, zn++) {
                        zmid += g[r] >= -4 * 4096 && g[r] <= 4 * 4096;
                        zsat += g[r] <= INT16_MIN || g[r] >= INT16_MAX;
                    }
                }
                sg_lstm_fmt_free(&f);
            }
            free(h);
            free(cs);
            free(g);
        }
        tap_ok(zn > 0 && zmid >= zn * 8 / 10 && zsat <= zn / 10,
               "random %s: %lld of %lld gate pre-activations in [-4, 4], %lld saturated",
               cases[i].spec, zmid, zn, zsat);
        /* the same spec gives the same model */
        int same = sg_model_random(&c, cases[i].spec, &m2, err, sizeof err) == 0 &&
                   m2.n_layers == m.n_layers;
        for (int l = 0; same && l < m.n_layers; l++) {
            const sg_layer *A = &m.layers[l], *B = &m2.layers[l];
            int rows = A->type == SG_LAYER_LSTM ? 4 * A->out : A->out;
            int cols = A->type == SG_LAYER_LSTM ? A->in + A->out : A->in;
            same = memcmp(A->weights, B->weights, (size_t)rows * cols * sizeof *A->weights) == 0 &&
                   memcmp(A->bias, B->bias, (size_t)rows * sizeof *A->bias) == 0 &&
                   memcmp(A->mult, B->mult, (size_t)rows * sizeof *A->mult) == 0 &&
                   memcmp(A->shift, B->shift, (size_t)rows) == 0;
        }
        same = same && memcmp(m.inputs, m2.inputs, (size_t)m.n_inputs * m.input_len * 4) == 0;
        tap_ok(same, "random %s: deterministic for its seed", cases[i].spec);
        sg_model_free(&m2);
        sg_model_free(&m);
    }
}

/* ---- bad arguments -------------------------------------------------------- */

static void test_bad_args(void)
{
    char err[512] = "";
    sg_config c;
    sg_model m;
    sg_program p;
    hwcfg k = {2, 2, 8, 8, 32, 64, 512, 4096, 256};
    make_config(&k, &c, err, sizeof err);
    if (!tap_ok(sg_model_random(&c, "rows=3,cols=5,samples=3", &m, err, sizeof err) == 0,
                "bad args: model %s", err))
        return;
    int firsts[] = {-1, 3, 1000, INT_MIN};
    for (int i = 0; i < 4; i++) {
        err[0] = '\0';
        int rc = sg_compile(&c, &m, firsts[i], 1, &p, err, sizeof err);
        tap_ok(rc == -1 && strstr(err, "out of range") && p.beats == NULL && p.n_beats == 0,
               "sg_compile first=%d: -1, '%s'", firsts[i], err);
    }
    tap_ok(sg_compile(&c, &m, 1, 100, &p, err, sizeof err) == 0 && p.samples == 2 && p.outputs == 6,
           "sg_compile first=1 count=100: the 2 remaining samples (%d)", p.samples);
    sg_program_free(&p);
    tap_ok(sg_compile(&c, &m, 2, -5, &p, err, sizeof err) == 0 && p.samples == 1,
           "sg_compile first=2 count=-5: the last sample (%d)", p.samples);
    sg_program_free(&p);
    sg_model_free(&m);
}

/* The program caps (sg_compile.h), lowered so small models reach them: a
 * clear error naming the layer, nothing left in p. */
static void test_caps(void)
{
    char err[512] = "";
    sg_config c;
    sg_model m;
    sg_program p;
    hwcfg k = {2, 2, 8, 8, 32, 64, 512, 4096, 256};
    make_config(&k, &c, err, sizeof err);
    if (!tap_ok(sg_model_random(&c, "rows=8:4,cols=16,layers=2,samples=2,seed=3", &m, err,
                                sizeof err) == 0,
                "caps: model %s", err))
        return;
    long long bytes = sg_program_max_bytes, results = sg_program_max_results;
    sg_program_max_bytes = 256;
    int rc = sg_compile(&c, &m, 0, 0, &p, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "layer 'fc") && strstr(err, "the command stream would pass "
                                                             "256 bytes") &&
               p.beats == NULL && p.n_beats == 0 && p.out == NULL,
           "stream cap 256 bytes: -1, '%s'", err);
    sg_program_max_bytes = bytes;
    /* 2 samples x 8 results of layer 0 fit 20, with layer 1's 2 x 4 they do not */
    sg_program_max_results = 20;
    rc = sg_compile(&c, &m, 0, 0, &p, err, sizeof err);
    tap_ok(rc == -1 &&
               strstr(err, "layer 'fc2': 24 results for 2 sample(s) up to this layer, more "
                           "than the 20 one program holds") && p.beats == NULL,
           "results cap 20, checked before any work: -1, '%s'", err);
    /* 24 results fit 24, but their beats hold 8 lanes each: 2 x 8 in 2
     * beats, then 2 x 4 in 2 more: 32 lanes */
    sg_program_max_results = 24;
    rc = sg_compile(&c, &m, 0, 0, &p, err, sizeof err);
    tap_ok(rc == -1 && strstr(err, "layer 'fc2': the expected results") && p.out == NULL,
           "results cap 24 with the beats' lanes: -1, '%s'", err);
    sg_program_max_results = results;
    tap_ok(sg_compile(&c, &m, 0, 0, &p, err, sizeof err) == 0 && p.outputs == 24,
           "caps restored: compiles, 24 results %s", err);
    sg_program_free(&p);
    sg_model_free(&m);
}

/* ---- configuration validation -------------------------------------------- */

static char tmp_dir[] = "/tmp/test_compile_XXXXXX";

static const char *tpath(const char *name)
{
    static char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s/%s", tmp_dir, name);
    return buf;
}

static int write_text(const char *name, const char *text)
{
    FILE *f = fopen(tpath(name), "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* Load `json` from file `name`; pass if -1 and err contains every needle. */
static void cfg_bad(const char *name, const char *json, const char *what, const char *n1,
                    const char *n2, const char *n3, const char *n4)
{
    char err[1024] = "";
    sg_config c;
    if (write_text(name, json) != 0) {
        tap_ok(0, "config %s: cannot write %s", what, tpath(name));
        return;
    }
    int rc = sg_config_load(tpath(name), &c, err, sizeof err);
    const char *need[4] = {n1, n2, n3, n4};
    int ok = rc == -1;
    for (int i = 0; i < 4; i++)
        if (need[i] && !strstr(err, need[i]))
            ok = 0;
    tap_ok(ok, "config %s: -1 naming it: %s", what, err);
}

typedef struct keycase {
    const char *key;
    const char *range_json, *range_legal; /* out-of-range value and the legal text */
    const char *type_json, *type_dump;    /* wrong-type value and how it is quoted */
} keycase;

static void test_config(void)
{
    static const keycase keys[] = {
        {"name", "\"bad name!\"", "1..48", "42", "42"},
        {"name", "\"\"", "1..48", "[\"x\"]", NULL},
        {"name", "\"n123456789012345678901234567890123456789012345678\"", "1..48", "null", "null"},
        {"pe_count", "0", "range 1..64", "\"16\"", "\"16\""},
        {"pe_count", "65", "range 1..64", "true", "true"},
        {"banks", "65", "range 1..64", "8.0", "8.0"},
        {"banks", "0", "range 1..64", "\"8\"", "\"8\""},
        {"data_width", "12", "values 8, 16", "true", "true"},
        {"data_width", "4294967304", "values 8, 16", "8.5", "8.5"},
        {"weight_width", "2", "values 4, 8, 16", "null", "null"},
        {"acc_width", "33", "range 16..32", "[32]", "[32]"},
        {"acc_width", "15", "range 16..32", "\"32\"", "\"32\""},
        {"vbuf_depth", "1", "range 2..65536", "{\"v\": 1}", NULL},
        {"vbuf_depth", "65537", "range 2..65536", "512.0", "512.0"},
        {"wbuf_depth", "65537", "range 2..65536", "\"4096\"", "\"4096\""},
        {"wbuf_depth", "1", "range 2..65536", "false", "false"},
        {"rbuf_depth", "0", "range 1..65536", "2.5", "2.5"},
        {"stream_width", "48", "values 32, 64, 128, 256, 512", "\"64\"", "\"64\""},
        {"stream_width", "1024", "values 32, 64, 128, 256, 512", "-64.0", "-64.0"},
        {"clock_mhz", "1000.5", "range 1..1000", "\"200\"", "\"200\""},
        {"clock_mhz", "0", "range 1..1000", "true", "true"},
    };
    char json[256];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const keycase *k = &keys[i];
        char quoted[80], what[160];
        snprintf(quoted, sizeof quoted, "'%s'", k->key);
        /* another, valid key beside it (never the key under test) */
        const char *other = strcmp(k->key, "clock_mhz") ? "\"clock_mhz\": 100" : "\"banks\": 4";
        snprintf(json, sizeof json, "{%s, \"%s\": %s}\n", other, k->key, k->range_json);
        snprintf(what, sizeof what, "%s = %s (out of range)", k->key, k->range_json);
        /* the value is quoted as JSON: a string keeps its quotes */
        cfg_bad("bad.json", json, what, quoted, k->range_json, k->range_legal,
                "bad.json: bad value");
        snprintf(json, sizeof json, "{\"%s\": %s, %s}\n", k->key, k->type_json, other);
        snprintf(what, sizeof what, "%s = %s (wrong type)", k->key, k->type_json);
        cfg_bad("bad.json", json, what, quoted, k->type_dump, "legal", NULL);
    }
    cfg_bad("acc.json", "{\"data_width\": 8, \"weight_width\": 16, \"acc_width\": 20}",
            "acc_width 20 < 8 + 16", "'acc_width'", "20", "24..32", "acc.json");
    cfg_bad("acc.json", "{\"data_width\": 16, \"weight_width\": 16, \"acc_width\": 31}",
            "acc_width 31 < 16 + 16", "'acc_width'", "31", "32..32", NULL);
    cfg_bad("acc.json", "{\"weight_width\": 16, \"acc_width\": 16}",
            "acc_width 16 < default 8 + 16", "'acc_width'", "16", "24..32", NULL);
    cfg_bad("unk.json", "{\"pe_count\": 4, \"bogus\": 1}", "unknown key", "unknown key 'bogus'",
            "pe_count", "unk.json", NULL);
    cfg_bad("unk.json", "{\"Banks\": 4}", "unknown key (case)", "unknown key 'Banks'", NULL, NULL,
            NULL);
    cfg_bad("mal.json", "{\"pe_count\": 4,,}", "malformed JSON", "malformed JSON",
            "mal.json:1:", NULL, NULL);
    cfg_bad("mal.json", "{\"banks\": 4\n", "truncated JSON", "malformed JSON", "mal.json", NULL,
            NULL);
    cfg_bad("dup.json", "{\"banks\": 4, \"banks\": 8}", "duplicate key", "malformed JSON", "banks",
            NULL, NULL);
    cfg_bad("arr.json", "[1, 2]", "array root", "must be a JSON object", "arr.json", NULL, NULL);
    cfg_bad("str.json", "\"pe_count\"", "string root", "str.json", NULL, NULL, NULL);
    {
        char err[512] = "";
        sg_config c;
        tap_ok(sg_config_load(tpath("missing.json"), &c, err, sizeof err) == -1 &&
                   strstr(err, "cannot read configuration") && strstr(err, "missing.json"),
               "config missing file: -1, %s", err);
    }

    /* a good file, every key given */
    char err[512] = "";
    sg_config c, c2;
    write_text("good.json",
               "{\"name\": \"edge.cfg-1\", \"pe_count\": 3, \"banks\": 5, \"data_width\": 16,\n"
               " \"weight_width\": 4, \"acc_width\": 20, \"vbuf_depth\": 100, \"wbuf_depth\": 33,\n"
               " \"rbuf_depth\": 7, \"stream_width\": 32, \"clock_mhz\": 250.5}\n");
    int rc = sg_config_load(tpath("good.json"), &c, err, sizeof err);
    tap_ok(rc == 0, "config good.json loads %s", err);
    tap_ok(strcmp(c.name, "edge.cfg-1") == 0 && strcmp(c.source, "good.json") == 0,
           "good.json: name from JSON (%s), source is the basename (%s)", c.name, c.source);
    tap_ok(c.pe_count == 3 && c.banks == 5 && c.data_w == 16 && c.wgt_w == 4 && c.acc_w == 20 &&
               c.vbuf_depth == 100 && c.wbuf_depth == 33 && c.rbuf_depth == 7 && c.stream_w == 32 &&
               c.clock_mhz == 250.5,
           "good.json: every given value read");
    tap_ok(c.off_w == 7 && c.rot_w == 2 && c.lane_w == 13 && c.word_w == 1 + 5 * (4 + 7 + 2) &&
               c.waddr_w == 6 &&
               c.grp_w == 3 && c.tree_levels == 3 && c.pipe_depth == 6,
           "good.json: off_w 7, rot_w 2, lane_w 13, word_w 66 = 1 + banks*(wgt_w + clog2(vbuf) + "
           "clog2(P)), "
           "waddr_w 6, grp_w 3, tree 3 (got %d %d %d %d %d %d)",
           c.off_w, c.lane_w, c.word_w, c.waddr_w, c.grp_w, c.tree_levels);
    tap_ok(c.hdr_beats == 2 && c.wgt_beats == 3 && c.row_beats == 3 && c.out_beats == 6 &&
               c.max_beats == 6 &&
               c.elems_per_beat == 2 && c.pe_w == 2 && c.cnt_w == 2 && c.nz_w == 3 &&
               c.nz_sum_w == 4 && c.lanes == 15 && c.run_overhead == 7,
           "good.json: beats 2/3/3/6 (max 6), 2 elements per beat, pe_w 2, cnt_w 2, nz_w 3, "
           "nz_sum_w 4, 15 lanes, run overhead 7");
    sg_config_load(tpath("good.json"), &c2, err, sizeof err);
    tap_ok(c2.hash == c.hash, "good.json: loading twice gives the same hash");

    /* name defaults to the file stem; other keys to the defaults */
    write_text("stem_only.json", "{\"banks\": 4, \"vbuf_depth\": 2}");
    rc = sg_config_load(tpath("stem_only.json"), &c, err, sizeof err);
    tap_ok(rc == 0 && strcmp(c.name, "stem_only") == 0 && c.pe_count == 16 && c.data_w == 8 &&
               c.wgt_w == 8 && c.acc_w == 32 && c.wbuf_depth == 4096 && c.rbuf_depth == 256 &&
               c.stream_w == 64 && c.clock_mhz == 200.0,
           "stem_only.json: name '%s' from the stem, defaults elsewhere %s", c.name, err);
    tap_ok(c.off_w == 1 && c.word_w == 1 + 4 * (8 + 1 + 4) && c.wgt_beats == 1 && c.row_beats == 2 &&
               c.hdr_beats == 1 && c.elems_per_beat == 8 && c.tree_levels == 2,
           "stem_only.json: vbuf 2 gives off_w 1, word_w 53 (got %d, %d)", c.off_w, c.word_w);
    tap_ok(c2.hash != c.hash, "different configurations hash differently");
    write_text("empty.json", "{}");
    rc = sg_config_load(tpath("empty.json"), &c, err, sizeof err);
    tap_ok(rc == 0 && strcmp(c.name, "empty") == 0 && c.pe_count == 16 && c.banks == 8 &&
               c.word_w == 1 + 8 * (8 + 9 + 4) && c.lanes == 128,
           "empty.json: the default configuration, word_w 169, 128 lanes (%d)", c.word_w);
    write_text("bad stem!.json", "{\"banks\": 2}");
    rc = sg_config_load(tpath("bad stem!.json"), &c, err, sizeof err);
    tap_ok(rc == 0 && strcmp(c.name, "default") == 0 && c.banks == 2,
           "'bad stem!.json': a stem that is not a legal name leaves 'default' (%s)", c.name);
    write_text("named.json",
               "{\"name\": \"x\", \"banks\": 1, \"weight_width\": 16, \"acc_width\": 24}");
    rc = sg_config_load(tpath("named.json"), &c, err, sizeof err);
    tap_ok(rc == 0 && strcmp(c.name, "x") == 0 && c.banks == 1 && c.tree_levels == 0 &&
               c.word_w == 1 + 1 * (16 + 9 + 4) && c.nz_w == 1,
           "named.json: banks 1, word_w 30 (%d) %s", c.word_w, err);

    /* sg_config_derive on a struct names the configuration */
    sg_config_default(&c);
    c.data_w = 16;
    c.acc_w = 23;
    err[0] = '\0';
    tap_ok(sg_config_derive(&c, err, sizeof err) == -1 && strstr(err, "'acc_width'") &&
               strstr(err, "23") && strstr(err, "24..32") && strstr(err, "default"),
           "sg_config_derive: acc_width 23 < 16 + 8: %s", err);

    const char *files[] = {"bad.json",       "acc.json",   "unk.json",       "mal.json",
                           "dup.json",       "arr.json",   "str.json",       "good.json",
                           "stem_only.json", "empty.json", "bad stem!.json", "named.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(tpath(files[i]));
}

/* ---- main ----------------------------------------------------------------- */

int main(void)
{
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 99;
    }
    tap_ok(OP_VEC == SG_OP_VEC && OP_WGT == SG_OP_WGT && OP_ROW == SG_OP_ROW &&
               OP_RUN == SG_OP_RUN && OP_BASE == SG_OP_BASE && OP_CONV == SG_OP_CONV &&
               SG_HDR_W == 64 && SG_ROW_W == 70 &&
               SG_HDR_COUNT_W == 20 && SG_HDR_ROWS_W == 20 && SG_HDR_ACTMAX_W == 16,
           "sg_cmd.h constants agree with its drawing");
    test_hand();
    for (int i = 0; i < N_DIRECTED; i++)
        check_case(&directed[i].k, directed[i].spec, directed[i].first, directed[i].count,
                   directed[i].need);
    sweep(250);
    tap_ok(cov_resident >= 5, "coverage: %d programs keep their weights resident (BASE)",
           cov_resident);
    tap_ok(cov_tiles >= 20 && cov_blocks >= 20 && cov_few_rows >= 10 && cov_layers >= 20 &&
               cov_wraps > 0,
           "coverage of %d compiled cases: %d with column tiles, %d with row blocks, %d with "
           "rows < P, %d with chained layers, %lld wrapped accumulations",
           n_cases, cov_tiles, cov_blocks, cov_few_rows, cov_layers, cov_wraps);
    int fc_cases = n_cases;
    test_conv_hand();
    for (int i = 0; i < N_CONV_DIRECTED; i++)
        check_case(&conv_directed[i].k, conv_directed[i].spec, conv_directed[i].first,
                   conv_directed[i].count, conv_directed[i].need);
    conv_sweep(300);
    conv_fixtures();
    chain_sweep(60);
    test_batch_weights();
    tap_ok(cov_conv == n_cases - fc_cases && cov_conv >= 300 && cov_conv_phases >= 50 &&
               cov_conv_blocks >= 50 && cov_conv_band >= 50 && cov_conv_band1 >= 10 &&
               cov_conv_ragged >= 50 && cov_conv_pool >= 10 && cov_conv_fc >= 30 &&
               cov_conv_ctiles >= 10 && cov_conv_junk >= 50 && cov_conv_unit[0] >= 50 &&
               cov_conv_unit[1] >= 10 && cov_conv_unit[2] >= 10 && cov_conv_onchip >= 20 &&
               cov_conv_wraps > 0,
           "CONV coverage of %d cases: %d with stride phases, %d with output-channel blocks, "
           "%d with band > 1, %d with band 1 over several output rows, %d with w_out not a "
           "multiple of P, %d with max-pool, %d with FC after CONV, %d with input-channel "
           "tiles, %d with pixel groups across rows, %d/%d/%d banked by channel/pair/tap, "
           "%d with feature maps kept on chip, %lld wrapped accumulations",
           cov_conv, cov_conv_phases, cov_conv_blocks, cov_conv_band, cov_conv_band1,
           cov_conv_ragged, cov_conv_pool, cov_conv_fc, cov_conv_ctiles, cov_conv_junk,
           cov_conv_unit[0], cov_conv_unit[1], cov_conv_unit[2], cov_conv_onchip,
           cov_conv_wraps);
    test_random_lstm();
    test_lstm_hand();
    lstm_sweep(120);
    test_bad_args();
    test_caps();
    test_config();
    rmdir(tmp_dir);
    return tap_done();
}
