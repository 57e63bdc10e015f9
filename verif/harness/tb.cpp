// tb.cpp: the lockstep harness -- drives a compiled program into the RTL and
// checks every result beat against the golden model as it leaves m_axis.
//
// Built by `sparsegen sim` (gen/sg_sim.c) for one configuration; the
// configuration's sparsegen_params.h is compiled in and checked against the
// JSON given at run time.  Stimulus and stalls come from C (xorshift, seeded)
// so any run replays exactly from its printed seed.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
extern "C" {
#include "sg_compile.h"
#include "sg_config.h"
#include "sg_model.h"
#include "sg_post.h"
#include "sg_quant.h"
#include "sg_random.h"
}

namespace {

// ---- stream data access for every Verilator port width -------------------
void put_beat(IData &d, const uint32_t *w) { d = w[0]; }
void put_beat(QData &d, const uint32_t *w) { d = (QData)w[0] | ((QData)w[1] << 32); }
template <std::size_t N> void put_beat(VlWide<N> &d, const uint32_t *w)
{
    for (std::size_t i = 0; i < N; i++) d[i] = w[i];
}
void get_beat(const IData &d, uint32_t *w) { w[0] = d; }
void get_beat(const QData &d, uint32_t *w) { w[0] = (uint32_t)d; w[1] = (uint32_t)(d >> 32); }
template <std::size_t N> void get_beat(const VlWide<N> &d, uint32_t *w)
{
    for (std::size_t i = 0; i < N; i++) w[i] = d[i];
}

struct Rng {
    uint64_t s; // xorshift64 state, never 0
    explicit Rng(uint64_t seed) : s(seed ? seed : 0x9e3779b97f4a7c15ULL) {}
    uint64_t next() { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
    bool percent(int pct) { return pct > 0 && (int)(next() % 100) < pct; }
};

struct Options {
    const char *config = nullptr, *model = nullptr, *random = nullptr, *trace = nullptr;
    const char *labels = nullptr, *coverage = nullptr, *triage = nullptr, *trace_pes = nullptr;
    int fault_pe = -1, fault_lane = -1;
    uint64_t seed = 1;
    int stall_in = 0, stall_out = 0, first = 0, samples = 0;
    long long trace_from = 0, trace_to = -1, reset_at = -1, max_cycles = 0, corrupt = -1;
    bool check = true, quiet = false, steps = false, pe_stats = false;
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
        else if (a == "--trace" && v) o.trace = argv[++i];
        else if (a == "--labels" && v) o.labels = argv[++i];
        else if (a == "--coverage" && v) o.coverage = argv[++i];
        else if (a == "--triage" && v) o.triage = argv[++i];
        else if (a == "--trace-pes" && v) o.trace_pes = argv[++i];
        else if (a == "--fault" && v) {
            if (std::sscanf(v, "%d:%d", &o.fault_pe, &o.fault_lane) != 2 || o.fault_pe < 0 || o.fault_lane < 0)
                return bad_usage("bad --fault (PE:LANE)", v);
            i++;
        }
        else if (a == "--seed") { if (!need(0, INT64_MAX)) return bad_usage("bad --seed", v); o.seed = (uint64_t)x; }
        else if (a == "--stall-in") { if (!need(0, 99)) return bad_usage("bad --stall-in (0..99)", v); o.stall_in = (int)x; }
        else if (a == "--stall-out") { if (!need(0, 99)) return bad_usage("bad --stall-out (0..99)", v); o.stall_out = (int)x; }
        else if (a == "--first") { if (!need(0, 1 << 30)) return bad_usage("bad --first", v); o.first = (int)x; }
        else if (a == "--samples") { if (!need(1, 1 << 30)) return bad_usage("bad --samples", v); o.samples = (int)x; }
        else if (a == "--trace-from") { if (!need(0, INT64_MAX)) return bad_usage("bad --trace-from", v); o.trace_from = x; }
        else if (a == "--trace-to") { if (!need(0, INT64_MAX)) return bad_usage("bad --trace-to", v); o.trace_to = x; }
        else if (a == "--reset-at") { if (!need(1, INT64_MAX)) return bad_usage("bad --reset-at", v); o.reset_at = x; }
        else if (a == "--max-cycles") { if (!need(1, INT64_MAX)) return bad_usage("bad --max-cycles", v); o.max_cycles = x; }
        else if (a == "--corrupt") { if (!need(0, INT64_MAX)) return bad_usage("bad --corrupt", v); o.corrupt = x; }
        else if (a == "--no-check") o.check = false;
        else if (a == "--quiet") o.quiet = true;
        else if (a == "--steps") o.steps = true;
        else if (a == "--pe-stats") o.pe_stats = true;
        else return bad_usage("unknown or incomplete option", argv[i]);
    }
    if (!o.model == !o.random) return bad_usage("give exactly one of --model FILE, --random SPEC", "");
#if !VM_TRACE
    if (o.trace) return bad_usage("this model was built without tracing; use sparsegen sim --trace", o.trace);
#endif
#if !VM_COVERAGE
    if (o.coverage) return bad_usage("this model was built without coverage; use sparsegen sim --coverage", o.coverage);
#endif
    return 0;
}

// ---- the testbench ---------------------------------------------------------
class Testbench {
  public:
    Testbench(const Options &o) : opt_(o), ctx_(new VerilatedContext), rng_(o.seed)
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
    void settle()
    {
        top_->eval();
        dump();
        ctx_->timeInc(1);
    }
    void tick()
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

