/* sg_fit: resource estimate and the largest configuration for a board; see
 * sg_fit.h. */
#include "sg_fit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Logic (LUTs outside memories) and flip-flops, refitted 2026-12-08 to
 * `sparsegen synth --tool yosys` (xcup, sparsegen_axi, 8-bit data and
 * weights, flattened) after the controller's VEC path became a beat
 * rotator and the PEs lost their scatter address multiplexer, by least
 * squares of the relative error over six designs.  The terms follow the
 * structure:
 *   per MAC lane   LUT_PER_LANE: the lane's share of its PE (vector-bank
 *                  read address, write data select, adder tree), of the
 *                  controller's per-bank-per-PE write enables and of the
 *                  post unit;
 *                  DataW x ceil(RotW / 2): the vector generator's barrel
 *                  rotator (two 2:1 stages per LUT6);
 *                  the vector bank's read multiplexer above 64 words;
 *   per PE         LUT_PER_PE: the accumulator, its maximum and bias
 *                  select, the nonzero-lane count; LUT_PER_PE_POST per post
 *                  lane (the post unit's select of a PE's result) and the
 *                  weight buffer's multiplexer when its depth takes more
 *                  than one row of block RAMs;
 *   VEC path       two barrel rotators of the stream beat (StreamW x
 *                  ceil(log2 E / 2)) and a DataW-bit 2:1 select per bank
 *                  and per PE (sg_ctrl.v);
 *   fixed          controller, AXI registers: LUT_FIXED and per stream
 *                  bit; post lanes and LSTM lanes each their unit.
 *     P x B  stream  vbuf  Yosys logic  (LUT less LUTRAM; model within)
 *     2 x 64    512    64       25251   -0.1%
 *     4 x 64    512    64       39138   -1.9%
 *     4 x 32    512    64       27740   -1.3%
 *    16 x 8      64   512       20377   -1.6%
 *     8 x 16    256   128       23326   +5.5%
 *     4 x 4      64   256        6914   -0.4%   (small, xc7)
 * (before these changes the E:1 multiplexer per bank and per PE of the
 * VEC path made the model 126 LUTs per bank and 90 per lane, 20% high at
 * 4 x 64).  16-bit data or weights: per-lane parts x 1.5. */
#define LUT_FIXED 1767.0
#define LUT_PER_STREAM_BIT 7.35
#define LUT_PER_POST_LANE 830.0
#define LUT_PER_LSTM_LANE 780.0
#define LUT_PER_LANE 76.2
#define LUT_PER_PE 224.0
#define LUT_PER_PE_POST 23.0
#define LUTRAM_FIXED 400   /* shift registers and small arrays (SRL16E, RAM32M16) */
/* flip-flops: fixed, per stream bit (the record assembly, the VEC beat),
 * per lane (the PE pipeline), least squares over the same six designs
 * (within 5%; the model before these changes was 29% low at 4 x 64) */
#define FF_FIXED 1731.0
#define FF_PER_STREAM_BIT 12.7
#define FF_PER_LANE 52.0
#define ALM_PER_LUT (1.0 / 1.6) /* an ALM holds about 1.6 6-input-LUT functions */
#define SG_FIT_BANKS_MAX 64     /* the configuration's limit on banks */

/* LUTs per bit of a multiplexer over n sources (a LUT6 takes 4:1, so one
 * LUT up to 4 sources, then one more per three). */
static long long mux_luts(long long n)
{
    return n <= 1 ? 0 : (n + 1) / 3;
}

static int is_intel(const sg_board *b)
{
    return strcmp(b->vendor, "intel") == 0;
}

/* Blocks of one RAM (depth x width) in 18 Kb RAMB18 or 20 Kb M20K, the best
 * single aspect ratio.  *small set (and 0 returned) when the RAM goes to
 * distributed memory; *dist the LUTs (ALMs) it then takes; *mux the logic
 * LUTs of the read multiplexer over its rows of 64-word LUTRAMs or block
 * RAMs, when the depth needs more than one. */
