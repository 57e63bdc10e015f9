/* test_csb.c: CSB encode/decode round trips, layout, group words, errors and sizes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sg_csb.h"
#include "tap.h"

#define SEED 0x5eed0c5bULL

static uint64_t rng_state = SEED; /* xorshift64 state */

/* xorshift64 (Marsaglia): a fixed-seed generator so every run is the same. */
static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Uniform integer in 0 .. n - 1 (n >= 1; the modulo bias does not matter here). */
static int rng_below(int n)
{
    return (int)(rng_next() % (uint64_t)n);
}

/* A random nonzero weight: mostly small, sometimes the int32 extremes. */
static int32_t rng_nonzero(void)
{
    int pick = rng_below(32);

    if (pick == 0)
        return INT32_MIN;
    if (pick == 1)
        return INT32_MAX;
    return rng_below(2) ? (int32_t)(1 + rng_below(127)) : (int32_t)(-1 - rng_below(128));
}

/* Zeroed rows x cols matrix; aborts the test on out of memory. */
static int32_t *new_matrix(int rows, int cols)
{
    int32_t *w = calloc((size_t)rows * (size_t)cols, sizeof *w);

    if (!w) {
        printf("Bail out! out of memory\n");
        exit(1);
    }
    return w;
}

/* Nonzeros of row r in bank b, written to cols_out (column indices); returns count. */
static int bank_nonzeros(const int32_t *w, int cols, int bank_size, int r, int b, int *cols_out)
{
    int n = 0, c;

    for (c = b * bank_size; c < (b + 1) * bank_size && c < cols; c++)
        if (w[(size_t)r * cols + c] != 0)
            cols_out[n++] = c;
    return n;
}

/* Check the whole CSB layout of c against the dense w independently of the
 * encoder; returns the number of violations and reports the first one. */
static int check_layout(const int32_t *w, int rows, int cols, int banks, int bank_size,
                        const sg_csb *c)
{
    int *nzc = malloc((size_t)(bank_size > 0 ? bank_size : 1) * sizeof *nzc);
    int bad = 0, r, b, j;
    long long nnz = 0;

    if (c->rows != rows || c->cols != cols || c->banks != banks || c->bank_size != bank_size) {
        tap_diag("header %d x %d, %d banks of %d", c->rows, c->cols, c->banks, c->bank_size);
        bad++;
    }
    if (c->row_start[0] != 0 || c->row_start[rows] != c->words) {
        tap_diag("row_start ends %d .. %d, words %d", c->row_start[0], c->row_start[rows],
                 c->words);
        bad++;
    }
    for (r = 0; r < rows && !bad; r++) {
        int k = 0;

        for (b = 0; b < banks; b++) {
            int n = bank_nonzeros(w, cols, bank_size, r, b, nzc);

            k = n > k ? n : k;
        }
        if (sg_csb_row_words(c, r) != k) {
            tap_diag("row %d has %d words, want %d", r, sg_csb_row_words(c, r), k);
            bad++;
            break;
        }
        for (b = 0; b < banks; b++) {
            int n = bank_nonzeros(w, cols, bank_size, r, b, nzc);

            nnz += n;
            for (j = 0; j < k; j++) {
                size_t lane = (size_t)(c->row_start[r] + j) * banks + b;
                int32_t want_v = j < n ? w[(size_t)r * cols + nzc[j]] : 0;
                uint32_t want_o = j < n ? (uint32_t)(nzc[j] - b * bank_size) : 0;

                if (c->value[lane] != want_v || c->offset[lane] != want_o) {
                    tap_diag("row %d word %d lane %d is (%ld, %lu), want (%ld, %lu)", r, j, b,
                             (long)c->value[lane], (unsigned long)c->offset[lane],
                             (long)want_v, (unsigned long)want_o);
                    bad++;
                    break;
                }
            }
        }
    }
    if (!bad && c->nnz != nnz) {
        tap_diag("nnz %lld, want %lld", c->nnz, nnz);
        bad++;
    }
    free(nzc);
    return bad;
}

/* Nonzeros of a dense matrix. */
static long long count_nnz(const int32_t *w, int rows, int cols)
{
    long long n = 0;
    size_t i;

    for (i = 0; i < (size_t)rows * cols; i++)
        n += w[i] != 0;
    return n;
}

/* Encode, check layout and nnz, decode and compare.  c receives the
 * encoding (caller frees); returns 1 if every check passed. */
