/* sg_expect: a program's golden expectations, a pass of their own.
 *
 * The golden results come from the model alone: sg_golden_run runs the
 * reference forward pass (sg_layer_forward: golden/sg_fc, sg_conv,
 * sg_lstm) layer by layer for every sample and keeps every layer's output.
 * The lowering reads its layers' inputs from there (a VEC carries the
 * layer before's golden output) and places one result lane per value the
 * accelerator will send, naming its layer, row and sample; sg_expect_fill
 * then writes the golden values into those lanes and the expected beats, in
 * the program's output order.  A lowering error therefore cannot bend the
 * expectations: they are the model's, wherever the lanes put them.
 */
#ifndef SG_EXPECT_H
#define SG_EXPECT_H

#include <stddef.h>
#include <stdint.h>

#include "sg_compile.h"
#include "sg_config.h"
#include "sg_model.h"

typedef struct sg_golden {
    int n_layers;
    int first, count; /* samples first .. first + count - 1 */
    int32_t **y;      /* y[l * count + s]: layer l's output (sg_layer_out_len
                       * values) for sample first + s */
} sg_golden;

/* Every layer's golden output for samples first .. first + count - 1 of
 * m's inputs (the caller checked the range).  Returns 0, or -1 with a
 * message (the layer the forward pass refuses, or no memory). */
int sg_golden_run(const sg_config *c, const sg_model *m, int first, int count, sg_golden *g,
                  char *err, size_t errlen);

/* Layer l's input for sample first + s: the model's input, or the layer
 * before's output (its last h_t after an LSTM layer, unless l is one). */
const int32_t *sg_golden_input(const sg_golden *g, const sg_model *m, int l, int s);

void sg_golden_free(sg_golden *g);

/* Fill the value of every checked lane of p (layer >= 0, row >= 0) from g
 * and set it in the expected beats; padding and discarded lanes stay 0. */
void sg_expect_fill(sg_program *p, const sg_config *c, const sg_golden *g);

#endif
