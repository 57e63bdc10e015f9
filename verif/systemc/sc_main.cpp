// sc_main.cpp: the lockstep harness as a SystemC testbench -- drives a
// compiled program into sparsegen_sc (verif/systemc/sparsegen_sc.h) through
// its stream ports, checks every result beat against the golden model as it
// leaves m_axis, and reads the perf counters and status through the TLM-2.0
// socket, with an initiator socket of its own.
//
// It does what verif/harness/tb.cpp does, cycle for cycle: the same options
// (a subset), the same xorshift stall stream drawn in the same order, the same
// checks and messages, the same JSON lines (the summary gains
// "simulator":"systemc" before "pass").  With the same seed and stalls both
// report the same cycles.  --regtest tests the register map instead.
//
// Clocking: inputs for a cycle are written just after a rising edge; the
// outputs they cause are sampled at the next rising edge, in the edge's
// first delta (signals still hold their pre-edge values, as tb.cpp's
// settle() sees them); one delta later the model has taken the edge (what
// tb.cpp sees after tick()).
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "sparsegen_sc.h"
#include "verilated.h"

#include "sparsegen_params.h"
extern "C" {
#include "sg_compile.h"
#include "sg_config.h"
#include "sg_model.h"
#include "sg_post.h"
#include "sg_random.h"
}

namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
typedef sparsegen_sc::stream_type beat_t;

// ---- stream data for every port type Verilator picks ----------------------
inline void put_beat(uint32_t &d, const uint32_t *w) { d = w[0]; }
inline void put_beat(uint64_t &d, const uint32_t *w) { d = (uint64_t)w[0] | ((uint64_t)w[1] << 32); }
template <int N> void put_beat(sc_dt::sc_bv<N> &d, const uint32_t *w)
{
    for (int i = 0; i < N / 32; i++) d.set_word(i, w[i]);
}
inline void get_beat(const uint32_t &d, uint32_t *w) { w[0] = d; }
inline void get_beat(const uint64_t &d, uint32_t *w) { w[0] = (uint32_t)d; w[1] = (uint32_t)(d >> 32); }
template <int N> void get_beat(const sc_dt::sc_bv<N> &d, uint32_t *w)
{
    for (int i = 0; i < N / 32; i++) w[i] = d.get_word(i);
}

