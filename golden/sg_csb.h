/* sg_csb: compressed sparse banks (CSB), the weight format of the PE array.
 *
 * A weight matrix of R rows and N columns is cut, row by row, into B banks of
 * bank_size consecutive columns (bank b holds columns b*bank_size ..
 * b*bank_size + bank_size - 1; columns past N are zero padding).  Row r is
 * stored as k_r "words"; word j holds, for every bank b, the j-th nonzero of
 * bank b in column order as (value, offset inside the bank).  k_r is the
 * largest nonzero count over the banks of row r; a bank with fewer nonzeros is
 * padded with (value 0, offset 0) lanes.  A row with no nonzero at all has
 * k_r = 0 words.  Bank-balanced sparsity (every bank of a row holds exactly k
 * nonzeros) needs no padding.  ARCHITECTURE section 3.
 *
 *   word j of row r:   lane B-1           ...   lane 1          lane 0
 *                    +-----------------+-----+---------------+---------------+
 *                    | value, offset   | ... | value, offset | value, offset |
 *                    +-----------------+-----+---------------+---------------+
 *
 * The bit packing of a word for the hardware lives in gen/sg_cmd.h.
 */
#ifndef SG_CSB_H
#define SG_CSB_H

#include <stddef.h>
#include <stdint.h>

typedef struct sg_csb {
    int rows;          /* R: number of rows */
    int cols;          /* N: number of real columns (before padding) */
    int banks;         /* B: banks per row */
    int bank_size;     /* columns per bank; banks * bank_size >= cols */
    int *row_start;    /* rows + 1 entries: first word of row r; row_start[rows] = words */
    int words;         /* total words over all rows */
    int32_t *value;    /* words * banks: value of lane b of word w at [w * banks + b] */
    uint32_t *offset;  /* words * banks: offset inside the bank, 0 .. bank_size - 1 */
    long long nnz;     /* nonzero weights (padding lanes excluded) */
} sg_csb;

/* Words of row r (k_r). */
static inline int sg_csb_row_words(const sg_csb *c, int r)
{
    return c->row_start[r + 1] - c->row_start[r];
}

/* Encode a dense row-major rows x cols matrix.  bank_size 0 means
 * ceil(cols / banks).  Returns 0, or -1 with a message in err (bad
 * arguments, bank_size too small, out of memory).  On success *out owns its
 * arrays; free with sg_csb_free. */
int sg_csb_encode(const int32_t *w, int rows, int cols, int banks, int bank_size,
                  sg_csb *out, char *err, size_t errlen);

/* Decode back into a dense row-major rows x cols matrix (caller allocates). */
void sg_csb_decode(const sg_csb *c, int32_t *w);

/* Release the arrays of c and zero it. */
void sg_csb_free(sg_csb *c);

/* Largest k_r over rows first_row .. first_row + nrows - 1 (rows past R count 0). */
int sg_csb_group_words(const sg_csb *c, int first_row, int nrows);

/* Storage sizes in bits of a rows x cols matrix of wgt_w-bit weights, for
 * the compression report (ARCHITECTURE section 3).
 *  - dense: rows * cols * wgt_w
 *  - csr: nnz * (wgt_w + ceil(log2 cols)) + (rows + 1) * 32
 *  - relidx (EIE-style relative index): each nonzero stores wgt_w bits of
 *    value and a idx_w-bit gap to the previous nonzero of its row (first: from
 *    column 0); a gap that does not fit in idx_w bits is bridged by filler
 *    zero entries of gap 2^idx_w - 1 (each costing wgt_w + idx_w bits); plus
 *    (rows + 1) * 32 bits of row pointers.
 *  - csb: words * banks * (wgt_w + ceil(log2 bank_size)) + (rows + 1) * 32
 * ceil(log2 1) is taken as 1. */
typedef struct sg_csb_sizes {
    long long dense_bits;   /* dense storage */
    long long csr_bits;     /* compressed sparse row */
    long long relidx_bits;  /* relative index, idx_w-bit gaps */
    long long csb_bits;     /* compressed sparse banks */
    long long nnz;          /* nonzero weights */
} sg_csb_sizes;

void sg_csb_sizes_of(const int32_t *w, int rows, int cols, int wgt_w, int banks,
                     int idx_w, sg_csb_sizes *out);

/* The same with banks of bank_size consecutive columns (banks * bank_size
 * >= cols; trailing banks may hold padding only, but every word still
 * stores all `banks` lanes): a CONV row banked by whole input channels
 * (bank_size = channels per bank x kh x kw).  sg_csb_sizes_of is this with
 * bank_size = ceil(cols / banks). */
void sg_csb_sizes_banked(const int32_t *w, int rows, int cols, int wgt_w, int banks,
                         int bank_size, int idx_w, sg_csb_sizes *out);

#endif
