// tb.cpp: the lockstep harness of `sparsegen sim` -- the core of
// sg_lockstep.h on sparsegen_top's pins, Verilated: drives a compiled
// program into the RTL and checks every result beat against the golden
// model as it leaves m_axis.
//
// Built by `sparsegen sim` (gen/sg_sim.c) for one configuration; the
// configuration's sparsegen_params.h is compiled in and checked against the
// JSON given at run time.  Stimulus and stalls come from C (xorshift, seeded)
// so any run replays exactly from its printed seed.  What is this harness's
// own: waveforms (--trace, a cycle window, chosen PEs), coverage, the fault
// hook (--fault), a reset in the middle of the run (--reset-at), the
// per-PE counters (--pe-stats) and where the cycles went (the breakdown).
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "Vsparsegen_top.h"
#include "Vsparsegen_top___024root.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_fst_c.h"
#endif

#include "sparsegen_params.h"
#include "sg_lockstep.h"

namespace {

using sg::Counters;
using sg::LayerStat;
using sg::Result;
using sg::Setup;

// sg::Options and what only this harness takes
struct Options : sg::Options {
    const char *trace = nullptr, *coverage = nullptr, *trace_pes = nullptr;
    int fault_pe = -1, fault_lane = -1;
    long long trace_from = 0, trace_to = -1, reset_at = -1;
    bool pe_stats = false;
};

int parse(int argc, char **argv, Options &o)
{
    int rc = sg::parse_options(argc, argv, o, [&](sg::Arg &a) {
        long long x;
        if (a.is("--trace") && a.value) o.trace = a.take();
        else if (a.is("--labels") && a.value) o.labels = a.take();
        else if (a.is("--coverage") && a.value) o.coverage = a.take();
        else if (a.is("--triage") && a.value) o.triage = a.take();
        else if (a.is("--trace-pes") && a.value) o.trace_pes = a.take();
        else if (a.is("--fault") && a.value) {
            if (std::sscanf(a.value, "%d:%d", &o.fault_pe, &o.fault_lane) != 2 || o.fault_pe < 0 || o.fault_lane < 0)
                return sg::bad_usage("bad --fault (PE:LANE)", a.value);
            a.take();
        }
        else if (a.is("--trace-from")) { if (!a.number(0, INT64_MAX, &x)) return sg::bad_usage("bad --trace-from", a.value); o.trace_from = x; }
        else if (a.is("--trace-to")) { if (!a.number(0, INT64_MAX, &x)) return sg::bad_usage("bad --trace-to", a.value); o.trace_to = x; }
        else if (a.is("--reset-at")) { if (!a.number(1, INT64_MAX, &x)) return sg::bad_usage("bad --reset-at", a.value); o.reset_at = x; }
        else if (a.is("--pe-stats")) o.pe_stats = true;
        else return 0;
        return 1;
    });
    if (rc) return rc;
    if (sg::require_model(o)) return 2;
#if !VM_TRACE
    if (o.trace) return sg::bad_usage("this model was built without tracing; use sparsegen sim --trace", o.trace);
#endif
#if !VM_COVERAGE
    if (o.coverage) return sg::bad_usage("this model was built without coverage; use sparsegen sim --coverage", o.coverage);
#endif
    return 0;
}

// ---- the testbench: the core's port on sparsegen_top -------------------------------
class Testbench final : public sg::Port {
  public:
    Testbench(const Options &o) : opt_(o), ctx_(new VerilatedContext)
    {
        ctx_->randReset(2);
        ctx_->fatalOnError(false); // an RTL $error fails the run with a summary, not an abort
        ctx_->randSeed((int)(o.seed & 0x7fffffff));
#if VM_TRACE
        if (o.trace) ctx_->traceEverOn(true);
#endif
        // named TOP, so trace paths read TOP.sparsegen_top... as the
        // generated save files (sparsegen.gtkw) expect
        top_.reset(new Vsparsegen_top{ctx_.get(), "TOP"});
#if VM_TRACE
        if (o.trace) {
            fst_.reset(new VerilatedFstC);
            if (o.trace_pes) {
                // only the top level, the controller, the post unit and the
                // chosen PEs (a comma-separated list)
                fst_->dumpvars(1, "TOP.sparsegen_top");
                fst_->dumpvars(1, "TOP.sparsegen_top.u_core");
                fst_->dumpvars(99, "TOP.sparsegen_top.u_core.u_ctrl");
                fst_->dumpvars(99, "TOP.sparsegen_top.u_core.u_post");
                std::string list = o.trace_pes;
                for (size_t at = 0; at < list.size();) {
                    size_t end = list.find(',', at);
                    if (end == std::string::npos) end = list.size();
                    fst_->dumpvars(99, "TOP.sparsegen_top.u_core.gen_pe[" + list.substr(at, end - at) + "]");
                    at = end + 1;
                }
            }
            top_->trace(fst_.get(), 99);
            fst_->open(o.trace);
        }
#endif
    }
    ~Testbench()
    {
#if VM_TRACE
        if (fst_) fst_->close();
#endif
        top_->final();
#if VM_COVERAGE
        // coverage accumulates over runs: each run adds to its own file,
        // verilator_coverage merges them
        if (opt_.coverage) ctx_->coveragep()->write(opt_.coverage);
#endif
    }

