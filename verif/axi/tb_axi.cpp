// tb_axi.cpp: sparsegen_axi, the board wrapper, driven through its AXI4-Lite
// port by a master model (axil_master.h) while command and result streams
// run with seeded random stalls.
//
//   Vtb_axi --prog-a DIR --prog-b DIR [--seed N] [--trace FILE]
//
// DIR is what `sparsegen compile -o DIR` writes (commands.hex, expected.hex,
// expected_last.hex, expected_mask.hex) for the configuration this model
// was built for.  A is run as jobs 1-5 (the register tests, a job without
// stalls, with stalls, a soft reset in the middle of one, its rerun, a job
// ended by tlast), B as jobs 6-7 (without and with stalls).  Every check
// prints one TAP-style line ("ok - ..." / "not ok - ..."; details as "# "
// lines) which verif/axi/axi.test numbers; each job prints a JSON line of
// its counters as read over AXI4-Lite ({"job":"a0",...}) for the test to
// compare with `sparsegen sim`; the last line is a JSON summary.  Exit 0
// when every check passed, 1 otherwise, 2 on bad usage.
//
// Its programs come as hex files, without the golden library, so of the
// lockstep core it uses the stream half (verif/harness/sg_stream.h): the
// stall stream, the source and sink under the agents below, beat words and
// the lane comparison.  What is its own: the AXI4-Lite master, the job
// scenario and the per-job checks.
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "Vsparsegen_axi.h"
#include "Vsparsegen_axi___024root.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_fst_c.h"
#endif

#include "axil_master.h"
#include "sparsegen_params.h"
#include "sparsegen_regs.h"
#include "regtab.h"

namespace {

const int BeatWords = (SG_CFG_STREAM_W + 31) / 32;
const int Elems = SG_CFG_STREAM_W / SG_CFG_DATA_W;

using sg::get_beat;
using sg::put_beat;

// ---- a compiled program: command beats and expected result beats -----------
struct Program {
    std::string dir;
    std::vector<uint32_t> cmd, out; // beats, BeatWords words each
    std::vector<uint8_t> last;      // tlast per result beat
    std::vector<uint64_t> mask;     // lanes checked per result beat
    long long n_cmd = 0, n_out = 0, n_last = 0;
};

// One beat per line, most significant digit first, into BeatWords words.
bool read_hex(const std::string &path, int words, std::vector<uint32_t> &out, long long *n, std::string &err)
{
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f) {
        err = "cannot read '" + path + "'";
        return false;
    }
    char line[1024];
    *n = 0;
    while (std::fgets(line, sizeof line, f)) {
        size_t len = std::strcspn(line, "\r\n");
        if (len == 0) continue;
        std::vector<uint32_t> w((size_t)words, 0);
        for (size_t i = 0; i < len; i++) { // digit i from the right is bits [4i +: 4]
            char c = line[len - 1 - i];
            int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                                      : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
            if (v < 0 || (int)(i / 8) >= words) {
                std::fclose(f);
                err = "bad hex line in '" + path + "'";
                return false;
            }
            w[i / 8] |= (uint32_t)v << (4 * (i % 8));
        }
        out.insert(out.end(), w.begin(), w.end());
        (*n)++;
    }
    std::fclose(f);
    return true;
}

bool load_program(const std::string &dir, Program &p, std::string &err)
{
    p.dir = dir;
    long long nl = 0, nm = 0;
    std::vector<uint32_t> last, mask;
    if (!read_hex(dir + "/commands.hex", BeatWords, p.cmd, &p.n_cmd, err) ||
        !read_hex(dir + "/expected.hex", BeatWords, p.out, &p.n_out, err) ||
        !read_hex(dir + "/expected_last.hex", 1, last, &nl, err) ||
        !read_hex(dir + "/expected_mask.hex", 2, mask, &nm, err))
        return false;
    if (nl != p.n_out || nm != p.n_out || p.n_cmd == 0) {
        err = "'" + dir + "': commands, expected, last and mask files disagree";
        return false;
    }
    for (long long i = 0; i < p.n_out; i++) {
        p.last.push_back((uint8_t)(last[i] & 1));
        p.mask.push_back((uint64_t)mask[2 * i] | (uint64_t)mask[2 * i + 1] << 32);
        p.n_last += last[i] & 1;
    }
    return true;
}

