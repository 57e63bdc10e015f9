/* sg_compile: turn a model and a configuration into the accelerator's program.
 *
 * A program is the command stream (gen/sg_cmd.h) plus, for every result
 * beat the accelerator will send back, the golden values it must carry and
 * which layer and row each lane belongs to.  The golden values come from
 * golden/sg_fc.c computed on the dense weights, so a CSB encoding or
 * tiling error in this compiler shows up as a mismatch.
 *
 * Tiling of an FC layer with R rows and N columns on P PEs x B banks:
 *   - column tiles of at most B * min(vbuf_depth, wbuf_depth) columns, each
 *     with bank size ceil(cols / B); the partial sum of a row stays in the
 *     PE's bias buffer between tiles (RUN final = 0);
 *   - row groups of P rows (row g*P + p on PE p); a group takes as many
 *     words as its longest row in the tile (at least one);
 *   - blocks of consecutive groups whose words fit the weight buffer and
 *     whose rows fit the row buffer, each: ROW, then per tile VEC, WGT, RUN.
 * When several samples run and every layer is one tile and one block and
 * all layers fit the buffers together, the weights stay resident: each
 * layer's ROW and WGT are loaded once at its own BASE, and every sample only
 * sends BASE, VEC, RUN per layer (the program ends with BASE 0, 0).
 */
#ifndef SG_COMPILE_H
#define SG_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "sg_config.h"
#include "sg_model.h"
#include "sg_ops.h"

/* One lane of an expected result beat. */
typedef struct sg_lane {
    int32_t value;  /* golden result (0 in padding and discarded lanes) */
    int32_t layer;  /* layer index, -1 for a padding lane (value 0 expected) */
    int32_t row;    /* output row inside the layer; -1 with layer >= 0: a
                     * discarded result (flat CONV pixel between two output
                     * rows), sent by the accelerator but not checked */
    int32_t sample; /* input vector index */
    int32_t pe;     /* the PE that computed it (FC: row % P; CONV and max-pool:
                     * the pixel's place in its group; LSTM: the PE of the
                     * unit's first gate row, 4j % P); -1 in padding */
} sg_lane;

/* What command-stream beats carry: headers; CSB words (weights); feature
 * maps (VEC payloads: FC vectors, CONV line buffers, an LSTM sequence's x_0
 * and h_0); row records (bias, M, S); OUT and LSTM records; an LSTM step's
 * x, which arrives while the step before runs (the one load that overlaps
 * compute). */
enum sg_beat_kind {
    SG_BEATS_HDR = 0,
    SG_BEATS_WGT,
    SG_BEATS_FMAP,
    SG_BEATS_ROW,
    SG_BEATS_REC,
    SG_BEATS_XSTEP,
    SG_BEAT_KINDS
};
/* Their names in program.json and the harness: headers, weights,
 * feature_maps, row_records, records, lstm_x. */
extern const char *const sg_beat_kind_names[SG_BEAT_KINDS];

/* What one layer costs (summed over samples). */
typedef struct sg_layer_stats {
    char name[64];        /* layer name */
    int rows, cols;       /* shape */
    int tiles, blocks;    /* FC: column tiles, row blocks; CONV and max-pool:
                           * input-channel tiles, output-channel blocks */
    int unit;             /* CONV: what a vector bank unit holds: 0 a channel,
                           * 1 a (channel, tap row) pair, 2 a (channel, tap) */
    int band;             /* CONV: pixel groups per line-buffer load */
    int groups;           /* CONV: pixel groups of the layer */
    int on_chip;          /* CONV: the input map was written on chip by the
                           * layer before (no loads) */
    long long weights_nnz; /* nonzero weights of the layer */
    long long macs;       /* useful MACs issued, summed over samples */
    long long junk_macs;  /* of those, MACs of discarded results */
    long long words;      /* CSB words issued by the PE array */
    long long runs;       /* RUN commands */
    long long beats_in;   /* command-stream beats */
    long long beats_kind[SG_BEAT_KINDS]; /* of them, by what they carry */
    long long fmap_cycles; /* cycles the vector banks take to write its feature
                            * maps (VEC payloads): per VEC max(beats, elements /
                            * rate), rate min(B, E) (broadcast) or min(P, E)
                            * (scatter) elements a cycle */
    long long outputs;    /* results checked */
} sg_layer_stats;

