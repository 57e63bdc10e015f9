/* sg_csb.c: encode, decode and size compressed sparse banks (CSB) weight matrices. */
#include "sg_csb.h"
#include "sg_post.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ceil(a / b) for a >= 0, b >= 1. */
static long long ceil_div(long long a, long long b)
{
    return (a + b - 1) / b;
}

/* ceil(log2 n) for n >= 1, with ceil(log2 1) taken as 1 (one index bit). */
static int ceil_log2(long long n)
{
    int bits = 0;

    while (bits < 62 && ((long long)1 << bits) < n)
        bits++;
    return bits < 1 ? 1 : bits;
}

/* Nonzeros in columns [lo, hi) of a row. */
static int count_nonzero(const int32_t *row, long long lo, long long hi)
{
    int n = 0;
    long long c;

    for (c = lo; c < hi; c++)
        n += row[c] != 0;
    return n;
}

/* k_r of one row: the largest nonzero count over its banks. */
static int row_word_count(const int32_t *row, int cols, int banks, int bank_size)
{
    int b, k = 0;

    for (b = 0; b < banks; b++) {
        long long lo = (long long)b * bank_size;
        long long hi = lo + bank_size;
        int n;

        if (lo >= cols)
            break; /* this and later banks are all padding */
        n = count_nonzero(row, lo, hi < cols ? hi : cols);
        if (n > k)
            k = n;
    }
    return k;
}

/* Check the encode arguments and resolve bank_size 0; 0 or -1 with err. */
static int check_args(const int32_t *w, int rows, int cols, int banks, int *bank_size,
                      sg_csb *out, char *err, size_t errlen)
{
    long long need;

    if (!w || !out)
        return sg_errf(err, errlen, "weight matrix or output is null");
    if (rows < 1)
        return sg_errf(err, errlen, "rows %d is not positive", rows);
    if (cols < 1)
        return sg_errf(err, errlen, "cols %d is not positive", cols);
    if (banks < 1)
        return sg_errf(err, errlen, "banks %d is not positive", banks);
    if (*bank_size < 0)
        return sg_errf(err, errlen, "bank_size %d is negative", *bank_size);
    need = ceil_div(cols, banks);
    if (*bank_size == 0)
        *bank_size = (int)need; /* need <= cols fits an int */
    if (*bank_size < need)
        return sg_errf(err, errlen, "bank_size %d is smaller than ceil(cols / banks) = %lld",
                    *bank_size, need);
    return 0;
}

/* Fill out->row_start from the per-row word counts; 0 or -1 with err. */
static int count_words(const int32_t *w, sg_csb *out, char *err, size_t errlen)
{
    long long total = 0;
    int r;

    for (r = 0; r < out->rows; r++) {
        const int32_t *row = w + (size_t)r * (size_t)out->cols;

        out->row_start[r] = (int)total;
        total += row_word_count(row, out->cols, out->banks, out->bank_size);
        if (total > INT_MAX)
            return sg_errf(err, errlen, "matrix needs more than %d words", INT_MAX);
    }
    out->row_start[out->rows] = (int)total;
    out->words = (int)total;
    return 0;
}

/* Allocate value and offset (words * banks lanes, zeroed = padding). */
static int alloc_lanes(sg_csb *out, char *err, size_t errlen)
{
    size_t lanes;

    if ((size_t)out->words > SIZE_MAX / (size_t)out->banks / sizeof(int32_t))
        return sg_errf(err, errlen, "%d words of %d banks overflow the address space",
                    out->words, out->banks);
    lanes = (size_t)out->words * (size_t)out->banks;
    /* calloc(0) may return NULL, so ask for at least one lane */
    out->value = calloc(lanes ? lanes : 1, sizeof *out->value);
    out->offset = calloc(lanes ? lanes : 1, sizeof *out->offset);
    if (!out->value || !out->offset)
        return sg_errf(err, errlen, "out of memory for %zu lanes", lanes);
    return 0;
}

/* Store the nonzeros of row r: the j-th nonzero of bank b goes to lane b of
 * word row_start[r] + j. */
static long long fill_row(const int32_t *row, int r, sg_csb *out)
{
    long long nnz = 0;
    int b;

    for (b = 0; b < out->banks; b++) {
        long long lo = (long long)b * out->bank_size, c;
        long long hi = lo + out->bank_size;
        size_t word = (size_t)out->row_start[r];

        if (hi > out->cols)
            hi = out->cols;
        for (c = lo; c < hi; c++) {
            size_t lane;

            if (row[c] == 0)
                continue;
            lane = word * (size_t)out->banks + (size_t)b;
            out->value[lane] = row[c];
            out->offset[lane] = (uint32_t)(c - lo);
            word++;
            nnz++;
        }
    }
    return nnz;
}

