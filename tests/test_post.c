/* test_post.c: hand-computed checks of wrap, saturate, shift, requant and activations. */
#include <stdint.h>
#include <string.h>

#include "sg_post.h"
#include "tap.h"

/* One requant case: inputs and the value worked out by hand. */
struct rq_case {
    int64_t acc;    /* accumulator */
    int32_t m;      /* multiplier */
    int s;          /* shift */
    int data_w;     /* output bits */
    int64_t want;   /* expected result */
    const char *why; /* the arithmetic, for the TAP line */
};

static const struct rq_case rq_cases[] = {
    /* round half up: ties go towards +infinity */
    {3, 1, 1, 8, 2, "3/2 = 1.5 -> 2"},
    {-3, 1, 1, 8, -1, "-3/2 = -1.5 -> -1"},
    {-5, 1, 2, 8, -1, "-5/4 = -1.25 -> -1"},
    {-6, 1, 2, 8, -1, "-6/4 = -1.5 -> -1 (tie up)"},
    {-7, 1, 2, 8, -2, "-7/4 = -1.75 -> -2"},
    {5, 1, 2, 8, 1, "5/4 = 1.25 -> 1"},
    {6, 1, 2, 8, 2, "6/4 = 1.5 -> 2 (tie up)"},
    {1, 1, 1, 8, 1, "1/2 = 0.5 -> 1"},
    {-1, 1, 1, 8, 0, "-1/2 = -0.5 -> 0"},
    {100, 3, 4, 8, 19, "300/16 = 18.75 -> 19"},
    {-100, 3, 4, 8, -19, "-300/16 = -18.75 -> -19"},
    {100, -3, 4, 8, -19, "negative multiplier: -300/16 -> -19"},
    {-8, 1, 4, 8, 0, "-8/16 = -0.5 -> 0"},
    {-24, 1, 4, 8, -1, "-24/16 = -1.5 -> -1"},
    /* S = 0: no rounding term, plain product */
    {7, 5, 0, 8, 35, "S=0: 7*5"},
    {-7, 5, 0, 8, -35, "S=0: -7*5"},
    {-1, 1, 0, 8, -1, "S=0: -1 stays -1"},
    /* saturation, 8 bits */
    {127, 1, 0, 8, 127, "8-bit top edge"},
    {128, 1, 0, 8, 127, "8-bit saturates high"},
    {-128, 1, 0, 8, -128, "8-bit bottom edge"},
    {-129, 1, 0, 8, -128, "8-bit saturates low"},
    {255, 1, 1, 8, 127, "255/2 = 127.5 -> 128 -> 127"},
    {-257, 1, 1, 8, -128, "-257/2 = -128.5 -> -128"},
    {-259, 1, 1, 8, -128, "-259/2 = -129.5 -> -129 -> -128"},
    {1000000, 1000, 10, 8, 127, "1e9/1024 saturates high"},
    {-1000000, 1000, 10, 8, -128, "-1e9/1024 saturates low"},
    /* saturation, 16 bits */
    {32767, 1, 0, 16, 32767, "16-bit top edge"},
    {32768, 1, 0, 16, 32767, "16-bit saturates high"},
    {-32768, 1, 0, 16, -32768, "16-bit bottom edge"},
    {-32769, 1, 0, 16, -32768, "16-bit saturates low"},
    {65535, 1, 1, 16, 32767, "65535/2 = 32767.5 -> 32768 -> 32767"},
    {-65537, 1, 1, 16, -32768, "-65537/2 = -32768.5 -> -32768"},
    /* extremes: acc = m = INT32_MIN, product 2^62 */
    {INT32_MIN, INT32_MIN, 62, 8, 1, "2^62/2^62 + round -> 1"},
    {INT32_MIN, INT32_MIN, 62, 16, 1, "2^62/2^62, 16-bit -> 1"},
    {INT32_MIN, INT32_MIN, 0, 16, 32767, "2^62 at S=0 saturates 16-bit"},
    {INT32_MIN, INT32_MIN, 0, 8, 127, "2^62 at S=0 saturates 8-bit"},
    {INT32_MIN, INT32_MAX, 62, 8, -1, "(-2^62 + 2^31)/2^62 -> -1"},
    {INT32_MIN, INT32_MAX, 0, 16, -32768, "-2^62 + 2^31 at S=0 saturates"},
    {INT32_MAX, INT32_MAX, 62, 8, 1, "(2^31-1)^2/2^62 = 0.99.. -> 1"},
    {INT32_MIN, 1, 31, 8, -1, "-2^31/2^31 = -1"},
    {INT32_MIN, 1, 32, 8, 0, "-2^31/2^32 = -0.5 -> 0"},
    {INT32_MIN, 1, 62, 8, 0, "-2^31/2^62 -> 0"},
    {0, INT32_MIN, 62, 8, 0, "0 stays 0 with the largest shift"},
};