static int ram_blocks(long long depth, int width, int intel, int *small, long long *dist,
                      long long *mux)
{
    static const int x_depth[] = {512, 1024, 2048, 4096, 8192, 16384};
    static const int x_width[] = {36, 18, 9, 4, 2, 1};
    static const int i_width[] = {40, 20, 10, 5, 2, 1};
    long long bits = depth * width;
    *small = depth <= 64 || bits <= 2048;
    if (*small) {
        /* Xilinx: a SLICEM LUT holds 64x1 in SDP use (RAM64M8: 8 LUTs, 64x7);
         * Intel: an MLAB (10 ALMs) holds 640 bits */
        *dist = intel ? 10 * ((bits + 639) / 640)
                      : 8 * (((depth + 63) / 64) * ((width + 6) / 7));
        /* Xilinx: the read multiplexer over the 64-word slices and a write
         * enable per slice (4 LUTs each, measured: 8 -> 16 -> 24 logic
         * LUTs per 8-bit bank at 64, 128, 256 words) */
        long long slices = (depth + 63) / 64;
        *mux = intel ? 0 : width * mux_luts(slices) + (slices > 1 ? 4 * slices : 0);
        return 0;
    }
    *dist = 0;
    long long best = -1, rows = 1;
    for (int i = 0; i < 6; i++) {
        int w = intel ? i_width[i] : x_width[i];
        long long r = (depth + x_depth[i] - 1) / x_depth[i];
        long long n = r * ((width + w - 1) / w);
        if (best < 0 || n < best || (n == best && r < rows)) /* ties: fewer rows */
            best = n, rows = r;
    }
    *mux = width * mux_luts(rows);
    return (int)best;
}

void sg_fit_estimate(const sg_config *c, const sg_board *b, sg_fit_est *e)
{
    int intel = is_intel(b);
    memset(e, 0, sizeof *e);
    int lanes = c->pe_count * c->banks;
    e->dsp = intel ? ceil(lanes / 2.0) + 2.0 * c->post_lanes + 5.0 * c->lstm_lanes
                   : lanes + 4.0 * c->post_lanes + 9.0 * c->lstm_lanes;
    struct {
        long long depth;
        int width;
        int count;
    } banks[] = {
        {c->vbuf_depth, c->data_w, c->pe_count * c->banks},
        /* a PE's weight buffer holds the word without its rotations; the
         * core's rot buffer holds those once (sg_core.v) */
        {c->wbuf_depth, 1 + c->banks * (c->off_w + c->wgt_w), c->pe_count},
        {c->wbuf_depth, c->banks * c->rot_w, 1},
        {c->rbuf_depth, 32, c->pe_count},
        {c->rbuf_depth, 38, c->pe_count},
        {c->lstm_c_depth, 32 * c->lstm_lanes, 1},
    };
    long long blocks = 0, ram_mux = 0;
    for (size_t i = 0; i < sizeof banks / sizeof banks[0]; i++) {
        int small;
        long long dist, mux;
        int n = ram_blocks(banks[i].depth, banks[i].width, intel, &small, &dist, &mux);
        blocks += (long long)n * banks[i].count;
        e->lutram += dist * banks[i].count;
        ram_mux += mux * banks[i].count;
    }
    /* Xilinx counts in BRAM36 (two RAMB18 each); Intel in M20K */
    e->bram = intel ? (double)blocks : blocks / 2.0;
    double wide = c->data_w > 8 || c->wgt_w > 8 ? 1.5 : 1.0;
    double rot = c->pe_count > 1 ? c->data_w * ((c->rot_w + 1) / 2) : 0;
    int elem_w = c->elems_per_beat > 1 ? sg_clog2(c->elems_per_beat) : 1;
    double vec = 2.0 * c->stream_w * ((elem_w + 1) / 2) +
                 (double)c->data_w * (c->banks + c->pe_count);
    double lut = LUT_FIXED + LUT_PER_STREAM_BIT * c->stream_w + vec +
                 LUT_PER_POST_LANE * c->post_lanes + LUT_PER_LSTM_LANE * c->lstm_lanes +
                 wide * (lanes * (LUT_PER_LANE + rot) +
                         (double)c->pe_count * (LUT_PER_PE + LUT_PER_PE_POST * c->post_lanes)) +
                 (double)ram_mux;
    double ff = FF_FIXED + FF_PER_STREAM_BIT * c->stream_w + wide * FF_PER_LANE * lanes;
    e->lutram += intel ? LUTRAM_FIXED / 10 : LUTRAM_FIXED;
    e->lut = intel ? (long long)ceil(lut * ALM_PER_LUT) + e->lutram : (long long)ceil(lut) + e->lutram;
    e->ff = (long long)ceil(ff);
}

void sg_fit_capacity(const sg_board *b, sg_fit_est *cap)
{
    memset(cap, 0, sizeof *cap);
    cap->dsp = (double)b->dsp;
    cap->ff = b->ff;
    if (is_intel(b)) {
        cap->bram = (double)b->m20k;
        cap->lut = b->alm;
        cap->lutram = b->mlab;
    } else {
        cap->bram = (double)b->bram36;
        cap->lut = b->lut;
        cap->lutram = b->lutram;
    }
}

