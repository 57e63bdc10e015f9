// sc_main.cpp: the lockstep harness as a SystemC testbench -- the core of
// verif/harness/sg_lockstep.h on sparsegen_sc (verif/systemc/sparsegen_sc.h),
// run as a driver would: CMD_BEATS and CTRL.START through the TLM-2.0
// socket (an initiator socket of its own), the command stream on the stream
// ports, every result beat checked against the golden model as it leaves
// m_axis, then STATUS.DONE polled and the job and perf counters read through
// the socket (the register map is the RTL's, sparsegen_regs.h).
//
// The core makes it do what verif/harness/tb.cpp does, cycle for cycle: the
// same options (a subset), the same xorshift stall stream drawn in the same
// order, the same checks and messages, the same JSON lines (the summary
// gains "simulator":"systemc" before "pass").  With the same seed and stalls
// both report the same cycles: the stream's cycles are numbered as tb.cpp's,
// and the total comes from JOB_CYCLES (Bench::finish says how).  The
// counters at a layer's or LSTM step's last result come from
// sparsegen_sc::perf(), a probe of the core at that exact cycle, as tb.cpp
// reads them; a bus read would take cycles.  --regtest tests the register
// map instead.
//
// Clocking: inputs for a cycle are written just after a rising edge; the
// outputs they cause are sampled at the next rising edge, in the edge's
// first delta (signals still hold their pre-edge values, as tb.cpp's
// settle() sees them); one delta later the model has taken the edge (what
// tb.cpp sees after tick()).  A register access takes bus cycles:
// b_transport waits on the clock and returns one delta after an edge, so
// the bench is at the same point of a cycle afterwards.
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
#include "sparsegen_regs.h"
#include "../axi/regtab.h"
#include "sg_lockstep.h"

namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using sg::Counters;
using sg::Result;
using sg::Setup;
typedef sparsegen_sc::stream_type beat_t;

// ---- stream data: uint32_t and uint64_t ports as Verilator's (sg_stream.h),
// sc_bv beyond 64 bits --------------------------------------------------------------
using sg::get_beat;
using sg::put_beat;
template <int N> void put_beat(sc_dt::sc_bv<N> &d, const uint32_t *w)
{
    for (int i = 0; i < N / 32; i++) d.set_word(i, w[i]);
}
template <int N> void get_beat(const sc_dt::sc_bv<N> &d, uint32_t *w)
{
    for (int i = 0; i < N / 32; i++) w[i] = d.get_word(i);
}

const char *const RegtestSpec = "rows=37,cols=100,layers=2,pattern=unstructured,density=0.3,samples=2,seed=7";

// sg::Options and what only this testbench takes
struct Options : sg::Options {
    const char *argv0 = "sparsegen_sc"; // for the replay line
    bool regtest = false;               // test the register map (a model is optional)
};

