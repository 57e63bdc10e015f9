/* sg_report: what a model costs to store (`sparsegen report --compression`).
 *
 * Per layer and in total: the dense float32 bytes (weights and biases, what
 * the trained network takes), and the pruned, quantized weights at WGT_W
 * bits in three sparse forms (golden/sg_csb.h, sg_csb_sizes_banked):
 *   CSB      the accelerator's format (ARCHITECTURE section 3): each row
 *            in B banks of ceil(cols / B) consecutive columns (FC rows, CONV
 *            (c, kh, kw) windows), LSTM rows interleaved over x and over h as
 *            the accelerator reads them; B lanes per word, plus 32-bit row
 *            pointers.  (The CONV dataflow may bank a layer by channel
 *            groups, (channel, row) pairs or stride phases instead; that
 *            moves only the padding.)
 *   relidx   relative-index (EIE-style run-length) form with 4-bit gaps
 *   CSR      values and ceil(log2 cols)-bit column indices, row pointers
 * plus the row records every format needs (32-bit bias, 32-bit M, 6-bit
 * shift per row), the CSB index overhead (offset bits / (value + offset
 * bits)), and the ratio dense float32 / (CSB + row records).  An FC layer
 * counts as one column tile (its storage, not its schedule).
 */
#ifndef SG_REPORT_H
#define SG_REPORT_H

#include <stddef.h>

#include "sg_config.h"
#include "sg_model.h"
#include "sg_strbuf.h"

#define SG_REPORT_RELIDX_W 4 /* bits of a relative-index gap (EIE) */

typedef struct sg_report_layer {
    char name[64];
    const char *type;       /* "fc", "conv", "lstm" */
    int rows, cols;         /* the weight matrix as the hardware holds it */
    long long nnz;          /* nonzero weights */
    long long dense_f32;    /* bytes: (rows x cols + rows) x 4 */
    long long csb, relidx, csr; /* bytes of the weights in each form (pointers included) */
    long long records;      /* bytes of the row records: rows x (4 + 4 + 6/8) */
    long long csb_index_bits, csb_value_bits; /* CSB offset and value bits */
} sg_report_layer;

typedef struct sg_report {
    int n;                  /* layers with weights */
    sg_report_layer *layer; /* n entries */
    sg_report_layer total;  /* sums (name "total") */
} sg_report;

/* Sizes of every weighted layer of m on configuration c.  Returns 0, or -1
 * with a message (out of memory). */
int sg_report_compression(const sg_config *c, const sg_model *m, sg_report *r, char *err,
                          size_t errlen);

/* The report as a text table (sb) and one JSON object (returned, caller
 * frees with free()). */
char *sg_report_render(const sg_report *r, const sg_config *c, const sg_model *m, sg_strbuf *sb);

void sg_report_free(sg_report *r);

#endif