static void test_requant(void)
{
    size_t i;

    for (i = 0; i < sizeof rq_cases / sizeof rq_cases[0]; i++) {
        const struct rq_case *t = &rq_cases[i];
        int64_t got = sg_requant(t->acc, t->m, t->s, t->data_w);

        tap_ok(got == t->want, "requant(%lld, %ld, %d, %d) = %lld (want %lld): %s",
               (long long)t->acc, (long)t->m, t->s, t->data_w, (long long)got,
               (long long)t->want, t->why);
    }
}

/* One wrap case. */
struct wrap_case {
    int64_t x;    /* input */
    int bits;     /* width */
    int64_t want; /* expected */
};

static const struct wrap_case wrap_cases[] = {
    {32767, 16, 32767},
    {32768, 16, -32768},
    {65535, 16, -1},
    {65536, 16, 0},
    {-32769, 16, 32767},
    {-65536, 16, 0},
    {100000, 16, -31072}, /* 100000 mod 65536 = 34464 >= 2^15 -> 34464 - 65536 */
    {8388607, 24, 8388607},
    {8388608, 24, -8388608},
    {-8388609, 24, 8388607},
    {16777216 + 5, 24, 5},
    {-16777216 - 5, 24, -5},
    {INT32_MAX, 32, INT32_MAX},
    {(int64_t)INT32_MAX + 1, 32, INT32_MIN},
    {INT32_MIN, 32, INT32_MIN},
    {(int64_t)INT32_MIN - 1, 32, INT32_MAX},
    {(int64_t)1 << 32, 32, 0},
    {((int64_t)1 << 40) + 123, 32, 123},
    {-((int64_t)1 << 40) - 123, 32, -123},
    {INT64_MIN, 32, 0},
    {INT64_MAX, 32, -1},
    {INT64_MIN, 64, INT64_MIN},
    {INT64_MAX, 63, -1},
    {INT64_MIN, 63, 0},
    {1, 1, -1},
    {2, 1, 0},
    {-1, 1, -1},
};

static void test_wrap(void)
{
    size_t i;

    for (i = 0; i < sizeof wrap_cases / sizeof wrap_cases[0]; i++) {
        const struct wrap_case *t = &wrap_cases[i];
        int64_t got = sg_wrap(t->x, t->bits);

        tap_ok(got == t->want, "wrap(%lld, %d) = %lld (want %lld)", (long long)t->x,
               t->bits, (long long)got, (long long)t->want);
    }
}

/* Saturation edges at several widths. */
static void test_sat(void)
{
    tap_ok(sg_sat(127, 8) == 127 && sg_sat(128, 8) == 127, "sat 8 high");
    tap_ok(sg_sat(-128, 8) == -128 && sg_sat(-129, 8) == -128, "sat 8 low");
    tap_ok(sg_sat(32767, 16) == 32767 && sg_sat(40000, 16) == 32767, "sat 16 high");
    tap_ok(sg_sat(-32768, 16) == -32768 && sg_sat(-40000, 16) == -32768, "sat 16 low");
    tap_ok(sg_sat(INT64_MAX, 32) == INT32_MAX && sg_sat(INT64_MIN, 32) == INT32_MIN,
           "sat 32 from int64 extremes");
    tap_ok(sg_sat(INT64_MAX, 63) == INT64_MAX / 2 && sg_sat(INT64_MIN, 63) == INT64_MIN / 2,
           "sat 63 edges");
    tap_ok(sg_sat(5, 1) == 0 && sg_sat(-5, 1) == -1, "sat 1 bit is -1 .. 0");
}