// ---- TAP-style checks ---------------------------------------------------------
int n_checks = 0, n_failed = 0;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
bool check(bool ok, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    n_checks++;
    if (!ok) n_failed++;
    std::printf("%s - %s\n", ok ? "ok" : "not ok", buf);
    std::fflush(stdout);
    return ok;
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void diag(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    std::printf("# %s\n", buf);
}

// ---- stream agents (on sg_stream.h's source and sink) -------------------------
// The command source: one continuous stream of queued beats (a DMA with
// descriptors queued back to back), so the next job's first beat is offered
// as soon as the last one of a job is taken -- and must wait for START.
struct Source : sg::Source {
    struct Beat {
        std::vector<uint32_t> w;
        bool last;
    };
    std::deque<Beat> q;
    bool paused = false; // offer no new beat (one already offered stays)
    long long taken = 0;

    void add(const Program &p, bool tlast_on_last)
    {
        for (long long i = 0; i < p.n_cmd; i++)
            q.push_back(Beat{std::vector<uint32_t>(p.cmd.begin() + i * BeatWords, p.cmd.begin() + (i + 1) * BeatWords),
                             tlast_on_last && i + 1 == p.n_cmd});
    }
    void add_raw(const std::vector<uint32_t> &w, bool last) { q.push_back(Beat{w, last}); }
    // drop the first n queued beats (what an aborted job did not take)
    void drop(long long n)
    {
        valid = false;
        for (long long i = 0; i < n && !q.empty(); i++) q.pop_front();
    }
    void drive(Vsparsegen_axi *t, sg::Rng &rng)
    {
        offer(rng, !q.empty() && !paused);
        t->s_axis_tvalid = valid;
        if (valid) {
            put_beat(t->s_axis_tdata, q.front().w.data());
            t->s_axis_tlast = q.front().last;
        } else { // junk while not valid
            std::vector<uint32_t> j((size_t)BeatWords);
            for (uint32_t &x : j) x = (uint32_t)rng.next();
            put_beat(t->s_axis_tdata, j.data());
            t->s_axis_tlast = rng.next() & 1;
        }
    }
    void observe(Vsparsegen_axi *t)
    {
        if (valid && t->s_axis_tready) {
            q.pop_front();
            sent();
            taken++;
        }
    }
};

// The result sink: compares each beat with the job's expectation as it
// leaves, bit for bit in the lanes the expectation's mask names.
struct Sink : sg::Sink {
    const Program *p = nullptr;
    long long got = 0, mismatches = 0, extra = 0, last_cycle = 0;
    std::string first_error;

    void expect(const Program *prog)
    {
        p = prog;
        got = mismatches = extra = 0;
        first_error.clear();
    }
    void drive(Vsparsegen_axi *t, sg::Rng &rng) { t->m_axis_tready = accept(rng); }
    void observe(Vsparsegen_axi *t, long long cycle)
    {
        if (!fire(t->m_axis_tvalid)) return;
        last_cycle = cycle;
        if (!p || got >= p->n_out) {
            extra++;
            if (first_error.empty()) first_error = "a result beat beyond the job's expected ones";
            return;
        }
        uint32_t w[16];
        get_beat(t->m_axis_tdata, w);
        const uint32_t *e = &p->out[(size_t)(got * BeatWords)];
        const uint64_t mask = p->mask[got];
        std::string err;
        int bit = 0;
        int lane = sg::first_difference(w, e, Elems, SG_CFG_DATA_W, [&](int l) { return (mask >> l & 1) != 0; }, &bit);
        if (lane >= 0) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "result beat %lld lane %d differs at bit %d (cycle %lld)", got, lane, bit,
                          cycle);
            err = buf;
        }
        if (err.empty() && (bool)t->m_axis_tlast != (bool)p->last[got]) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "result beat %lld: tlast %d, expected %d", got, (int)t->m_axis_tlast,
                          (int)p->last[got]);
            err = buf;
        }
        if (err.empty() && (uint64_t)t->m_axis_tkeep != (SG_CFG_STREAM_W / 8 >= 64 ? ~0ULL : (1ULL << (SG_CFG_STREAM_W / 8)) - 1))
            err = "m_axis_tkeep not all ones";
        if (!err.empty()) {
            mismatches++;
            if (first_error.empty()) first_error = err;
        }
        got++;
    }
};

// ---- the testbench ---------------------------------------------------------------
class Testbench {
  public:
    Testbench(uint64_t seed, const char *trace)
        : ctx_(new VerilatedContext), rng_(seed ^ 0x5bd1e995u)
    {
        ctx_->randReset(2);
        ctx_->randSeed((int)(seed & 0x7fffffff));
        ctx_->fatalOnError(false); // an RTL $error (SG_ASSERTIONS) fails a check, not the process
#if VM_TRACE
        if (trace) ctx_->traceEverOn(true);
#endif
        top_.reset(new Vsparsegen_axi{ctx_.get(), "TOP"});
        axil.reset(new AxilMaster<Vsparsegen_axi>(top_.get(), seed * 7 + 1));
#if VM_TRACE
        if (trace) {
            fst_.reset(new VerilatedFstC);
            top_->trace(fst_.get(), 99);
            fst_->open(trace);
        }
#else
        (void)trace;
#endif
        top_->aclk = 0;
        top_->aresetn = 0;
        top_->m_axis_tready = 0;
        top_->s_axis_tvalid = 0;
    }
    ~Testbench()
    {
#if VM_TRACE
        if (fst_) fst_->close();
#endif
        top_->final();
    }

    // One clock cycle: every agent drives, the model settles, handshakes
    // are observed (not while aresetn is low), then the rising edge.
    void step()
    {
        axil->drive();
        src.drive(top_.get(), rng_);
        sink.drive(top_.get(), rng_);
        top_->eval();
        dump();
        ctx_->timeInc(1);
        if (top_->aresetn) { // in reset nothing moves (the registers are not reset before the first edge)
            axil->observe(cycle_);
            src.observe(top_.get());
            sink.observe(top_.get(), cycle_);
        }
        irq_high_ += top_->irq_o ? 1 : 0;
        top_->aclk = 1;
        top_->eval();
        dump();
        ctx_->timeInc(1);
        top_->aclk = 0;
        cycle_++;
    }
    void run(int n)
    {
        for (int i = 0; i < n; i++) step();
    }
    // aresetn low for n cycles: the master and the streams forget everything
    void reset(int n)
    {
        top_->aresetn = 0;
        axil->reset();
        src.valid = false;
        for (int i = 0; i < n; i++) {
            step();
            axil->reset();
        }
        top_->aresetn = 1;
    }

    // blocking register access (the streams keep running meanwhile)
    uint32_t rd(uint32_t addr, unsigned *resp = nullptr)
    {
        int id = axil->read(addr);
        wait(id);
        const auto &r = axil->result(id);
        if (resp) *resp = r.resp;
        return r.data;
    }
    unsigned wr(uint32_t addr, uint32_t data, unsigned strb = 0xf)
    {
        int id = axil->write(addr, data, strb);
        wait(id);
        return axil->result(id).resp;
    }
    void wait(int id)
    {
        for (int n = 0; !axil->result(id).done; n++) {
            if (n > 2000) {
                if (timeouts_++ == 0) diag("AXI4-Lite request %d not answered in 2000 cycles (cycle %lld)", id, cycle_);
                axil->reset();
                return;
            }
            step();
        }
    }
    void wait_idle()
    {
        for (int n = 0; axil->busy() && n < 20000; n++) step();
    }
    uint64_t rd64(uint32_t lo)
    {
        uint32_t l = rd(lo);
        return (uint64_t)rd(lo + 4) << 32 | l;
    }

