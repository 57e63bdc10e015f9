/* sg_model: a quantized network read from a model JSON file and .npy weights.
 *
 * The format (documented for users in README.md, "Model format"):
 *
 *   {
 *     "name": "cnn",                        optional, default: file stem
 *     "input": "x.npy",                     int8/int16/int32: first layer fc:
 *                                           [in] or [n, in]; first layer conv
 *                                           or maxpool: [C, H, W] or
 *                                           [n, C, H, W]; first layer lstm:
 *                                           [T, in] or [n, T, in] (T steps)
 *     "layers": [
 *       { "name": "conv1", "type": "conv",  type: "fc", "conv", "maxpool",
 *                                           "lstm"
 *         "in": [3, 32, 32],                input [C, H, W]; required for the
 *                                           first layer and after an fc layer,
 *                                           else optional and checked
 *         "weights": "conv1_w.npy",         int [C_out, C_in, KH, KW]
 *         "kernel": 3 | [3, 3],             optional, checked against weights;
 *                                           1..SG_GEOM_MAX each
 *         "stride": 1 | [1, 1],             default 1; 1..SG_GEOM_MAX
 *         "padding": 0 | [1, 1],            default 0, zeros on both sides;
 *                                           0..SG_GEOM_MAX
 *         "bias": ..., "mult": ..., "shift": ..., "activation": ...,
 *         "act_max": ... },                 as for fc, one per output channel
 *       { "name": "pool1", "type": "maxpool",
 *         "in": [16, 32, 32],               as for conv
 *         "kernel": 2 | [2, 2],             required, square, 1..min(H, W)
 *         "stride": 2 },                    one integer, default: kernel;
 *                                           1..SG_GEOM_MAX
 *       { "name": "fc1", "type": "fc",      type defaults to "fc"
 *         "in": 256, "out": 64,             optional, checked against weights
 *         "weights": "fc1_w.npy",           int [out, in]
 *         "bias": "fc1_b.npy",              optional int32 [out]; default zeros
 *         "mult": 1234567 | "fc1_m.npy",    requant M: one int32 or int32 [out]
 *         "shift": 20 | "fc1_s.npy",        requant S: one int or int [out], 0..62
 *         "activation": "relu",             "none" (default), "relu", "relu6"
 *         "act_max": 96 },                  the quantized 6, required for relu6
 *       { "name": "lstm1", "type": "lstm",
 *         "in": 40, "hidden": 64,           optional, checked against weights
 *         "weight_ih": "l1_wih.npy",        int [4H, in]: torch weight_ih_l0,
 *                                           gate row blocks i, f, g, o
 *         "weight_hh": "l1_whh.npy",        int [4H, H]: torch weight_hh_l0
 *         "bias_ih": "l1_bih.npy",          optional int32 [4H] each, in
 *         "bias_hh": "l1_bhh.npy",          accumulator units; summed (the sum
 *                                           must fit 32 bits), default zeros
 *         "mult": ..., "shift": ... }       as for fc, one per gate row [4H]:
 *                                           the row's accumulator to the Q3.12
 *                                           gate (golden/sg_lstm.h)
 *     ]
 *   }
 *
 * Paths are relative to the directory of the JSON file.  Only the keys
 * shown for a layer's type are allowed.  Layer i takes layer i-1's output:
 * after a conv or maxpool layer its [C, H, W] shape; an fc layer there
 * reads it flattened in C order (torch.flatten of NCHW), so its input
 * length must be C*H*W; a conv or maxpool layer after an fc layer reads the
 * fc output as the [C, H, W] given by its "in" (C*H*W must equal the fc's
 * out).  An lstm layer runs over the T steps of each input sample (x and h
 * both Q0.(DATA_W-1), zero initial h and c); it must be the first layer or
 * follow an lstm layer (its in = that layer's H), and is followed only by
 * lstm or fc layers: an fc layer reads the last step's h_t, so its input
 * length must be H.  Values must fit the hardware's widths: weights WGT_W
 * bits, inputs DATA_W bits, act_max 0 .. 2^(DATA_W-1)-1.  float32 arrays
 * are refused (quantize them first).
 *
 * A float model (sg_model_load_float, the input of `sparsegen quantize`)
 * has the same form with float (or integer) arrays for input, weights and
 * biases, every value finite, and no mult, shift or act_max: the quantizer
 * computes them (gen/sg_quant.h).  relu6 clamps at 6.0 there.
 */