void sg_fit_rows(const sg_fit_est *e, const sg_fit_est *cap, const sg_board *b,
                 sg_fit_row r[SG_FIT_NROWS])
{
    int intel = b && is_intel(b);
    const sg_fit_row rows[SG_FIT_NROWS] = {
        {"dsp", "dsp", e->dsp, cap->dsp},
        {"bram", intel ? "m20k" : "bram36", e->bram, cap->bram},
        {"lut", intel ? "alm" : "lut", (double)e->lut, (double)cap->lut},
        {"lutram", intel ? "mlab" : "lutram", (double)e->lutram, (double)cap->lutram},
        {"ff", "ff", (double)e->ff, (double)cap->ff},
    };
    memcpy(r, rows, sizeof rows);
}

const char *sg_fit_over(const sg_fit_est *e, const sg_fit_est *cap, double headroom)
{
    sg_fit_row r[SG_FIT_NROWS];
    sg_fit_rows(e, cap, NULL, r);
    for (int i = 0; i < SG_FIT_NROWS; i++)
        if (r[i].used > headroom * r[i].avail)
            return r[i].name;
    return NULL;
}

/* The share of a row (of infinity when the part has none and it is used). */
static double share(const sg_fit_row *r)
{
    return r->avail > 0 ? r->used / r->avail : r->used > 0 ? 1e9 : 0;
}

/* The share of resource `name` e takes of cap. */
static double share_of(const sg_fit_est *e, const sg_fit_est *cap, const char *name)
{
    sg_fit_row r[SG_FIT_NROWS];
    sg_fit_rows(e, cap, NULL, r);
    for (int i = 0; i < SG_FIT_NROWS; i++)
        if (strcmp(r[i].name, name) == 0)
            return r[i].avail > 0 ? r[i].used / r[i].avail : 0;
    return 0;
}

/* The largest share e takes of cap (*sh), and its resource's name. */
static const char *binding(const sg_fit_est *e, const sg_fit_est *cap, double *sh)
{
    sg_fit_row r[SG_FIT_NROWS];
    sg_fit_rows(e, cap, NULL, r);
    const char *name = "dsp";
    *sh = 0;
    for (int i = 0; i < SG_FIT_NROWS; i++)
        if (share(&r[i]) > *sh)
            *sh = share(&r[i]), name = r[i].name;
    return name;
}

/* depth shifted down k halvings, not below lo (nor above depth) */
static int shallower(int depth, int k, int lo)
{
    return depth >> k < lo ? (depth < lo ? depth : lo) : depth >> k;
}

/* base with P, B and the depths shifted down k halvings (not below the
 * minimums); 0 if it derives.  With more banks than the base, the vector
 * and weight buffers keep their capacity (activations per PE = vbuf_depth
 * x B, weights per PE = wbuf_depth x B) before the halvings: a bank of a
 * B-bank design holds 1/B of a PE's vector. */
static int candidate(const sg_config *base, const sg_board *b, int P, int B, int k, sg_config *c)
{
    char err[256];
    *c = *base;
    c->pe_count = P;
    c->banks = B;
    int per = B > base->banks ? B / base->banks : 1;
    c->vbuf_depth = shallower(base->vbuf_depth, k, 64 * per) / per;
    c->wbuf_depth = shallower(base->wbuf_depth, k, 256 * per) / per;
    c->rbuf_depth = shallower(base->rbuf_depth, k, 32);
    c->clock_mhz = b->clock_mhz;
    if (c->post_lanes > P)
        c->post_lanes = P;
    if (c->lstm_lanes > B)
        c->lstm_lanes = B;
    while (B % c->lstm_lanes)
        c->lstm_lanes--;
    return sg_config_derive(c, err, sizeof err);
}

/* The most PEs (1..64) that fit with B banks, with the shallowest shrink k
 * that allows it: *P, *k; 0 when not even one PE fits. */
static int most_pes(const sg_config *base, const sg_board *b, const sg_fit_est *cap,
                    double headroom, int B, int kmax, int *P, int *k)
{
    *P = *k = 0;
    for (int p = 1; p <= 64; p++) {
        int found = 0;
        for (int kk = 0; kk <= kmax; kk++) {
            sg_config c;
            sg_fit_est e;
            if (candidate(base, b, p, B, kk, &c) != 0)
                break;
            sg_fit_estimate(&c, b, &e);
            if (!sg_fit_over(&e, cap, headroom)) {
                *P = p, *k = kk, found = 1;
                break;
            }
        }
        if (!found)
            break;
    }
    return *P;
}

