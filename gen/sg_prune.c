/* sg_prune: magnitude pruning to balanced patterns; see sg_prune.h. */
#include "sg_prune.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pattern_names[] = {"unstructured", "bbs", "nm", "block", "groups"};
#define N_PATTERNS ((int)(sizeof pattern_names / sizeof pattern_names[0]))

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int sg_prune_pattern_parse(const char *name, sg_prune_pattern *out)
{
    for (int i = 0; i < N_PATTERNS; i++)
        if (strcmp(name, pattern_names[i]) == 0) {
            *out = (sg_prune_pattern)i;
            return 0;
        }
    return -1;
}

const char *sg_prune_pattern_name(sg_prune_pattern p)
{
    return (int)p >= 0 && (int)p < N_PATTERNS ? pattern_names[p] : "?";
}

static long long round_ll(double x)
{
    return (long long)floor(x + 0.5);
}

int sg_prune_spec_check(const sg_prune_spec *s, int rows, int cols, char *err, size_t errlen)
{
    if (rows < 1 || cols < 1)
        return fail(err, errlen, "prune: a %d x %d matrix, both must be >= 1", rows, cols);
    if ((int)s->pattern < 0 || (int)s->pattern >= N_PATTERNS)
        return fail(err, errlen, "prune: unknown pattern %d", (int)s->pattern);
    if (s->pattern != SG_PRUNE_NM && !(s->sparsity >= 0.0 && s->sparsity <= 1.0))
        return fail(err, errlen, "prune: sparsity %g, legal range 0..1", s->sparsity);
    switch (s->pattern) {
    case SG_PRUNE_BBS:
        if (s->banks < 1 || s->banks > cols)
            return fail(err, errlen, "prune bbs: %d banks for %d columns, legal range 1..%d",
                        s->banks, cols, cols);
        if (!s->interleaved && s->bank_size > 0 &&
            (long long)s->bank_size * s->banks < cols)
            return fail(err, errlen, "prune bbs: %d banks of %d columns do not cover %d",
                        s->banks, s->bank_size, cols);
        if (s->interleaved && (s->split < 0 || s->split >= cols))
            return fail(err, errlen, "prune bbs: split %d, legal range 0..%d", s->split,
                        cols - 1);
        break;
    case SG_PRUNE_NM:
        if (s->m < 1 || s->n < 1 || s->n > s->m)
            return fail(err, errlen, "prune nm: n %d, m %d: need 1 <= n <= m", s->n, s->m);
        break;
    case SG_PRUNE_BLOCK:
        if (s->bh < 1 || s->bw < 1)
            return fail(err, errlen, "prune block: block %d x %d, both must be >= 1", s->bh,
                        s->bw);
        break;
    case SG_PRUNE_GROUPS:
        if (s->group_rows < 1 || s->group_cols < 1)
            return fail(err, errlen, "prune groups: tile %d x %d, both must be >= 1",
                        s->group_rows, s->group_cols);
        break;
    default:
        break;
    }
    return 0;
}

/* ---- keeping the k largest of a set of positions ------------------------ */

typedef struct cand {
    double mag;   /* |w| (or a block's L2 norm) */
    long long at; /* position, the tie-break: lower first */
} cand;

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->mag != y->mag)
        return x->mag > y->mag ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

/* Keep the k largest of the n candidates c (sorted in place): mark[c.at]. */
static void keep_top(cand *c, long long n, long long k, uint8_t *mark)
{
    qsort(c, (size_t)n, sizeof *c, cand_cmp);
    for (long long i = 0; i < n; i++)
        mark[c[i].at] = i < k;
}

/* The bank of column j under s (bbs). */
static int bank_of(const sg_prune_spec *s, int cols, int j)
{
    if (!s->interleaved)
        return j / (s->bank_size > 0 ? s->bank_size : (cols + s->banks - 1) / s->banks);
    return (j < s->split || s->split == 0 ? j : j - s->split) % s->banks;
}

