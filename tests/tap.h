/* tap.h: a minimal Test Anything Protocol writer for the C unit tests.
 *
 * Usage: call tap_ok(cond, fmt, ...) for each check and end main() with
 * `return tap_done();`, which prints the plan ("1..N") and returns 0 only if
 * every check passed.  tap_skip_all(reason) exits 0 with "1..0 # SKIP".
 */
#ifndef SG_TAP_H
#define SG_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n_;      /* checks run so far */
static int tap_failed_; /* checks that failed */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    tap_n_++;
    if (!cond)
        tap_failed_++;
    printf("%s %d - ", cond ? "ok" : "not ok", tap_n_);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    return cond;
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static inline void tap_diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

static inline void tap_skip_all(const char *reason)
{
    printf("1..0 # SKIP %s\n", reason);
    exit(0);
}

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n_);
    return tap_failed_ ? 1 : 0;
}

#endif