    Vsparsegen_axi *top() { return top_.get(); }
    long long cycle() const { return cycle_; }
    long long irq_cycles() const { return irq_high_; }
    bool rtl_error() const { return ctx_->gotError(); }
    int timeouts() const { return timeouts_; }
    sg::Rng &rng() { return rng_; }

    std::unique_ptr<AxilMaster<Vsparsegen_axi>> axil;
    Source src;
    Sink sink;

  private:
    void dump()
    {
#if VM_TRACE
        if (fst_) fst_->dump(ctx_->time());
#endif
    }
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<Vsparsegen_axi> top_;
#if VM_TRACE
    std::unique_ptr<VerilatedFstC> fst_;
#endif
    sg::Rng rng_;
    long long cycle_ = 0, irq_high_ = 0;
    int timeouts_ = 0;
};

// ---- a job ----------------------------------------------------------------------
struct JobStats {
    uint32_t status = 0, in_beats = 0, out_beats = 0, out_last = 0;
    uint64_t job_cycles = 0, busy = 0, useful = 0, slots = 0, stall = 0;
    long long polls = 0, wall = 0; // STATUS reads until DONE; cycles from START to DONE seen
    bool done = false;
};

const uint32_t DoneMask = SG_STATUS_DONE_MASK;

// Poll STATUS until DONE (the job was started at cycle t0), then read the
// counters.
JobStats finish_job(Testbench &tb, long long t0, long long timeout)
{
    JobStats s;
    while (tb.cycle() - t0 < timeout) {
        s.polls++;
        uint32_t st = tb.rd(SG_REG_STATUS);
        if (st & DoneMask) {
            s.done = true;
            break;
        }
        tb.run(tb.rng().below(8));
    }
    s.wall = tb.cycle() - t0;
    s.status = tb.rd(SG_REG_STATUS);
    s.in_beats = tb.rd(SG_REG_IN_BEATS);
    s.out_beats = tb.rd(SG_REG_OUT_BEATS);
    s.out_last = tb.rd(SG_REG_OUT_LAST);
    s.job_cycles = tb.rd64(SG_REG_JOB_CYCLES_LO);
    s.busy = tb.rd64(SG_REG_BUSY_LO);
    s.useful = tb.rd64(SG_REG_USEFUL_LO);
    s.slots = tb.rd64(SG_REG_SLOTS_LO);
    s.stall = tb.rd64(SG_REG_STALL_LO);
    return s;
}

// Start a job (CMD_BEATS already written, the source holding its beats) and
// run it to DONE.
JobStats run_job(Testbench &tb, const Program &p, bool irq_en, long long timeout)
{
    tb.sink.expect(&p);
    long long t0 = tb.cycle();
    tb.wr(SG_REG_CTRL, SG_CTRL_START_MASK | (irq_en ? SG_CTRL_IRQ_EN_MASK : 0));
    return finish_job(tb, t0, timeout);
}

void print_job(const char *name, const JobStats &s)
{
    std::printf("{\"job\":\"%s\",\"done\":%s,\"in_beats\":%u,\"out_beats\":%u,\"out_last\":%u,\"job_cycles\":%" PRIu64
                ",\"busy_cycles\":%" PRIu64 ",\"issued_macs\":%" PRIu64 ",\"mac_slots\":%" PRIu64
                ",\"stall_cycles\":%" PRIu64 ",\"polls\":%lld}\n",
                name, s.done ? "true" : "false", s.in_beats, s.out_beats, s.out_last, s.job_cycles, s.busy, s.useful,
                s.slots, s.stall, s.polls);
}

// The checks every finished job gets.
void check_job(Testbench &tb, const char *what, const Program &p, const JobStats &s, long long want_in)
{
    check(s.done, "%s: STATUS.DONE within the time limit (%lld STATUS polls, %lld cycles)", what, s.polls, s.wall);
    check(tb.sink.got == p.n_out && tb.sink.mismatches == 0 && tb.sink.extra == 0,
          "%s: all %lld result beats equal the compiled expectation bit for bit (got %lld, %lld wrong, %lld extra%s%s)",
          what, p.n_out, tb.sink.got, tb.sink.mismatches, tb.sink.extra, tb.sink.first_error.empty() ? "" : ": ",
          tb.sink.first_error.c_str());
    check(s.in_beats == (uint32_t)want_in && s.out_beats == (uint32_t)p.n_out && s.out_last == (uint32_t)p.n_last,
          "%s: IN_BEATS %u OUT_BEATS %u OUT_LAST %u (want %lld, %lld, %lld)", what, s.in_beats, s.out_beats, s.out_last,
          want_in, p.n_out, p.n_last);
    check((s.status & (SG_STATUS_BUSY_MASK | SG_STATUS_ERR_MASK | SG_STATUS_DONE_MASK | SG_STATUS_IDLE_MASK)) ==
              (SG_STATUS_DONE_MASK | SG_STATUS_IDLE_MASK),
          "%s: STATUS after the job: DONE, IDLE, not BUSY, no ERR (0x%08x)", what, s.status);
    // the job ran from START (before the first beat) to DONE (after the last
    // result): at least the span of its result beats, at most the cycles the
    // testbench waited
    check(s.job_cycles > 0 && (long long)s.job_cycles <= s.wall,
          "%s: JOB_CYCLES %" PRIu64 " within the %lld cycles from the START write to DONE seen", what, s.job_cycles,
          s.wall);
    check(s.slots == s.busy * (uint64_t)(SG_CFG_PE_COUNT * SG_CFG_BANKS) && s.stall <= s.busy && s.useful <= s.slots,
          "%s: perf counters consistent: SLOTS %" PRIu64 " = BUSY %" PRIu64 " x %d lanes, STALL %" PRIu64
          " <= BUSY, USEFUL %" PRIu64 " <= SLOTS",
          what, s.slots, s.busy, SG_CFG_PE_COUNT * SG_CFG_BANKS, s.stall, s.useful);
}