/* Columns of every bank (bbs), into size[banks]; returns the largest. */
static int bank_sizes(const sg_prune_spec *s, int cols, int *size)
{
    int big = 0;
    memset(size, 0, (size_t)s->banks * sizeof *size);
    for (int j = 0; j < cols; j++)
        size[bank_of(s, cols, j)]++;
    for (int b = 0; b < s->banks; b++)
        if (size[b] > big)
            big = size[b];
    return big;
}

/* Kept count the pattern promises for a unit of `size` positions. */
static long long unit_keep(const sg_prune_spec *s, long long size, long long big)
{
    double density = 1.0 - s->sparsity;
    long long k;
    switch (s->pattern) {
    case SG_PRUNE_BBS:
        k = round_ll(density * (double)big);
        break;
    case SG_PRUNE_NM:
        k = s->n;
        break;
    default:
        k = round_ll(density * (double)size);
        break;
    }
    return k < size ? k : size;
}

int sg_prune_mask(const sg_prune_spec *s, const double *w, int rows, int cols, uint8_t *mask,
                  char *err, size_t errlen)
{
    if (sg_prune_spec_check(s, rows, cols, err, errlen) != 0)
        return -1;
    long long total = (long long)rows * cols;
    cand *c = malloc((size_t)total * sizeof *c);
    int *size = s->pattern == SG_PRUNE_BBS ? calloc((size_t)s->banks, sizeof *size) : NULL;
    if (!c || (s->pattern == SG_PRUNE_BBS && !size)) {
        free(c);
        free(size);
        return fail(err, errlen, "prune: out of memory for a %d x %d matrix", rows, cols);
    }
    memset(mask, 0, (size_t)total);
    switch (s->pattern) {
    case SG_PRUNE_UNSTRUCTURED:
        for (long long i = 0; i < total; i++)
            c[i] = (cand){fabs(w[i]), i};
        keep_top(c, total, unit_keep(s, total, total), mask);
        break;
    case SG_PRUNE_BBS: {
        /* the columns grouped by bank once (bank b at bcol[start[b] ..]) */
        int big = bank_sizes(s, cols, size);
        int *start = malloc(((size_t)s->banks + 1) * sizeof *start);
        int *bcol = malloc((size_t)cols * sizeof *bcol);
        if (!start || !bcol) {
            free(start);
            free(bcol);
            free(c);
            free(size);
            return fail(err, errlen, "prune: out of memory for a %d x %d matrix", rows, cols);
        }
        start[0] = 0;
        for (int b = 0; b < s->banks; b++)
            start[b + 1] = start[b] + size[b];
        for (int j = 0; j < cols; j++)
            bcol[start[bank_of(s, cols, j)]++] = j;
        for (int b = s->banks; b > 0; b--) /* the fill moved each start to the next bank's */
            start[b] = start[b - 1];
        start[0] = 0;
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < s->banks; b++) {
                long long n = 0;
                for (int i = start[b]; i < start[b + 1]; i++)
                    c[n++] = (cand){fabs(w[(long long)r * cols + bcol[i]]),
                                    (long long)r * cols + bcol[i]};
                keep_top(c, n, unit_keep(s, n, big), mask);
            }
        free(start);
        free(bcol);
        break;
    }
    case SG_PRUNE_NM:
        for (int r = 0; r < rows; r++)
            for (int j0 = 0; j0 < cols; j0 += s->m) {
                long long n = 0;
                for (int j = j0; j < cols && j < j0 + s->m; j++)
                    c[n++] = (cand){fabs(w[(long long)r * cols + j]), (long long)r * cols + j};
                keep_top(c, n, unit_keep(s, n, n), mask);
            }
        break;
    case SG_PRUNE_BLOCK: {
        /* one candidate per block (its L2 norm, at its index), then the
         * kept blocks' positions */
        int nbr = (rows + s->bh - 1) / s->bh, nbc = (cols + s->bw - 1) / s->bw;
        long long nb = (long long)nbr * nbc;
        uint8_t *keep = calloc((size_t)nb, 1);
        if (!keep) {
            free(c);
            return fail(err, errlen, "prune: out of memory for %lld blocks", nb);
        }
        for (long long bi = 0; bi < nb; bi++) {
            int r0 = (int)(bi / nbc) * s->bh, c0 = (int)(bi % nbc) * s->bw;
            double ss = 0.0;
            for (int r = r0; r < rows && r < r0 + s->bh; r++)
                for (int j = c0; j < cols && j < c0 + s->bw; j++)
                    ss += w[(long long)r * cols + j] * w[(long long)r * cols + j];
            c[bi] = (cand){sqrt(ss), bi};
        }
        keep_top(c, nb, unit_keep(s, nb, nb), keep);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
                mask[(long long)r * cols + j] = keep[(long long)(r / s->bh) * nbc + j / s->bw];
        free(keep);
        break;
    }
    case SG_PRUNE_GROUPS:
        for (int r0 = 0; r0 < rows; r0 += s->group_rows)
            for (int c0 = 0; c0 < cols; c0 += s->group_cols) {
                long long n = 0;
                for (int r = r0; r < rows && r < r0 + s->group_rows; r++)
                    for (int j = c0; j < cols && j < c0 + s->group_cols; j++)
                        c[n++] = (cand){fabs(w[(long long)r * cols + j]), (long long)r * cols + j};
                keep_top(c, n, unit_keep(s, n, n), mask);
            }
        break;
    }
    free(c);
    free(size);
    return 0;
}

