/* sg_conv: the golden convolution and max-pool layers (ARCHITECTURE section 2).
 *
 * CONV: input C_in x H x W, weights C_out x C_in/G x KH x KW (row-major,
 * PyTorch order, G groups: 1 ungrouped, C_in depthwise), stride, zero
 * padding, bias, requant, activation, then an optional max-pool.  The
 * accumulator of output (o, y, x) of group g = o / (C_out/G) starts at
 * wrap_ACC(bias[o]) and adds w[o][c][i][j] * in[g C_in/G + c][y*sh + i -
 * ph][x*sw + j - pw] (0 outside the input) modulo 2^ACC_W, exactly as sg_fc
 * does; requant and activation follow sg_post.h.
 *
 * CSB for CONV (ARCHITECTURE section 3, issue 3): a row is an output channel
 * over the flattened window of its group, column index (c * KH + i) * KW + j
 * (c = 0 .. C_in/G - 1); the B banks cover contiguous input-channel groups:
 * bank b holds channels b * cpb .. b * cpb + cpb - 1 with cpb = ceil(C_in/G /
 * B), so the bank size is cpb * KH * KW and the offset inside a bank is ((c %
 * cpb) * KH + i) * KW + j.
 */
#ifndef SG_CONV_H
#define SG_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "sg_csb.h"
#include "sg_fc.h"

typedef struct sg_conv_shape {
    int c_in, h_in, w_in;   /* input channels, height, width */
    int c_out, kh, kw;      /* output channels, kernel height, width */
    int stride_h, stride_w; /* strides, >= 1 */
    int pad_h, pad_w;       /* zero padding on each side (top = bottom, left = right) */
    int h_out, w_out;       /* derived: (h_in + 2 pad_h - kh) / stride_h + 1, same for w */
    int groups;             /* grouped convolution: G groups, output channel o reads only
                             * input channels g * C_in/G .. (g + 1) * C_in/G - 1 of its
                             * group g = o / (C_out/G); weights C_out x C_in/G x KH x KW;
                             * G = C_in is depthwise; 0 or 1: ungrouped */
} sg_conv_shape;

/* The groups of s (1 when unset) and the input channels one output reads. */
static inline int sg_conv_groups(const sg_conv_shape *s)
{
    return s->groups > 1 ? s->groups : 1;
}
static inline int sg_conv_cpg(const sg_conv_shape *s)
{
    return s->c_in / sg_conv_groups(s);
}

/* Check the shape (all sizes >= 1, padding >= 0, kernel no
 * larger than the padded input, groups 0 .. dividing C_in and C_out) and fill
 * h_out, w_out.  Returns 0, or -1
 * with a message naming the field and value. */
int sg_conv_shape_derive(sg_conv_shape *s, char *err, size_t errlen);

/* Accumulator of output (o, y, x) from dense weights. */
int64_t sg_conv_dense_acc(const int32_t *w, const sg_conv_shape *s, const int32_t *in, int o,
                          int y, int x, const sg_fc_params *p);

/* y[o][y][x] (c_out x h_out x w_out) from dense weights; acc optional. */
void sg_conv_dense(const int32_t *w, const sg_conv_shape *s, const int32_t *in,
                   const sg_fc_params *p, int32_t *out, int64_t *acc);

/* Encode CONV weights in the CSB layout described above. */
int sg_conv_csb_encode(const int32_t *w, const sg_conv_shape *s, int banks, sg_csb *out,
                       char *err, size_t errlen);

/* The same as sg_conv_dense, walking only the stored CSB words. */
void sg_conv_csb(const sg_csb *c, const sg_conv_shape *s, const int32_t *in,
                 const sg_fc_params *p, int32_t *out, int64_t *acc);

/* Max-pool over k x k windows with stride st (no padding, floor mode) of a
 * c x h x w map; writes c x ho x wo with ho = (h - k) / st + 1.  Returns 0,
 * or -1 with a message when k or st is below 1 or k exceeds h or w. */
int sg_maxpool(const int32_t *in, int c, int h, int w, int k, int st, int32_t *out, int *ho,
               int *wo, char *err, size_t errlen);

#endif
