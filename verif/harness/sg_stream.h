// sg_stream.h: the stream half of the lockstep core -- seeded stalls, the
// command source and result sink that draw them, beat words to and from
// Verilator's port types, and the first lane of a result beat that differs
// from its expectation.
//
// It needs neither the golden library nor a configuration: the AXI
// testbench (verif/axi/tb_axi.cpp), whose programs come as hex files, uses
// it alone; sg_lockstep.h builds the program-level lockstep on it for the
// Verilator harness (tb.cpp) and the SystemC model (verif/systemc).
//
// Stalls come from C (xorshift64, seeded), not from the simulator, so any
// run replays exactly from its printed seed -- and two testbenches that
// draw in the same order see the same stalls, cycle for cycle: per cycle,
// first the source (only while a beat waits to be offered), then the sink.
#ifndef SG_STREAM_H
#define SG_STREAM_H

#include <cstddef>
#include <cstdint>

#include "verilated.h"

namespace sg {

// xorshift64
struct Rng {
    uint64_t s; // state, never 0
    explicit Rng(uint64_t seed) : s(seed ? seed : 0x9e3779b97f4a7c15ULL) {}
    uint64_t next()
    {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    // true pct times in 100; pct <= 0 draws nothing
    bool percent(int pct) { return pct > 0 && (int)(next() % 100) < pct; }
    // 0 .. n-1; n <= 0 draws nothing
    int below(int n) { return n > 0 ? (int)(next() % (uint64_t)n) : 0; }
};

// The command side of a valid/ready stream: a waiting beat is held back a
// cycle with stall_pct % chance, else offered; once valid it stays until
// taken (valid never waits for ready, as the RTL's handshake rule says).
struct Source {
    int stall_pct = 0;    // chance a waiting beat is held back this cycle
    bool valid = false;   // a beat is on offer
    long long stalls = 0; // cycles a waiting beat was held back

    // This cycle's valid; `waiting`: a beat is there to be offered.
    bool offer(Rng &rng, bool waiting)
    {
        if (!valid && waiting) {
            if (rng.percent(stall_pct)) stalls++;
            else valid = true;
        }
        return valid;
    }
    // The beat on offer moved (valid and ready at the edge): the next one waits.
    void sent() { valid = false; }
};

// The result side: ready unless a stall is drawn, one draw every cycle.
struct Sink {
    int stall_pct = 0;    // chance of refusing a result this cycle
    bool ready = false;   // this cycle's m_axis_tready
    long long stalls = 0; // cycles a valid result was refused

    bool accept(Rng &rng)
    {
        ready = !rng.percent(stall_pct);
        return ready;
    }
    // With the DUT's outputs for this cycle: does a result beat move?
    bool fire(bool valid)
    {
        if (valid && !ready) stalls++;
        return valid && ready;
    }
};

// ---- beat words (32 bits each, word 0 least significant) to and from the
// port types Verilator picks for a stream: IData up to 32 bits, QData up to
// 64, VlWide<N> beyond (IData and QData are also SystemC's uint32_t and
// uint64_t ports) --------------------------------------------------------------
inline void put_beat(IData &d, const uint32_t *w) { d = w[0]; }
inline void put_beat(QData &d, const uint32_t *w) { d = (QData)w[0] | ((QData)w[1] << 32); }
template <std::size_t N> void put_beat(VlWide<N> &d, const uint32_t *w)
{
    for (std::size_t i = 0; i < N; i++) d[i] = w[i];
}
inline void get_beat(const IData &d, uint32_t *w) { w[0] = d; }
inline void get_beat(const QData &d, uint32_t *w)
{
    w[0] = (uint32_t)d;
    w[1] = (uint32_t)(d >> 32);
}
template <std::size_t N> void get_beat(const VlWide<N> &d, uint32_t *w)
{
    for (std::size_t i = 0; i < N; i++) w[i] = d[i];
}

// The first lane of a result beat (lanes of data_w bits packed from bit 0)
// whose bits differ from the expectation's, among the lanes checked(lane)
// accepts; -1 when they all agree.  *bit: the lowest differing bit of it.
template <class Checked>
int first_difference(const uint32_t *got, const uint32_t *exp, int lanes, int data_w, Checked checked,
                     int *bit = nullptr)
{
    for (int lane = 0; lane < lanes; lane++) {
        if (!checked(lane)) continue;
        for (int b = 0; b < data_w; b++) {
            int pos = lane * data_w + b;
            if ((got[pos / 32] ^ exp[pos / 32]) >> (pos % 32) & 1) {
                if (bit) *bit = b;
                return lane;
            }
        }
    }
    return -1;
}

} // namespace sg

#endif