    // Inputs for the coming edge are set with the clock low and settled by
    // settle(); tick() is the rising edge, after which the clock goes low
    // again without an eval: the next settle() evaluates the falling edge
    // and the new inputs together (two evals per cycle, not three).
    void settle() override
    {
        top_->eval();
        dump();
        ctx_->timeInc(1);
    }
    void tick() override
    {
        top_->clk_i = 1;
        top_->eval();
        dump();
        cycle_++;
        ctx_->timeInc(1);
        top_->clk_i = 0;
    }

    void reset(int cycles)
    {
        top_->rst_i = 1;
        top_->s_axis_tvalid = 0;
        top_->m_axis_tready = 0;
        for (int i = 0; i < cycles; i++) {
            settle();
            tick();
        }
        top_->rst_i = 0;
    }

    void flush()
    {
#if VM_TRACE
        if (fst_) fst_->flush();
#endif
    }

    // the rest of the port: sparsegen_top's pins (tlast: the core counts beats)
    long long cycle() const override { return cycle_; }
    Counters counters() override
    {
        return Counters{(long long)top_->perf_busy_o, (long long)top_->perf_useful_o, (long long)top_->perf_slots_o,
                        (long long)top_->perf_stall_o};
    }
    void drive(bool valid, const uint32_t *beat, bool, bool ready) override
    {
        top_->s_axis_tvalid = valid;
        if (valid) sg::put_beat(top_->s_axis_tdata, beat);
        top_->m_axis_tready = ready;
    }
    bool s_ready() override { return top_->s_axis_tready; }
    bool m_valid() override { return top_->m_axis_tvalid; }
    void m_data(uint32_t *w) override { sg::get_beat(top_->m_axis_tdata, w); }
    bool m_last() override { return top_->m_axis_tlast; }
    bool rtl_error() override { return ctx_->gotError(); }
    bool idle() override { return top_->idle_o; }

    Vsparsegen_top *top() { return top_.get(); }

