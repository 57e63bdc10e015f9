/* sg_plan: a layer's plan -- how the compiler cuts it to the buffers: column
 * tiles and row-group blocks (FC, LSTM), phases, channel tiles, bands and
 * output-channel blocks (CONV, max-pool).  Each kind's lowering fills it
 * (sg_lower.h); the driver (sg_compile.c) keeps one per layer. */
#ifndef SG_PLAN_H
#define SG_PLAN_H

#include "sg_csb.h"
#include "sg_model.h"

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

/* Release what a plan holds (and zero it). */
void sg_plan_free(plan *pl);

/* The model row that row r of the hardware order holds, or -1 (padding):
 * FC r itself; LSTM row 4j + g is gate g of unit j, model row g * H + j. */
int sg_plan_model_row(const sg_layer *L, int r);

/* CSB words per PE of row groups g0 .. g1-1 of tile t. */
long long sg_tile_words(const tile *t, int g0, int g1);

static inline int sg_min(int a, int b)
{
    return a < b ? a : b;
}

#endif