struct Rng {
    uint64_t s; // xorshift64 state, never 0
    explicit Rng(uint64_t seed) : s(seed ? seed : 0x9e3779b97f4a7c15ULL) {}
    uint64_t next() { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
    bool percent(int pct) { return pct > 0 && (int)(next() % 100) < pct; }
};

const char *const RegtestSpec = "rows=37,cols=100,layers=2,pattern=unstructured,density=0.3,samples=2,seed=7";

struct Options {
    const char *argv0 = "sparsegen_sc";
    const char *config = nullptr, *model = nullptr, *random = nullptr;
    uint64_t seed = 1;
    int stall_in = 0, stall_out = 0, first = 0, samples = 0;
    long long max_cycles = 0, corrupt = -1;
    bool check = true, quiet = false, steps = false, regtest = false;
};

int bad_usage(const char *msg, const char *arg)
{
    std::fprintf(stderr, "harness: %s '%s'\n", msg, arg ? arg : "");
    return 2;
}

bool parse_ll(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    long long v = std::strtoll(s, &end, 10);
    if (end == s || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

int parse(int argc, char **argv, Options &o)
{
    if (argc > 0) o.argv0 = argv[0];
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
        long long x;
        auto need = [&](long long lo, long long hi) {
            if (!v || !parse_ll(v, lo, hi, &x)) return false;
            i++;
            return true;
        };
        if (a == "--config" && v) o.config = argv[++i];
        else if (a == "--model" && v) o.model = argv[++i];
        else if (a == "--random" && v) o.random = argv[++i];
        else if (a == "--seed") { if (!need(0, INT64_MAX)) return bad_usage("bad --seed", v); o.seed = (uint64_t)x; }
        else if (a == "--stall-in") { if (!need(0, 99)) return bad_usage("bad --stall-in (0..99)", v); o.stall_in = (int)x; }
        else if (a == "--stall-out") { if (!need(0, 99)) return bad_usage("bad --stall-out (0..99)", v); o.stall_out = (int)x; }
        else if (a == "--first") { if (!need(0, 1 << 30)) return bad_usage("bad --first", v); o.first = (int)x; }
        else if (a == "--samples") { if (!need(1, 1 << 30)) return bad_usage("bad --samples", v); o.samples = (int)x; }
        else if (a == "--max-cycles") { if (!need(1, INT64_MAX)) return bad_usage("bad --max-cycles", v); o.max_cycles = x; }
        else if (a == "--corrupt") { if (!need(0, INT64_MAX)) return bad_usage("bad --corrupt", v); o.corrupt = x; }
        else if (a == "--no-check") o.check = false;
        else if (a == "--quiet") o.quiet = true;
        else if (a == "--steps") o.steps = true;
        else if (a == "--regtest") o.regtest = true;
        else return bad_usage("unknown or incomplete option", argv[i]);
    }
    if (o.model && o.random) return bad_usage("give exactly one of --model FILE, --random SPEC", "");
    if (!o.model && !o.random) {
        if (!o.regtest) return bad_usage("give exactly one of --model FILE, --random SPEC", "");
        o.random = RegtestSpec;
    }
    return 0;
}

// ---- what a run leaves behind (as in tb.cpp) -------------------------------
// Per-layer share of the run: the counters' growth between the last result
// beat of the previous layer and the last result beat of this one.
struct LayerStat {
    long long outputs = 0, busy = 0, useful = 0, slots = 0, stall = 0;
};

struct Counters {
    long long busy, useful, slots, stall;
};

// The end of one LSTM step: its last h_t left m_axis at `cycle`.
struct StepEnd {
    int layer, sample, step;
    long long cycle;
    Counters at;
};

struct Result {
    long long out_beats = 0, outputs_checked = 0, mismatches = 0;
    long long in_stalls = 0, out_stalls = 0, start_cycle = 0, end_cycle = 0;
    std::string failure;
    std::vector<LayerStat> layer;
    std::vector<StepEnd> steps;
};

void charge(Result &r, int layer, const Counters &now, Counters &last)
{
    if (layer < 0 || layer >= (int)r.layer.size()) return;
    LayerStat &ls = r.layer[layer];
    ls.busy += now.busy - last.busy;
    ls.useful += now.useful - last.useful;
    ls.slots += now.slots - last.slots;
    ls.stall += now.stall - last.stall;
    last = now;
}

int32_t lane_value(const uint32_t *w, int lane, int data_w)
{
    uint64_t v = 0;
    for (int b = 0; b < data_w; b++) {
        int pos = lane * data_w + b;
        v |= (uint64_t)((w[pos / 32] >> (pos % 32)) & 1u) << b;
    }
    return (int32_t)sg_wrap((int64_t)v, data_w);
}

const char *status_name(tlm::tlm_response_status st)
{
    switch (st) {
    case tlm::TLM_OK_RESPONSE: return "TLM_OK_RESPONSE";
    case tlm::TLM_INCOMPLETE_RESPONSE: return "TLM_INCOMPLETE_RESPONSE";
    case tlm::TLM_GENERIC_ERROR_RESPONSE: return "TLM_GENERIC_ERROR_RESPONSE";
    case tlm::TLM_ADDRESS_ERROR_RESPONSE: return "TLM_ADDRESS_ERROR_RESPONSE";
    case tlm::TLM_COMMAND_ERROR_RESPONSE: return "TLM_COMMAND_ERROR_RESPONSE";
    case tlm::TLM_BURST_ERROR_RESPONSE: return "TLM_BURST_ERROR_RESPONSE";
    case tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE: return "TLM_BYTE_ENABLE_ERROR_RESPONSE";
    }
    return "unknown response";
}

double seconds_since(const timespec &t0)
{
    timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
}

// ---- the testbench module ---------------------------------------------------
class Bench : public sc_core::sc_module {
  public:
    sc_core::sc_in<bool> clk;
    sc_core::sc_out<bool> rst;
    sc_core::sc_out<beat_t> s_tdata;
    sc_core::sc_out<bool> s_tvalid;
    sc_core::sc_in<bool> s_tready;
    sc_core::sc_in<beat_t> m_tdata;
    sc_core::sc_in<bool> m_tvalid;
    sc_core::sc_out<bool> m_tready;
    sc_core::sc_in<bool> m_tlast;
    tlm_utils::simple_initiator_socket<Bench, 32> bus;

    // filled by the run
    Result result;
    long long cycles = 0, busy = 0, useful = 0, slots = 0, stall = 0;
    int reg_checks = 0, reg_failures = 0;
    double secs = 0;

    SC_HAS_PROCESS(Bench);
    Bench(sc_core::sc_module_name name, const Options &o, const sg_program &p, const sg_model &m,
          const sg_config &c, long long max_cycles)
        : sc_core::sc_module(name), clk("clk"), rst("rst"), s_tdata("s_tdata"), s_tvalid("s_tvalid"),
          s_tready("s_tready"), m_tdata("m_tdata"), m_tvalid("m_tvalid"), m_tready("m_tready"),
          m_tlast("m_tlast"), bus("bus"), o_(o), p_(p), m_(m), c_(c), max_cycles_(max_cycles), rng_(o.seed)
    {
        SC_THREAD(main);
    }

  private:
    // ---- register access through the socket --------------------------------
    // One transaction; the annotated delay is kept, not waited for: the
    // bench samples the registers at clock edges, as a monitor would.
    tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint32_t &data, unsigned len = 4,
                                    unsigned stream_w = 4, unsigned char *be = nullptr, unsigned be_len = 0)
    {
        unsigned char buf[8] = {0};
        std::memcpy(buf, &data, 4);
        tlm::tlm_generic_payload t;
        t.set_command(cmd);
        t.set_address(addr);
        t.set_data_ptr(buf);
        t.set_data_length(len);
        t.set_streaming_width(stream_w);
        t.set_byte_enable_ptr(be);
        t.set_byte_enable_length(be_len);
        t.set_dmi_allowed(false);
        t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        bus->b_transport(t, bus_time_);
        if (cmd == tlm::TLM_READ_COMMAND && t.is_response_ok()) std::memcpy(&data, buf, 4);
        return t.get_response_status();
    }

    uint32_t rd(uint32_t addr)
    {
        uint32_t v = 0;
        tlm::tlm_response_status st = access(tlm::TLM_READ_COMMAND, addr, v);
        if (st != tlm::TLM_OK_RESPONSE && bus_error_.empty()) {
            char msg[160];
            std::snprintf(msg, sizeof msg, "register read at 0x%03x failed: %s", addr, status_name(st));
            bus_error_ = msg;
        }
        return v;
    }

    // a 64-bit counter: LO first (it latches HI), in two statements
    uint64_t rd64(uint32_t lo)
    {
        uint64_t v = rd(lo);
        return v | (uint64_t)rd(lo + 4) << 32;
    }

    Counters read_counters()
    {
        return Counters{(long long)rd64(sg_reg::BUSY_LO), (long long)rd64(sg_reg::USEFUL_LO),
                        (long long)rd64(sg_reg::SLOTS_LO), (long long)rd64(sg_reg::STALL_LO)};
    }

    // ---- clocking ---------------------------------------------------------
    // Wait for the next rising edge: the outputs are still what the inputs
    // of this cycle made of them.
    void edge() { wait(clk.posedge_event()); }
    // ... and one delta later the model has taken the edge
    void after_edge() { wait(SC_ZERO_TIME); }

    void reset(int n)
    {
        rst.write(true);
        s_tvalid.write(false);
        m_tready.write(false);
        for (int i = 0; i < n; i++) {
            edge();
            cycle_++;
        }
        rst.write(false);
        after_edge();
    }

    bool rtl_error() const { return Verilated::threadContextp()->gotError(); }

    // ---- the lockstep run (tb.cpp's run_program) --------------------------
    // Drive the whole program; stop at the first mismatch.  stop_after_out
    // >= 0 abandons the program once that many result beats have arrived.
    void run_program(Result &r, long long stop_after_out = -1)
    {
        const sg_program &p = p_;
        const sg_model &m = m_;
        const int bw = p.beat_words;
        uint32_t got[16];
        long long in_i = 0, out_i = 0;
        bool presenting = false;
        beat_t beat = beat_t();
        r.start_cycle = cycle_;
        r.layer.assign(p.n_layers, LayerStat());
        Counters last = read_counters();
        for (;; r.out_beats = out_i) {
            if (cycle_ - r.start_cycle > max_cycles_) {
                char msg[256];
                std::snprintf(msg, sizeof msg,
                              "timeout after %lld cycles: %lld of %lld command beats sent, %lld of %lld result beats received",
                              max_cycles_, in_i, p.n_beats, out_i, p.n_out);
                r.failure = msg;
                return;
            }
            if (stop_after_out >= 0 && out_i >= stop_after_out) return;
            // drive inputs for this cycle (valid never waits for ready; once
            // asserted it stays until the beat is taken)
            if (!presenting && in_i < p.n_beats) {
                if (o_.stall_in > 0 && rng_.percent(o_.stall_in)) r.in_stalls++;
                else presenting = true;
            }
            s_tvalid.write(presenting);
            if (presenting) {
                put_beat(beat, p.beats + in_i * bw);
                s_tdata.write(beat);
            }
            bool ready = !(o_.stall_out > 0 && rng_.percent(o_.stall_out));
            m_tready.write(ready);
            edge();
            bool s_fire = presenting && s_tready.read();
            bool valid = m_tvalid.read();
            bool m_fire = valid && ready;
            if (valid && !ready) r.out_stalls++;
            if (m_fire) {
                if (out_i >= p.n_out) {
                    r.failure = "the RTL sent a result beat after the last expected one";
                    r.mismatches++;
                    return;
                }
                get_beat(m_tdata.read(), got);
                if (o_.check) {
                    const uint32_t *exp = p.out + out_i * bw;
                    for (int lane = 0; lane < p.elems; lane++) {
                        int32_t g = lane_value(got, lane, c_.data_w), e = lane_value(exp, lane, c_.data_w);
                        const sg_lane &L = p.lanes[out_i * p.elems + lane];
                        if (L.layer >= 0 && L.row < 0) continue; // discarded (flat CONV gap pixel)
                        if (L.layer >= 0) {
                            r.outputs_checked++;
                            r.layer[L.layer].outputs++;
                        }
                        if (g == e) continue;
                        char msg[512];
                        if (L.layer >= 0)
                            std::snprintf(msg, sizeof msg,
                                          "mismatch: layer %d (%s) row %d sample %d: expected %d, got %d at cycle %lld (result beat %lld lane %d)",
                                          L.layer, m.layers[L.layer].name, L.row, L.sample, e, g, cycle_, out_i, lane);
                        else
                            std::snprintf(msg, sizeof msg,
                                          "mismatch: padding lane %d of result beat %lld: expected %d, got %d at cycle %lld",
                                          lane, out_i, e, g, cycle_);
                        r.failure = msg;
                        r.mismatches++;
                        return;
                    }
                    bool tlast = m_tlast.read();
                    if (tlast != (bool)p.out_last[out_i]) {
                        char msg[256];
                        std::snprintf(msg, sizeof msg, "mismatch: tlast %d on result beat %lld, expected %d at cycle %lld",
                                      (int)tlast, out_i, (int)p.out_last[out_i], cycle_);
                        r.failure = msg;
                        r.mismatches++;
                        return;
                    }
                }
                // the last beat of an LSTM step
                if (p.out_last[out_i]) {
                    int k = p.elems - 1;
                    while (k > 0 && p.lanes[out_i * p.elems + k].layer < 0) k--;
                    const sg_lane &L = p.lanes[out_i * p.elems + k];
                    if (L.layer >= 0 && m.layers[L.layer].type == SG_LAYER_LSTM)
                        r.steps.push_back(StepEnd{L.layer, L.sample, L.row / m.layers[L.layer].out, cycle_,
                                                  read_counters()});
                }
                // the last beat of a layer's results closes its share of the counters
                int beat_layer = p.lanes[out_i * p.elems].layer;
                if (out_i + 1 == p.n_out || p.lanes[(out_i + 1) * p.elems].layer != beat_layer)
                    charge(r, beat_layer, read_counters(), last);
                out_i++;
            }
            cycle_++;
            after_edge();
            if (rtl_error()) {
                char msg[160];
                std::snprintf(msg, sizeof msg, "an RTL assertion failed (see above) at cycle %lld", cycle_);
                r.failure = msg;
                return;
            }
            if (s_fire) {
                in_i++;
                presenting = false;
            }
            if (in_i == p.n_beats && out_i == p.n_out && (rd(sg_reg::STATUS) & sg_reg::STATUS_IDLE)) break;
        }
        r.out_beats = out_i;
        r.end_cycle = cycle_;
    }

    // After a run: the counters and status through the socket, checked
    // against what the program implies (as tb.cpp does).
    void finish(Result &r, long long busy0)
    {
        Counters k = read_counters();
        busy = k.busy - busy0;
        useful = k.useful;
        slots = k.slots;
        stall = k.stall;
        bool err = (rd(sg_reg::STATUS) & sg_reg::STATUS_ERR) != 0;
        if (r.failure.empty() && !bus_error_.empty()) r.failure = bus_error_;
        if (r.failure.empty() && err) r.failure = "the RTL flagged a malformed command (err_o)";
        if (r.failure.empty()) {
            long long exp_busy = p_.words + p_.runs * (long long)SG_CFG_RUN_OVERHEAD + stall;
            char msg[512];
            if (useful != p_.useful_macs) {
                std::snprintf(msg, sizeof msg, "perf counter useful_macs %lld != %lld nonzero weights issued", useful,
                              p_.useful_macs);
                r.failure = msg;
            } else if (busy != exp_busy) {
                std::snprintf(msg, sizeof msg, "perf counter busy %lld != words %lld + runs %lld x %d + stalls %lld",
                              busy, p_.words, p_.runs, SG_CFG_RUN_OVERHEAD, stall);
                r.failure = msg;
            } else if (slots != busy * (long long)c_.lanes) {
                std::snprintf(msg, sizeof msg, "perf counter mac_slots %lld != busy %lld x %d lanes", slots, busy,
                              c_.lanes);
                r.failure = msg;
            }
        }
        cycles = cycle_;
    }

    // ---- register map self-test (--regtest) -------------------------------
    void expect(bool ok, const char *what)
    {
        reg_checks++;
        if (!ok) reg_failures++;
        if (!ok || !o_.quiet) std::printf("%s - regtest: %s\n", ok ? "ok" : "not ok", what);
    }

    void expect_reg(uint32_t addr, uint32_t want, const char *name)
    {
        uint32_t v = 0;
        tlm::tlm_response_status st = access(tlm::TLM_READ_COMMAND, addr, v);
        char what[160];
        std::snprintf(what, sizeof what, "%s (0x%03x) reads 0x%08x (got 0x%08x, %s)", name, addr, want, v,
                      st == tlm::TLM_OK_RESPONSE ? "ok" : "error response");
        expect(st == tlm::TLM_OK_RESPONSE && v == want, what);
    }

    void expect_status(tlm::tlm_response_status want, tlm::tlm_response_status got, const char *what)
    {
        char msg[256];
        std::snprintf(msg, sizeof msg, "%s: %s%s%s", what, status_name(want), want == got ? "" : ", got ",
                      want == got ? "" : status_name(got));
        expect(want == got, msg);
    }

    void regtest()
    {
        using namespace sg_reg;
        struct Named {
            uint32_t addr;
            const char *name;
        };
        const Named ro[] = {{ID, "ID"}, {VERSION, "VERSION"}, {GEOMETRY, "GEOMETRY"}, {WIDTHS, "WIDTHS"},
                            {CFG_HASH_LO, "CFG_HASH_LO"}, {CFG_HASH_HI, "CFG_HASH_HI"}, {STATUS, "STATUS"},
                            {BUSY_LO, "BUSY_LO"}, {BUSY_HI, "BUSY_HI"}, {USEFUL_LO, "USEFUL_LO"},
                            {USEFUL_HI, "USEFUL_HI"}, {SLOTS_LO, "SLOTS_LO"}, {SLOTS_HI, "SLOTS_HI"},
                            {STALL_LO, "STALL_LO"}, {STALL_HI, "STALL_HI"}};
        const int n_ro = (int)(sizeof ro / sizeof ro[0]), first_perf = 7; // ro[7..]: the counters
        char what[200];
        // identity, from sparsegen_params.h
        expect_reg(ID, 0x5347454e, "ID");
        expect_reg(VERSION, sparsegen_sc::version_word(SG_CFG_VERSION), "VERSION");
        expect_reg(GEOMETRY, (uint32_t)SG_CFG_PE_COUNT | (uint32_t)SG_CFG_BANKS << 16, "GEOMETRY: P, B");
        expect_reg(WIDTHS, (uint32_t)SG_CFG_STREAM_W | (uint32_t)SG_CFG_DATA_W << 16 | (uint32_t)SG_CFG_WGT_W << 24,
                   "WIDTHS: stream, data, weight bits");
        expect_reg(CFG_HASH_LO, (uint32_t)SG_CFG_HASH, "CFG_HASH_LO");
        expect_reg(CFG_HASH_HI, (uint32_t)(SG_CFG_HASH >> 32), "CFG_HASH_HI");
        // after reset
        expect_reg(STATUS, STATUS_IDLE, "STATUS after reset: idle, no error, not in reset");
        expect_reg(CTRL, 0, "CTRL after reset");
        expect_reg(SCRATCH, 0, "SCRATCH after reset");
        for (int k = first_perf; k < n_ro; k++) expect_reg(ro[k].addr, 0, ro[k].name);
        // read-write
        uint32_t v = 0xa5c3f00fu;
        expect_status(tlm::TLM_OK_RESPONSE, access(tlm::TLM_WRITE_COMMAND, SCRATCH, v), "write SCRATCH");
        expect_reg(SCRATCH, 0xa5c3f00fu, "SCRATCH reads back what was written");
        v = 0xfffffffeu;
        expect_status(tlm::TLM_OK_RESPONSE, access(tlm::TLM_WRITE_COMMAND, CTRL, v), "write CTRL reserved bits");
        expect_reg(CTRL, 0, "CTRL reserved bits read 0, no soft reset");
        // read-only: every write refused, nothing changes
        for (const Named &n : ro) {
            uint32_t before = 0, w = 0xffffffffu;
            access(tlm::TLM_READ_COMMAND, n.addr, before);
            std::snprintf(what, sizeof what, "write to read-only %s refused", n.name);
            expect_status(tlm::TLM_COMMAND_ERROR_RESPONSE, access(tlm::TLM_WRITE_COMMAND, n.addr, w), what);
            std::snprintf(what, sizeof what, "%s unchanged by the refused write", n.name);
            expect_reg(n.addr, before, what);
        }
        // unmapped and misaligned addresses, reads and writes
        const uint32_t holes[] = {0x018, 0x01c, 0x02c, 0x03c, 0x060, 0x100, 0xffc, 0x10000, 0xfffffffcu, 0x001, 0x022};
        for (uint32_t a : holes) {
            uint32_t w = 0;
            std::snprintf(what, sizeof what, "read at 0x%x refused (address error)", a);
            expect_status(tlm::TLM_ADDRESS_ERROR_RESPONSE, access(tlm::TLM_READ_COMMAND, a, w), what);
            std::snprintf(what, sizeof what, "write at 0x%x refused (address error)", a);
            expect_status(tlm::TLM_ADDRESS_ERROR_RESPONSE, access(tlm::TLM_WRITE_COMMAND, a, w), what);
        }
        // lengths, streaming width, byte enables
        uint32_t w = 0;
        expect_status(tlm::TLM_BURST_ERROR_RESPONSE, access(tlm::TLM_READ_COMMAND, ID, w, 8, 8), "8-byte read refused");
        expect_status(tlm::TLM_BURST_ERROR_RESPONSE, access(tlm::TLM_READ_COMMAND, ID, w, 2, 2), "2-byte read refused");
        expect_status(tlm::TLM_BURST_ERROR_RESPONSE, access(tlm::TLM_WRITE_COMMAND, SCRATCH, w, 4, 2),
                      "streaming width 2 refused");
        unsigned char half[4] = {TLM_BYTE_ENABLED, TLM_BYTE_ENABLED, TLM_BYTE_DISABLED, TLM_BYTE_DISABLED};
        unsigned char all[4] = {TLM_BYTE_ENABLED, TLM_BYTE_ENABLED, TLM_BYTE_ENABLED, TLM_BYTE_ENABLED};
        w = 0x12345678u;
        expect_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, access(tlm::TLM_WRITE_COMMAND, SCRATCH, w, 4, 4, half, 4),
                      "partial byte enables refused");
        expect_reg(SCRATCH, 0xa5c3f00fu, "SCRATCH unchanged by the refused write");
        expect_status(tlm::TLM_OK_RESPONSE, access(tlm::TLM_WRITE_COMMAND, SCRATCH, w, 4, 4, all, 4),
                      "all four byte enables accepted");
        expect_reg(SCRATCH, 0x12345678u, "SCRATCH written with byte enables");
        expect_status(tlm::TLM_OK_RESPONSE, access(tlm::TLM_IGNORE_COMMAND, ID, w), "ignore command accepted");
        // debug transport: several words at once, no side effects, no writes
        {
            unsigned char buf[24];
            tlm::tlm_generic_payload t;
            t.set_command(tlm::TLM_READ_COMMAND);
            t.set_address(ID);
            t.set_data_ptr(buf);
            t.set_data_length(24);
            t.set_streaming_width(24);
            unsigned n = bus->transport_dbg(t);
            uint32_t id, hash_hi;
            std::memcpy(&id, buf, 4);
            std::memcpy(&hash_hi, buf + 20, 4);
            expect(n == 24 && id == ID_VALUE && hash_hi == (uint32_t)(SG_CFG_HASH >> 32),
                   "transport_dbg reads ID .. CFG_HASH_HI in one go");
            t.set_address(CFG_HASH_LO);
            t.set_data_length(16);
            expect(bus->transport_dbg(t) == 8, "transport_dbg stops at the first unmapped word");
            t.set_command(tlm::TLM_WRITE_COMMAND);
            t.set_address(SCRATCH);
            t.set_data_length(4);
            expect(bus->transport_dbg(t) == 0, "transport_dbg refuses writes");
        }

        // soft reset in the middle of the program: the core returns to idle
        // with its counters cleared, SCRATCH survives, then the whole
        // program runs again from scratch and passes every lockstep check
        Result partial;
        run_program(partial, p_.n_out / 2);
        expect(partial.failure.empty(), "first half of the program passes the lockstep checks");
        Counters mid = read_counters();
        std::snprintf(what, sizeof what, "counters moved before the soft reset (busy %lld, useful %lld)", mid.busy,
                      mid.useful);
        expect(mid.busy > 0 && mid.useful > 0 && mid.slots == mid.busy * c_.lanes, what);
        expect((rd(STATUS) & STATUS_IDLE) == 0, "STATUS not idle in the middle of the program");
        s_tvalid.write(false);
        m_tready.write(false);
        v = CTRL_SOFT_RST;
        expect_status(tlm::TLM_OK_RESPONSE, access(tlm::TLM_WRITE_COMMAND, CTRL, v), "write CTRL.SOFT_RST");
        expect_reg(CTRL, CTRL_SOFT_RST, "CTRL.SOFT_RST reads 1 while the soft reset runs");
        // IN_RESET after an edge: the coming edge is a reset edge
        int in_reset = 0;
        while ((rd(STATUS) & STATUS_IN_RESET) && in_reset < 100) {
            edge();
            cycle_++;
            after_edge();
            in_reset++;
        }
        std::snprintf(what, sizeof what, "soft reset held the core for %u edges (got %d) and cleared itself",
                      sparsegen_sc::SoftResetCycles, in_reset);
        expect(in_reset == (int)sparsegen_sc::SoftResetCycles && (rd(CTRL) & CTRL_SOFT_RST) == 0, what);
        expect_reg(STATUS, STATUS_IDLE, "STATUS after the soft reset: idle, released");
        for (int k = first_perf; k < n_ro; k++) {
            std::snprintf(what, sizeof what, "%s cleared by the soft reset", ro[k].name);
            expect_reg(ro[k].addr, 0, what);
        }
        expect_reg(SCRATCH, 0x12345678u, "SCRATCH kept across the soft reset");
        timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        run_program(result);
        finish(result, 0);
        secs = seconds_since(t0);
        std::snprintf(what, sizeof what, "whole program after the soft reset passes%s%s",
                      result.failure.empty() ? "" : ": ", result.failure.c_str());
        expect(result.failure.empty(), what);
        // a hard reset clears the register block too
        reset(2);
        expect_reg(SCRATCH, 0, "SCRATCH cleared by rst_i");
        expect_reg(STATUS, STATUS_IDLE, "STATUS idle after rst_i");
        expect(bus_error_.empty(), "no unexpected bus errors");
    }

