/* test_prune: magnitude pruning (gen/sg_prune.c) against its patterns.
 *
 * For every pattern, on random matrices of many shapes (ragged banks,
 * runs, blocks and tiles; sparsity 0, 1 and between), the test works out
 * each unit by its own loops and asserts the pattern's property on the mask:
 * the unit keeps exactly the promised count, and no dropped weight of a
 * unit is larger in magnitude than a kept one (ties to the lower index).
 * Then sg_prune_check on the same masks and on masks with one bit flipped
 * (it must name the unit), sg_prune's zeroing, global pruning across
 * matrices, and spec errors.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_prune.h"
#include "tap.h"

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int pick(int n)
{
    return (int)(next_rand() % (uint64_t)n);
}

/* Random weights: floats, a few exact ties (small integers) and zeros. */
static void fill(double *w, long long n)
{
    for (long long i = 0; i < n; i++) {
        int k = pick(10);
        w[i] = k < 2 ? (double)(pick(5) - 2) : ((double)(next_rand() % 2000001) - 1e6) / 1e5;
    }
}

/* The unit of position (r, j) under s, as this test computes it: an id
 * from which positions of the same unit are equal (-1 for unstructured:
 * one unit). */
static long long unit_id(const sg_prune_spec *s, int rows, int cols, int r, int j)
{
    (void)rows;
    switch (s->pattern) {
    case SG_PRUNE_BBS: {
        int b;
        if (s->interleaved) {
            int jj = (s->split > 0 && j >= s->split) ? j - s->split : j;
            b = jj % s->banks;
        } else {
            int bs = s->bank_size > 0 ? s->bank_size : (cols + s->banks - 1) / s->banks;
            b = j / bs;
        }
        return (long long)r * s->banks + b;
    }
    case SG_PRUNE_NM:
        return (long long)r * cols + j / s->m;
    case SG_PRUNE_BLOCK:
        return (long long)(r / s->bh) * cols + j / s->bw;
    case SG_PRUNE_GROUPS:
        return (long long)(r / s->group_rows) * cols + j / s->group_cols;
    default:
        return -1;
    }
}

/* Check mask against the pattern by brute force: returns NULL or a reason. */
static const char *brute(const sg_prune_spec *s, const double *w, const uint8_t *mask, int rows,
                         int cols, char *why, size_t n)
{
    long long total = (long long)rows * cols;
    double density = 1.0 - s->sparsity;
    /* the largest bank (bbs) */
    long long big = 0;
    if (s->pattern == SG_PRUNE_BBS)
        for (int b = 0; b < s->banks; b++) {
            long long sz = 0;
            for (int j = 0; j < cols; j++)
                sz += unit_id(s, rows, cols, 0, j) == b;
            if (sz > big)
                big = sz;
        }
    if (s->pattern == SG_PRUNE_BLOCK) {
        long long blocks = 0, kept = 0;
        for (int r = 0; r < rows; r += s->bh)
            for (int j = 0; j < cols; j += s->bw) {
                int any = 0, all = 1;
                for (int a = r; a < rows && a < r + s->bh; a++)
                    for (int b = j; b < cols && b < j + s->bw; b++) {
                        any |= mask[(long long)a * cols + b];
                        all &= mask[(long long)a * cols + b];
                    }
                if (any && !all) {
                    snprintf(why, n, "block at (%d, %d) partly kept", r, j);
                    return why;
                }
                blocks++;
                kept += all;
            }
        long long want = (long long)floor(density * (double)blocks + 0.5);
        if (kept != want) {
            snprintf(why, n, "%lld of %lld blocks kept, want %lld", kept, blocks, want);
            return why;
        }
        return NULL;
    }
    /* every other pattern: per unit, count and the magnitude order */
    for (long long i = 0; i < total; i++) {
        int r = (int)(i / cols), j = (int)(i % cols);
        long long u = unit_id(s, rows, cols, r, j);
        long long size = 0, kept = 0;
        double min_kept = INFINITY;
        long long min_at = -1;
        for (long long q = 0; q < total; q++) {
            if (unit_id(s, rows, cols, (int)(q / cols), (int)(q % cols)) != u)
                continue;
            size++;
            if (mask[q]) {
                kept++;
                if (fabs(w[q]) < min_kept || (fabs(w[q]) == min_kept && q > min_at)) {
                    min_kept = fabs(w[q]);
                    min_at = q;
                }
            }
        }
        long long want = s->pattern == SG_PRUNE_NM    ? s->n
                         : s->pattern == SG_PRUNE_BBS ? (long long)floor(density * (double)big + 0.5)
                                                      : (long long)floor(density * (double)size + 0.5);
        if (want > size)
            want = size;
        if (kept != want) {
            snprintf(why, n, "unit of (%d, %d): %lld of %lld kept, want %lld", r, j, kept, size,
                     want);
            return why;
        }
        /* a dropped weight larger than the smallest kept one, or as large at a lower index */
        for (long long q = 0; q < total && kept > 0; q++) {
            if (mask[q] || unit_id(s, rows, cols, (int)(q / cols), (int)(q % cols)) != u)
                continue;
            if (fabs(w[q]) > min_kept || (fabs(w[q]) == min_kept && q < min_at)) {
                snprintf(why, n, "unit of (%d, %d): dropped |w[%lld]| = %g over kept %g", r, j,
                         q, fabs(w[q]), min_kept);
                return why;
            }
        }
        if (s->pattern == SG_PRUNE_UNSTRUCTURED)
            break; /* one unit */
    }
    return NULL;
}

