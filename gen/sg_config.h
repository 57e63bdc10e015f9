/* sg_config: the hardware configuration -- the single source of truth.
 *
 * Only this module reads a configuration.  It validates every key (naming
 * the key, its value and the legal range), derives every dependent width in
 * one place (sg_config_derive), and the generator emits the result as a
 * Verilog include, a C header and a JSON echo.
 *
 * Configuration JSON (every key optional; missing keys take the default
 * configuration's value, unknown keys are an error; the config.json echo
 * that `sparsegen gen` writes loads as well, its derived keys ignored):
 *   name          string [A-Za-z0-9_.-], 1..48 chars (default: file stem)
 *   pe_count      P, PEs (rows in flight)             1 .. 64      (16)
 *   banks         B, lanes per PE = vbuf banks       1 .. 64      (8)
 *   data_width    activation bits                    8 | 16       (8)
 *   weight_width  weight bits                        4 | 8 | 16   (8)
 *   acc_width     accumulator bits                   data+weight .. 32 (32)
 *   vbuf_depth    words per vector-buffer bank       2 .. 65536   (512)
 *   wbuf_depth    CSB words per PE weight buffer     2 .. 65536   (4096)
 *   rbuf_depth    rows per PE per block (bias, M, S) 1 .. 65536   (256)
 *   stream_width  AXI4-Stream data bits              32|64|128|256|512 (64)
 *   clock_mhz     target clock                       1 .. 1000    (200)
 *   post_lanes    results requantized per cycle      1 .. min(P, stream/data) (1)
 *   lstm_lanes    LSTM hidden units per cycle        divisor of B, <= stream/data (1)
 *   lstm_hidden   largest LSTM hidden size (the cell-state buffer) 1 .. 65535 (256)
 */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <stddef.h>

#define SG_VERSION_STRING "0.1.0"

typedef struct sg_config {
    /* ---- given ---- */
    char name[49];      /* configuration name */
    char source[256];   /* file name it came from (basename), for headers */
    int pe_count;       /* P */
    int banks;          /* B */
    int data_w;         /* activation bits */
    int wgt_w;          /* weight bits */
    int acc_w;          /* accumulator bits */
    int vbuf_depth;     /* words per vector-buffer bank */
    int wbuf_depth;     /* CSB words per weight buffer */
    int rbuf_depth;     /* row records per PE */
    int stream_w;       /* stream beat bits */
    int post_lanes;     /* results the post unit requantizes per cycle */
    int lstm_lanes;     /* hidden units the LSTM element-wise unit updates per cycle */
    int lstm_hidden;    /* largest hidden size: the element-wise unit's cell-state buffer */
    double clock_mhz;   /* target clock */
    /* ---- derived by sg_config_derive ---- */
    int off_w;          /* lane offset bits = vbuf address bits */
    int rot_w;          /* bits of a lane's rotation (CONV): max(1, clog2(pe_count)) */
    int lane_w;         /* wgt_w + off_w + rot_w */
    int word_w;         /* CSB word bits: 1 + banks * lane_w */
    int waddr_w;        /* weight-buffer address bits */
    int grp_w;          /* row-buffer address bits */
    int tree_levels;    /* adder-tree levels, clog2(banks) */
    int pipe_depth;     /* stage SA of the PE pipeline: 3 + tree_levels */
    int hdr_beats;      /* beats per command header */
    int wgt_beats;      /* beats per CSB word */
    int row_beats;      /* beats per row record */
    int out_beats;      /* beats per OUT record (write-back of results) */
    int max_beats;      /* max of the four (an LSTM record takes out_beats) */
    int elems_per_beat; /* stream_w / data_w */
    int pe_w;           /* bits of a PE index */
    int cnt_w;          /* bits of a count 0 .. pe_count */
    int nz_w;           /* bits of a count 0 .. banks */
    int nz_sum_w;       /* bits of a count 0 .. pe_count * banks */
    int run_overhead;   /* busy cycles of a RUN beyond its words and stalls */
    int lanes;          /* pe_count * banks: MAC slots per cycle */
    int lstm_table_bits; /* LSTM sigmoid/tanh tables: 2^T + 1 points
                          * (golden/sg_lstm.h), T = 8 at 8-bit data, 10 at 16 */
    int lstm_c_depth;   /* cell-state buffer words: ceil(lstm_hidden / lstm_lanes) */
    int lstm_caddr_w;   /* its address bits */
    unsigned long long hash; /* FNV-1a of the given values: build cache key */
} sg_config;

/* The default configuration (128 MAC lanes). */
void sg_config_default(sg_config *c);

/* Read, validate and derive.  Returns 0, or -1 with a message in err. */
int sg_config_load(const char *path, sg_config *c, char *err, size_t errlen);

/* Validate the given fields and fill the derived ones.  Returns 0 or -1. */
int sg_config_derive(sg_config *c, char *err, size_t errlen);

/* ceil(log2(n)) for n >= 1 (0 for n = 1). */
int sg_clog2(long long n);

#endif