    void main()
    {
        reset(8);
        if (o_.regtest) {
            regtest();
        } else {
            timespec t0;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            long long busy0 = (long long)rd64(sg_reg::BUSY_LO);
            run_program(result);
            secs = seconds_since(t0);
            finish(result, busy0);
        }
        cycles = cycle_;
        sc_core::sc_stop();
    }

    const Options &o_;
    const sg_program &p_;
    const sg_model &m_;
    const sg_config &c_;
    long long max_cycles_;
    Rng rng_;
    long long cycle_ = 0;     // rising edges so far
    sc_time bus_time_;        // delay annotated by the socket (kept, not waited)
    std::string bus_error_;   // the first failed register read
};

// ---- reports (tb.cpp's, from the Bench's result) ---------------------------
void report(const Options &o, const Bench &b, const sg_program &p, const sg_model &m, const sg_config &c)
{
    const Result &r = b.result;
    if (!r.failure.empty()) {
        std::fprintf(stderr, "FAIL: %s\n", r.failure.c_str());
        std::fprintf(stderr, "replay: %s%s%s %s '%s' --seed %" PRIu64 " --stall-in %d --stall-out %d\n", o.argv0,
                     o.config ? " --config " : "", o.config ? o.config : "", o.model ? "--model" : "--random",
                     o.model ? o.model : o.random, o.seed, o.stall_in, o.stall_out);
    }
    long long cycles = b.cycles, busy = b.busy, useful = b.useful, slots = b.slots, stall = b.stall;
    double secs = b.secs;
    long long issued = useful;
    useful -= p.junk_macs; // MACs of results nobody keeps are not useful
    double util = slots ? (double)useful / (double)slots : 0.0;
    if (!o.quiet) {
        std::printf("sparsegen SystemC: %s on '%s' (%d PEs x %d banks), %d sample(s), %d layer(s)\n", m.name, c.name,
                    c.pe_count, c.banks, p.samples, p.n_layers);
        for (int l = 0; l < p.n_layers; l++) {
            const char *type = sg_layer_type_name(m.layers[l].type);
            std::printf("  layer %d %-10s %-7s %6d x %-6d density %6.2f%%  CSB words %9lld  runs %5lld\n", l,
                        p.layer[l].name, type, p.layer[l].rows, p.layer[l].cols,
                        100.0 * (double)p.layer[l].weights_nnz / ((double)p.layer[l].rows * p.layer[l].cols),
                        p.layer[l].words, p.layer[l].runs);
        }
        std::printf("  results checked %lld, mismatches %lld; busy %lld of %lld cycles; utilization %.4f; %.2f M cycles/s\n",
                    r.outputs_checked, r.mismatches, busy, cycles, util, secs > 0 ? cycles / secs / 1e6 : 0.0);
    }
    for (int l = 0; l < p.n_layers && !r.layer.empty(); l++) {
        // per layer the work comes from the program, the stalls from the
        // counters' growth while its results arrived (see tb.cpp)
        const LayerStat &ls = r.layer[l];
        const sg_layer_stats &st = p.layer[l];
        const char *type = sg_layer_type_name(m.layers[l].type);
        long long lbusy = st.words + st.runs * (long long)SG_CFG_RUN_OVERHEAD + ls.stall;
        long long lslots = lbusy * (long long)c.lanes, lu = st.macs - st.junk_macs;
        std::printf("{\"layer\":%d,\"name\":\"%s\",\"type\":\"%s\",\"outputs_checked\":%lld,"
                    "\"busy_cycles\":%lld,\"useful_macs\":%lld,\"issued_macs\":%lld,\"mac_slots\":%lld,"
                    "\"utilization\":%.6f,\"stall_cycles\":%lld}\n",
                    l, m.layers[l].name, type, ls.outputs, lbusy, lu, st.macs, lslots,
                    lslots ? (double)lu / (double)lslots : 0.0, ls.stall);
    }
    // LSTM: one line per step (with --steps) and one per sequence
    size_t first_of_seq = 0;
    for (size_t i = 0; i < r.steps.size(); i++) {
        const StepEnd &e = r.steps[i];
        if (e.step == 0) first_of_seq = i;
        if (o.steps && i > first_of_seq) {
            const StepEnd &q = r.steps[i - 1];
            long long bz = e.at.busy - q.at.busy, u = e.at.useful - q.at.useful;
            std::printf("{\"layer\":%d,\"sample\":%d,\"step\":%d,\"cycles\":%lld,\"busy_cycles\":%lld,"
                        "\"useful_macs\":%lld,\"utilization\":%.6f,\"stall_cycles\":%lld}\n",
                        e.layer, e.sample, e.step, e.cycle - q.cycle, bz, u,
                        bz ? (double)u / ((double)bz * c.lanes) : 0.0, e.at.stall - q.at.stall);
        }
        if (i + 1 < r.steps.size() && r.steps[i + 1].step != 0) continue;
        const StepEnd &f = r.steps[first_of_seq];
        long long n = e.step - f.step, bz = e.at.busy - f.at.busy, u = e.at.useful - f.at.useful;
        std::printf("{\"layer\":%d,\"sample\":%d,\"sequence_steps\":%d,\"measured_steps\":%lld,"
                    "\"cycles_per_step\":%.1f,\"busy_per_step\":%.1f,\"useful_macs_per_step\":%.1f,"
                    "\"utilization\":%.6f,\"stall_per_step\":%.1f}\n",
                    e.layer, e.sample, e.step + 1, n, n ? (double)(e.cycle - f.cycle) / n : 0.0,
                    n ? (double)bz / n : 0.0, n ? (double)u / n : 0.0, bz ? (double)u / ((double)bz * c.lanes) : 0.0,
                    n ? (double)(e.at.stall - f.at.stall) / n : 0.0);
    }
    double per_sample = p.samples ? (double)(cycles - r.start_cycle) / p.samples : 0.0;
    if (!o.quiet)
        std::printf("  %.1f cycles per sample: %.1f samples/s at %g MHz\n", per_sample,
                    per_sample > 0 ? c.clock_mhz * 1e6 / per_sample : 0.0, c.clock_mhz);
    std::printf("{\"config\":\"%s\",\"model\":\"%s\",\"layers\":%d,\"samples\":%d,\"outputs_checked\":%lld,"
                "\"mismatches\":%lld,\"cycles\":%lld,\"busy_cycles\":%lld,\"useful_macs\":%lld,\"issued_macs\":%lld,"
                "\"mac_slots\":%lld,\"utilization\":%.6f,\"stall_cycles\":%lld,\"in_stall_cycles\":%lld,\"out_stall_cycles\":%lld,"
                "\"command_beats\":%lld,\"result_beats\":%lld,\"dense_macs\":%lld,\"words\":%lld,\"runs\":%lld,"
                "\"seed\":%" PRIu64 ",\"stall_in\":%d,\"stall_out\":%d,\"checked\":%s,\"sim_seconds\":%.3f,"
                "\"cycles_per_second\":%.0f,\"clock_mhz\":%g,\"cycles_per_sample\":%.1f,"
                "\"samples_per_second\":%.1f,\"simulator\":\"systemc\",\"pass\":%s}\n",
                c.name, m.name, p.n_layers, p.samples, r.outputs_checked, r.mismatches, cycles, busy, useful, issued,
                slots, util, stall, r.in_stalls, r.out_stalls, p.n_beats, r.out_beats, p.dense_macs, p.words, p.runs,
                o.seed, o.stall_in, o.stall_out, o.check ? "true" : "false", secs, secs > 0 ? cycles / secs : 0.0,
                c.clock_mhz, per_sample, per_sample > 0 ? c.clock_mhz * 1e6 / per_sample : 0.0,
                r.failure.empty() ? "true" : "false");
}