int sg_prune(const sg_prune_spec *s, double *w, int rows, int cols, long long *kept, char *err,
             size_t errlen)
{
    long long total = (long long)rows * (cols > 0 ? cols : 0);
    uint8_t *mask = malloc(total > 0 ? (size_t)total : 1);
    if (!mask)
        return fail(err, errlen, "prune: out of memory for a %d x %d matrix", rows, cols);
    int rc = sg_prune_mask(s, w, rows, cols, mask, err, errlen);
    long long k = 0;
    for (long long i = 0; rc == 0 && i < total; i++) {
        if (!mask[i])
            w[i] = 0.0;
        k += mask[i];
    }
    if (kept)
        *kept = k;
    free(mask);
    return rc;
}

int sg_prune_global(double sparsity, double *const *w, const int *rows, const int *cols, int n,
                    uint8_t *const *masks, char *err, size_t errlen)
{
    if (!(sparsity >= 0.0 && sparsity <= 1.0))
        return fail(err, errlen, "prune: sparsity %g, legal range 0..1", sparsity);
    long long total = 0;
    for (int l = 0; l < n; l++) {
        if (rows[l] < 1 || cols[l] < 1)
            return fail(err, errlen, "prune: matrix %d is %d x %d, both must be >= 1", l,
                        rows[l], cols[l]);
        total += (long long)rows[l] * cols[l];
    }
    cand *c = malloc((size_t)(total > 0 ? total : 1) * sizeof *c);
    uint8_t *all = malloc((size_t)(total > 0 ? total : 1));
    if (!c || !all) {
        free(c);
        free(all);
        return fail(err, errlen, "prune: out of memory for %lld weights", total);
    }
    long long at = 0;
    for (int l = 0; l < n; l++)
        for (long long i = 0; i < (long long)rows[l] * cols[l]; i++, at++)
            c[at] = (cand){fabs(w[l][i]), at};
    keep_top(c, total, round_ll((1.0 - sparsity) * (double)total), all);
    at = 0;
    for (int l = 0; l < n; l++) {
        long long m = (long long)rows[l] * cols[l];
        memcpy(masks[l], all + at, (size_t)m);
        at += m;
    }
    free(c);
    free(all);
    return 0;
}

