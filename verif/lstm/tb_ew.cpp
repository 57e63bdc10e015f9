// tb_ew: the LSTM element-wise unit (rtl_templates/sg_lstm_ew.v) against the
// golden sg_lstm_cell, cycle by cycle: random gate pre-activations and cell
// states (including the saturating corners) on random cycles, every output
// compared.  Usage: tb_ew DATA_W TABLE_BITS LANES CYCLES SEED
// Prints "PASS <results>" or "FAIL <what>" and exits 0 / 1.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <vector>

#include "Vsg_lstm_ew.h"
#include "verilated.h"

extern "C" {
#include "sg_lstm.h"
}

static uint64_t rng = 1;
static uint64_t next_rand()
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

// Bits [bit, bit + n) of a Verilator port, n <= 32.
template <typename T> static void put(T &port, int bit, int n, uint32_t v)
{
    uint64_t mask = ((n == 64) ? ~0ULL : ((1ULL << n) - 1)) << bit;
    port = (T)((port & ~mask) | (((uint64_t)v << bit) & mask));
}
template <std::size_t W> static void put(VlWide<W> &port, int bit, int n, uint32_t v)
{
    for (int i = 0; i < n; i++) {
        int b = bit + i;
        uint32_t m = 1u << (b % 32);
        port[b / 32] = (v >> i & 1) ? (port[b / 32] | m) : (port[b / 32] & ~m);
    }
}
template <typename T> static uint32_t get(const T &port, int bit, int n)
{
    return (uint32_t)(((uint64_t)port >> bit) & ((n == 32) ? 0xffffffffULL : ((1ULL << n) - 1)));
}
template <std::size_t W> static uint32_t get(const VlWide<W> &port, int bit, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint32_t)((port[(bit + i) / 32] >> ((bit + i) % 32)) & 1u) << i;
    return v;
}

static int32_t rand_z()
{
    switch (next_rand() % 4) {
    case 0: return (int32_t)(next_rand() % 65536) - 32768;      // anywhere in Q3.12
    case 1: return (int32_t)(next_rand() % 8193) - 4096;        // |z| <= 1
    case 2: return (next_rand() & 1) ? 32767 : -32768;          // the ends
    default: return (int32_t)(next_rand() % 32768) - 16384;     // |z| <= 4
    }
}

static int32_t rand_c()
{
    switch (next_rand() % 4) {
    case 0: return (int32_t)(uint32_t)next_rand();                           // any 32 bits
    case 1: return (next_rand() & 1) ? INT32_MAX : INT32_MIN;               // saturation
    default: return (int32_t)(next_rand() % (1u << 20)) - (1 << 19);         // |c| < 16
    }
}

struct Expect {
    std::vector<int32_t> h, c;
};

int main(int argc, char **argv)
{
    if (argc < 6) {
        std::fprintf(stderr, "usage: tb_ew DATA_W TABLE_BITS LANES CYCLES SEED\n");
        return 2;
    }
    int data_w = std::atoi(argv[1]), bits = std::atoi(argv[2]), lanes = std::atoi(argv[3]);
    long cycles = std::atol(argv[4]);
    rng = std::strtoull(argv[5], nullptr, 10) | 1;
    char err[256];
    sg_lstm_fmt f;
    if (sg_lstm_fmt_derive(&f, data_w, bits, 1, err, sizeof err) != 0) {
        std::printf("FAIL %s\n", err);
        return 1;
    }
    Verilated::commandArgs(argc, argv);
    Vsg_lstm_ew *t = new Vsg_lstm_ew;
    t->clk_i = 0;
    t->rst_i = 1;
    t->valid_i = 0;
    t->en_i = 1;
    for (int i = 0; i < 4; i++) {
        t->clk_i = !t->clk_i;
        t->eval();
    }
    t->rst_i = 0;
    std::deque<Expect> q;
    long checked = 0;
    for (long cyc = 0; cyc < cycles + 16; cyc++) {
        // en_i low one cycle in eight: the unit must hold everything
        bool en = cyc >= cycles || next_rand() % 8 != 0;
        bool v = en && cyc < cycles && next_rand() % 10 < 7;
        t->en_i = en;
        t->valid_i = v;
        Expect e;
        for (int l = 0; l < lanes; l++) {
            int32_t z[4], c = rand_c();
            for (int g = 0; g < 4; g++) {
                z[g] = rand_z();
                put(t->z_i, l * 64 + g * 16, 16, (uint32_t)z[g] & 0xffffu);
            }
            put(t->c_i, l * 32, 32, (uint32_t)c);
            if (v) {
                int32_t cn;
                int32_t h = sg_lstm_cell(&f, z[0], z[1], z[2], z[3], c, &cn);
                e.h.push_back(h);
                e.c.push_back(cn);
            }
        }
        if (v)
            q.push_back(e);
        t->clk_i = 1;
        t->eval();
        t->clk_i = 0;
        t->eval();
        if (en && t->valid_o) {
            if (q.empty()) {
                std::printf("FAIL valid_o with nothing expected at cycle %ld\n", cyc);
                return 1;
            }
            Expect x = q.front();
            q.pop_front();
            for (int l = 0; l < lanes; l++) {
                int32_t h = (int32_t)(get(t->h_o, l * data_w, data_w) << (32 - data_w)) >> (32 - data_w);
                int32_t c = (int32_t)get(t->c_o, l * 32, 32);
                if (h != x.h[l] || c != x.c[l]) {
                    std::printf("FAIL lane %d at cycle %ld: h %d c %d, golden h %d c %d\n", l, cyc, h, c,
                                x.h[l], x.c[l]);
                    return 1;
                }
                checked++;
            }
        }
    }
    if (!q.empty()) {
        std::printf("FAIL %zu results never came out\n", q.size());
        return 1;
    }
    std::printf("PASS %ld\n", checked);
    t->final();
    delete t;
    sg_lstm_fmt_free(&f);
    return 0;
}
