/* sg_random: random quantized models for regressions and benchmarks.
 *
 * A spec is a comma-separated list of key=value (all optional):
 *   rows=64         output rows of every layer (or rows=64:32 per layer)
 *   cols=100        input columns of the first layer
 *   layers=1        number of FC (CONV, LSTM) layers, each taking the
 *                   previous one's output
 *   pattern=bbs     bbs | nm | unstructured | block | dense | zero
 *   density=0.25    kept fraction (bbs: per bank; unstructured: per weight;
 *                   block: per 4x4 block); nm keeps n of every m columns
 *   n=2, m=4        the N:M pattern
 *   banks=B         bank count for bbs (default: the configuration's)
 *   act=relu        none | relu | relu6 | mixed (default mixed)
 *   samples=1       input vectors
 *   seed=1          PRNG seed; the same spec gives the same model
 *   type=fc         fc | conv | lstm: conv builds `layers` CONV layers (rows = output
 *                   channels of each) on a c x h x w input (c=3,h=8,w=8),
 *                   kernel k x k (k=3, 1..15), stride (1, 1..16), padding
 *                   pad (1, 0..8), then an
 *                   fc layer of fc=N outputs if N > 0; bbs banks are the
 *                   input-channel groups of the hardware's banks
 *   pool=0          conv: a pool x pool max-pool (stride pool_stride 1..16,
 *                   default pool) after each CONV layer whose output holds a
 *                   window (pool = the map: a global max-pool)
 *   type=lstm       `layers` stacked LSTM layers: cols = input size, rows =
 *                   hidden size H (rows=a:b per layer), steps=T (default 8)
 *                   steps per input sample (inputs are T x cols), then an
 *                   fc layer of fc=N outputs if N > 0 (it reads the last
 *                   h_t).  A layer's 4H gate rows have in + H columns, x
 *                   then h; patterns apply to the whole row, except bbs:
 *                   the hardware's banks interleave, x column j and h
 *                   column in + j both in bank j % B, and every bank keeps
 *                   exactly k = max(1, round(density * the smallest
 *                   non-empty bank's size)) nonzeros, so the encoding needs
 *                   no padding (banks are empty only when B > max(in, H)).
 *                   M, S and bias put each gate's Q3.12 pre-activation
 *                   mostly in [-4, 4] (gate_requant in sg_random.c)
 *   groups=1        conv: every CONV layer in this many groups (1..4096, must
 *                   divide its input and output channels); groups=dw:
 *                   depthwise (one group per input channel)
 *   net=alexnet     AlexNet's real layer shapes (227 x 227 input, conv1-5,
 *                   conv2, 4 and 5 in 2 groups as the original, three 3x3/2
 *                   max-pools, fc6-8) at Han et al.'s per-layer densities,
 *                   bank-balanced; other shape keys are ignored
 *   net=alexnet-ungrouped  the same without groups
 *   net=vgg16       the same for VGG-16 (224 x 224, 13 CONV, 5 max-pools, 3 fc)
 * Weights use the full WGT_W range, inputs the full DATA_W range, and M, S
 * are chosen per row so most results land inside DATA_W without saturating
 * (LSTM gate rows: inside [-4, 4] of the Q3.12 gate format).
 */
#ifndef SG_RANDOM_H
#define SG_RANDOM_H

#include <stddef.h>

#include "sg_config.h"
#include "sg_model.h"

int sg_model_random(const sg_config *c, const char *spec, sg_model *m, char *err, size_t errlen);

#endif