int sg_prune_check(const sg_prune_spec *s, const uint8_t *mask, int rows, int cols, char *err,
                   size_t errlen)
{
    if (sg_prune_spec_check(s, rows, cols, err, errlen) != 0)
        return -1;
    long long total = (long long)rows * cols, kept = 0;
    switch (s->pattern) {
    case SG_PRUNE_UNSTRUCTURED:
        for (long long i = 0; i < total; i++)
            kept += mask[i];
        if (kept != unit_keep(s, total, total))
            return fail(err, errlen, "prune unstructured: %lld of %lld kept, expected %lld", kept,
                        total, unit_keep(s, total, total));
        return 0;
    case SG_PRUNE_BBS: {
        int *size = calloc((size_t)s->banks, sizeof *size);
        long long *cnt = calloc((size_t)s->banks, sizeof *cnt);
        if (!size || !cnt) {
            free(size);
            free(cnt);
            return fail(err, errlen, "prune: out of memory");
        }
        int big = bank_sizes(s, cols, size), rc = 0;
        for (int r = 0; r < rows && rc == 0; r++) {
            memset(cnt, 0, (size_t)s->banks * sizeof *cnt);
            for (int j = 0; j < cols; j++)
                cnt[bank_of(s, cols, j)] += mask[(long long)r * cols + j];
            for (int b = 0; b < s->banks && rc == 0; b++)
                if (cnt[b] != unit_keep(s, size[b], big))
                    rc = fail(err, errlen,
                              "prune bbs: row %d bank %d keeps %lld of %d, expected %lld", r, b,
                              cnt[b], size[b], unit_keep(s, size[b], big));
        }
        free(size);
        free(cnt);
        return rc;
    }
    case SG_PRUNE_NM:
        for (int r = 0; r < rows; r++)
            for (int j0 = 0; j0 < cols; j0 += s->m) {
                long long n = 0, k = 0;
                for (int j = j0; j < cols && j < j0 + s->m; j++, n++)
                    k += mask[(long long)r * cols + j];
                if (k != unit_keep(s, n, n))
                    return fail(err, errlen,
                                "prune nm: row %d columns %d..%lld keep %lld, expected %lld", r,
                                j0, j0 + n - 1, k, unit_keep(s, n, n));
            }
        return 0;
    case SG_PRUNE_BLOCK: {
        int nbr = (rows + s->bh - 1) / s->bh, nbc = (cols + s->bw - 1) / s->bw;
        long long nb = (long long)nbr * nbc, kb = 0;
        for (long long bi = 0; bi < nb; bi++) {
            int r0 = (int)(bi / nbc) * s->bh, c0 = (int)(bi % nbc) * s->bw;
            long long n = 0, k = 0;
            for (int r = r0; r < rows && r < r0 + s->bh; r++)
                for (int j = c0; j < cols && j < c0 + s->bw; j++, n++)
                    k += mask[(long long)r * cols + j];
            if (k != 0 && k != n)
                return fail(err, errlen,
                            "prune block: block at row %d column %d keeps %lld of %lld (must "
                            "be all or none)", r0, c0, k, n);
            kb += k != 0;
        }
        if (kb != unit_keep(s, nb, nb))
            return fail(err, errlen, "prune block: %lld of %lld blocks kept, expected %lld", kb,
                        nb, unit_keep(s, nb, nb));
        return 0;
    }
    case SG_PRUNE_GROUPS:
        for (int r0 = 0; r0 < rows; r0 += s->group_rows)
            for (int c0 = 0; c0 < cols; c0 += s->group_cols) {
                long long n = 0, k = 0;
                for (int r = r0; r < rows && r < r0 + s->group_rows; r++)
                    for (int j = c0; j < cols && j < c0 + s->group_cols; j++, n++)
                        k += mask[(long long)r * cols + j];
                if (k != unit_keep(s, n, n))
                    return fail(err, errlen,
                                "prune groups: tile at row %d column %d keeps %lld of %lld, "
                                "expected %lld", r0, c0, k, n, unit_keep(s, n, n));
            }
        return 0;
    }
    return fail(err, errlen, "prune: unknown pattern");
}