/* One arithmetic shift case. */
struct asr_case {
    int64_t x;    /* input */
    int s;        /* shift */
    int64_t want; /* floor(x / 2^s) */
};

static const struct asr_case asr_cases[] = {
    {-1, 1, -1},   {-3, 1, -2},   {-5, 1, -3},   {-7, 2, -2},  {-9, 3, -2},
    {-1, 63, -1},  {-15, 4, -1},  {-17, 4, -2},  {-16, 4, -1}, {7, 1, 3},
    {7, 0, 7},     {-7, 0, -7},   {5, 2, 1},     {INT64_MIN, 63, -1},
    {INT64_MIN, 1, INT64_MIN / 2}, {INT64_MAX, 63, 0}, {INT64_MIN + 1, 62, -2},
};

static void test_asr(void)
{
    size_t i;

    for (i = 0; i < sizeof asr_cases / sizeof asr_cases[0]; i++) {
        const struct asr_case *t = &asr_cases[i];
        int64_t got = sg_asr(t->x, t->s);

        tap_ok(got == t->want, "asr(%lld, %d) = %lld (want %lld)", (long long)t->x, t->s,
               (long long)got, (long long)t->want);
    }
}

static void test_activate(void)
{
    tap_ok(sg_activate(-5, SG_ACT_NONE, 0) == -5, "none keeps negatives");
    tap_ok(sg_activate(1000, SG_ACT_NONE, 6) == 1000, "none ignores act_max");
    tap_ok(sg_activate(-5, SG_ACT_RELU, 0) == 0, "relu zeroes negatives");
    tap_ok(sg_activate(0, SG_ACT_RELU, 0) == 0, "relu of 0");
    tap_ok(sg_activate(100, SG_ACT_RELU, 6) == 100, "relu ignores act_max");
    tap_ok(sg_activate(-128, SG_ACT_RELU6, 96) == 0, "relu6 low clamp");
    tap_ok(sg_activate(50, SG_ACT_RELU6, 96) == 50, "relu6 passes the middle");
    tap_ok(sg_activate(96, SG_ACT_RELU6, 96) == 96, "relu6 at act_max");
    tap_ok(sg_activate(97, SG_ACT_RELU6, 96) == 96, "relu6 high clamp");
    tap_ok(sg_activate(127, SG_ACT_RELU6, 96) == 96, "relu6 clamps the 8-bit top");
}

static void test_names(void)
{
    static const sg_act acts[] = {SG_ACT_NONE, SG_ACT_RELU, SG_ACT_RELU6};
    size_t i;

    for (i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        const char *name = sg_act_name(acts[i]);

        tap_ok(sg_act_parse(name) == (int)acts[i], "act %d -> \"%s\" -> back", (int)acts[i],
               name);
    }
    tap_ok(strcmp(sg_act_name(SG_ACT_RELU6), "relu6") == 0, "relu6 name");
    tap_ok(sg_act_parse("tanh") == -1, "unknown name \"tanh\" is -1");
    tap_ok(sg_act_parse("RELU") == -1, "names are case-sensitive");
    tap_ok(sg_act_parse("") == -1, "empty name is -1");
    tap_ok(sg_act_parse(NULL) == -1, "null name is -1");
}

int main(void)
{
    (void)tap_skip_all; /* part of tap.h, not needed here */
    tap_diag("requant rounds half up: (acc * m + 2^(s-1)) >>> s, then saturates");
    test_requant();
    test_wrap();
    test_sat();
    test_asr();
    test_activate();
    test_names();
    return tap_done();
}