  private:
    void dump()
    {
#if VM_TRACE
        if (fst_ && cycle_ >= opt_.trace_from && (opt_.trace_to < 0 || cycle_ <= opt_.trace_to))
            fst_->dump(ctx_->time());
#endif
    }
    const Options &opt_;
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<Vsparsegen_top> top_;
#if VM_TRACE
    std::unique_ptr<VerilatedFstC> fst_;
#endif
    long long cycle_ = 0;
};

// Where the cycles of a run went, every one counted: the PE array's busy
// cycles split exactly as the counters were checked (words + runs x
// overhead + stalls), the words into useful, discarded (flat CONV pixels
// between rows) and padding lanes (banks with fewer nonzeros), max-pool
// layers apart; the rest is the command stream's payload beat by beat
// (nothing is loaded while the array runs, but an LSTM step's x; a feature
// map as long as the vector banks take to write it), and what is left
// over: input stalls, write-back waits, decoding, the last results draining.
struct Breakdown {
    double useful = 0, discarded = 0, padding = 0; // MAC-lane cycles
    long long fill = 0, stalls = 0, pool = 0;      // run fill/drain, frozen pipeline, max-pools
    long long weights = 0, maps = 0, rows = 0, headers = 0, waits = 0, overlapped = 0;
};

Breakdown breakdown(const sg_program &p, const sg_model &m, const sg_config &c, const std::vector<LayerStat> &ls,
                    long long busy, long long stall, long long cycles)
{
    Breakdown b;
    double lanes = (double)c.lanes;
    long long layer_stalls = 0;
    for (int l = 0; l < p.n_layers; l++) {
        const sg_layer_stats &st = p.layer[l];
        long long s = l < (int)ls.size() ? ls[l].stall : 0;
        layer_stalls += s;
        long long fill = st.runs * (long long)SG_CFG_RUN_OVERHEAD;
        if (m.layers[l].type == SG_LAYER_MAXPOOL) {
            b.pool += st.words + fill + s;
            continue;
        }
        b.useful += (double)(st.macs - st.junk_macs) / lanes;
        b.discarded += (double)st.junk_macs / lanes;
        b.padding += (double)st.words - (double)st.macs / lanes;
        b.fill += fill;
        b.stalls += s;
    }
    b.stalls += stall - layer_stalls; // stalls no layer's results were charged with
    b.weights = p.beats_kind[SG_BEATS_WGT];
    b.maps = p.fmap_cycles; // the banks write a VEC at min(B or P, E) elements a cycle
    b.rows = p.beats_kind[SG_BEATS_ROW];
    b.headers = p.beats_kind[SG_BEATS_HDR] + p.beats_kind[SG_BEATS_REC];
    b.overlapped = p.beats_kind[SG_BEATS_XSTEP];
    b.waits = cycles - busy - b.weights - b.maps - b.rows - b.headers;
    return b;
}

// Per-PE and per-bank activity from the simulation-only counters of sg_core
// (SG_PERF_DETAIL): their sums must equal the useful-MAC counter, which the
// program itself checked.  Returns "" or a failure message.
std::string pe_activity(Vsparsegen_top *t, const sg_config &c, long long busy, long long stall,
                        long long useful, bool print, bool quiet)
{
    const int P = c.pe_count, B = c.banks;
    Vsparsegen_top___024root *r = t->rootp;
    long long sum_pe = 0, sum_bank = 0, mx = 0;
    for (int p = 0; p < P; p++) {
        long long u = (long long)r->sparsegen_top__DOT__u_core__DOT__perf_pe_useful_q[p];
        sum_pe += u;
        if (u > mx) mx = u;
    }
    for (int b = 0; b < B; b++) sum_bank += (long long)r->sparsegen_top__DOT__u_core__DOT__perf_bank_useful_q[b];
    if (sum_pe != useful || sum_bank != useful) {
        char msg[200];
        std::snprintf(msg, sizeof msg, "per-PE counters sum to %lld and per-bank to %lld, the useful-MAC counter says %lld",
                      sum_pe, sum_bank, useful);
        return msg;
    }
    if (!print) return "";
    double balance = mx ? (double)sum_pe / P / (double)mx : 1.0;
    if (!quiet) {
        std::printf("  per PE (busy %lld cycles, of them %lld stalled, %d lanes each):\n", busy, stall, B);
        std::printf("    %4s %14s %12s %12s %8s\n", "PE", "useful MACs", "active", "idle", "util.");
        for (int p = 0; p < P; p++) {
            long long u = (long long)r->sparsegen_top__DOT__u_core__DOT__perf_pe_useful_q[p];
            long long a = (long long)r->sparsegen_top__DOT__u_core__DOT__perf_pe_active_q[p];
            std::printf("    %4d %14lld %12lld %12lld %7.2f%%  %s\n", p, u, a, busy - a,
                        busy ? 100.0 * u / ((double)busy * B) : 0.0,
                        std::string(mx ? (size_t)(40 * u / mx) : 0, '#').c_str());
        }
        std::printf("  per bank (nonzero lanes over all PEs; padding = busy x P - nonzero):\n");
        for (int b = 0; b < B; b++) {
            long long u = (long long)r->sparsegen_top__DOT__u_core__DOT__perf_bank_useful_q[b];
            std::printf("    bank %3d %14lld useful %14lld padding\n", b, u, busy * P - u);
        }
        std::printf("  load balance (mean / max useful MACs per PE): %.4f\n", balance);
    }
    std::printf("{\"pe_stats\":{\"busy_cycles\":%lld,\"stall_cycles\":%lld,\"balance\":%.6f,\"pe\":[", busy, stall,
                balance);
    for (int p = 0; p < P; p++) {
        long long u = (long long)r->sparsegen_top__DOT__u_core__DOT__perf_pe_useful_q[p];
        long long a = (long long)r->sparsegen_top__DOT__u_core__DOT__perf_pe_active_q[p];
        std::printf("%s{\"pe\":%d,\"useful_macs\":%lld,\"active_cycles\":%lld,\"idle_cycles\":%lld,"
                    "\"stall_cycles\":%lld,\"utilization\":%.6f}",
                    p ? "," : "", p, u, a, busy - a, stall, busy ? (double)u / ((double)busy * B) : 0.0);
    }
    std::printf("],\"bank\":[");
    for (int b = 0; b < B; b++) {
        long long u = (long long)r->sparsegen_top__DOT__u_core__DOT__perf_bank_useful_q[b];
        std::printf("%s{\"bank\":%d,\"useful_macs\":%lld,\"padding_slots\":%lld}", b ? "," : "", b, u,
                    busy * P - u);
    }
    std::printf("]}}\n");
    return "";
}

// Set bit `bit` of a Verilator signal of any width.
template <typename T> void set_bit(T &v, int bit) { v = (T)(v | ((T)1 << bit)); }
template <std::size_t N> void set_bit(VlWide<N> &v, int bit) { v[bit / 32] |= 1u << (bit % 32); }
template <typename T> void clear_all(T &v) { v = 0; }
template <std::size_t N> void clear_all(VlWide<N> &v) { for (std::size_t i = 0; i < N; i++) v[i] = 0; }

} // namespace