int sg_fit(const sg_config *base, const sg_board *b, double headroom, sg_config *out, char *why,
           size_t whylen, char *err, size_t errlen)
{
    sg_fit_est cap, e;
    sg_fit_capacity(b, &cap);
    /* The banks are a property of the model's pruning (BBS keeps the same
     * nonzeros in each of B banks): grow P with the configuration's B,
     * then try every doubling of B up to 64 (a bank's share of a PE's
     * buffers shrinks with it, so more banks often fit more lanes); the
     * most lanes win, a tie keeps fewer banks.  Fewer banks only when not
     * even one PE fits. */
    const int kmax = 2; /* buffers at most 4x shallower than asked */
    int best_P = 0, best_B = 0, best_k = 0, P, k;
    if (most_pes(base, b, &cap, headroom, base->banks, kmax, &P, &k))
        best_P = P, best_B = base->banks, best_k = k;
    for (int B = base->banks * 2; B <= SG_FIT_BANKS_MAX; B *= 2)
        if (most_pes(base, b, &cap, headroom, B, kmax, &P, &k) && P * B > best_P * best_B)
            best_P = P, best_B = B, best_k = k;
    for (int B = base->banks / 2; best_P == 0 && B >= 1; B /= 2)
        if (most_pes(base, b, &cap, headroom, B, kmax, &P, &k))
            best_P = P, best_B = B, best_k = k;
    int best_lanes = best_P * best_B;
    if (best_lanes == 0) {
        sg_config c;
        if (candidate(base, b, 1, 1, kmax, &c) != 0) {
            snprintf(err, errlen, "no configuration derives from the base configuration");
            return -1;
        }
        sg_fit_estimate(&c, b, &e);
        snprintf(err, errlen,
                 "nothing fits board '%s' (%s): even 1 PE x 1 bank with the smallest buffers "
                 "needs more %s than %.0f%% of the part",
                 b->name, b->part, sg_fit_over(&e, &cap, headroom), 100 * headroom);
        return -1;
    }
    candidate(base, b, best_P, best_B, best_k, out);
    sg_fit_estimate(out, b, &e);
    double share;
    const char *bind = binding(&e, &cap, &share);
    /* the next size up: one more PE, same banks and buffers */
    sg_config up;
    sg_fit_est e_up;
    int up_ok = candidate(base, b, best_P + 1, best_B, best_k, &up) == 0;
    if (up_ok)
        sg_fit_estimate(&up, b, &e_up);
    const char *up_over = up_ok ? sg_fit_over(&e_up, &cap, headroom) : NULL;
    int n;
    if (!up_over && (best_P == 64 || !up_ok))
        n = snprintf(why, whylen,
                     "%d x %d = %d MAC lanes, the most the generator builds (P <= 64, B <= 64) "
                     "that fits; the largest share is %s at %.1f%%",
                     best_P, best_B, best_lanes, bind, 100 * share);
    else {
        /* what stopped the growth: the resource one more PE would overrun */
        const char *stop = up_over ? up_over : bind;
        double now = share_of(&e, &cap, stop);
        n = snprintf(why, whylen,
                     "%d x %d = %d MAC lanes, bound by %s: %d PEs would pass %.0f%% of it (now "
                     "%.1f%%)",
                     best_P, best_B, best_lanes, stop, best_P + 1, 100 * headroom, 100 * now);
        if (strcmp(stop, bind) != 0 && n > 0 && (size_t)n < whylen)
            n += snprintf(why + n, whylen - (size_t)n, "; the fullest resource is %s at %.1f%%",
                          bind, 100 * share);
    }
    if (best_B < base->banks && n > 0 && (size_t)n < whylen)
        n += snprintf(why + n, whylen - (size_t)n, "; %d banks instead of the configuration's %d",
                      best_B, base->banks);
    if (best_B > base->banks && n > 0 && (size_t)n < whylen)
        n += snprintf(why + n, whylen - (size_t)n,
                      "; %d banks instead of the configuration's %d (more lanes fit): prune "
                      "the model for them; vector and weight banks %dx shallower, so a PE's buffers "
                      "keep their capacity",
                      best_B, base->banks, best_B / base->banks);
    if (best_k > 0 && n > 0 && (size_t)n < whylen)
        snprintf(why + n, whylen - (size_t)n,
                 "; buffers %dx shallower than the configuration's to make room", 1 << best_k);
    return 0;
}