// The whole simulation for one program; returns the exit code.
int simulate(const Options &o, const sg_program &p, const sg_model &m, const sg_config &c)
{
    long long max_cycles = o.max_cycles ? o.max_cycles
                                        : 1000000LL + 50LL * (p.n_beats + p.words + p.n_out) *
                                                          (100 + o.stall_in + o.stall_out) / 100 * 4;
    if (o.regtest) max_cycles *= 2; // the program runs one and a half times
    // the configuration's clock, in whole picoseconds per half period
    sc_time period(2.0 * std::round(500000.0 / c.clock_mhz), sc_core::SC_PS);
    // The clock starts high and falls at time 0 (posedge_first false): the
    // first rising edge is half a period in.  The Verilated model takes its
    // very first evaluation, clock high, for a rising edge: reset is high
    // from the start so that edge is a reset edge too.
    sc_core::sc_clock clk("clk", period, 0.5, SC_ZERO_TIME, false);
    sc_core::sc_signal<bool> rst("rst", true), s_tvalid("s_tvalid"), s_tready("s_tready"), m_tvalid("m_tvalid"),
        m_tready("m_tready"), m_tlast("m_tlast");
    sc_core::sc_signal<beat_t> s_tdata("s_tdata"), m_tdata("m_tdata");

    sparsegen_sc dut("dut");
    dut.clk_i(clk);
    dut.rst_i(rst);
    dut.s_axis_tdata(s_tdata);
    dut.s_axis_tvalid(s_tvalid);
    dut.s_axis_tready(s_tready);
    dut.m_axis_tdata(m_tdata);
    dut.m_axis_tvalid(m_tvalid);
    dut.m_axis_tready(m_tready);
    dut.m_axis_tlast(m_tlast);

    Bench tb("tb", o, p, m, c, max_cycles);
    tb.clk(clk);
    tb.rst(rst);
    tb.s_tdata(s_tdata);
    tb.s_tvalid(s_tvalid);
    tb.s_tready(s_tready);
    tb.m_tdata(m_tdata);
    tb.m_tvalid(m_tvalid);
    tb.m_tready(m_tready);
    tb.m_tlast(m_tlast);
    tb.bus.bind(dut.csr);

    sc_core::sc_start();
    if (o.regtest) {
        const Result &r = tb.result;
        bool pass = tb.reg_failures == 0 && r.failure.empty();
        if (!r.failure.empty()) std::fprintf(stderr, "FAIL: %s\n", r.failure.c_str());
        std::printf("{\"config\":\"%s\",\"model\":\"%s\",\"regtest_checks\":%d,\"regtest_failures\":%d,"
                    "\"outputs_checked\":%lld,\"mismatches\":%lld,\"cycles\":%lld,\"simulator\":\"systemc\",\"pass\":%s}\n",
                    c.name, m.name, tb.reg_checks, tb.reg_failures, r.outputs_checked, r.mismatches, tb.cycles,
                    pass ? "true" : "false");
        return pass ? 0 : 1;
    }
    report(o, tb, p, m, c);
    return tb.result.failure.empty() ? 0 : 1;
}

} // namespace