// ---- the scenario ------------------------------------------------------------------
struct Options {
    const char *prog_a = nullptr, *prog_b = nullptr, *trace = nullptr;
    uint64_t seed = 1;
};

void test_registers(Testbench &tb)
{
    // every register's value after reset, and OKAY
    bool all = true;
    for (int i = 0; i < n_regs; i++) {
        unsigned resp = 9;
        uint32_t v = tb.rd(regs[i].offset, &resp);
        bool ok = resp == SG_RESP_OKAY && v == regs[i].reset;
        all &= ok;
        if (!ok) diag("%s (0x%03x): 0x%08x resp %u, want 0x%08x OKAY", regs[i].name, regs[i].offset, v, resp, regs[i].reset);
    }
    check(all, "after reset all %d registers read their reset value with OKAY", n_regs);
    check(tb.top()->irq_o == 0 && tb.top()->s_axis_tready == 0 && tb.top()->m_axis_tvalid == 0,
          "after reset: irq_o, s_axis_tready and m_axis_tvalid low");

    // identity against sparsegen_params.h (the configuration)
    check(tb.rd(SG_REG_ID) == 0x5347454eu, "ID reads 0x5347454e (\"SGEN\")");
    check(tb.rd(SG_REG_VERSION) == version_word(SG_CFG_VERSION), "VERSION reads generator %s as 0x%06x",
          SG_CFG_VERSION, version_word(SG_CFG_VERSION));
    uint32_t g = tb.rd(SG_REG_GEOMETRY);
    check(field(g, SG_GEOMETRY_P_MASK, SG_GEOMETRY_P_SHIFT) == SG_CFG_PE_COUNT &&
              field(g, SG_GEOMETRY_B_MASK, SG_GEOMETRY_B_SHIFT) == SG_CFG_BANKS,
          "GEOMETRY 0x%08x: P %d, B %d as the configuration", g, SG_CFG_PE_COUNT, SG_CFG_BANKS);
    uint32_t w = tb.rd(SG_REG_WIDTHS);
    check(field(w, SG_WIDTHS_STREAM_MASK, SG_WIDTHS_STREAM_SHIFT) == SG_CFG_STREAM_W &&
              field(w, SG_WIDTHS_DATA_MASK, SG_WIDTHS_DATA_SHIFT) == SG_CFG_DATA_W &&
              field(w, SG_WIDTHS_WGT_MASK, SG_WIDTHS_WGT_SHIFT) == SG_CFG_WGT_W,
          "WIDTHS 0x%08x: stream %d, data %d, weight %d bits as the configuration", w, SG_CFG_STREAM_W, SG_CFG_DATA_W,
          SG_CFG_WGT_W);
    uint64_t h = (uint64_t)tb.rd(SG_REG_CFG_HASH_HI) << 32 | tb.rd(SG_REG_CFG_HASH_LO);
    check(h == SG_CFG_HASH, "CFG_HASH_HI:LO 0x%016" PRIx64 " equals SG_CFG_HASH", h);

    // writes to RO registers: SLVERR, nothing changes
    for (int i = 0; i < n_regs; i++) {
        if (regs[i].access != SG_ACCESS_RO) continue;
        uint32_t before = tb.rd(regs[i].offset);
        unsigned resp = tb.wr(regs[i].offset, ~before, 0xf);
        uint32_t after = tb.rd(regs[i].offset);
        check(resp == SG_RESP_SLVERR && after == before, "write to RO %s answers SLVERR (%u), value unchanged (0x%08x)",
              regs[i].name, resp, after);
    }
    // STATUS (W1C): writes are OKAY and change nothing but DONE
    {
        uint32_t before = tb.rd(SG_REG_STATUS);
        unsigned resp = tb.wr(SG_REG_STATUS, 0xffffffffu);
        check(resp == SG_RESP_OKAY && tb.rd(SG_REG_STATUS) == before,
              "write 1s to STATUS (W1C) with DONE clear: OKAY, value unchanged");
    }

    // RW registers: every WSTRB mask
    const uint32_t rw[] = {SG_REG_SCRATCH, SG_REG_CMD_BEATS};
    const char *rw_name[] = {"SCRATCH", "CMD_BEATS"};
    for (int k = 0; k < 2; k++) {
        bool ok = tb.wr(rw[k], 0xffffffffu) == SG_RESP_OKAY && tb.rd(rw[k]) == 0xffffffffu;
        uint32_t model = 0xffffffffu;
        for (unsigned strb = 0; strb < 16; strb++) {
            uint32_t d = (uint32_t)tb.rng().next();
            unsigned resp = tb.wr(rw[k], d, strb);
            for (int b = 0; b < 4; b++)
                if (strb >> b & 1) model = (model & ~(0xffu << 8 * b)) | (d & 0xffu << 8 * b);
            uint32_t got = tb.rd(rw[k]);
            if (resp != SG_RESP_OKAY || got != model) {
                ok = false;
                diag("%s: WSTRB 0x%x data 0x%08x: read 0x%08x resp %u, want 0x%08x", rw_name[k], strb, d, got, resp, model);
            }
        }
        check(ok, "%s (RW): all 16 WSTRB masks write exactly their bytes", rw_name[k]);
    }
    // CTRL: IRQ_EN through byte 0 only; START reads 0 (checked in a job)
    {
        unsigned r1 = tb.wr(SG_REG_CTRL, SG_CTRL_IRQ_EN_MASK, 0xe);
        uint32_t c1 = tb.rd(SG_REG_CTRL);
        unsigned r2 = tb.wr(SG_REG_CTRL, SG_CTRL_IRQ_EN_MASK, 0x1);
        uint32_t c2 = tb.rd(SG_REG_CTRL);
        unsigned r3 = tb.wr(SG_REG_CTRL, 0xfffffff8u, 0xf); // reserved bits, IRQ_EN 0
        uint32_t c3 = tb.rd(SG_REG_CTRL);
        check(r1 == SG_RESP_OKAY && c1 == 0 && r2 == SG_RESP_OKAY && c2 == SG_CTRL_IRQ_EN_MASK && r3 == SG_RESP_OKAY &&
                  c3 == 0,
              "CTRL.IRQ_EN: not written without WSTRB[0], set with it; reserved bits read 0 (0x%x 0x%x 0x%x)", c1, c2, c3);
        check(tb.top()->irq_o == 0, "IRQ_EN without DONE: irq_o stays low");
    }

    // unmapped offsets: DECERR, data 0, nothing changes
    {
        tb.wr(SG_REG_SCRATCH, 0x600df00du);
        std::vector<uint32_t> before;
        for (int i = 0; i < n_regs; i++) before.push_back(tb.rd(regs[i].offset));
        const uint32_t holes[] = {0x018, 0x01c, 0x02c, 0x068, 0x06c, 0x100, 0x800, 0xffc};
        bool rd_ok = true, wr_ok = true;
        for (uint32_t a : holes) {
            unsigned resp = 0;
            uint32_t v = tb.rd(a, &resp);
            if (resp != SG_RESP_DECERR || v != 0) rd_ok = false, diag("read 0x%03x: 0x%08x resp %u", a, v, resp);
            resp = tb.wr(a, 0xffffffffu);
            if (resp != SG_RESP_DECERR) wr_ok = false, diag("write 0x%03x: resp %u", a, resp);
        }
        bool same = true;
        for (int i = 0; i < n_regs; i++) same &= tb.rd(regs[i].offset) == before[i];
        check(rd_ok, "reads of unmapped offsets answer DECERR with data 0");
        check(wr_ok && same, "writes to unmapped offsets answer DECERR and change no register");
    }
    // address bits [1:0] are ignored
    {
        bool ok = true;
        for (uint32_t b = 1; b < 4; b++) ok &= tb.rd(SG_REG_SCRATCH + b) == 0x600df00du;
        ok &= tb.wr(SG_REG_SCRATCH + 2, 0x12345678u) == SG_RESP_OKAY && tb.rd(SG_REG_SCRATCH) == 0x12345678u;
        check(ok, "an unaligned address reaches its word (AWADDR/ARADDR [1:0] ignored)");
    }

    // several requests in flight, AW and W in random order, responses in order
    {
        tb.axil->max_outstanding = 3;
        tb.axil->max_delay = 4;
        tb.axil->ready_pct = 50;
        std::vector<int> ids;
        std::vector<unsigned> want;
        uint32_t model = tb.rd(SG_REG_SCRATCH), cmd_model = tb.rd(SG_REG_CMD_BEATS);
        for (int i = 0; i < 24; i++) {
            uint32_t d = (uint32_t)tb.rng().next();
            unsigned strb = (unsigned)tb.rng().below(16);
            int kind = tb.rng().below(4);
            uint32_t a = kind == 0 ? SG_REG_SCRATCH : kind == 1 ? SG_REG_CMD_BEATS : kind == 2 ? SG_REG_ID : 0x0f0;
            ids.push_back(tb.axil->write(a, d, strb));
            want.push_back(kind < 2 ? SG_RESP_OKAY : kind == 2 ? SG_RESP_SLVERR : SG_RESP_DECERR);
            uint32_t &m = kind == 0 ? model : cmd_model;
            if (kind < 2)
                for (int b = 0; b < 4; b++)
                    if (strb >> b & 1) m = (m & ~(0xffu << 8 * b)) | (d & 0xffu << 8 * b);
            if (i % 3 == 0) ids.push_back(tb.axil->read(SG_REG_ID)), want.push_back(100);
        }
        tb.wait_idle();
        bool ok = true;
        for (size_t i = 0; i < ids.size(); i++) {
            const auto &r = tb.axil->result(ids[i]);
            bool good = r.done && (want[i] == 100 ? (r.resp == SG_RESP_OKAY && r.data == 0x5347454eu) : r.resp == want[i]);
            if (!good) ok = false, diag("request %zu: done %d resp %u data 0x%08x", i, r.done, r.resp, r.data);
        }
        check(ok && tb.rd(SG_REG_SCRATCH) == model && tb.rd(SG_REG_CMD_BEATS) == cmd_model,
              "24 writes and 8 reads, up to 3 in flight, AW/W in random order: every response right, the last write "
              "wins");
        tb.axil->max_outstanding = 2;
        tb.axil->max_delay = 3;
        tb.axil->ready_pct = 70;
    }
    check(tb.axil->error().empty(), "the slave kept the AXI4-Lite rules (responses held until ready)%s%s",
          tb.axil->error().empty() ? "" : ": ", tb.axil->error().c_str());
}