static int round_trip(const int32_t *w, int rows, int cols, int banks, int bank_size,
                      const char *what, sg_csb *c)
{
    int32_t *back = new_matrix(rows, cols);
    char err[128] = "";
    int rc, ok = 1;
    int bs = bank_size ? bank_size : (cols + banks - 1) / banks;

    rc = sg_csb_encode(w, rows, cols, banks, bank_size, c, err, sizeof err);
    ok &= tap_ok(rc == 0, "%s: encode %d x %d, %d banks (%s)", what, rows, cols, banks,
                 rc ? err : "ok");
    if (rc != 0) {
        free(back);
        return 0;
    }
    ok &= tap_ok(check_layout(w, rows, cols, banks, bs, c) == 0, "%s: layout and k_r", what);
    ok &= tap_ok(c->nnz == count_nnz(w, rows, cols), "%s: nnz %lld", what, c->nnz);
    sg_csb_decode(c, back);
    ok &= tap_ok(memcmp(back, w, (size_t)rows * cols * sizeof *w) == 0,
                 "%s: decode gives the matrix back", what);
    free(back);
    return ok;
}

/* 1 if no lane of c is padding (every stored value nonzero). */
static int no_padding(const sg_csb *c)
{
    size_t i;

    for (i = 0; i < (size_t)c->words * c->banks; i++)
        if (c->value[i] == 0)
            return 0;
    return 1;
}

/* Put exactly k nonzeros at random distinct offsets of every bank. */
static void fill_balanced(int32_t *w, int rows, int banks, int bank_size, int k)
{
    int cols = banks * bank_size, r, b;

    for (r = 0; r < rows; r++)
        for (b = 0; b < banks; b++) {
            int placed = 0;

            while (placed < k) {
                int c = b * bank_size + rng_below(bank_size);

                if (w[(size_t)r * cols + c] == 0) {
                    w[(size_t)r * cols + c] = rng_nonzero();
                    placed++;
                }
            }
        }
}

/* Bank-balanced matrices: words == rows * k and no padding lane. */
static void test_balanced(void)
{
    static const int shapes[][4] = {/* rows, banks, bank_size, k */
                                    {8, 4, 8, 2}, {5, 16, 4, 1}, {3, 1, 32, 7},
                                    {16, 8, 16, 16}, {7, 2, 5, 3}, {4, 16, 8, 4}};
    size_t i;

    for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        int rows = shapes[i][0], banks = shapes[i][1], bs = shapes[i][2], k = shapes[i][3];
        int32_t *w = new_matrix(rows, banks * bs);
        sg_csb c;

        fill_balanced(w, rows, banks, bs, k);
        if (round_trip(w, rows, banks * bs, banks, 0, "balanced", &c)) {
            tap_ok(c.words == rows * k, "balanced: %d words = rows %d * k %d", c.words, rows, k);
            tap_ok(no_padding(&c), "balanced: no padding lane");
        }
        sg_csb_free(&c);
        free(w);
    }
}

/* 2:4 sparsity: banks of 4 columns with 2 nonzeros, so k = 2 and no padding. */
static void test_nm(void)
{
    static const int shapes[][2] = {{8, 16}, {3, 64}, {1, 4}, {10, 36}};
    size_t i;

    for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        int rows = shapes[i][0], cols = shapes[i][1];
        int32_t *w = new_matrix(rows, cols);
        sg_csb c;

        fill_balanced(w, rows, cols / 4, 4, 2);
        if (round_trip(w, rows, cols, cols / 4, 4, "2:4", &c)) {
            tap_ok(c.words == rows * 2 && no_padding(&c), "2:4: %d words, no padding", c.words);
        }
        sg_csb_free(&c);
        free(w);
    }
}

/* Nonzero with probability pct / 100. */
static void fill_random(int32_t *w, int rows, int cols, int pct)
{
    size_t i;

    for (i = 0; i < (size_t)rows * cols; i++)
        w[i] = rng_below(100) < pct ? rng_nonzero() : 0;
}

/* Unstructured random sparsity over shapes, densities and bank counts,
 * including cols not a multiple of banks, banks = 1 and banks = 16. */