int main(int argc, char **argv)
{
    Options o;
    int prc = parse(argc, argv, o);
    if (prc) return prc;
    Setup s;
    if (sg::load(o, s) != 0) return 2;
    const sg_program &p = s.p;
    const sg_model &m = s.m;
    const sg_config &c = s.c;
    if (o.corrupt >= 0) sg::corrupt_expectation(s, o.corrupt);

    Result r;
    struct timespec t0, t1;
    Testbench tb(o);
    // the fault hook's register is public, so Verilator randomizes it
    // (--x-initial unique) despite its initial block: clear it
    clear_all(tb.top()->rootp->sparsegen_top__DOT__u_core__DOT__fault_q);
    tb.reset(8);
    if (o.fault_pe >= 0) {
        if (o.fault_pe >= c.pe_count || o.fault_lane >= c.banks) {
            std::fprintf(stderr, "harness: --fault %d:%d outside the %d PEs x %d lanes\n", o.fault_pe, o.fault_lane,
                         c.pe_count, c.banks);
            return 2;
        }
        set_bit(tb.top()->rootp->sparsegen_top__DOT__u_core__DOT__fault_q, o.fault_pe * c.banks + o.fault_lane);
    }
    sg::Rng rng(o.seed);
    sg::Lockstep lock(s, o, rng);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (o.reset_at >= 0) {
        // abandon the program midway, reset, and run it again from scratch:
        // nothing may leak from the interrupted layer into the rerun
        Result partial;
        lock.run(tb, partial, o.reset_at);
        tb.reset(4);
    }
    long long busy0 = (long long)tb.top()->perf_busy_o;
    lock.run(tb, r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    Vsparsegen_top *t = tb.top();
    Counters k = tb.counters();
    k.busy -= busy0;
    if (r.failure.empty()) r.failure = sg::check_counters(s, k, t->err_o);
    if (r.failure.empty()) r.failure = pe_activity(t, c, k.busy, k.stall, k.useful, false, true);
    if (!r.failure.empty()) {
        tb.flush();
        sg::print_failure(r);
        if (r.first.set) sg::triage(r.first, s, o);
        std::fprintf(stderr, "replay: sparsegen sim%s%s %s %s --seed %" PRIu64 " --stall-in %d --stall-out %d --trace fail.fst --trace-from %lld\n",
                     o.config ? " -c " : "", o.config ? o.config : "", o.model ? "-m" : "--random",
                     o.model ? o.model : o.random, o.seed, o.stall_in, o.stall_out,
                     tb.cycle() > 2000 ? tb.cycle() - 2000 : 0LL);
    }
    sg::Totals tot;
    tot.cycles = tb.cycle();
    tot.busy = k.busy;
    tot.issued = k.useful;
    tot.slots = k.slots;
    tot.stall = k.stall;
    tot.secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    sg::print_header("sparsegen sim", r, s, o, tot);
    if (o.pe_stats && r.failure.empty()) pe_activity(t, c, tot.busy, tot.stall, tot.issued, true, o.quiet);
    sg::print_layers_json(r, s);
    sg::print_steps_json(r, s, o);
    sg::Accuracy acc = sg::accuracy(r, s, o);
    Breakdown bd = breakdown(p, m, c, r.layer, tot.busy, tot.stall, tot.cycles - r.start_cycle);
    sg::print_per_sample(r, s, o, tot);
    if (!o.quiet) {
        double n = p.samples ? (double)p.samples : 1.0;
        std::printf("  per sample: MAC lanes %.1f useful + %.1f padding + %.1f discarded, fill/drain %.1f, "
                    "stalls %.1f, max-pool %.1f; loads %.1f weights + %.1f feature maps + %.1f row records "
                    "+ %.1f headers; waits %.1f%s\n",
                    bd.useful / n, bd.padding / n, bd.discarded / n, bd.fill / n, bd.stalls / n, bd.pool / n,
                    bd.weights / n, bd.maps / n, bd.rows / n, bd.headers / n, bd.waits / n,
                    bd.overlapped ? " (LSTM x loads overlap the steps)" : "");
    }
    sg::print_summary(r, s, o, tot);
    std::printf("\"cycles_useful_macs\":%.1f,\"cycles_padding\":%.1f,\"cycles_discarded\":%.1f,"
                "\"cycles_fill_drain\":%lld,\"cycles_stalls\":%lld,\"cycles_pool\":%lld,"
                "\"cycles_load_weights\":%lld,\"cycles_load_maps\":%lld,\"cycles_load_rows\":%lld,"
                "\"cycles_load_headers\":%lld,\"cycles_waits\":%lld,\"beats_overlapped\":%lld,",
                bd.useful, bd.padding, bd.discarded, bd.fill, bd.stalls, bd.pool, bd.weights, bd.maps, bd.rows,
                bd.headers, bd.waits, bd.overlapped);
    sg::print_accuracy_json(acc, r, s);
    sg::print_summary_end(r);
    return r.failure.empty() ? 0 : 1;
}