typedef struct sg_program {
    int stream_w;          /* beat bits */
    int beat_words;        /* uint32 words per beat: stream_w / 32 */
    int elems;             /* results per output beat */
    uint32_t *beats;       /* n_beats * beat_words, beat i at [i * beat_words] */
    long long n_beats;     /* command-stream beats */
    long long beats_kind[SG_BEAT_KINDS]; /* of them, by what they carry (sg_beat_kind) */
    long long fmap_cycles; /* writing the feature-map payloads (sg_layer_stats) */
    uint32_t *out;         /* expected output beats, same layout */
    uint8_t *out_last;     /* tlast of each expected output beat */
    sg_lane *lanes;        /* n_out * elems lane descriptions */
    long long n_out;       /* expected output beats */
    int n_layers;          /* layers */
    sg_layer_stats *layer; /* n_layers entries */
    int samples;           /* input vectors compiled */
    long long useful_macs; /* nonzero weights issued, = hardware useful MACs */
    long long junk_macs;   /* of those, MACs of discarded results */
    long long discarded;   /* discarded results (lanes with row -1) */
    long long words;       /* words issued by all RUNs */
    long long runs;        /* RUN commands */
    long long dense_macs;  /* rows * cols summed: the dense work */
    long long outputs;     /* results */
    int resident;          /* weights loaded once for all samples */
    sg_op *ops;            /* the program: one operation per command (sg_ops.h) */
    long long n_ops;
    long long *deps;       /* the operations' dependencies (sg_ops_link) */
    long long n_deps;
} sg_program;

/* The most one program holds: command-stream bytes and expected results
 * (lanes of result beats, discarded and padding lanes included; each costs
 * 24 bytes here).  One VGG-16 image on a 512-bit stream takes 46 MB and 15.1
 * M results; a model or batch beyond the caps is refused, naming the layer,
 * instead of growing until memory runs out (the results before any golden
 * work, from the layers' output sizes). */
#define SG_PROGRAM_MAX_BYTES (1LL << 30)
#define SG_PROGRAM_MAX_RESULTS (1LL << 26)
/* The caps in force (the defines above; tests lower them to reach them). */
extern long long sg_program_max_bytes;
extern long long sg_program_max_results;

/* Compile samples first .. first + count - 1 of m's inputs (count <= 0:
 * all from first).  Returns 0, or -1 with a message in err (a layer the
 * buffers cannot hold, a field that overflows the header, a program past
 * the caps above, no memory). */
int sg_compile(const sg_config *c, const sg_model *m, int first, int count, sg_program *p,
               char *err, size_t errlen);

void sg_program_free(sg_program *p);

/* An LSTM layer's weights as the accelerator holds them: 4H rows in its
 * order (row 4j + g = gate g of hidden unit j), B banks of *lq columns,
 * column b * lq + o = position o * B + b of a step's vector region (x,
 * then h from word ceil(in / B) on, each interleaved over the banks;
 * padding 0).  *out is 4H x B * lq (caller frees).  Returns 0, or -1 when
 * out of memory. */
int sg_lstm_hw_weights(const sg_layer *L, int banks, int32_t **out, int *lq);

/* Write commands.hex, expected.hex (one beat per line, most significant
 * digit first), expected_last.hex (tlast per beat), expected_mask.hex (per
 * beat, bit j set when lane j is checked) and program.json into dir,
 * rendered first and written atomically.  Returns 0, or -1 with a message. */
int sg_program_write(const sg_program *p, const sg_config *c, const sg_model *m,
                     const char *dir, char *err, size_t errlen);

/* Summary of a program as a JSON object (caller frees with free()). */
char *sg_program_summary_json(const sg_program *p, const sg_config *c, const sg_model *m);

#endif