static void test_random(void)
{
    static const int banks_list[] = {1, 2, 3, 4, 5, 8, 16};
    static const int pct_list[] = {1, 10, 30, 50, 90};
    int t;

    for (t = 0; t < 40; t++) {
        int rows = 1 + rng_below(24);
        int cols = 1 + rng_below(100);
        int banks = banks_list[rng_below(7)];
        int pct = pct_list[rng_below(5)];
        int32_t *w = new_matrix(rows, cols);
        sg_csb c;
        char what[64];

        if (banks > cols)
            banks = cols;
        fill_random(w, rows, cols, pct);
        snprintf(what, sizeof what, "random %d%%", pct);
        round_trip(w, rows, cols, banks, 0, what, &c);
        sg_csb_free(&c);
        free(w);
    }
}

/* Block sparsity: blk x blk blocks are kept (dense) or zeroed as a whole. */
static void test_block(void)
{
    static const int blks[] = {2, 4};
    size_t i;

    for (i = 0; i < 2; i++) {
        int blk = blks[i], rows = 8 * blk, cols = 12 * blk, r, c, bad = 0;
        int32_t *w = new_matrix(rows, cols);
        sg_csb enc;
        char what[32];

        for (r = 0; r < rows; r += blk)
            for (c = 0; c < cols; c += blk) {
                int keep = rng_below(3) == 0, dr, dc;

                for (dr = 0; dr < blk; dr++)
                    for (dc = 0; dc < blk; dc++)
                        w[(size_t)(r + dr) * cols + c + dc] = keep ? rng_nonzero() : 0;
            }
        snprintf(what, sizeof what, "block %dx%d", blk, blk);
        round_trip(w, rows, cols, 4, 0, what, &enc);
        /* Rows of one block row share their nonzero columns, so their k_r match. */
        for (r = 0; r < rows && enc.row_start; r++)
            bad += sg_csb_row_words(&enc, r) != sg_csb_row_words(&enc, r - r % blk);
        tap_ok(enc.row_start && bad == 0, "%s: rows of a block row have equal k_r", what);
        sg_csb_free(&enc);
        free(w);
    }
}

/* Fully dense: k_r = bank_size, and no padding lane when banks divide cols. */
static void test_dense(void)
{
    int32_t *w = new_matrix(6, 40);
    sg_csb c;

    fill_random(w, 6, 40, 100);
    if (round_trip(w, 6, 40, 8, 0, "dense", &c))
        tap_ok(c.words == 6 * 5 && no_padding(&c), "dense: 30 words, no padding");
    sg_csb_free(&c);
    free(w);

    /* 10 columns in 3 banks of 4: the last bank has 2 real columns */
    w = new_matrix(3, 10);
    fill_random(w, 3, 10, 100);
    if (round_trip(w, 3, 10, 3, 0, "dense 10 cols / 3 banks", &c)) {
        tap_ok(c.bank_size == 4 && c.words == 3 * 4, "dense 10/3: bank_size 4, 12 words");
        tap_ok(c.value[3 * 3 + 2] == 0 && c.offset[3 * 3 + 2] == 0,
               "dense 10/3: last bank pads word 3");
    }
    sg_csb_free(&c);
    free(w);
}

/* All zero: 0 words, 0 nnz, every row empty. */
static void test_zero(void)
{
    int32_t *w = new_matrix(5, 17);
    sg_csb c;
    int r, bad = 0;

    if (round_trip(w, 5, 17, 4, 0, "all zero", &c)) {
        for (r = 0; r <= 5; r++)
            bad += c.row_start[r] != 0;
        tap_ok(c.words == 0 && c.nnz == 0 && bad == 0, "all zero: 0 words, 0 nnz");
        tap_ok(sg_csb_group_words(&c, 0, 5) == 0, "all zero: group words 0");
    }
    sg_csb_free(&c);
    free(w);
}

/* A hand-made matrix whose banks hold 3, 1, 0 and 2 nonzeros, an empty row,
 * and a row with one nonzero at offset 0 of bank 2. */
