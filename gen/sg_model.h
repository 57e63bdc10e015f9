/* sg_model: a quantized network read from a model JSON file and .npy weights.
 *
 * The format (documented for users in README.md, "Model format"):
 *
 *   {
 *     "name": "mlp",                        optional, default: file stem
 *     "input": "x.npy",                     int8/int16/int32 [in] or [n, in]
 *     "layers": [
 *       { "name": "fc1", "type": "fc",      type: "fc" (more types later)
 *         "in": 256, "out": 64,             optional, checked against weights
 *         "weights": "fc1_w.npy",           int [out, in]
 *         "bias": "fc1_b.npy",              optional int32 [out]; default zeros
 *         "mult": 1234567 | "fc1_m.npy",    requant M: one int32 or int32 [out]
 *         "shift": 20 | "fc1_s.npy",        requant S: one int or int [out], 0..62
 *         "activation": "relu",             "none" (default), "relu", "relu6"
 *         "act_max": 96 }                   the quantized 6, required for relu6
 *     ]
 *   }
 *
 * Paths are relative to the directory of the JSON file.  Layer i's input
 * length must equal layer i-1's output length.  Values must fit the
 * hardware's widths: weights WGT_W bits, inputs DATA_W bits, act_max
 * 0 .. 2^(DATA_W-1)-1.  float32 arrays are refused (quantize them first).
 */
#ifndef SG_MODEL_H
#define SG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sg_post.h"

typedef enum sg_layer_type {
    SG_LAYER_FC = 0 /* fully connected: y = act(requant(W x + b)) */
} sg_layer_type;

typedef struct sg_layer {
    char name[64];      /* layer name from the model (default "layerN") */
    sg_layer_type type; /* what the layer computes */
    int in;             /* input length (columns of W) */
    int out;            /* output length (rows of W) */
    int32_t *weights;   /* out x in, row-major */
    int32_t *bias;      /* out entries */
    int32_t *mult;      /* out entries: requant multiplier M */
    int8_t *shift;      /* out entries: requant shift S */
    sg_act act;         /* activation */
    int32_t act_max;    /* relu6 clamp (quantized 6); 0 when unused */
} sg_layer;

typedef struct sg_model {
    char name[64];      /* model name */
    int n_layers;       /* number of layers */
    sg_layer *layers;   /* n_layers entries */
    int n_inputs;       /* input vectors (samples) */
    int input_len;      /* length of each input vector = layers[0].in */
    int32_t *inputs;    /* n_inputs x input_len */
} sg_model;

/* Load and validate a model for a machine with data_w-bit activations and
 * wgt_w-bit weights.  Returns 0, or -1 with a message in err naming the
 * file, the layer and key, the bad value and what is legal. */
int sg_model_load(const char *path, int data_w, int wgt_w, sg_model *m,
                  char *err, size_t errlen);

/* Release everything m owns and zero it. */
void sg_model_free(sg_model *m);

#endif
