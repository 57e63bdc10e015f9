/* sg_fit: what a configuration takes on a board, and the largest one that
 * fits (`sparsegen gen --fit BOARD`).
 *
 * The estimate counts what the RTL instantiates:
 *   DSP    Xilinx: one DSP48 per MAC lane (products up to 27x18 / 25x18),
 *          4 per requant multiplier (ACC_W x 32, one per post lane), 9 per
 *          LSTM element-wise lane (its 8 multipliers); the counts Yosys's
 *          synth_xilinx gives (fpga/yosys.test).  Intel: half a
 *          variable-precision block per lane (two 18x19 per block), 2 per
 *          requant, 5 per LSTM lane.
 *   BRAM   every sg_sdp_ram bank (P*B vector banks, P weight, P bias and P
 *          requant banks, the LSTM cell-state buffer): in LUTRAM/MLAB when
 *          small (depth <= 64 or <= 2048 bits), else in the fewest RAMB18
 *          (18 Kb: 512x36 .. 16Kx1) or M20K (20 Kb: 512x40 .. 16Kx1)
 *          blocks of one aspect ratio.  A RAMB18 counts half a BRAM36.
 *   LUT/FF a linear model per MAC lane plus a fixed part (controller, post
 *          unit, LSTM unit), fitted to Yosys runs (sg_fit.c gives the data);
 *          Intel ALMs as LUTs / 1.6.
 * It is an estimate for choosing a size; `sparsegen synth` measures.
 */
#ifndef SG_FIT_H
#define SG_FIT_H

#include <stddef.h>

#include "sg_board.h"
#include "sg_config.h"

#define SG_FIT_HEADROOM 0.80 /* use at most this share of each resource */

typedef struct sg_fit_est {
    double dsp;        /* DSP slices / blocks */
    double bram;       /* BRAM36 (RAMB18 = 0.5) or M20K blocks */
    long long lutram;  /* LUTs (Xilinx) or ALMs (Intel) used as memory */
    long long lut;     /* LUTs (Xilinx) or ALMs (Intel), memory included */
    long long ff;      /* flip-flops */
} sg_fit_est;

/* Resources c takes on b's vendor. */
void sg_fit_estimate(const sg_config *c, const sg_board *b, sg_fit_est *e);

/* The board's capacity in the same units. */
void sg_fit_capacity(const sg_board *b, sg_fit_est *cap);

/* The largest configuration for b: base gives the widths, stream, lanes of
 * the post and LSTM units and the largest buffer depths wanted; P (1..64)
 * and B (1, 2, 4, .. 32) are chosen to maximize P*B within headroom of
 * every resource, then the buffers as deep as still fits (halving base's
 * depths at most twice, not below vbuf 64, wbuf 256, rbuf 32).  B stays
 * base's (the model was pruned for it) unless P reaches 64 with room left
 * (then more banks) or one PE does not fit (then fewer).  The clock becomes the
 * board's.  Returns 0 with *out derived, or -1 with a message (nothing fits
 * even at P = B = 1 and the smallest buffers).  why (whylen) explains
 * which resource bound the choice. */
int sg_fit(const sg_config *base, const sg_board *b, double headroom, sg_config *out, char *why,
           size_t whylen, char *err, size_t errlen);

/* One resource of an estimate against a capacity. */
typedef struct sg_fit_row {
    const char *name;  /* "dsp", "bram", "lut", "lutram", "ff" */
    const char *label; /* the vendor's word: bram36 / m20k, lut / alm, lutram / mlab */
    double used, avail;
} sg_fit_row;

#define SG_FIT_NROWS 5

/* e against cap, one row per resource in the order above (labels for b's
 * vendor; b may be NULL for Xilinx's). */
void sg_fit_rows(const sg_fit_est *e, const sg_fit_est *cap, const sg_board *b,
                 sg_fit_row r[SG_FIT_NROWS]);

/* Which resource of e is over headroom of cap: its name, or NULL if none. */
const char *sg_fit_over(const sg_fit_est *e, const sg_fit_est *cap, double headroom);

#endif