static void test_uneven(void)
{
    static const int32_t w[3 * 16] = {
        1, 0, 2, 3, 0, 0, 4, 0, 0, 0, 0, 0, 0, 5, 0, 6, /* row 0 */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* row 1 */
        0, 0, 0, 0, 0, 0, 0, 0, -7, 0, 0, 0, 0, 0, 0, 0, /* row 2 */
    };
    static const int32_t want_v[4 * 4] = {1, 4, 0, 5, 2, 0, 0, 6, 3, 0, 0, 0, 0, 0, -7, 0};
    static const uint32_t want_o[4 * 4] = {0, 2, 0, 1, 2, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0};
    sg_csb c;

    if (round_trip(w, 3, 16, 4, 0, "uneven", &c)) {
        tap_ok(c.words == 4 && c.row_start[1] == 3 && c.row_start[2] == 3,
               "uneven: k = 3, 0, 1 (words %d)", c.words);
        tap_ok(memcmp(c.value, want_v, sizeof want_v) == 0, "uneven: lane values");
        tap_ok(memcmp(c.offset, want_o, sizeof want_o) == 0, "uneven: lane offsets, padding 0");
        tap_ok(c.nnz == 7, "uneven: nnz 7");
        tap_ok(sg_csb_group_words(&c, 0, 3) == 3, "group words of all rows is 3");
        tap_ok(sg_csb_group_words(&c, 1, 2) == 1, "group words of rows 1..2 is 1");
        tap_ok(sg_csb_group_words(&c, 1, 1) == 0, "group words of the empty row is 0");
        tap_ok(sg_csb_group_words(&c, 2, 8) == 1, "rows past R count 0");
        tap_ok(sg_csb_group_words(&c, 3, 4) == 0, "a group entirely past R is 0");
    }
    sg_csb_free(&c);
}

/* sg_csb_group_words against a direct maximum, for random groups. */
static void test_group_words(void)
{
    int rows = 37, cols = 50, t, bad = 0;
    int32_t *w = new_matrix(rows, cols);
    sg_csb c;

    fill_random(w, rows, cols, 20);
    if (round_trip(w, rows, cols, 5, 0, "group", &c)) {
        for (t = 0; t < 200; t++) {
            int first = rng_below(rows + 4), n = 1 + rng_below(16), r, k = 0;

            for (r = first; r < first + n && r < rows; r++)
                k = sg_csb_row_words(&c, r) > k ? sg_csb_row_words(&c, r) : k;
            if (sg_csb_group_words(&c, first, n) != k) {
                tap_diag("group %d + %d: %d, want %d", first, n,
                         sg_csb_group_words(&c, first, n), k);
                bad++;
            }
        }
        tap_ok(bad == 0, "group words of 200 random groups");
    }
    sg_csb_free(&c);
    free(w);
}

/* An explicit bank_size larger than needed leaves whole banks as padding. */
static void test_wide_banks(void)
{
    int32_t *w = new_matrix(4, 10);
    sg_csb c;

    fill_random(w, 4, 10, 60);
    if (round_trip(w, 4, 10, 4, 8, "bank_size 8 for 10 cols", &c))
        tap_ok(c.bank_size == 8, "explicit bank_size kept");
    sg_csb_free(&c);
    free(w);
}

/* One bad-argument case and its expected message. */
struct bad_case {
    int rows, cols, banks, bank_size; /* arguments */
    const char *msg;                  /* exact message */
};

static void test_errors(void)
{
    static const struct bad_case cases[] = {
        {0, 4, 1, 0, "rows 0 is not positive"},
        {2, -3, 1, 0, "cols -3 is not positive"},
        {2, 4, 0, 0, "banks 0 is not positive"},
        {2, 4, 1, -1, "bank_size -1 is negative"},
        {2, 13, 4, 3, "bank_size 3 is smaller than ceil(cols / banks) = 4"},
        {2, 16, 1, 15, "bank_size 15 is smaller than ceil(cols / banks) = 16"},
    };
    static const int32_t w[2 * 16] = {1};
    size_t i;
    sg_csb c;
    char err[128];

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bad_case *t = &cases[i];
        int rc;

        strcpy(err, "");
        memset(&c, 0xa5, sizeof c); /* garbage: encode must not trust it */
        rc = sg_csb_encode(w, t->rows, t->cols, t->banks, t->bank_size, &c, err, sizeof err);
        tap_ok(rc == -1 && strcmp(err, t->msg) == 0, "error \"%s\" (got %d, \"%s\")", t->msg,
               rc, err);
        tap_ok(c.row_start == NULL && c.value == NULL && c.words == 0,
               "failed encode leaves the output zeroed");
        sg_csb_free(&c);
    }
    tap_ok(sg_csb_encode(NULL, 1, 1, 1, 0, &c, err, sizeof err) == -1 && err[0] != '\0',
           "null matrix is an error: %s", err);
    tap_ok(sg_csb_encode(w, 1, 1, 0, 0, &c, NULL, 0) == -1, "no message buffer is fine");
    strcpy(err, "x");
    tap_ok(sg_csb_encode(w, 1, 1, 0, 0, &c, err, 1) == -1 && err[0] == '\0',
           "a 1-byte buffer gets an empty, terminated message");
}

