/* sg_prune: magnitude pruning of weight matrices to the patterns the
 * hardware can balance (issue 5's `sparsegen prune`).
 *
 * A weight matrix is rows x cols, row-major, float or integer values held
 * as double.  Every pattern keeps the weights of largest magnitude in its
 * unit and zeroes the rest; ties go to the lower index, so the result is a
 * pure function of the input.  The patterns and what they guarantee
 * (sg_prune_check asserts it on any matrix):
 *
 *   unstructured  exactly round(density * rows * cols) weights kept in the
 *                 matrix (or, with sg_prune_global, over all the matrices)
 *   bbs           bank-balanced: each row cut into `banks` banks; every bank
 *                 of every row keeps exactly k = round(density * size) of
 *                 its `size` columns (k of the largest bank, capped by each
 *                 bank's size).  Banks are consecutive blocks of bank_size
 *                 (default ceil(cols / banks)) columns (FC rows; CONV
 *                 windows in whole input channels), or interleaved: column j
 *                 in bank j % banks, restarting at column `split` (an LSTM
 *                 row [W_ih | W_hh]: x column j and h column j in bank
 *                 j % B, as the accelerator reads them)
 *   nm            N:M: every run of m consecutive columns of a row keeps
 *                 min(n, run length) weights
 *   block         bh x bw blocks (the last ones ragged) pruned whole by L2
 *                 norm: round(density * blocks) blocks kept, all their
 *                 weights (zeros included) kept
 *   groups        local weight groups pruned each on its own (Li and Xiao):
 *                 tiles of group_rows x group_cols; every tile keeps exactly
 *                 round(density * tile size) weights, so every PE that
 *                 processes a tile gets the same work.  group_rows 1 and
 *                 group_cols = the bank size is bbs.
 *
 * density = 1 - sparsity.  A weight that is already zero may be "kept"
 * (it counts toward k); the checks count kept positions, which a caller
 * holding a mask gets from sg_prune_mask.
 */
#ifndef SG_PRUNE_H
#define SG_PRUNE_H

#include <stddef.h>
#include <stdint.h>

typedef enum sg_prune_pattern {
    SG_PRUNE_UNSTRUCTURED = 0,
    SG_PRUNE_BBS = 1,
    SG_PRUNE_NM = 2,
    SG_PRUNE_BLOCK = 3,
    SG_PRUNE_GROUPS = 4
} sg_prune_pattern;

typedef struct sg_prune_spec {
    sg_prune_pattern pattern;
    double sparsity;     /* fraction removed, 0 .. 1 (not nm) */
    int banks;           /* bbs: banks per row, 1 .. cols */
    int bank_size;       /* bbs consecutive: columns per bank (0: ceil(cols / banks));
                          * a CONV row's banks are groups of whole input channels */
    int interleaved;     /* bbs: bank of column j is j % banks (from split on: (j - split) % banks) */
    int split;           /* bbs interleaved: first column of the second segment (0: none) */
    int n, m;            /* nm: keep n of every m, 1 <= n <= m */
    int bh, bw;          /* block: block rows and columns, >= 1 */
    int group_rows, group_cols; /* groups: tile shape, >= 1 */
} sg_prune_spec;

/* Parse a pattern name ("unstructured", "bbs", "nm", "block", "groups").
 * Returns 0, or -1 for an unknown name. */
int sg_prune_pattern_parse(const char *name, sg_prune_pattern *out);
const char *sg_prune_pattern_name(sg_prune_pattern p);

/* Check spec against a rows x cols matrix.  Returns 0, or -1 with a
 * message naming the bad field and its legal range. */
int sg_prune_spec_check(const sg_prune_spec *s, int rows, int cols, char *err, size_t errlen);

/* Which positions of w (rows x cols) the pattern keeps: mask[i] = 1 or 0.
 * Returns 0, or -1 with a message (bad spec, out of memory). */
int sg_prune_mask(const sg_prune_spec *s, const double *w, int rows, int cols, uint8_t *mask,
                  char *err, size_t errlen);

/* Prune w in place (zero what the mask drops); kept receives the number of
 * kept positions if not NULL.  Returns 0 or -1 with a message. */
int sg_prune(const sg_prune_spec *s, double *w, int rows, int cols, long long *kept,
             char *err, size_t errlen);

/* Global unstructured pruning over n matrices (w[l] rows[l] x cols[l]):
 * one magnitude threshold for all, round(density * total) positions kept
 * in all together; masks[l] receive each matrix's mask.  Returns 0 or -1. */
int sg_prune_global(double sparsity, double *const *w, const int *rows, const int *cols, int n,
                    uint8_t *const *masks, char *err, size_t errlen);

/* Assert the pattern's defining property on a mask (as sg_prune_mask
 * returns): every unit holds exactly the count the pattern promises.
 * Returns 0, or -1 with a message naming the first unit that does not
 * (row, bank, run, block or tile) and the counts. */
int sg_prune_check(const sg_prune_spec *s, const uint8_t *mask, int rows, int cols, char *err,
                   size_t errlen);

#endif
