/* sg_post.c: wrap, saturate, requantize and activate, free of undefined behaviour. */
#include "sg_post.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Arguments outside the documented ranges get a defined result instead of
 * undefined behaviour: widths are clamped to what an int64_t can express.
 * The generator validates the configuration, so in-range calls are the rule. */

int64_t sg_wrap(int64_t x, int bits)
{
    uint64_t mask, u;

    if (bits >= 64)
        return x;
    if (bits < 1)
        return 0; /* a zero-bit number can only be 0 */
    mask = ((uint64_t)1 << bits) - 1;
    u = (uint64_t)x & mask; /* conversion to unsigned is modulo 2^64 */
    if (!(u >> (bits - 1)))
        return (int64_t)u; /* sign bit clear: u < 2^(bits-1) fits */
    /* Sign bit set: the value is u - 2^bits, computed as -(2^bits - u) so that
     * neither the unsigned-to-signed conversion nor the subtraction overflows
     * (2^bits - u <= 2^(bits-1) <= 2^62). */
    return -(int64_t)(((uint64_t)1 << bits) - u);
}

int64_t sg_sat(int64_t x, int bits)
{
    int64_t hi, lo;

    if (bits >= 64)
        return x;
    if (bits < 1)
        return 0;
    hi = (int64_t)(((uint64_t)1 << (bits - 1)) - 1);
    lo = -hi - 1;
    if (x > hi)
        return hi;
    if (x < lo)
        return lo;
    return x;
}

int64_t sg_asr(int64_t x, int s)
{
    if (s <= 0)
        return x;
    if (s > 63)
        s = 63;
    if (x >= 0)
        return x >> s;
    /* floor(x / 2^s) for x < 0 is -(floor((-x - 1) / 2^s)) - 1; -x - 1 is
     * written -(x + 1) so that x = INT64_MIN does not overflow. */
    return -((-(x + 1)) >> s) - 1;
}

int64_t sg_requant(int64_t acc, int32_t m, int s, int data_w)
{
    int64_t p;

    /* Out-of-contract inputs: acc is saturated to 32 bits and s clamped to
     * 0 .. SG_SHIFT_MAX, which keeps |acc * m| + 2^(s-1) below 2^63. */
    acc = sg_sat(acc, 32);
    if (s < 0)
        s = 0;
    if (s > SG_SHIFT_MAX)
        s = SG_SHIFT_MAX;
    p = acc * (int64_t)m; /* |p| <= 2^62 */
    if (s > 0)
        p += (int64_t)1 << (s - 1); /* round half up */
    return sg_sat(sg_asr(p, s), data_w);
}

int64_t sg_activate(int64_t y, sg_act act, int64_t act_max)
{
    if (act == SG_ACT_RELU)
        return y < 0 ? 0 : y;
    if (act == SG_ACT_RELU6) {
        /* Upper clamp first, then lower, so the result is never negative
         * even for a (meaningless) negative act_max. */
        if (y > act_max)
            y = act_max;
        return y < 0 ? 0 : y;
    }
    return y; /* SG_ACT_NONE; unknown values act like it too */
}

/* Names indexed by sg_act; the order must follow the enum. */
static const char *const act_names[] = {"none", "relu", "relu6"};
#define ACT_COUNT ((int)(sizeof act_names / sizeof act_names[0]))

const char *sg_act_name(sg_act act)
{
    if ((int)act < 0 || (int)act >= ACT_COUNT)
        return "unknown";
    return act_names[act];
}

int sg_act_parse(const char *name)
{
    int i;

    if (!name)
        return -1;
    for (i = 0; i < ACT_COUNT; i++)
        if (strcmp(name, act_names[i]) == 0)
            return i;
    return -1;
}

int sg_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}