// Offer beats for n cycles and count how many got in.
long long offered_taken(Testbench &tb, int n)
{
    long long before = tb.src.taken;
    tb.run(n);
    return tb.src.taken - before;
}

int run(const Options &o)
{
    Program A, B;
    std::string err;
    if (!load_program(o.prog_a, A, err) || !load_program(o.prog_b, B, err)) {
        std::fprintf(stderr, "tb_axi: %s\n", err.c_str());
        return 2;
    }
    Testbench tb(o.seed, o.trace);
    tb.reset(16);
    tb.run(2);

    test_registers(tb);

    // ---- job a0: A without stalls, irq enabled; beats offered before START --
    tb.src.add(A, false); // a0
    tb.src.add(A, false); // a1
    check(offered_taken(tb, 40) == 0, "no job yet: a command beat offered for 40 cycles is not taken (s_axis_tready 0)");
    tb.wr(SG_REG_CMD_BEATS, (uint32_t)A.n_cmd);
    tb.sink.expect(&A);
    long long t0 = tb.cycle();
    tb.wr(SG_REG_CTRL, SG_CTRL_START_MASK | SG_CTRL_IRQ_EN_MASK);
    uint32_t ctrl = tb.rd(SG_REG_CTRL), st = tb.rd(SG_REG_STATUS);
    check(ctrl == SG_CTRL_IRQ_EN_MASK, "CTRL.START is self-clearing: CTRL reads 0x%08x after START", ctrl);
    check((st & (SG_STATUS_BUSY_MASK | SG_STATUS_DONE_MASK)) == SG_STATUS_BUSY_MASK,
          "STATUS during the job: BUSY, not DONE (0x%08x)", st);
    JobStats a0 = finish_job(tb, t0, 2000000);
    check(tb.top()->irq_o && (a0.status & SG_STATUS_IRQ_MASK) && tb.irq_cycles() > 0,
          "DONE with IRQ_EN: irq_o high, STATUS.IRQ set");
    print_job("a0", a0);
    check_job(tb, "job a0 (A, no stalls)", A, a0, A.n_cmd);
    check(tb.sink.last_cycle - t0 <= (long long)a0.job_cycles + 8,
          "job a0: the last result beat left within JOB_CYCLES of START (at %lld, JOB_CYCLES %" PRIu64 ")",
          tb.sink.last_cycle - t0, a0.job_cycles);
    check(offered_taken(tb, 40) == 0 && tb.rd(SG_REG_IN_BEATS) == (uint32_t)A.n_cmd,
          "after the job's %lld beats: the next beat offered for 40 cycles is not taken", A.n_cmd);
    uint64_t j1 = tb.rd64(SG_REG_JOB_CYCLES_LO);
    tb.run(50);
    check(tb.rd64(SG_REG_JOB_CYCLES_LO) == j1, "JOB_CYCLES stops at DONE (%" PRIu64 ")", j1);

    // ---- job a1: A with stalls; START clears DONE and the counters ----------
    tb.src.paused = true; // a1's first beat is already offered: at most it gets in
    tb.src.stall_pct = 30;
    tb.sink.stall_pct = 30;
    tb.sink.expect(&A);
    t0 = tb.cycle();
    tb.wr(SG_REG_CTRL, SG_CTRL_START_MASK | SG_CTRL_IRQ_EN_MASK);
    tb.run(6);
    st = tb.rd(SG_REG_STATUS);
    check((st & (SG_STATUS_BUSY_MASK | SG_STATUS_DONE_MASK | SG_STATUS_IRQ_MASK)) == SG_STATUS_BUSY_MASK &&
              tb.top()->irq_o == 0,
          "START of a second job clears DONE and the interrupt (STATUS 0x%08x)", st);
    uint32_t in0 = tb.rd(SG_REG_IN_BEATS), out0 = tb.rd(SG_REG_OUT_BEATS), last0 = tb.rd(SG_REG_OUT_LAST);
    uint64_t p0 = tb.rd64(SG_REG_BUSY_LO) | tb.rd64(SG_REG_USEFUL_LO) | tb.rd64(SG_REG_SLOTS_LO) | tb.rd64(SG_REG_STALL_LO);
    uint64_t jc = tb.rd64(SG_REG_JOB_CYCLES_LO);
    check(in0 == 1 && out0 == 0 && last0 == 0 && p0 == 0 && jc > 0 && jc < 200,
          "START resets the counters: IN_BEATS %u (the one beat let in), OUT_BEATS %u, OUT_LAST %u, perf %" PRIu64
          ", JOB_CYCLES %" PRIu64 " counting",
          in0, out0, last0, p0, jc);
    tb.src.paused = false;
    JobStats a1 = finish_job(tb, t0, 4000000);
    print_job("a1", a1);
    check_job(tb, "job a1 (A, stalls 30/30)", A, a1, A.n_cmd);
    check(a1.useful == a0.useful && a1.busy - a1.stall == a0.busy - a0.stall,
          "job a1: the same useful MACs (%" PRIu64 ") and busy-minus-stall cycles (%" PRIu64 ") as job a0", a1.useful,
          a1.busy - a1.stall);

    // ---- interrupt: IRQ_EN gates it, DONE is W1C --------------------------------
    {
        bool on = tb.top()->irq_o;
        tb.wr(SG_REG_CTRL, 0);
        bool off = !tb.top()->irq_o;
        st = tb.rd(SG_REG_STATUS);
        bool st_ok = (st & SG_STATUS_DONE_MASK) && !(st & SG_STATUS_IRQ_MASK);
        tb.wr(SG_REG_CTRL, SG_CTRL_IRQ_EN_MASK);
        bool again = tb.top()->irq_o;
        check(on && off && st_ok && again, "irq_o follows IRQ_EN while DONE stays set (%d %d %d %d)", on, off, st_ok, again);
        tb.wr(SG_REG_STATUS, SG_STATUS_DONE_MASK, 0xe); // DONE's byte not strobed
        bool kept = (tb.rd(SG_REG_STATUS) & SG_STATUS_DONE_MASK) && tb.top()->irq_o;
        tb.wr(SG_REG_STATUS, ~SG_STATUS_DONE_MASK); // 0 to DONE, 1s elsewhere
        bool kept2 = (tb.rd(SG_REG_STATUS) & SG_STATUS_DONE_MASK) && tb.top()->irq_o;
        unsigned resp = tb.wr(SG_REG_STATUS, SG_STATUS_DONE_MASK);
        st = tb.rd(SG_REG_STATUS);
        check(kept && kept2 && resp == SG_RESP_OKAY && !(st & SG_STATUS_DONE_MASK) && !tb.top()->irq_o,
              "STATUS.DONE is W1C: kept without WSTRB[0] or with a 0, cleared by a 1 (and irq_o with it)");
    }

    // ---- job a2: soft reset in the middle; a3: the rerun equals a0 --------------
    tb.src.stall_pct = 20;
    tb.sink.stall_pct = 20;
    tb.wr(SG_REG_CMD_BEATS, (uint32_t)A.n_cmd);
    tb.src.add(A, false); // a2, aborted
    tb.sink.expect(&A);
    long long taken0 = tb.src.taken;
    tb.wr(SG_REG_CTRL, SG_CTRL_START_MASK | SG_CTRL_IRQ_EN_MASK);
    // abort once half the results are out (or, for a program whose results
    // all come at the end, once every command beat is in)
    for (int n = 0; n < 1000000 && tb.sink.got < (A.n_out + 1) / 2 && tb.src.taken - taken0 < A.n_cmd; n++) tb.step();
    tb.wr(SG_REG_CTRL, SG_CTRL_SOFT_RST_MASK | SG_CTRL_IRQ_EN_MASK);
    long long a2_in = tb.src.taken - taken0, a2_out = tb.sink.got; // s_axis closed with the write
    tb.src.drop(A.n_cmd - a2_in); // the DMA is reset too: the rest of a2 is never sent
    tb.src.add(A, false);         // a3, offered while the core is held
    tb.sink.expect(nullptr);
    diag("soft reset after %lld of %lld command beats and %lld of %lld result beats", a2_in, A.n_cmd, a2_out, A.n_out);
    {
        st = tb.rd(SG_REG_STATUS);
        ctrl = tb.rd(SG_REG_CTRL);
        check((st & (SG_STATUS_BUSY_MASK | SG_STATUS_DONE_MASK)) == 0 && ctrl == (SG_CTRL_SOFT_RST_MASK | SG_CTRL_IRQ_EN_MASK),
              "SOFT_RST aborts the job: BUSY and DONE clear (STATUS 0x%08x), CTRL reads SOFT_RST (0x%08x)", st, ctrl);
        long long in = offered_taken(tb, 30);
        bool no_out = true;
        for (int i = 0; i < 30; i++) no_out &= !tb.top()->m_axis_tvalid, tb.step();
        uint64_t perf = tb.rd64(SG_REG_BUSY_LO) | tb.rd64(SG_REG_USEFUL_LO) | tb.rd64(SG_REG_SLOTS_LO);
        check(in == 0 && no_out && perf == 0 && tb.sink.extra == 0,
              "while SOFT_RST is 1: no beat taken, no result offered, the perf counters read 0");
        tb.wr(SG_REG_CTRL, SG_CTRL_SOFT_RST_MASK | SG_CTRL_START_MASK | SG_CTRL_IRQ_EN_MASK);
        st = tb.rd(SG_REG_STATUS);
        check(!(st & SG_STATUS_BUSY_MASK) && offered_taken(tb, 20) == 0,
              "START in the same write as SOFT_RST = 1 is ignored (STATUS 0x%08x)", st);
        tb.wr(SG_REG_CTRL, SG_CTRL_IRQ_EN_MASK);
        tb.run(4);
        st = tb.rd(SG_REG_STATUS);
        check(st == SG_STATUS_IDLE_MASK, "SOFT_RST back to 0: the core idle, no job (STATUS 0x%08x)", st);
    }
    tb.src.stall_pct = 0;
    tb.sink.stall_pct = 0;
    JobStats a3 = run_job(tb, A, true, 2000000);
    print_job("a3", a3);
    check_job(tb, "job a3 (A rerun after the soft reset, no stalls)", A, a3, A.n_cmd);
    check(a3.busy == a0.busy && a3.useful == a0.useful && a3.slots == a0.slots && a3.stall == a0.stall &&
              a3.job_cycles == a0.job_cycles,
          "job a3: counters and JOB_CYCLES equal job a0's, nothing leaked from the aborted job (%" PRIu64 " cycles)",
          a3.job_cycles);

    // ---- job a4: CMD_BEATS 0, the stream ends at tlast ----------------------------
    tb.wr(SG_REG_CMD_BEATS, 0);
    tb.src.add(A, true);  // a4
    tb.src.add(B, false); // b0, offered after a4's tlast
    tb.src.stall_pct = 25;
    tb.sink.stall_pct = 25;
    JobStats a4 = run_job(tb, A, true, 4000000);
    print_job("a4", a4);
    check_job(tb, "job a4 (A with CMD_BEATS 0, ended by tlast, stalls 25/25)", A, a4, A.n_cmd);
    check(offered_taken(tb, 40) == 0, "job a4: after the tlast beat the next beat offered is not taken");

    // ---- jobs b0, b1: the second model, without and with stalls --------------------
    tb.wr(SG_REG_CMD_BEATS, (uint32_t)B.n_cmd);
    tb.src.stall_pct = 0;
    tb.sink.stall_pct = 0;
    tb.src.add(B, false); // b1
    JobStats b0 = run_job(tb, B, false, 4000000);
    print_job("b0", b0);
    check_job(tb, "job b0 (B, no stalls)", B, b0, B.n_cmd);
    check(tb.top()->irq_o == 0 && (b0.status & SG_STATUS_IRQ_MASK) == 0, "job b0 without IRQ_EN: DONE raises no interrupt");
    tb.src.stall_pct = 30;
    tb.sink.stall_pct = 30;
    JobStats b1 = run_job(tb, B, true, 8000000);
    print_job("b1", b1);
    check_job(tb, "job b1 (B, stalls 30/30)", B, b1, B.n_cmd);
    check(b1.useful == b0.useful && b1.busy - b1.stall == b0.busy - b0.stall,
          "job b1: the same useful MACs (%" PRIu64 ") and busy-minus-stall cycles as job b0", b1.useful);

    // ---- the LO/HI latch: move the counters by 2^32 between the two reads --------
    {
        Vsparsegen_axi___024root *r = tb.top()->rootp;
        QData *ctr[5] = {&r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_busy_o,
                         &r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_useful_o,
                         &r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_slots_o,
                         &r->sparsegen_axi__DOT__u_top__DOT__u_core__DOT__u_ctrl__DOT__perf_stall_o,
                         &r->sparsegen_axi__DOT__job_cycles_q};
        const uint32_t lo[5] = {SG_REG_BUSY_LO, SG_REG_USEFUL_LO, SG_REG_SLOTS_LO, SG_REG_STALL_LO, SG_REG_JOB_CYCLES_LO};
        const char *name[5] = {"BUSY", "USEFUL", "SLOTS", "STALL", "JOB_CYCLES"};
        tb.run(10); // the job is over: nothing counts
        for (int k = 0; k < 5; k++) {
            uint64_t v0 = tb.rd64(lo[k]);
            uint32_t l = tb.rd(lo[k]);
            *ctr[k] += 1ULL << 32; // the counter moves between the LO and the HI read
            uint32_t hi_latched = tb.rd(lo[k] + 4);
            uint64_t v1 = tb.rd64(lo[k]);
            *ctr[k] -= 1ULL << 32;
            check(l == (uint32_t)v0 && hi_latched == (uint32_t)(v0 >> 32) && v1 == v0 + (1ULL << 32),
                  "%s_HI returns the half latched by the LO read (0x%08x), a new LO read latches the new one (0x%08x)",
                  name[k], hi_latched, (uint32_t)(v1 >> 32));
        }
    }

    // ---- ERR: an unknown opcode; DONE still comes, SOFT_RST clears ERR -------------
    {
        tb.src.stall_pct = 0;
        tb.sink.stall_pct = 0;
        std::vector<uint32_t> bad((size_t)BeatWords, 0);
        bad[0] = 1;
        if (BeatWords > 1) bad[1] = 0xf0000000u; // header: opcode 15 (unknown), count 1
        Program E;
        E.n_cmd = BeatWords > 1 ? 1 : 2;
        tb.src.add_raw(bad, false);
        if (BeatWords == 1) tb.src.add_raw(std::vector<uint32_t>(1, 0xf0000000u), false);
        tb.wr(SG_REG_CMD_BEATS, (uint32_t)E.n_cmd);
        JobStats e = run_job(tb, E, false, 10000);
        check(e.done && (e.status & SG_STATUS_ERR_MASK) && e.out_beats == 0,
              "an unknown opcode: STATUS.ERR set, the job still DONE (STATUS 0x%08x)", e.status);
        tb.wr(SG_REG_CTRL, SG_CTRL_SOFT_RST_MASK);
        tb.wr(SG_REG_CTRL, 0);
        st = tb.rd(SG_REG_STATUS);
        check(st == SG_STATUS_IDLE_MASK, "SOFT_RST clears ERR (STATUS 0x%08x)", st);
    }

    // ---- aresetn in the middle of a job: everything back to reset values -----------
    {
        tb.src.stall_pct = 10;
        tb.src.add(A, false);
        tb.wr(SG_REG_CMD_BEATS, (uint32_t)A.n_cmd);
        tb.wr(SG_REG_SCRATCH, 0xdeadbeefu);
        tb.sink.expect(&A);
        tb.wr(SG_REG_CTRL, SG_CTRL_START_MASK | SG_CTRL_IRQ_EN_MASK);
        tb.run((int)(A.n_cmd / 2) + 5);
        tb.reset(16);
        tb.src.q.clear();
        tb.sink.expect(nullptr);
        tb.run(2);
        bool all = true;
        for (int i = 0; i < n_regs; i++) {
            unsigned resp = 9;
            uint32_t v = tb.rd(regs[i].offset, &resp);
            if (resp != SG_RESP_OKAY || v != regs[i].reset)
                all = false, diag("%s: 0x%08x resp %u after aresetn", regs[i].name, v, resp);
        }
        check(all, "aresetn in the middle of a job returns every register to its reset value");
    }

    check(tb.axil->error().empty(), "the AXI4-Lite slave kept the protocol throughout%s%s",
          tb.axil->error().empty() ? "" : ": ", tb.axil->error().c_str());
    check(!tb.rtl_error() && tb.timeouts() == 0, "no RTL assertion fired (SG_ASSERTIONS) and no request timed out");
    std::printf("{\"config\":\"%s\",\"checks\":%d,\"failures\":%d,\"cycles\":%lld,\"seed\":%" PRIu64 ",\"pass\":%s}\n",
                SG_CFG_NAME, n_checks, n_failed, tb.cycle(), o.seed, n_failed ? "false" : "true");
    return n_failed ? 1 : 0;
}

} // namespace

int main(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (a == "--prog-a" && v) o.prog_a = argv[++i];
        else if (a == "--prog-b" && v) o.prog_b = argv[++i];
        else if (a == "--trace" && v) o.trace = argv[++i];
        else if (a == "--seed" && v) o.seed = std::strtoull(argv[++i], nullptr, 10);
        else {
            std::fprintf(stderr, "tb_axi: unknown or incomplete option '%s'\n"
                                 "usage: Vtb_axi --prog-a DIR --prog-b DIR [--seed N] [--trace FILE]\n",
                         argv[i]);
            return 2;
        }
    }
    if (!o.prog_a || !o.prog_b) {
        std::fprintf(stderr, "tb_axi: give --prog-a DIR and --prog-b DIR (sparsegen compile -o DIR)\n");
        return 2;
    }
#if !VM_TRACE
    if (o.trace) {
        std::fprintf(stderr, "tb_axi: built without --trace-fst\n");
        return 2;
    }
#endif
    return run(o);
}