static void sweep(void)
{
    static const double sp[] = {0.0, 0.25, 0.5, 0.7, 0.875, 0.9, 1.0};
    int bad[5] = {0}, runs[5] = {0}, caught[5] = {0}, ragged = 0;
    char why[200], err[300];
    for (int it = 0; it < 600; it++) {
        int rows = 1 + pick(9), cols = 1 + pick(40);
        sg_prune_spec s;
        memset(&s, 0, sizeof s);
        s.pattern = (sg_prune_pattern)(it % 5);
        s.sparsity = sp[pick(7)];
        s.banks = 1 + pick(cols < 8 ? cols : 8);
        s.interleaved = pick(2);
        s.split = s.interleaved && pick(2) ? pick(cols) : 0;
        /* a CONV-like bank size (whole channels) now and then */
        s.bank_size = !s.interleaved && pick(3) == 0 ? (cols + s.banks - 1) / s.banks + pick(3) : 0;
        s.m = 1 + pick(6);
        s.n = 1 + pick(s.m);
        s.bh = 1 + pick(4);
        s.bw = 1 + pick(4);
        s.group_rows = 1 + pick(3);
        s.group_cols = 1 + pick(9);
        ragged += cols % (s.pattern == SG_PRUNE_NM ? s.m : s.banks) != 0;
        double *w = malloc((size_t)rows * cols * sizeof *w);
        uint8_t *mask = malloc((size_t)rows * cols);
        fill(w, (long long)rows * cols);
        runs[s.pattern]++;
        if (sg_prune_mask(&s, w, rows, cols, mask, err, sizeof err) != 0 ||
            brute(&s, w, mask, rows, cols, why, sizeof why) != NULL ||
            sg_prune_check(&s, mask, rows, cols, err, sizeof err) != 0) {
            if (bad[s.pattern]++ == 0)
                tap_diag("%s %dx%d sparsity %g: %s / %s", sg_prune_pattern_name(s.pattern), rows,
                         cols, s.sparsity, why, err);
        } else {
            /* one flipped position breaks the property and the check names it */
            long long at = (long long)pick(rows * cols);
            mask[at] ^= 1;
            int rc = sg_prune_check(&s, mask, rows, cols, err, sizeof err);
            /* a flip can leave a block pattern valid only by changing the
             * block count, which the check also sees; any flip is caught */
            caught[s.pattern] += rc == -1 && strstr(err, "prune") != NULL;
        }
        free(w);
        free(mask);
    }
    for (int p = 0; p < 5; p++) {
        tap_ok(bad[p] == 0, "%s: %d random matrices pruned, each unit keeps exactly its count "
               "and no dropped weight outranks a kept one (brute force), sg_prune_check agrees",
               sg_prune_pattern_name((sg_prune_pattern)p), runs[p]);
        tap_ok(caught[p] == runs[p] - bad[p],
               "%s: a flipped mask bit is refused by sg_prune_check, naming the unit (%d of %d)",
               sg_prune_pattern_name((sg_prune_pattern)p), caught[p], runs[p] - bad[p]);
    }
    tap_ok(ragged > 100, "%d cases with ragged banks or runs", ragged);
}