/* sg_csb_free on a zeroed struct, an encoded one, and twice. */
static void test_free(void)
{
    static const int32_t w[4] = {1, 0, 0, 2};
    sg_csb c;

    memset(&c, 0, sizeof c);
    sg_csb_free(&c);
    tap_ok(c.row_start == NULL, "free of a zeroed struct");
    tap_ok(sg_csb_encode(w, 2, 2, 2, 0, &c, NULL, 0) == 0, "encode 2 x 2");
    sg_csb_free(&c);
    tap_ok(c.row_start == NULL && c.value == NULL && c.offset == NULL && c.words == 0 &&
               c.rows == 0,
           "free zeroes an encoded struct");
    sg_csb_free(&c);
    sg_csb_free(NULL);
    tap_ok(1, "second free and free(NULL) do not crash");
}

/* Sizes of a hand example; the numbers are worked out in the comments. */
static void test_sizes(void)
{
    /* 4 x 12, wgt_w 4, 3 banks (bank_size 4), idx_w 2 (widest gap 3). */
    static const int32_t w[4 * 12] = {
        0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, /* nz at 1, 11 */
        3, 0, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, /* nz at 0, 2, 3 */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* empty */
        0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, /* nz at 6 */
    };
    static const int32_t one[1] = {9};
    sg_csb_sizes s;

    sg_csb_sizes_of(w, 4, 12, 4, 3, 2, &s);
    tap_ok(s.nnz == 6, "sizes: nnz %lld, want 6", s.nnz);
    /* 4 * 12 * 4 */
    tap_ok(s.dense_bits == 192, "sizes: dense %lld, want 192", s.dense_bits);
    /* 6 * (4 + ceil(log2 12) = 4) + 5 * 32 = 48 + 160 */
    tap_ok(s.csr_bits == 208, "sizes: csr %lld, want 208", s.csr_bits);
    /* row 0: gap 1; gap 10 > 3 needs fillers at 4, 7, 10, then gap 1 -> 5 entries
     * row 1: gaps 0, 2, 1 -> 3; row 2: none; row 3: first gap 6 from column 0
     * -> filler at 3, then gap 3 -> 2.  10 entries * (4 + 2) + 160 */
    tap_ok(s.relidx_bits == 220, "sizes: relidx %lld, want 220", s.relidx_bits);
    /* k_r = 1, 3, 0, 1 -> 5 words * 3 banks * (4 + ceil(log2 4) = 2) + 160 */
    tap_ok(s.csb_bits == 250, "sizes: csb %lld, want 250", s.csb_bits);

    /* 1 x 1: ceil(log2 1) counts as 1 bit; 8-bit weight, idx_w 1 */
    sg_csb_sizes_of(one, 1, 1, 8, 1, 1, &s);
    tap_ok(s.dense_bits == 8 && s.csr_bits == 9 + 64 && s.relidx_bits == 9 + 64 &&
               s.csb_bits == 9 + 64,
           "sizes 1 x 1: dense %lld csr %lld relidx %lld csb %lld", s.dense_bits, s.csr_bits,
           s.relidx_bits, s.csb_bits);

    /* idx_w 1 (widest gap 1): row 3's lone nonzero at 6 needs 5 fillers */
    sg_csb_sizes_of(w + 36, 1, 12, 4, 3, 1, &s);
    tap_ok(s.relidx_bits == 6 * 5 + 64, "sizes: idx_w 1 gives 6 entries (%lld bits)",
           s.relidx_bits);

    sg_csb_sizes_of(w, 0, 12, 4, 3, 2, &s);
    tap_ok(s.dense_bits == 0 && s.csb_bits == 0 && s.nnz == 0, "sizes of bad arguments are 0");
}

int main(void)
{
    (void)tap_skip_all; /* part of tap.h, not needed here */
    tap_diag("xorshift64 seed 0x%llx", (unsigned long long)SEED);
    test_balanced();
    test_nm();
    test_random();
    test_block();
    test_dense();
    test_zero();
    test_uneven();
    test_group_words();
    test_wide_banks();
    test_errors();
    test_free();
    test_sizes();
    return tap_done();
}