int parse(int argc, char **argv, Options &o)
{
    if (argc > 0) o.argv0 = argv[0];
    int rc = sg::parse_options(argc, argv, o, [&](sg::Arg &a) {
        if (!a.is("--regtest")) return 0;
        o.regtest = true;
        return 1;
    });
    if (rc) return rc;
    return sg::require_model(o, o.regtest ? RegtestSpec : nullptr);
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

// ---- the testbench module: the core's port on sparsegen_sc ------------------------
class Bench final : public sc_core::sc_module, public sg::Port {
  public:
    // tb.cpp holds the core in reset for this many cycles before its loop
    static const int ResetCycles = 8;

    sc_core::sc_in<bool> clk;
    sc_core::sc_out<bool> rstn;
    sc_core::sc_out<beat_t> s_tdata;
    sc_core::sc_out<bool> s_tvalid;
    sc_core::sc_in<bool> s_tready;
    sc_core::sc_out<bool> s_tlast;
    sc_core::sc_in<beat_t> m_tdata;
    sc_core::sc_in<bool> m_tvalid;
    sc_core::sc_out<bool> m_tready;
    sc_core::sc_in<bool> m_tlast;
    sc_core::sc_in<bool> irq;
    tlm_utils::simple_initiator_socket<Bench, 32> bus;

    // filled by the run
    Result result;
    sg::Totals totals;
    int reg_checks = 0, reg_failures = 0;

    SC_HAS_PROCESS(Bench);
    Bench(sc_core::sc_module_name name, const Options &o, const Setup &s, const sc_time &period, sparsegen_sc &dut)
        : sc_core::sc_module(name), clk("clk"), rstn("rstn"), s_tdata("s_tdata"), s_tvalid("s_tvalid"),
          s_tready("s_tready"), s_tlast("s_tlast"), m_tdata("m_tdata"), m_tvalid("m_tvalid"), m_tready("m_tready"),
          m_tlast("m_tlast"), irq("irq"), bus("bus"), o_(o), s_(s), p_(s.p), period_(period), dut_(dut), rng_(o.seed),
          lock_(s, o, rng_)
    {
        // the program runs one and a half times in --regtest
        if (o.regtest) lock_.max_cycles *= 2;
        SC_THREAD(main);
    }

  private:
    // ---- register access through the socket --------------------------------
    // One transaction; it takes bus cycles (b_transport waits on the clock)
    // and returns just after a rising edge, the model settled.
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
        sc_time delay = SC_ZERO_TIME;
        bus->b_transport(t, delay);
        if (cmd == tlm::TLM_READ_COMMAND && t.is_response_ok()) std::memcpy(&data, buf, 4);
        return t.get_response_status();
    }

    void bus_failed(const char *op, uint32_t addr, tlm::tlm_response_status st)
    {
        if (!bus_error_.empty()) return;
        char msg[160];
        std::snprintf(msg, sizeof msg, "register %s at 0x%03x failed: %s", op, addr, status_name(st));
        bus_error_ = msg;
    }

    uint32_t rd(uint32_t addr)
    {
        uint32_t v = 0;
        tlm::tlm_response_status st = access(tlm::TLM_READ_COMMAND, addr, v);
        if (st != tlm::TLM_OK_RESPONSE) bus_failed("read", addr, st);
        return v;
    }

    void wr(uint32_t addr, uint32_t v)
    {
        tlm::tlm_response_status st = access(tlm::TLM_WRITE_COMMAND, addr, v);
        if (st != tlm::TLM_OK_RESPONSE) bus_failed("write", addr, st);
    }

    // a 64-bit counter: LO first (it latches HI), in two statements
    uint64_t rd64(uint32_t lo)
    {
        uint64_t v = rd(lo);
        return v | (uint64_t)rd(lo + 4) << 32;
    }

    // the perf counters through the socket (the job's share: from START)
    Counters read_counters()
    {
        return Counters{(long long)rd64(SG_REG_BUSY_LO), (long long)rd64(SG_REG_USEFUL_LO),
                        (long long)rd64(SG_REG_SLOTS_LO), (long long)rd64(SG_REG_STALL_LO)};
    }

    // ---- clocking ---------------------------------------------------------
    // Wait for the next rising edge: the outputs are still what the inputs
    // of this cycle made of them.
    void edge() { wait(clk.posedge_event()); }
    // ... and one delta later the model has taken the edge
    void after_edge() { wait(SC_ZERO_TIME); }
    // rising edges so far (the first at half a period; at an edge, counting it)
    long long edges() const { return (long long)std::floor(sc_core::sc_time_stamp() / period_ + 0.5); }

    void reset(int n)
    {
        rstn.write(false);
        s_tvalid.write(false);
        m_tready.write(false);
        for (int i = 0; i < n; i++) edge();
        rstn.write(true);
        after_edge();
    }

    // ---- the rest of the core's port ----------------------------------------------
    long long cycle() const override { return cycle_; }
    // the core's counters after the last edge, straight from the model:
    // what tb.cpp sees between settle() and tick() (the core reads them
    // before it drives a cycle's inputs)
    Counters counters() override
    {
        sparsegen_sc::Perf q = dut_.perf();
        return Counters{(long long)q.busy, (long long)q.useful, (long long)q.slots, (long long)q.stall};
    }
    void drive(bool valid, const uint32_t *w, bool last, bool ready) override
    {
        s_tvalid.write(valid);
        if (valid) {
            put_beat(beat_, w);
            s_tdata.write(beat_);
            s_tlast.write(last); // ignored: CMD_BEATS counts
        }
        m_tready.write(ready);
    }
    void settle() override { edge(); }
    bool s_ready() override { return s_tready.read(); }
    bool m_valid() override { return m_tvalid.read(); }
    void m_data(uint32_t *w) override { get_beat(m_tdata.read(), w); }
    bool m_last() override { return m_tlast.read(); }
    void tick() override
    {
        cycle_++;
        after_edge();
    }
    bool rtl_error() override { return Verilated::threadContextp()->gotError(); }
    // tb.cpp goes on until the core is idle too; here STATUS.DONE says so
    // (and JOB_CYCLES when, see finish)
    bool idle() override { return true; }

    // ---- one job, as a driver runs it -----------------------------------------
    // CMD_BEATS and CTRL.START (| ctrl) through the socket, then the whole
    // program in lockstep; stop at the first mismatch.  stop_after_out >= 0
    // abandons the stream once that many result beats have arrived and no
    // beat is on offer (s_axis_tvalid and m_axis_tready then drop), with the
    // job still running; otherwise wait for STATUS.DONE through the socket.
    //
    // Cycle numbers (cycle_, in messages, LSTM steps) are tb.cpp's: the
    // loop starts at cycle ResetCycles, as tb.cpp's does right after its
    // reset, however many cycles the reset and the register writes took here.
    void run_program(Result &r, long long stop_after_out = -1, uint32_t ctrl = 0)
    {
        wr(SG_REG_CMD_BEATS, (uint32_t)p_.n_beats);
        wr(SG_REG_CTRL, SG_CTRL_START_MASK | ctrl);
        origin_ = edges() - ResetCycles;
        cycle_ = ResetCycles;
        job_done_ = false;
        if (!lock_.run(*this, r, -1, stop_after_out)) return;
        // a driver's wait for the job: poll STATUS.DONE
        while (!(rd(SG_REG_STATUS) & SG_STATUS_DONE_MASK)) {
            if (!bus_error_.empty()) {
                r.failure = bus_error_;
                return;
            }
            if (edges() - origin_ - r.start_cycle > lock_.max_cycles) {
                char msg[160];
                std::snprintf(msg, sizeof msg, "timeout after %lld cycles: STATUS.DONE not set with every beat through",
                              lock_.max_cycles);
                r.failure = msg;
                return;
            }
        }
        job_done_ = true;
    }

    // After a job: the counters and status through the socket, checked
    // against what the program implies (as tb.cpp does) and the job counters.
    void finish(Result &r)
    {
        Counters k = read_counters();
        uint64_t job = rd64(SG_REG_JOB_CYCLES_LO);
        uint32_t status = rd(SG_REG_STATUS);
        uint32_t in = rd(SG_REG_IN_BEATS), out = rd(SG_REG_OUT_BEATS), outl = rd(SG_REG_OUT_LAST);
        totals.busy = k.busy;
        totals.issued = k.useful;
        totals.slots = k.slots;
        totals.stall = k.stall;
        // The cycles tb.cpp reports: its ResetCycles reset edges, then the
        // edges of its loop up to the one after which the core is idle with
        // every beat through (its loop starts right after the reset).  The
        // wrapper's DONE is set one edge after that idle edge, and JOB_CYCLES
        // counts the edges from the one after START took effect up to
        // DONE's.  Here the stream starts WriteAckEdges edges after START
        // took effect (b_transport returns at the START write's B
        // handshake), and the core is the same from then on as tb.cpp's is
        // after its reset.  So tb.cpp's count is
        //   ResetCycles + JOB_CYCLES - 1 - WriteAckEdges
        // (JOB_CYCLES - 7 when the first beat goes in right after START, as
        // in verif/axi/axi.test; --regtest checks WriteAckEdges).  A run
        // that did not reach DONE reports the bench's own count instead.
        if (job_done_)
            totals.cycles = ResetCycles + (long long)job - 1 - (long long)sparsegen_sc::WriteAckEdges;
        else
            totals.cycles = edges() - origin_;
        long long n_last = 0;
        for (long long i = 0; i < p_.n_out; i++) n_last += p_.out_last[i] ? 1 : 0;
        if (r.failure.empty() && !bus_error_.empty()) r.failure = bus_error_;
        if (r.failure.empty()) r.failure = sg::check_counters(s_, k, (status & SG_STATUS_ERR_MASK) != 0);
        if (r.failure.empty()) {
            char msg[512];
            if (in != (uint32_t)p_.n_beats || out != (uint32_t)p_.n_out || outl != (uint32_t)n_last) {
                std::snprintf(msg, sizeof msg, "job counters IN_BEATS %u OUT_BEATS %u OUT_LAST %u != %lld, %lld, %lld",
                              in, out, outl, p_.n_beats, p_.n_out, n_last);
                r.failure = msg;
            } else if (totals.cycles < r.end_cycle) {
                std::snprintf(msg, sizeof msg, "JOB_CYCLES %llu ends the job at cycle %lld, before its last result beat (%lld)",
                              (unsigned long long)job, totals.cycles, r.end_cycle);
                r.failure = msg;
            }
        }
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
        char what[200];
        std::snprintf(what, sizeof what, "%s (0x%03x) reads 0x%08x (got 0x%08x, %s)", name, addr, want, v,
                      st == tlm::TLM_OK_RESPONSE ? "ok" : status_name(st));
        expect(st == tlm::TLM_OK_RESPONSE && v == want, what);
    }

    void expect_status(tlm::tlm_response_status want, tlm::tlm_response_status got, const char *what)
    {
        char msg[256];
        std::snprintf(msg, sizeof msg, "%s: %s%s%s", what, status_name(want), want == got ? "" : ", got ",
                      want == got ? "" : status_name(got));
        expect(want == got, msg);
    }

    // a write with byte enables be[0..3] (1: enabled)
    tlm::tlm_response_status write_be(uint32_t addr, uint32_t v, unsigned strb)
    {
        unsigned char be[4];
        for (int i = 0; i < 4; i++) be[i] = (strb >> i & 1) ? TLM_BYTE_ENABLED : TLM_BYTE_DISABLED;
        return access(tlm::TLM_WRITE_COMMAND, addr, v, 4, 4, be, 4);
    }

    void regtest()
    {
        char what[256];
        // every register after reset, from the generated map
        for (const RegInfo &g : regs) {
            std::snprintf(what, sizeof what, "%s after reset", g.name);
            expect_reg(g.offset, g.reset, what);
        }
        expect(!irq.read() && !s_tready.read() && !m_tvalid.read(),
               "after reset: irq_o, s_axis_tready and m_axis_tvalid low");
        // identity, against sparsegen_params.h
        expect_reg(SG_REG_ID, 0x5347454eu, "ID: \"SGEN\"");
        expect_reg(SG_REG_VERSION, version_word(SG_CFG_VERSION), "VERSION: the generator's SG_CFG_VERSION");
        expect_reg(SG_REG_GEOMETRY,
                   (uint32_t)SG_CFG_PE_COUNT << SG_GEOMETRY_P_SHIFT | (uint32_t)SG_CFG_BANKS << SG_GEOMETRY_B_SHIFT,
                   "GEOMETRY: P, B of the configuration");
        expect_reg(SG_REG_WIDTHS,
                   (uint32_t)SG_CFG_STREAM_W << SG_WIDTHS_STREAM_SHIFT | (uint32_t)SG_CFG_DATA_W << SG_WIDTHS_DATA_SHIFT |
                       (uint32_t)SG_CFG_WGT_W << SG_WIDTHS_WGT_SHIFT,
                   "WIDTHS: stream, data, weight bits of the configuration");
        expect_reg(SG_REG_CFG_HASH_LO, (uint32_t)SG_CFG_HASH, "CFG_HASH_LO: SG_CFG_HASH [31:0]");
        expect_reg(SG_REG_CFG_HASH_HI, (uint32_t)(SG_CFG_HASH >> 32), "CFG_HASH_HI: SG_CFG_HASH [63:32]");

        // read-only: SLVERR (TLM_GENERIC_ERROR_RESPONSE), nothing changes
        for (const RegInfo &g : regs) {
            if (g.access != SG_ACCESS_RO) continue;
            uint32_t before = 0, after = 0, w;
            access(tlm::TLM_READ_COMMAND, g.offset, before);
            w = ~before;
            tlm::tlm_response_status st = access(tlm::TLM_WRITE_COMMAND, g.offset, w);
            access(tlm::TLM_READ_COMMAND, g.offset, after);
            std::snprintf(what, sizeof what, "write to RO %s: %s (SLVERR), value unchanged (0x%08x, was 0x%08x)", g.name,
                          status_name(st), after, before);
            expect(st == tlm::TLM_GENERIC_ERROR_RESPONSE && after == before, what);
        }
        {
            uint32_t w = 0xffffffffu;
            expect_status(tlm::TLM_OK_RESPONSE, access(tlm::TLM_WRITE_COMMAND, SG_REG_STATUS, w),
                          "write 1s to STATUS (W1C) with DONE clear");
            expect_reg(SG_REG_STATUS, SG_STATUS_RESET, "STATUS unchanged by it");
        }
        // RW registers: byte enables become WSTRB, every mask
        const uint32_t rw[] = {SG_REG_SCRATCH, SG_REG_CMD_BEATS};
        const char *rw_name[] = {"SCRATCH", "CMD_BEATS"};
        for (int k = 0; k < 2; k++) {
            uint32_t w = 0xffffffffu, model = w, bad = 0;
            bool ok = access(tlm::TLM_WRITE_COMMAND, rw[k], w) == tlm::TLM_OK_RESPONSE;
            for (unsigned strb = 0; strb < 16; strb++) {
                uint32_t d = (uint32_t)rng_.next();
                tlm::tlm_response_status st = write_be(rw[k], d, strb);
                for (int b = 0; b < 4; b++)
                    if (strb >> b & 1) model = (model & ~(0xffu << 8 * b)) | (d & 0xffu << 8 * b);
                uint32_t got = 0;
                access(tlm::TLM_READ_COMMAND, rw[k], got);
                if (st != tlm::TLM_OK_RESPONSE || got != model) ok = false, bad = strb;
            }
            std::snprintf(what, sizeof what, "%s (RW): all 16 byte-enable masks write exactly their bytes%s", rw_name[k],
                          ok ? "" : " (first wrong mask below)");
            expect(ok, what);
            if (!ok) std::printf("# mask 0x%x\n", bad);
        }
        {
            // a 2-byte byte-enable pattern repeats over the word
            unsigned char be2[2] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};
            uint32_t w = 0, v = 0x11223344u;
            access(tlm::TLM_WRITE_COMMAND, SG_REG_SCRATCH, w);
            expect_status(tlm::TLM_OK_RESPONSE, access(tlm::TLM_WRITE_COMMAND, SG_REG_SCRATCH, v, 4, 4, be2, 2),
                          "write with a 2-byte byte-enable pattern");
            expect_reg(SG_REG_SCRATCH, 0x00220044u, "the pattern repeats: bytes 0 and 2 written");
            // a read returns only the enabled bytes
            unsigned char be_hi[4] = {TLM_BYTE_DISABLED, TLM_BYTE_DISABLED, TLM_BYTE_ENABLED, TLM_BYTE_ENABLED};
            uint32_t r = 0xaaaaaaaau;
            tlm::tlm_response_status st = access(tlm::TLM_READ_COMMAND, SG_REG_ID, r, 4, 4, be_hi, 4);
            std::snprintf(what, sizeof what, "a read with bytes 2, 3 enabled fills only those (0x%08x)", r);
            expect(st == tlm::TLM_OK_RESPONSE && r == ((SG_ID_VALUE & 0xffff0000u) | 0xaaaau), what);
        }
        // CTRL: IRQ_EN only through byte 0; reserved bits read 0
        {
            write_be(SG_REG_CTRL, SG_CTRL_IRQ_EN_MASK, 0xe);
            expect_reg(SG_REG_CTRL, 0, "CTRL.IRQ_EN not written without byte enable 0");
            write_be(SG_REG_CTRL, SG_CTRL_IRQ_EN_MASK, 0x1);
            expect_reg(SG_REG_CTRL, SG_CTRL_IRQ_EN_MASK, "CTRL.IRQ_EN written with byte enable 0");
            expect(!irq.read(), "IRQ_EN without DONE: irq_o stays low");
            uint32_t w = 0xfffffff8u;
            access(tlm::TLM_WRITE_COMMAND, SG_REG_CTRL, w);
            expect_reg(SG_REG_CTRL, 0, "CTRL reserved bits read 0, IRQ_EN cleared by a 0");
        }
        // unmapped offsets inside the window: DECERR (TLM_ADDRESS_ERROR_RESPONSE)
        {
            wr(SG_REG_SCRATCH, 0x600df00du);
            std::vector<uint32_t> before;
            for (const RegInfo &g : regs) before.push_back(rd(g.offset));
            const uint32_t holes[] = {0x018, 0x01c, 0x02c, 0x068, 0x06c, 0x100, 0x800, 0xffc};
            for (uint32_t a : holes) {
                uint32_t w = 0xffffffffu;
                std::snprintf(what, sizeof what, "read at unmapped 0x%03x (DECERR)", a);
                expect_status(tlm::TLM_ADDRESS_ERROR_RESPONSE, access(tlm::TLM_READ_COMMAND, a, w), what);
                std::snprintf(what, sizeof what, "write at unmapped 0x%03x (DECERR)", a);
                expect_status(tlm::TLM_ADDRESS_ERROR_RESPONSE, access(tlm::TLM_WRITE_COMMAND, a, w), what);
            }
            bool same = true;
            for (int i = 0; i < n_regs; i++) same &= rd(regs[i].offset) == before[i];
            expect(same, "the refused accesses changed no register");
        }
        // refused by the socket without bus activity: outside the window, misaligned
        const uint32_t outside[] = {0x1000, 0x10000, 0xfffffffcu, 0x001, 0x022};
        for (uint32_t a : outside) {
            uint32_t w = 0;
            long long e0 = edges();
            tlm::tlm_response_status rs = access(tlm::TLM_READ_COMMAND, a, w);
            tlm::tlm_response_status ws = access(tlm::TLM_WRITE_COMMAND, a, w);
            std::snprintf(what, sizeof what, "read and write at 0x%x refused at once (%s, %s)", a, status_name(rs),
                          status_name(ws));
            expect(rs == tlm::TLM_ADDRESS_ERROR_RESPONSE && ws == tlm::TLM_ADDRESS_ERROR_RESPONSE && edges() == e0, what);
        }
        // lengths, streaming width, byte enables
        {
            uint32_t w = 0;
            expect_status(tlm::TLM_BURST_ERROR_RESPONSE, access(tlm::TLM_READ_COMMAND, SG_REG_ID, w, 8, 8),
                          "8-byte read refused");
            expect_status(tlm::TLM_BURST_ERROR_RESPONSE, access(tlm::TLM_READ_COMMAND, SG_REG_ID, w, 2, 2),
                          "2-byte read refused");
            expect_status(tlm::TLM_BURST_ERROR_RESPONSE, access(tlm::TLM_WRITE_COMMAND, SG_REG_SCRATCH, w, 4, 2),
                          "streaming width 2 refused");
            unsigned char be[4] = {TLM_BYTE_ENABLED, TLM_BYTE_ENABLED, TLM_BYTE_ENABLED, TLM_BYTE_ENABLED};
            expect_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE,
                          access(tlm::TLM_WRITE_COMMAND, SG_REG_SCRATCH, w, 4, 4, be, 0),
                          "byte-enable pointer with length 0 refused");
            expect_reg(SG_REG_SCRATCH, 0x600df00du, "SCRATCH unchanged by the refused writes");
            expect_status(tlm::TLM_OK_RESPONSE, access(tlm::TLM_IGNORE_COMMAND, SG_REG_ID, w), "ignore command accepted");
        }
        // debug transport: the constant registers, several words at once
        {
            unsigned char buf[24];
            tlm::tlm_generic_payload t;
            t.set_command(tlm::TLM_READ_COMMAND);
            t.set_address(SG_REG_ID);
            t.set_data_ptr(buf);
            t.set_data_length(24);
            t.set_streaming_width(24);
            unsigned n = bus->transport_dbg(t);
            uint32_t id, hash_hi;
            std::memcpy(&id, buf, 4);
            std::memcpy(&hash_hi, buf + 20, 4);
            expect(n == 24 && id == SG_ID_VALUE && hash_hi == (uint32_t)(SG_CFG_HASH >> 32),
                   "transport_dbg reads ID .. CFG_HASH_HI in one go");
            t.set_address(SG_REG_CFG_HASH_LO);
            t.set_data_length(16);
            expect(bus->transport_dbg(t) == 8, "transport_dbg stops at the first word that is not a constant");
            t.set_command(tlm::TLM_WRITE_COMMAND);
            t.set_address(SG_REG_SCRATCH);
            t.set_data_length(4);
            expect(bus->transport_dbg(t) == 0, "transport_dbg refuses writes");
        }

        // START's timing, which finish() relies on: a read right after the
        // START write returns JOB_CYCLES = WriteAckEdges
        {
            wr(SG_REG_CMD_BEATS, (uint32_t)p_.n_beats);
            wr(SG_REG_CTRL, SG_CTRL_START_MASK);
            uint32_t j = rd(SG_REG_JOB_CYCLES_LO);
            std::snprintf(what, sizeof what,
                          "JOB_CYCLES read right after the START write: %u (WriteAckEdges %u: START took effect that many "
                          "edges before b_transport returned)",
                          j, sparsegen_sc::WriteAckEdges);
            expect(j == sparsegen_sc::WriteAckEdges, what);
            expect_reg(SG_REG_CTRL, 0, "CTRL.START is self-clearing");
            expect_reg(SG_REG_STATUS, SG_STATUS_IDLE_MASK | SG_STATUS_BUSY_MASK, "STATUS: BUSY (no beat offered yet)");
            wr(SG_REG_CTRL, SG_CTRL_SOFT_RST_MASK);
            wr(SG_REG_CTRL, 0);
            expect_reg(SG_REG_STATUS, SG_STATUS_IDLE_MASK, "a SOFT_RST pulse aborts the job that got no beat");
        }

        // half the program as a job with IRQ_EN, then SOFT_RST
        wr(SG_REG_SCRATCH, 0x12345678u);
        Result partial;
        run_program(partial, p_.n_out / 2, SG_CTRL_IRQ_EN_MASK);
        std::snprintf(what, sizeof what, "first half of the program passes the lockstep checks%s%s",
                      partial.failure.empty() ? "" : ": ", partial.failure.c_str());
        expect(partial.failure.empty(), what);
        expect_reg(SG_REG_CTRL, SG_CTRL_IRQ_EN_MASK, "CTRL during the job: IRQ_EN (START reads 0)");
        {
            uint32_t st = rd(SG_REG_STATUS);
            std::snprintf(what, sizeof what, "STATUS during the job: BUSY, not DONE, no IRQ (0x%08x)", st);
            expect((st & (SG_STATUS_BUSY_MASK | SG_STATUS_DONE_MASK | SG_STATUS_IRQ_MASK)) == SG_STATUS_BUSY_MASK &&
                       !irq.read(),
                   what);
        }
        uint32_t in_mid = rd(SG_REG_IN_BEATS), out_mid = rd(SG_REG_OUT_BEATS), last_mid = rd(SG_REG_OUT_LAST);
        long long n_last = 0;
        for (long long i = 0; i < partial.out_beats; i++) n_last += p_.out_last[i] ? 1 : 0;
        std::snprintf(what, sizeof what, "IN_BEATS %u OUT_BEATS %u OUT_LAST %u: the beats the bench moved (%lld, %lld, %lld)",
                      in_mid, out_mid, last_mid, partial.in_beats, partial.out_beats, n_last);
        expect(in_mid == (uint32_t)partial.in_beats && out_mid == (uint32_t)partial.out_beats &&
                   last_mid == (uint32_t)n_last,
               what);
        Counters mid = read_counters();
        uint64_t j1 = rd64(SG_REG_JOB_CYCLES_LO), j2 = rd64(SG_REG_JOB_CYCLES_LO);
        std::snprintf(what, sizeof what, "perf counters moved (busy %lld, useful %lld), JOB_CYCLES counts (%llu, %llu)",
                      mid.busy, mid.useful, (unsigned long long)j1, (unsigned long long)j2);
        expect(mid.busy > 0 && mid.useful > 0 && j2 > j1, what);
        wr(SG_REG_CTRL, SG_CTRL_SOFT_RST_MASK | SG_CTRL_IRQ_EN_MASK);
        expect_reg(SG_REG_STATUS, SG_STATUS_IDLE_MASK, "SOFT_RST aborts the job: BUSY, DONE, ERR clear, the core idle");
        expect_reg(SG_REG_CTRL, SG_CTRL_SOFT_RST_MASK | SG_CTRL_IRQ_EN_MASK, "CTRL reads SOFT_RST | IRQ_EN");
        {
            Counters z = read_counters();
            expect(z.busy == 0 && z.useful == 0 && z.slots == 0 && z.stall == 0,
                   "perf counters read 0 while the core is held");
            std::snprintf(what, sizeof what, "job counters keep their values (IN_BEATS %u, OUT_BEATS %u)", in_mid,
                          out_mid);
            expect(rd(SG_REG_IN_BEATS) == in_mid && rd(SG_REG_OUT_BEATS) == out_mid, what);
            // offer a beat for 30 cycles: none taken, no result offered
            beat_t b = beat_t();
            put_beat(b, p_.beats);
            s_tdata.write(b);
            s_tvalid.write(true);
            bool moved = false;
            for (int i = 0; i < 30; i++) {
                edge();
                moved |= s_tready.read() || m_tvalid.read();
            }
            s_tvalid.write(false); // allowed: the core is in reset
            after_edge();
            expect(!moved, "while SOFT_RST is 1: no beat taken, no result offered for 30 cycles");
            wr(SG_REG_CTRL, SG_CTRL_SOFT_RST_MASK | SG_CTRL_START_MASK | SG_CTRL_IRQ_EN_MASK);
            expect_reg(SG_REG_STATUS, SG_STATUS_IDLE_MASK, "START in the same write as SOFT_RST = 1 is ignored");
            expect_reg(SG_REG_CTRL, SG_CTRL_SOFT_RST_MASK | SG_CTRL_IRQ_EN_MASK,
                       "SOFT_RST holds: still 1 after 30 cycles (a level, not a pulse)");
            expect_reg(SG_REG_SCRATCH, 0x12345678u, "SCRATCH kept across the soft reset");
        }
        wr(SG_REG_CTRL, SG_CTRL_IRQ_EN_MASK);
        expect_reg(SG_REG_STATUS, SG_STATUS_IDLE_MASK, "SOFT_RST back to 0: the core idle, no job");

        // the whole program again, a new job from scratch
        timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        run_program(result, -1, SG_CTRL_IRQ_EN_MASK);
        finish(result);
        totals.secs = seconds_since(t0);
        std::snprintf(what, sizeof what, "whole program after the soft reset passes, job counters right%s%s",
                      result.failure.empty() ? "" : ": ", result.failure.c_str());
        expect(result.failure.empty(), what);
        {
            uint32_t st = rd(SG_REG_STATUS);
            std::snprintf(what, sizeof what, "after the job: STATUS DONE | IDLE | IRQ (0x%08x), irq_o high", st);
            expect(st == (SG_STATUS_DONE_MASK | SG_STATUS_IDLE_MASK | SG_STATUS_IRQ_MASK) && irq.read(), what);
            uint64_t a = rd64(SG_REG_JOB_CYCLES_LO);
            for (int i = 0; i < 20; i++) edge();
            after_edge();
            uint64_t b = rd64(SG_REG_JOB_CYCLES_LO);
            std::snprintf(what, sizeof what, "JOB_CYCLES stops at DONE (%llu, %llu)", (unsigned long long)a,
                          (unsigned long long)b);
            expect(a == b && a > 0, what);
        }
        // the interrupt: IRQ_EN gates it, DONE is W1C
        {
            wr(SG_REG_CTRL, 0);
            bool off = !irq.read();
            uint32_t st = rd(SG_REG_STATUS);
            wr(SG_REG_CTRL, SG_CTRL_IRQ_EN_MASK);
            bool on = irq.read();
            std::snprintf(what, sizeof what, "irq_o follows IRQ_EN while DONE stays set (off %d, STATUS 0x%08x, on %d)",
                          off, st, on);
            expect(off && on && st == (SG_STATUS_DONE_MASK | SG_STATUS_IDLE_MASK), what);
            write_be(SG_REG_STATUS, SG_STATUS_DONE_MASK, 0xe);
            expect((rd(SG_REG_STATUS) & SG_STATUS_DONE_MASK) && irq.read(), "DONE kept by a 1 without byte enable 0");
            uint32_t w = ~SG_STATUS_DONE_MASK;
            access(tlm::TLM_WRITE_COMMAND, SG_REG_STATUS, w);
            expect((rd(SG_REG_STATUS) & SG_STATUS_DONE_MASK) && irq.read(), "DONE kept by a 0 (1s elsewhere)");
            w = SG_STATUS_DONE_MASK;
            expect_status(tlm::TLM_OK_RESPONSE, access(tlm::TLM_WRITE_COMMAND, SG_REG_STATUS, w), "write 1 to STATUS.DONE");
            expect(!irq.read(), "DONE cleared: irq_o low");
            expect_reg(SG_REG_STATUS, SG_STATUS_IDLE_MASK, "DONE is W1C: STATUS idle only");
        }
        // the LO/HI latch: move a counter by 2^32 between the two reads (the
        // job is over, nothing counts)
        {
            Vsparsegen_axi___024root *r = dut_.model().rootp;
            QData *ctr[5] = {&r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_busy_o,
                             &r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_useful_o,
                             &r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_slots_o,
                             &r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_stall_o,
                             &r->sparsegen_axi__DOT__job_cycles_q};
            const uint32_t lo[5] = {SG_REG_BUSY_LO, SG_REG_USEFUL_LO, SG_REG_SLOTS_LO, SG_REG_STALL_LO,
                                    SG_REG_JOB_CYCLES_LO};
            const char *name[5] = {"BUSY", "USEFUL", "SLOTS", "STALL", "JOB_CYCLES"};
            for (int k = 0; k < 5; k++) {
                uint64_t v0 = rd64(lo[k]);
                uint32_t l = rd(lo[k]);
                *ctr[k] += 1ULL << 32; // the counter moves between the LO and the HI read
                uint32_t hi_latched = rd(lo[k] + 4);
                uint64_t v1 = rd64(lo[k]);
                *ctr[k] -= 1ULL << 32;
                std::snprintf(what, sizeof what,
                              "%s_HI returns the half latched by the LO read (0x%08x), a new LO read latches the new "
                              "one (0x%08x)",
                              name[k], hi_latched, (uint32_t)(v1 >> 32));
                expect(l == (uint32_t)v0 && hi_latched == (uint32_t)(v0 >> 32) && v1 == v0 + (1ULL << 32), what);
            }
        }
        // aresetn: every register back to its reset value
        wr(SG_REG_SCRATCH, 0xdeadbeefu);
        wr(SG_REG_CTRL, SG_CTRL_IRQ_EN_MASK);
        reset(2);
        {
            bool all = true;
            for (const RegInfo &g : regs) {
                uint32_t v = 0;
                if (access(tlm::TLM_READ_COMMAND, g.offset, v) != tlm::TLM_OK_RESPONSE || v != g.reset) {
                    all = false;
                    std::printf("# %s: 0x%08x after aresetn, want 0x%08x\n", g.name, v, g.reset);
                }
            }
            expect(all, "aresetn returns every register to its reset value");
            expect(!irq.read(), "irq_o low after aresetn");
        }
        expect(bus_error_.empty(), "no unexpected bus errors");
        expect(!rtl_error(), "no RTL assertion fired (SG_ASSERTIONS)");
    }


    void main()
    {
        reset(ResetCycles);
        if (o_.regtest) {
            regtest();
            totals.cycles = edges();
        } else {
            timespec t0;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            run_program(result);
            totals.secs = seconds_since(t0);
            finish(result);
        }
        sc_core::sc_stop();
    }

    const Options &o_;
    const Setup &s_;
    const sg_program &p_;
    sc_time period_;          // of the clock
    sparsegen_sc &dut_;       // for perf() and, in --regtest, the counters' variables
    sg::Rng rng_;             // stalls (the core's) and --regtest's data
    sg::Lockstep lock_;       // the program in lockstep on this bench
    long long cycle_ = 0;     // tb.cpp's cycle number (run_program)
    long long origin_ = 0;    // edges() - cycle_ in the current job
    bool job_done_ = false;   // STATUS.DONE seen: the job ended
    beat_t beat_ = beat_t();  // the command beat driven
    std::string bus_error_;   // the first failed register access
};