static void hand(void)
{
    char err[300];
    /* equal magnitudes: ties keep the lower index, so BBS 50% on 2 banks
     * of [1 -1 1 -1 | 1 1 1 1] keeps columns 0, 1 and 4, 5 */
    double w[8] = {1, -1, 1, -1, 1, 1, 1, 1};
    sg_prune_spec s = {.pattern = SG_PRUNE_BBS, .sparsity = 0.5, .banks = 2};
    long long kept = 0;
    int rc = sg_prune(&s, w, 1, 8, &kept, err, sizeof err);
    tap_ok(rc == 0 && kept == 4 && w[0] == 1 && w[1] == -1 && w[2] == 0 && w[3] == 0 &&
               w[4] == 1 && w[5] == 1 && w[6] == 0 && w[7] == 0,
           "bbs 50%% on 2 banks of equal magnitudes keeps the first two of each bank");
    /* interleaved with a split (an LSTM row, in 3 + hidden 4, B 2): banks
     * {x0, x2, h0, h2} and {x1, h1, h3}; k = round(0.5 * 4) = 2 */
    double l[7] = {9, 8, 1, 7, 6, 2, 5};
    sg_prune_spec si = {.pattern = SG_PRUNE_BBS, .sparsity = 0.5, .banks = 2, .interleaved = 1, .split = 3};
    uint8_t m[7];
    rc = sg_prune_mask(&si, l, 1, 7, m, err, sizeof err);
    tap_ok(rc == 0 && m[0] && !m[2] && m[3] && !m[5] && m[1] && m[4] && !m[6],
           "bbs interleaved, split 3: x0 and h0 (bank 0), x1 and h1 (bank 1) kept");
    /* N:M 2:4 */
    double q[8] = {1, 4, 3, 2, -5, 0, 0, 5};
    sg_prune_spec sn = {.pattern = SG_PRUNE_NM, .n = 2, .m = 4};
    rc = sg_prune(&sn, q, 1, 8, &kept, err, sizeof err);
    tap_ok(rc == 0 && kept == 4 && q[0] == 0 && q[1] == 4 && q[2] == 3 && q[4] == -5 &&
               q[7] == 5 && q[5] == 0,
           "2:4 keeps 4, 3 and -5, 5");
    /* global: one threshold over two matrices */
    double a[4] = {1, 2, 3, 4}, b[2] = {10, 0.5};
    double *ws[2] = {a, b};
    int rs[2] = {2, 1}, cs[2] = {2, 2};
    uint8_t ma[4], mb[2];
    uint8_t *ms[2] = {ma, mb};
    rc = sg_prune_global(0.5, ws, rs, cs, 2, ms, err, sizeof err);
    tap_ok(rc == 0 && mb[0] && !mb[1] && ma[3] && ma[2] && !ma[1] && !ma[0],
           "global 50%% of 6 keeps 10, 4, 3 across both matrices");
    /* spec errors name the field */
    struct {
        sg_prune_spec s;
        int rows, cols;
        const char *needle;
    } bad[] = {
        {{.pattern = SG_PRUNE_UNSTRUCTURED, .sparsity = 1.5}, 2, 2, "sparsity 1.5"},
        {{.pattern = SG_PRUNE_BBS, .sparsity = 0.5, .banks = 9}, 2, 8, "9 banks for 8 columns"},
        {{.pattern = SG_PRUNE_BBS, .sparsity = 0.5, .banks = 2, .bank_size = 3}, 2, 8, "2 banks of 3 columns do not cover 8"},
        {{.pattern = SG_PRUNE_BBS, .sparsity = 0.5, .banks = 2, .interleaved = 1, .split = 8}, 2, 8, "split 8"},
        {{.pattern = SG_PRUNE_NM, .n = 3, .m = 2}, 2, 8, "n 3, m 2"},
        {{.pattern = SG_PRUNE_BLOCK, .sparsity = 0.5, .bw = 4}, 2, 8, "block 0 x 4"},
        {{.pattern = SG_PRUNE_GROUPS, .sparsity = 0.5, .group_rows = 1}, 2, 8, "tile 1 x 0"},
        {{.pattern = SG_PRUNE_UNSTRUCTURED, .sparsity = 0.5}, 0, 8, "0 x 8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double z[16] = {0};
        err[0] = '\0';
        rc = sg_prune(&bad[i].s, z, bad[i].rows, bad[i].cols, NULL, err, sizeof err);
        tap_ok(rc == -1 && strstr(err, bad[i].needle) != NULL, "refused: %s", err);
    }
    sg_prune_pattern p;
    tap_ok(sg_prune_pattern_parse("nm", &p) == 0 && p == SG_PRUNE_NM &&
               sg_prune_pattern_parse("csr", &p) == -1 &&
               strcmp(sg_prune_pattern_name(SG_PRUNE_GROUPS), "groups") == 0,
           "pattern names parse and print");
}

int main(void)
{
    hand();
    sweep();
    return tap_done();
}