#ifndef SG_MODEL_H
#define SG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sg_conv.h"
#include "sg_post.h"

/* Largest kernel size, stride and padding a layer may have: the command
 * stream's address fields are 16 bits (gen/sg_cmd.h), so no configuration
 * reaches further; checked at load, before any work.  (How much a layer
 * outputs is bounded by the program caps of gen/sg_compile.h.) */
#define SG_GEOM_MAX 65535

typedef enum sg_layer_type {
    SG_LAYER_FC = 0,     /* fully connected: y = act(requant(W x + b)) */
    SG_LAYER_CONV = 1,   /* 2-D convolution, requant and activation per
                          * output channel (golden/sg_conv.h) */
    SG_LAYER_MAXPOOL = 2, /* max over k x k windows of each channel, no
                           * padding, floor mode (sg_maxpool) */
    SG_LAYER_LSTM = 3     /* LSTM over a sequence of `steps` input vectors
                           * (golden/sg_lstm.h, zero initial h and c) */
} sg_layer_type;

/* Shapes are C-order: a [C, H, W] map is stored as in[(c * H + y) * W + x]
 * and its flattened length C*H*W is what `in` and `out` count. */
typedef struct sg_layer {
    char name[64];      /* layer name from the model (default "layerN") */
    sg_layer_type type; /* what the layer computes */
    int in;             /* input length: fc columns of W; conv and maxpool
                         * C*H*W of the input map; lstm per step */
    int out;            /* output length: fc rows of W; conv and maxpool
                         * C*H*W of the output map; lstm hidden size H
                         * (per step) */
    int32_t *weights;   /* fc: out x in, row-major; conv: c_out x c_in x kh
                         * x kw (PyTorch order); lstm: 4H x (in + H), see
                         * below; maxpool: NULL */
    int32_t *bias;      /* fc: out entries; conv: c_out; lstm: 4H; maxpool:
                         * NULL */
    int32_t *mult;      /* requant multiplier M per output row (fc), channel
                         * (conv) or gate row (lstm); maxpool: NULL */
    int8_t *shift;      /* requant shift S, entries as mult; maxpool: NULL */
    sg_act act;         /* activation (SG_ACT_NONE for maxpool) */
    int32_t act_max;    /* relu6 clamp (quantized 6); 0 when unused */
    sg_conv_shape conv; /* conv: the shape, derived by sg_conv_shape_derive;
                         * maxpool: c_in = c_out = C, h_in, w_in the input,
                         * kh = kw = pool_k, stride_h = stride_w =
                         * pool_stride, pad_h = pad_w = 0, h_out, w_out the
                         * pooled size; fc: all 0 */
    int pool_k;         /* maxpool: window size k (k x k); else 0 */
    int pool_stride;    /* maxpool: stride in both directions; else 0 */
    /* lstm: `in` is the input size per step, `out` the hidden size H;
     * weights are 4H x (in + H) row-major, [W_ih | W_hh] with PyTorch's
     * gate row blocks i, f, g, o; bias 4H (b_ih + b_hh, accumulator units);
     * mult and shift 4H, requantizing each gate row to Q3.12.  The layer
     * maps steps x in to steps x H (every h_t); an fc layer after it reads
     * the last h_t. */
    int steps;          /* lstm: sequence length T (the model input's); else 0 */
    double *fweights;   /* a float model: the weights, laid out as `weights`
                         * (which is then NULL); else NULL */
    double *fbias;      /* a float model: the bias as `bias` (lstm: b_ih +
                         * b_hh), which is then NULL; else NULL */
} sg_layer;

typedef struct sg_model {
    char name[64];      /* model name */
    int n_layers;       /* number of layers */
    sg_layer *layers;   /* n_layers entries */
    int n_inputs;       /* input vectors (samples) */
    int input_len;      /* length of each input vector = layers[0].in
                         * (C*H*W for a first conv or maxpool layer,
                         * steps * in for a first lstm layer) */
    int32_t *inputs;    /* n_inputs x input_len, each sample in C order */
    double *finputs;    /* a float model: the inputs as `inputs` (which is
                         * then NULL); else NULL */
} sg_model;

/* ---- loading (sg_model_load.c, its checks sg_model_check.c) ------------ */

/* Load and validate a model for a machine with data_w-bit activations and
 * wgt_w-bit weights.  Returns 0, or -1 with a message in err naming the
 * file, the layer and key, the bad value and what is legal. */