int sc_main(int argc, char **argv)
{
    // sc_stop()'s "Simulation stopped by user" would land among the JSON
    // lines on stdout.  (The kernel's banner goes to stderr before sc_main
    // runs: SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 in the environment drops it.)
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    Options o;
    int prc = parse(argc, argv, o);
    if (prc) return prc;
    char err[1024];
    sg_config c;
    if (o.config) {
        if (sg_config_load(o.config, &c, err, sizeof err) != 0) {
            std::fprintf(stderr, "harness: %s\n", err);
            return 2;
        }
    } else {
        sg_config_default(&c);
        sg_config_derive(&c, err, sizeof err);
    }
    if (c.hash != SG_CFG_HASH) {
        std::fprintf(stderr, "harness: configuration '%s' does not match the one this model was built for ('%s')\n",
                     c.name, SG_CFG_NAME);
        return 2;
    }
    sg_model m;
    int rc = o.model ? sg_model_load(o.model, c.data_w, c.wgt_w, &m, err, sizeof err)
                     : sg_model_random(&c, o.random, &m, err, sizeof err);
    if (rc != 0) {
        std::fprintf(stderr, "harness: %s\n", err);
        return 2;
    }
    sg_program p;
    if (sg_compile(&c, &m, o.first, o.samples, &p, err, sizeof err) != 0) {
        std::fprintf(stderr, "harness: %s\n", err);
        sg_model_free(&m);
        return 2;
    }
    if (o.regtest && p.n_out < 2) {
        std::fprintf(stderr, "harness: --regtest needs a program with at least 2 result beats\n");
        sg_program_free(&p);
        sg_model_free(&m);
        return 2;
    }
    if (o.corrupt >= 0) {
        // self-test of the checker: flip the low bit of one expected result
        long long k = o.corrupt % (p.n_out * p.elems);
        while (p.lanes[k].layer < 0) k = (k + 1) % (p.n_out * p.elems);
        p.out[(k / p.elems) * p.beat_words + (k % p.elems) * c.data_w / 32] ^= 1u << ((k % p.elems) * c.data_w % 32);
        p.lanes[k].value ^= 1;
    }
    // as tb.cpp: random initial state (--x-initial unique) from the seed, and
    // an RTL $error ends the run with a summary instead of an abort
    Verilated::defaultContextp()->randReset(2);
    Verilated::defaultContextp()->randSeed((int)(o.seed & 0x7fffffff));
    Verilated::defaultContextp()->fatalOnError(false);
    rc = simulate(o, p, m, c);
    sg_program_free(&p);
    sg_model_free(&m);
    return rc;
}