int sg_csb_encode(const int32_t *w, int rows, int cols, int banks, int bank_size,
                  sg_csb *out, char *err, size_t errlen)
{
    int r;

    if (out)
        memset(out, 0, sizeof *out); /* on failure *out stays zeroed */
    if (check_args(w, rows, cols, banks, &bank_size, out, err, errlen) < 0)
        return -1;
    if ((size_t)rows >= SIZE_MAX / sizeof(int)) /* rows + 1 entries */
        return sg_errf(err, errlen, "rows %d overflow the address space", rows);
    out->rows = rows;
    out->cols = cols;
    out->banks = banks;
    out->bank_size = bank_size;
    out->row_start = malloc(((size_t)rows + 1) * sizeof *out->row_start);
    if (!out->row_start) {
        sg_csb_free(out);
        return sg_errf(err, errlen, "out of memory for %lld row pointers", (long long)rows + 1);
    }
    if (count_words(w, out, err, errlen) < 0 || alloc_lanes(out, err, errlen) < 0) {
        sg_csb_free(out);
        return -1;
    }
    for (r = 0; r < rows; r++)
        out->nnz += fill_row(w + (size_t)r * (size_t)cols, r, out);
    return 0;
}

void sg_csb_decode(const sg_csb *c, int32_t *w)
{
    int r;

    if (!c || !w || c->rows < 1 || c->cols < 1)
        return;
    memset(w, 0, (size_t)c->rows * (size_t)c->cols * sizeof *w);
    for (r = 0; r < c->rows; r++) {
        int32_t *row = w + (size_t)r * (size_t)c->cols;
        int k;

        for (k = c->row_start[r]; k < c->row_start[r + 1]; k++) {
            int b;

            for (b = 0; b < c->banks; b++) {
                size_t lane = (size_t)k * (size_t)c->banks + (size_t)b;
                long long col = (long long)b * c->bank_size + c->offset[lane];

                /* Padding lanes are (0, 0) and must not overwrite the real
                 * value at offset 0 of their bank; skip them (and any
                 * column past the matrix). */
                if (c->value[lane] != 0 && col < c->cols)
                    row[col] = c->value[lane];
            }
        }
    }
}

void sg_csb_free(sg_csb *c)
{
    if (!c)
        return;
    free(c->row_start);
    free(c->value);
    free(c->offset);
    memset(c, 0, sizeof *c);
}

int sg_csb_group_words(const sg_csb *c, int first_row, int nrows)
{
    long long r, end;
    int k = 0;

    if (!c || !c->row_start)
        return 0;
    end = (long long)first_row + (nrows > 0 ? nrows : 0);
    if (end > c->rows)
        end = c->rows; /* rows past R count 0 */
    for (r = first_row < 0 ? 0 : first_row; r < end; r++) {
        int n = sg_csb_row_words(c, (int)r);

        if (n > k)
            k = n;
    }
    return k;
}

/* Relative-index entries of one row: its nonzeros plus the filler entries
 * that bridge gaps wider than idx_w bits.  The gap of a nonzero at column c
 * is c - p, with p the column of the previous stored entry (0 for the first
 * entry of the row, so the first gap is c itself).  The widest gap is
 * g_max = 2^idx_w - 1; a gap g > g_max needs ceil(g / g_max) - 1 fillers,
 * each placed g_max columns after the entry before it. */
static long long relidx_entries(const int32_t *row, int cols, int idx_w)
{
    long long gmax = ((long long)1 << (idx_w < 62 ? idx_w : 62)) - 1;
    long long entries = 0, prev = 0;
    int c;

    for (c = 0; c < cols; c++) {
        long long gap;

        if (row[c] == 0)
            continue;
        gap = c - prev;
        if (gap > gmax)
            entries += (gap - 1) / gmax; /* fillers */
        entries++;
        prev = c;
    }
    return entries;
}

void sg_csb_sizes_banked(const int32_t *w, int rows, int cols, int wgt_w, int banks,
                         int bank_size, int idx_w, sg_csb_sizes *out)
{
    long long nnz = 0, relidx = 0, words = 0, ptr_bits;
    int r;

    if (!out)
        return;
    memset(out, 0, sizeof *out);
    /* No error channel in this API: bad arguments report all sizes as 0. */
    if (!w || rows < 1 || cols < 1 || wgt_w < 1 || banks < 1 || bank_size < 1 || idx_w < 1 ||
        (long long)banks * bank_size < cols)
        return;
    for (r = 0; r < rows; r++) {
        const int32_t *row = w + (size_t)r * (size_t)cols;

        nnz += count_nonzero(row, 0, cols);
        relidx += relidx_entries(row, cols, idx_w);
        words += row_word_count(row, cols, banks, bank_size);
    }
    ptr_bits = ((long long)rows + 1) * 32;
    out->nnz = nnz;
    out->dense_bits = (long long)rows * cols * wgt_w;
    out->csr_bits = nnz * (wgt_w + ceil_log2(cols)) + ptr_bits;
    out->relidx_bits = relidx * (wgt_w + idx_w) + ptr_bits;
    out->csb_bits = words * banks * (wgt_w + ceil_log2(bank_size)) + ptr_bits;
}

void sg_csb_sizes_of(const int32_t *w, int rows, int cols, int wgt_w, int banks,
                     int idx_w, sg_csb_sizes *out)
{
    sg_csb_sizes_banked(w, rows, cols, wgt_w, banks,
                        banks >= 1 && cols >= 1 ? (int)ceil_div(cols, banks) : 0, idx_w, out);
}