int sg_model_load(const char *path, int data_w, int wgt_w, sg_model *m,
                  char *err, size_t errlen);

/* Load a float model (see above): shapes and the chain of layers checked
 * as for sg_model_load, values finite; fweights, fbias, finputs are set,
 * weights, bias, mult, shift and inputs are NULL.  Returns 0, or -1 with a
 * message. */
int sg_model_load_float(const char *path, sg_model *m, char *err, size_t errlen);

/* Class labels for n samples from an integer .npy of shape [n], each
 * 0 .. classes-1, into *labels (caller frees).  Returns 0, or -1 with a
 * message naming the file and the bad value. */
int sg_labels_load(const char *path, int n, int classes, int32_t **labels, char *err,
                   size_t errlen);

/* ---- the reference forward passes (sg_model_forward.c) ----------------- */

/* The golden output of layer L for one input x (L->in entries) into y
 * (L->out entries): fc with sg_fc_dense, conv with sg_conv_dense, maxpool
 * with sg_maxpool.  An lstm layer reads L->steps * L->in entries (the whole
 * sequence) and writes L->steps * L->out (every h_t, the last one at
 * y + (steps - 1) * out): sg_lstm_run with zero initial h and c, tables of
 * sg_lstm_table_bits_for(data_w) bits, interpolated; data_w must be 8 or 16
 * there.  data_w (1..32) and acc_w (1..SG_ACC_W_MAX) are the machine's
 * activation and accumulator widths.  Returns 0, or -1 with a message
 * naming the layer when an argument or L itself is inconsistent. */
int sg_layer_forward(const sg_layer *L, int data_w, int acc_w,
                     const int32_t *x, int32_t *y, char *err, size_t errlen);

/* Values layer L writes: out, an lstm layer's whole sequence steps x out. */
long long sg_layer_out_len(const sg_layer *L);

/* Where layer l of m reads in layer l-1's output: 0, or after an lstm
 * layer (unless l is one too) its last h_t.  l = n_layers: where the
 * model's output is in the last layer's. */
size_t sg_layer_read_offset(const sg_model *m, int l);

/* The longest activation vector of m: its input or a layer's output (an
 * lstm layer's whole sequence). */
long long sg_model_max_len(const sg_model *m);

/* The golden output of the whole model for one sample x (input_len
 * entries) into y (the last layer's out entries; an lstm layer's last
 * h_t), layer by layer with sg_layer_forward; a layer after an lstm layer
 * reads its last h_t.  Returns 0, or -1 with a message. */
int sg_model_forward(const sg_model *m, int data_w, int acc_w, const int32_t *x, int32_t *y,
                     char *err, size_t errlen);

/* The float reference of one layer of a float model: x (L->in values; an
 * lstm layer the whole sequence, steps x in) into y (L->out; lstm steps x
 * H), in double precision with PyTorch's equations (relu6 at 6.0; lstm
 * from zero h and c).  Returns 0, or -1 (no float weights, out of memory). */
int sg_layer_forward_float(const sg_layer *L, const double *x, double *y);

/* The float model on one sample x (input_len values): the last layer's
 * output (an lstm layer's last h_t) into y when y is not NULL, and max_out
 * (n_layers entries, when not NULL) raised to each layer's largest
 * |output| (NaN once an output is NaN).  Returns 0, or -1 with a message. */
int sg_model_forward_float(const sg_model *m, const double *x, double *y, double *max_out,
                           char *err, size_t errlen);

/* ---- saving (sg_model_save.c) ------------------------------------------ */

/* Write m as a model directory dir (which must not exist): model.json,
 * input.npy and per layer l: lN_w.npy (lstm: lN_wih.npy, lN_whh.npy),
 * lN_b.npy, lN_m.npy, lN_s.npy, integer dtypes as small as the values
 * allow.  sg_model_load reads it back to the same model (an lstm layer's
 * summed bias goes out as bias_ih).  Built in a temporary directory next
 * to dir and renamed, so a failure leaves nothing.  Returns 0, or -1 with
 * a message. */
int sg_model_save(const sg_model *m, const char *dir, char *err, size_t errlen);

/* ---- layer types, releasing (sg_model.c) ------------------------------- */

/* The name a layer type has in the model format: "fc", "conv", "maxpool",
 * "lstm" ("?" for anything else). */
const char *sg_layer_type_name(sg_layer_type type);

/* Release everything m owns and zero it. */
void sg_model_free(sg_model *m);

#endif