// ---- reports (tb.cpp's, from the core) -------------------------------------------
void report(const Options &o, const Bench &b, const Setup &s)
{
    const Result &r = b.result;
    if (!r.failure.empty()) {
        sg::print_failure(r);
        std::fprintf(stderr, "replay: %s%s%s %s '%s' --seed %" PRIu64 " --stall-in %d --stall-out %d\n", o.argv0,
                     o.config ? " --config " : "", o.config ? o.config : "", o.model ? "--model" : "--random",
                     o.model ? o.model : o.random, o.seed, o.stall_in, o.stall_out);
    }
    sg::print_header("sparsegen SystemC", r, s, o, b.totals);
    sg::print_layers_json(r, s);
    sg::print_steps_json(r, s, o);
    sg::print_per_sample(r, s, o, b.totals);
    sg::print_summary(r, s, o, b.totals);
    std::printf("\"simulator\":\"systemc\",");
    sg::print_summary_end(r);
}

// The whole simulation for one program; returns the exit code.
int simulate(const Options &o, const Setup &s)
{
    const sg_config &c = s.c;
    // the configuration's clock, in whole picoseconds per half period
    sc_time period(2.0 * std::round(500000.0 / c.clock_mhz), sc_core::SC_PS);
    // The clock starts high and falls at time 0 (posedge_first false): the
    // first rising edge is half a period in.  The Verilated model takes its
    // very first evaluation, clock high, for a rising edge: aresetn is low
    // from the start so that edge is a reset edge too.
    sc_core::sc_clock clk("clk", period, 0.5, SC_ZERO_TIME, false);
    sc_core::sc_signal<bool> rstn("rstn", false), s_tvalid("s_tvalid"), s_tready("s_tready"), s_tlast("s_tlast"),
        m_tvalid("m_tvalid"), m_tready("m_tready"), m_tlast("m_tlast"), irq("irq");
    sc_core::sc_signal<beat_t> s_tdata("s_tdata"), m_tdata("m_tdata");

    sparsegen_sc dut("dut");
    dut.aclk(clk);
    dut.aresetn(rstn);
    dut.s_axis_tdata(s_tdata);
    dut.s_axis_tvalid(s_tvalid);
    dut.s_axis_tready(s_tready);
    dut.s_axis_tlast(s_tlast);
    dut.m_axis_tdata(m_tdata);
    dut.m_axis_tvalid(m_tvalid);
    dut.m_axis_tready(m_tready);
    dut.m_axis_tlast(m_tlast);
    dut.irq_o(irq);

    Bench tb("tb", o, s, period, dut);
    tb.clk(clk);
    tb.rstn(rstn);
    tb.s_tdata(s_tdata);
    tb.s_tvalid(s_tvalid);
    tb.s_tready(s_tready);
    tb.s_tlast(s_tlast);
    tb.m_tdata(m_tdata);
    tb.m_tvalid(m_tvalid);
    tb.m_tready(m_tready);
    tb.m_tlast(m_tlast);
    tb.irq(irq);
    tb.bus.bind(dut.csr);

    sc_core::sc_start();
    if (o.regtest) {
        const Result &r = tb.result;
        bool pass = tb.reg_failures == 0 && r.failure.empty();
        if (!r.failure.empty()) std::fprintf(stderr, "FAIL: %s\n", r.failure.c_str());
        std::printf("{\"config\":\"%s\",\"model\":\"%s\",\"regtest_checks\":%d,\"regtest_failures\":%d,"
                    "\"outputs_checked\":%lld,\"mismatches\":%lld,\"cycles\":%lld,\"simulator\":\"systemc\",\"pass\":%s}\n",
                    c.name, s.m.name, tb.reg_checks, tb.reg_failures, r.outputs_checked, r.mismatches, tb.totals.cycles,
                    pass ? "true" : "false");
        return pass ? 0 : 1;
    }
    report(o, tb, s);
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
    Setup s;
    if (sg::load(o, s) != 0) return 2;
    if (o.regtest && s.p.n_out < 2) {
        std::fprintf(stderr, "harness: --regtest needs a program with at least 2 result beats\n");
        return 2;
    }
    if (o.corrupt >= 0) sg::corrupt_expectation(s, o.corrupt);
    // as tb.cpp: random initial state (--x-initial unique) from the seed, and
    // an RTL $error ends the run with a summary instead of an abort
    Verilated::defaultContextp()->randReset(2);
    Verilated::defaultContextp()->randSeed((int)(o.seed & 0x7fffffff));
    Verilated::defaultContextp()->fatalOnError(false);
    return simulate(o, s);
}