    Vsparsegen_top *top() { return top_.get(); }
    bool rtl_error() const { return ctx_->gotError(); }
    long long cycle() const { return cycle_; }
    Rng &rng() { return rng_; }

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
    Rng rng_;
    long long cycle_ = 0;
};

// Per-layer share of the run: the hardware counters' growth between the
// last result beat of the previous layer and the last result beat of this
// one, and the results checked (only the stalls are reported from it).
struct LayerStat {
    long long outputs = 0, busy = 0, useful = 0, slots = 0, stall = 0;
};

struct Counters {
    long long busy, useful, slots, stall;
};

// The end of one LSTM step: its last h_t left m_axis at `cycle`, with the
// counters as they were then (a step's busy cycles run from the previous
// step's end: its RUN and the element-wise tail after it).
struct StepEnd {
    int layer, sample, step;
    long long cycle;
    Counters at;
};

// The last layer's outputs per sample, as the RTL sent them and as the
// golden model expects them (for accuracy against labels).
struct Capture {
    int layer = -1, first = 0, classes = 0, offset = 0; // rows offset .. offset+classes-1
    std::vector<int32_t> rtl, gold;
    std::vector<int> seen;
};

// The first mismatching result, for the triage report.
struct Failure {
    bool set = false;
    sg_lane lane{};
    int32_t got = 0;
    long long cycle = 0, beat = 0;
    int beat_lane = 0;
};

struct Result {
    Capture cap;
    Failure first;
    long long out_beats = 0, outputs_checked = 0, mismatches = 0;
    long long in_stalls = 0, out_stalls = 0, start_cycle = 0, end_cycle = 0;
    std::string failure;
    std::vector<LayerStat> layer;
    std::vector<StepEnd> steps;
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

Counters read_counters(Vsparsegen_top *t)
{
    return Counters{(long long)t->perf_busy_o, (long long)t->perf_useful_o, (long long)t->perf_slots_o,
                    (long long)t->perf_stall_o};
}

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

// Drive the whole program; stop at the first mismatch.
void run_program(Testbench &tb, const sg_program &p, const sg_model &m, const sg_config &c,
                 const Options &o, long long max_cycles, Result &r, bool reset_midway)
{
    Vsparsegen_top *t = tb.top();
    const int bw = p.beat_words;
    uint32_t got[16];
    long long in_i = 0, out_i = 0;
    bool presenting = false;
    r.start_cycle = tb.cycle();
    r.layer.assign(p.n_layers, LayerStat());
    if (o.labels) {
        const sg_layer &Z = m.layers[m.n_layers - 1];
        r.cap.layer = m.n_layers - 1;
        r.cap.first = o.first;
        r.cap.classes = Z.out;
        r.cap.offset = (int)sg_layer_read_offset(&m, m.n_layers);
        r.cap.rtl.assign((size_t)p.samples * Z.out, 0);
        r.cap.gold.assign((size_t)p.samples * Z.out, 0);
        r.cap.seen.assign(p.samples, 0);
    }
    Counters last = read_counters(t);
    for (;; r.out_beats = out_i) {
        if (tb.cycle() - r.start_cycle > max_cycles) {
            char msg[256];
            std::snprintf(msg, sizeof msg,
                          "timeout after %lld cycles: %lld of %lld command beats sent, %lld of %lld result beats received",
                          max_cycles, in_i, p.n_beats, out_i, p.n_out);
            r.failure = msg;
            return;
        }
        if (reset_midway && o.reset_at >= 0 && tb.cycle() - r.start_cycle == o.reset_at) return;
        // drive inputs for this cycle (valid never waits for ready; once
        // asserted it stays until the beat is taken)
        if (!presenting && in_i < p.n_beats) {
            if (o.stall_in > 0 && tb.rng().percent(o.stall_in)) r.in_stalls++;
            else presenting = true;
        }
        t->s_axis_tvalid = presenting;
        if (presenting) put_beat(t->s_axis_tdata, p.beats + in_i * bw);
        bool ready = !(o.stall_out > 0 && tb.rng().percent(o.stall_out));
        t->m_axis_tready = ready;
        tb.settle();
        bool s_fire = presenting && t->s_axis_tready;
        bool m_fire = t->m_axis_tvalid && ready;
        if (t->m_axis_tvalid && !ready) r.out_stalls++;
        if (m_fire) {
            if (out_i >= p.n_out) {
                r.failure = "the RTL sent a result beat after the last expected one";
                r.mismatches++;
                return;
            }
            get_beat(t->m_axis_tdata, got);
            for (int lane = 0; r.cap.layer >= 0 && lane < p.elems; lane++) {
                const sg_lane &L = p.lanes[out_i * p.elems + lane];
                int k = L.row - r.cap.offset, s = L.sample - r.cap.first;
                if (L.layer != r.cap.layer || k < 0 || k >= r.cap.classes || s < 0 || s >= p.samples) continue;
                size_t at = (size_t)s * r.cap.classes + k;
                r.cap.rtl[at] = lane_value(got, lane, c.data_w);
                r.cap.gold[at] = L.value;
                r.cap.seen[s]++;
            }
            if (o.check) {
                const uint32_t *exp = p.out + out_i * bw;
                for (int lane = 0; lane < p.elems; lane++) {
                    int32_t g = lane_value(got, lane, c.data_w), e = lane_value(exp, lane, c.data_w);
                    const sg_lane &L = p.lanes[out_i * p.elems + lane];
                    if (L.layer >= 0 && L.row < 0) continue;  // discarded (flat CONV gap pixel)
                    if (L.layer >= 0) {
                        r.outputs_checked++;
                        r.layer[L.layer].outputs++;
                    }
                    if (g == e) continue;
                    char msg[512];
                    if (L.layer >= 0)
                        std::snprintf(msg, sizeof msg,
                                      "mismatch: layer %d (%s) row %d sample %d: expected %d, got %d at cycle %lld (result beat %lld lane %d)",
                                      L.layer, m.layers[L.layer].name, L.row, L.sample, e, g, tb.cycle(), out_i, lane);
                    else
                        std::snprintf(msg, sizeof msg,
                                      "mismatch: padding lane %d of result beat %lld: expected %d, got %d at cycle %lld",
                                      lane, out_i, e, g, tb.cycle());
                    r.failure = msg;
                    r.mismatches++;
                    r.first.set = L.layer >= 0;
                    r.first.lane = L;
                    r.first.got = g;
                    r.first.cycle = tb.cycle();
                    r.first.beat = out_i;
                    r.first.beat_lane = lane;
                    return;
                }
                if ((bool)t->m_axis_tlast != (bool)p.out_last[out_i]) {
                    char msg[256];
                    std::snprintf(msg, sizeof msg, "mismatch: tlast %d on result beat %lld, expected %d at cycle %lld",
                                  (int)t->m_axis_tlast, out_i, (int)p.out_last[out_i], tb.cycle());
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
                    r.steps.push_back(StepEnd{L.layer, L.sample, L.row / m.layers[L.layer].out, tb.cycle(),
                                              read_counters(t)});
            }
            // the last beat of a layer's results closes its share of the counters
            int beat_layer = p.lanes[out_i * p.elems].layer;
            if (out_i + 1 == p.n_out || p.lanes[(out_i + 1) * p.elems].layer != beat_layer)
                charge(r, beat_layer, read_counters(t), last);
            out_i++;
        }
        tb.tick();
        if (tb.rtl_error()) {
            char msg[160];
            std::snprintf(msg, sizeof msg, "an RTL assertion failed (see above) at cycle %lld", tb.cycle());
            r.failure = msg;
            return;
        }
        if (s_fire) {
            in_i++;
            presenting = false;
        }
        if (in_i == p.n_beats && out_i == p.n_out && t->idle_o) break;
    }
    r.out_beats = out_i;
    r.end_cycle = tb.cycle();
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

// The input sample s gives layer li (the golden chain; after an lstm layer
// a layer reads its last h_t).
std::vector<int32_t> layer_input(const sg_model &m, const sg_config &c, int s, int li)
{
    std::vector<int32_t> a(m.inputs + (size_t)s * m.input_len, m.inputs + (size_t)(s + 1) * m.input_len), b;
    char err[256];
    for (int l = 0; l < li; l++) {
        const sg_layer &L = m.layers[l];
        b.assign((size_t)sg_layer_out_len(&L), 0);
        if (sg_layer_forward(&L, c.data_w, c.acc_w, a.data(), b.data(), err, sizeof err) != 0) return {};
        b.erase(b.begin(), b.begin() + (long)sg_layer_read_offset(&m, l + 1));
        a.swap(b);
    }
    return a;
}

// The first mismatch, explained: which PE computed it, the weights (CSB
// lanes) and activations that fed it, and the cycle; also as JSON into
// o.triage for sparsegen sim, which replays the run to write a waveform
// window around that cycle.
void triage(const Failure &f, const sg_model &m, const sg_config &c, const Options &o)
{
    const sg_lane &L = f.lane;
    const sg_layer &Y = m.layers[L.layer];
    const int P = c.pe_count, B = c.banks;
    std::fprintf(stderr, "triage: layer %d '%s' (%s) output %d of sample %d, computed on PE %d: expected %d, "
                 "got %d (off by %lld) at cycle %lld, result beat %lld lane %d\n",
                 L.layer, Y.name, sg_layer_type_name(Y.type), L.row, L.sample, L.pe, L.value, f.got,
                 (long long)f.got - L.value, f.cycle, f.beat, f.beat_lane);
    if (Y.type == SG_LAYER_FC) {
        std::vector<int32_t> x = layer_input(m, c, L.sample, L.layer);
        int bank_size = (Y.in + B - 1) / B, n = 0;
        long long sum = 0;
        std::fprintf(stderr, "  row %d is row %d of row group %d; its nonzero weights by bank (CSB lane) and the "
                     "activations they met:\n", L.row, L.row % P, L.row / P);
        for (int j = 0; j < Y.in; j++) {
            int32_t w = Y.weights[(size_t)L.row * Y.in + j];
            if (w == 0) continue;
            long long xv = x.empty() ? 0 : x[j];
            sum += (long long)w * xv;
            if (n++ < 32)
                std::fprintf(stderr, "    bank %2d offset %4d: w %5d x x[%d] = %lld\n", j / bank_size, j % bank_size, w, j,
                             xv);
        }
        if (n > 32) std::fprintf(stderr, "    ... %d more\n", n - 32);
        std::fprintf(stderr, "  golden: bias %d + sum %lld, requant M %d S %d -> %d\n", Y.bias ? Y.bias[L.row] : 0, sum,
                     Y.mult[L.row], (int)Y.shift[L.row], L.value);
    } else if (Y.type == SG_LAYER_CONV || Y.type == SG_LAYER_MAXPOOL) {
        const sg_conv_shape &s = Y.conv;
        int hw = s.h_out * s.w_out, ch = L.row / hw, oy = (L.row % hw) / s.w_out, ox = L.row % s.w_out;
        std::fprintf(stderr, "  output channel %d, pixel (y %d, x %d): PE %d held that pixel of its group; the "
                     "window starts at input (y %d, x %d)\n", ch, oy, ox, L.pe, oy * s.stride_h - s.pad_h,
                     ox * s.stride_w - s.pad_w);
    } else if (Y.type == SG_LAYER_LSTM) {
        int H = Y.out, j = L.row % H;
        std::fprintf(stderr, "  h_%d of unit %d: gate rows %d..%d (i, f, g, o) on PEs %d, %d, %d, %d, then the "
                     "element-wise unit\n", L.row / H, j, 4 * j, 4 * j + 3, (4 * j) % P, (4 * j + 1) % P,
                     (4 * j + 2) % P, (4 * j + 3) % P);
    }
    if (!o.triage) return;
    FILE *fp = std::fopen(o.triage, "w");
    if (!fp) return;
    std::fprintf(fp, "{\"layer\":%d,\"name\":\"%s\",\"type\":\"%s\",\"output\":%d,\"sample\":%d,\"pe\":%d,"
                 "\"expected\":%d,\"got\":%d,\"cycle\":%lld,\"beat\":%lld,\"beat_lane\":%d}\n",
                 L.layer, Y.name, sg_layer_type_name(Y.type), L.row, L.sample, L.pe, L.value, f.got, f.cycle, f.beat,
                 f.beat_lane);
    std::fclose(fp);
}

} // namespace

int main(int argc, char **argv)
{
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
    int32_t *labels = nullptr;
    if (o.labels && sg_labels_load(o.labels, m.n_inputs, m.layers[m.n_layers - 1].out, &labels, err, sizeof err) != 0) {
        std::fprintf(stderr, "harness: %s\n", err);
        sg_model_free(&m);
        return 2;
    }
    std::unique_ptr<int32_t, decltype(&std::free)> labels_owner(labels, &std::free);
    sg_program p;
    if (sg_compile(&c, &m, o.first, o.samples, &p, err, sizeof err) != 0) {
        std::fprintf(stderr, "harness: %s\n", err);
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
    long long max_cycles = o.max_cycles ? o.max_cycles
                                        : 1000000LL + 50LL * (p.n_beats + p.words + p.n_out) *
                                                          (100 + o.stall_in + o.stall_out) / 100 * 4;

    Result r;
    struct timespec t0, t1;
    {
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
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (o.reset_at >= 0) {
            // abandon the program midway, reset, and run it again from scratch:
            // nothing may leak from the interrupted layer into the rerun
            Result partial;
            run_program(tb, p, m, c, o, max_cycles, partial, true);
            tb.reset(4);
        }
        long long busy0 = (long long)tb.top()->perf_busy_o;
        run_program(tb, p, m, c, o, max_cycles, r, false);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        Vsparsegen_top *t = tb.top();
        long long busy = (long long)t->perf_busy_o - busy0;
        long long useful = (long long)t->perf_useful_o, slots = (long long)t->perf_slots_o;
        long long stall = (long long)t->perf_stall_o;
        if (r.failure.empty() && t->err_o) r.failure = "the RTL flagged a malformed command (err_o)";
        if (r.failure.empty()) {
            // the hardware counters must agree with what the program implies
            long long exp_busy = p.words + p.runs * (long long)SG_CFG_RUN_OVERHEAD + stall;
            char msg[512];
            if (useful != p.useful_macs) {
                std::snprintf(msg, sizeof msg, "perf counter useful_macs %lld != %lld nonzero weights issued", useful, p.useful_macs);
                r.failure = msg;
            } else if (busy != exp_busy) {
                std::snprintf(msg, sizeof msg, "perf counter busy %lld != words %lld + runs %lld x %d + stalls %lld",
                              busy, p.words, p.runs, SG_CFG_RUN_OVERHEAD, stall);
                r.failure = msg;
            } else if (slots != busy * (long long)c.lanes) {
                std::snprintf(msg, sizeof msg, "perf counter mac_slots %lld != busy %lld x %d lanes", slots, busy, c.lanes);
                r.failure = msg;
            } else {
                r.failure = pe_activity(t, c, busy, stall, useful, false, true);
            }
        }
        if (!r.failure.empty()) {
            tb.flush();
            std::fprintf(stderr, "FAIL: %s\n", r.failure.c_str());
            if (r.first.set) triage(r.first, m, c, o);
            std::fprintf(stderr, "replay: sparsegen sim%s%s %s %s --seed %" PRIu64 " --stall-in %d --stall-out %d --trace fail.fst --trace-from %lld\n",
                         o.config ? " -c " : "", o.config ? o.config : "", o.model ? "-m" : "--random",
                         o.model ? o.model : o.random, o.seed, o.stall_in, o.stall_out,
                         tb.cycle() > 2000 ? tb.cycle() - 2000 : 0LL);
        }
        double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
        long long cycles = tb.cycle();
        // MACs of results nobody keeps (flat CONV pixels between rows) are not useful
        long long issued = useful;
        useful -= p.junk_macs;
        double util = slots ? (double)useful / (double)slots : 0.0;
        if (!o.quiet) {
            std::printf("sparsegen sim: %s on '%s' (%d PEs x %d banks), %d sample(s), %d layer(s)\n", m.name, c.name,
                        c.pe_count, c.banks, p.samples, p.n_layers);
            for (int l = 0; l < p.n_layers; l++) {
                const char *type = sg_layer_type_name(m.layers[l].type);
                // rows x cols of the weight matrix: outputs (channels) x inputs (window)
                std::printf("  layer %d %-10s %-7s %6d x %-6d density %6.2f%%  CSB words %9lld  runs %5lld\n", l,
                            p.layer[l].name, type, p.layer[l].rows, p.layer[l].cols,
                            100.0 * (double)p.layer[l].weights_nnz / ((double)p.layer[l].rows * p.layer[l].cols),
                            p.layer[l].words, p.layer[l].runs);
            }
            std::printf("  results checked %lld, mismatches %lld; busy %lld of %lld cycles; utilization %.4f; %.2f M cycles/s\n",
                        r.outputs_checked, r.mismatches, busy, cycles, util, secs > 0 ? cycles / secs / 1e6 : 0.0);
        }
        if (o.pe_stats && r.failure.empty()) pe_activity(t, c, busy, stall, issued, true, o.quiet);
        for (int l = 0; l < p.n_layers && !r.layer.empty(); l++) {
            // Layers overlap in time (a layer's RUNs may start while the one
            // before still drains its results), so per layer the work comes
            // from the program -- its issued MACs, words and runs, whose
            // totals the counters were checked against -- and only the
            // stalls from the counters' growth while its results arrived.
            const LayerStat &ls = r.layer[l];
            const sg_layer_stats &st = p.layer[l];
            const char *type = sg_layer_type_name(m.layers[l].type);
            long long lbusy = st.words + st.runs * (long long)SG_CFG_RUN_OVERHEAD + ls.stall;
            long long lslots = lbusy * (long long)c.lanes, lu = st.macs - st.junk_macs;
            std::printf("{\"layer\":%d,\"name\":\"%s\",\"type\":\"%s\",\"outputs_checked\":%lld,"
                        "\"busy_cycles\":%lld,\"useful_macs\":%lld,\"issued_macs\":%lld,\"mac_slots\":%lld,"
                        "\"utilization\":%.6f,\"stall_cycles\":%lld}\n",
                        l, m.layers[l].name, type, ls.outputs, lbusy, lu, st.macs,
                        lslots, lslots ? (double)lu / (double)lslots : 0.0, ls.stall);
        }
        // LSTM: one line per step (with --steps) and one per sequence, from
        // the counters at the end of each step: a step's busy cycles are its
        // RUN and the element-wise tail before the next step starts, its
        // cycles also the loads in between.  A sequence's first step has no
        // observable start, so lines cover steps 1 .. T-1.
        size_t first_of_seq = 0;
        for (size_t i = 0; i < r.steps.size(); i++) {
            const StepEnd &e = r.steps[i];
            if (e.step == 0) first_of_seq = i;
            if (o.steps && i > first_of_seq) {
                const StepEnd &q = r.steps[i - 1];
                long long b = e.at.busy - q.at.busy, u = e.at.useful - q.at.useful;
                std::printf("{\"layer\":%d,\"sample\":%d,\"step\":%d,\"cycles\":%lld,\"busy_cycles\":%lld,"
                            "\"useful_macs\":%lld,\"utilization\":%.6f,\"stall_cycles\":%lld}\n",
                            e.layer, e.sample, e.step, e.cycle - q.cycle, b, u,
                            b ? (double)u / ((double)b * c.lanes) : 0.0, e.at.stall - q.at.stall);
            }
            if (i + 1 < r.steps.size() && r.steps[i + 1].step != 0) continue;
            const StepEnd &f = r.steps[first_of_seq];
            long long n = e.step - f.step, b = e.at.busy - f.at.busy, u = e.at.useful - f.at.useful;
            std::printf("{\"layer\":%d,\"sample\":%d,\"sequence_steps\":%d,\"measured_steps\":%lld,"
                        "\"cycles_per_step\":%.1f,\"busy_per_step\":%.1f,\"useful_macs_per_step\":%.1f,"
                        "\"utilization\":%.6f,\"stall_per_step\":%.1f}\n",
                        e.layer, e.sample, e.step + 1, n, n ? (double)(e.cycle - f.cycle) / n : 0.0,
                        n ? (double)b / n : 0.0, n ? (double)u / n : 0.0,
                        b ? (double)u / ((double)b * c.lanes) : 0.0,
                        n ? (double)(e.at.stall - f.at.stall) / n : 0.0);
        }
        // accuracy against the labels: the RTL's outputs and the golden ones
        int rtl_correct = 0, gold_correct = 0, agree = 0;
        const Capture &cap = r.cap;
        if (labels && r.failure.empty()) {
            for (int s = 0; s < p.samples; s++) {
                if (cap.seen[s] != cap.classes) {
                    r.failure = "a sample's last-layer outputs did not all arrive";
                    std::fprintf(stderr, "FAIL: %s (sample %d)\n", r.failure.c_str(), cap.first + s);
                    break;
                }
                int pr = sg_argmax_i32(&cap.rtl[(size_t)s * cap.classes], cap.classes);
                int pg = sg_argmax_i32(&cap.gold[(size_t)s * cap.classes], cap.classes);
                rtl_correct += pr == labels[cap.first + s];
                gold_correct += pg == labels[cap.first + s];
                agree += pr == pg;
            }
            if (!o.quiet && r.failure.empty())
                std::printf("  accuracy on %d labelled sample(s): RTL %.2f%% (%d), golden %.2f%% (%d); "
                            "predictions agree on %d\n", p.samples, 100.0 * rtl_correct / p.samples,
                            rtl_correct, 100.0 * gold_correct / p.samples, gold_correct, agree);
        }
        double per_sample = p.samples ? (double)(cycles - r.start_cycle) / p.samples : 0.0;
        Breakdown bd = breakdown(p, m, c, r.layer, busy, stall, cycles - r.start_cycle);
        if (!o.quiet) {
            std::printf("  %.1f cycles per sample: %.1f samples/s at %g MHz\n", per_sample,
                        per_sample > 0 ? c.clock_mhz * 1e6 / per_sample : 0.0, c.clock_mhz);
            double n = p.samples ? (double)p.samples : 1.0;
            std::printf("  per sample: MAC lanes %.1f useful + %.1f padding + %.1f discarded, fill/drain %.1f, "
                        "stalls %.1f, max-pool %.1f; loads %.1f weights + %.1f feature maps + %.1f row records "
                        "+ %.1f headers; waits %.1f%s\n",
                        bd.useful / n, bd.padding / n, bd.discarded / n, bd.fill / n, bd.stalls / n, bd.pool / n,
                        bd.weights / n, bd.maps / n, bd.rows / n, bd.headers / n, bd.waits / n,
                        bd.overlapped ? " (LSTM x loads overlap the steps)" : "");
        }
        std::printf("{\"config\":\"%s\",\"model\":\"%s\",\"layers\":%d,\"samples\":%d,\"outputs_checked\":%lld,"
                    "\"mismatches\":%lld,\"cycles\":%lld,\"busy_cycles\":%lld,\"useful_macs\":%lld,\"issued_macs\":%lld,"
                    "\"mac_slots\":%lld,\"utilization\":%.6f,\"stall_cycles\":%lld,\"in_stall_cycles\":%lld,\"out_stall_cycles\":%lld,"
                    "\"command_beats\":%lld,\"result_beats\":%lld,\"dense_macs\":%lld,\"words\":%lld,\"runs\":%lld,"
                    "\"seed\":%" PRIu64 ",\"stall_in\":%d,\"stall_out\":%d,\"checked\":%s,\"sim_seconds\":%.3f,"
                    "\"cycles_per_second\":%.0f,\"clock_mhz\":%g,\"cycles_per_sample\":%.1f,"
                    "\"samples_per_second\":%.1f,",
                    c.name, m.name, p.n_layers, p.samples, r.outputs_checked, r.mismatches, cycles, busy, useful, issued, slots,
                    util, stall, r.in_stalls, r.out_stalls, p.n_beats, r.out_beats, p.dense_macs, p.words, p.runs, o.seed,
                    o.stall_in, o.stall_out, o.check ? "true" : "false", secs, secs > 0 ? cycles / secs : 0.0,
                    c.clock_mhz, per_sample, per_sample > 0 ? c.clock_mhz * 1e6 / per_sample : 0.0);
        std::printf("\"cycles_useful_macs\":%.1f,\"cycles_padding\":%.1f,\"cycles_discarded\":%.1f,"
                    "\"cycles_fill_drain\":%lld,\"cycles_stalls\":%lld,\"cycles_pool\":%lld,"
                    "\"cycles_load_weights\":%lld,\"cycles_load_maps\":%lld,\"cycles_load_rows\":%lld,"
                    "\"cycles_load_headers\":%lld,\"cycles_waits\":%lld,\"beats_overlapped\":%lld,",
                    bd.useful, bd.padding, bd.discarded, bd.fill, bd.stalls, bd.pool, bd.weights, bd.maps, bd.rows,
                    bd.headers, bd.waits, bd.overlapped);
        if (labels && r.failure.empty())
            std::printf("\"labelled\":%d,\"rtl_correct\":%d,\"golden_correct\":%d,\"rtl_accuracy\":%.4f,"
                        "\"golden_accuracy\":%.4f,\"predictions_agree\":%d,",
                        p.samples, rtl_correct, gold_correct, p.samples ? 100.0 * rtl_correct / p.samples : 0.0,
                        p.samples ? 100.0 * gold_correct / p.samples : 0.0, agree);
        std::printf("\"pass\":%s}\n", r.failure.empty() ? "true" : "false");
    }
    sg_program_free(&p);
    sg_model_free(&m);
    return r.failure.empty() ? 0 : 1;
}
