// sg_lockstep.h: the lockstep core -- one compiled program run on the RTL
// with every result beat checked against the golden model as it leaves
// m_axis.  The options, the program (configuration, model, compiled stream
// and expectation), the run (the command stream driven with seeded stalls,
// the result-beat checker, the per-layer and per-LSTM-step shares of the
// perf counters), the counter checks, the triage of the first mismatch and
// the report lines, text and JSON.
//
// A testbench supplies a Port: how it clocks its model, drives the command
// stream, samples the result stream and reads the perf counters.  Users:
//   verif/harness/tb.cpp       Verilator, sparsegen_top's pins (`sparsegen sim`)
//   verif/systemc/sc_main.cpp  SystemC, sparsegen_sc's ports; a job as a
//                              driver runs it, counters over the TLM socket
// verif/axi/tb_axi.cpp takes its programs from hex files, without the golden
// library, and uses the stream half (sg_stream.h) alone.
//
// Header only: each harness is one translation unit that Verilator's make
// compiles (`sparsegen sim` hashes this file with tb.cpp for its cache).
// Include after sparsegen_params.h, the configuration the model was built
// for; link libsgcore.a and libsparsegolden.a.
#ifndef SG_LOCKSTEP_H
#define SG_LOCKSTEP_H

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sg_stream.h"
extern "C" {
#include "sg_compile.h"
#include "sg_config.h"
#include "sg_model.h"
#include "sg_post.h"
#include "sg_quant.h"
#include "sg_random.h"
}

namespace sg {

// ---- options -------------------------------------------------------------------
// What the core reads; a harness derives its own with what only it takes.
struct Options {
    const char *config = nullptr; // --config FILE; without it the default configuration
    const char *model = nullptr;  // --model FILE
    const char *random = nullptr; // --random SPEC
    const char *labels = nullptr; // --labels FILE: the last layer's accuracy (tb.cpp)
    const char *triage = nullptr; // --triage FILE: the first mismatch as JSON (tb.cpp)
    uint64_t seed = 1;            // of the stalls
    int stall_in = 0;             // % of cycles a waiting command beat is held back
    int stall_out = 0;            // % of cycles m_axis_tready is low
    int first = 0, samples = 0;   // the inputs compiled (samples 0: all from first)
    long long max_cycles = 0;     // the run's limit; 0: from the program's size
    long long corrupt = -1;       // >= 0: flip one expected result (checker self-test)
    bool check = true;            // compare the results (--no-check: only run)
    bool quiet = false;           // JSON lines only
    bool steps = false;           // a JSON line per LSTM step
};

inline int bad_usage(const char *msg, const char *arg)
{
    std::fprintf(stderr, "harness: %s '%s'\n", msg, arg ? arg : "");
    return 2;
}

inline bool parse_ll(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    long long v = std::strtoll(s, &end, 10);
    if (end == s || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

// One command-line option while parsing: argv[*i] and the word after it.
struct Arg {
    std::string name;  // the option
    const char *value; // the word after it, null at the end
    int *i;            // the option's index: moved past a value that is taken

    bool is(const char *n) const { return name == n; }
    const char *take()
    {
        ++*i;
        return value;
    }
    // the value as a whole number in lo..hi, taken; false if it is not one
    bool number(long long lo, long long hi, long long *out)
    {
        if (!value || !parse_ll(value, lo, hi, out)) return false;
        ++*i;
        return true;
    }
};

// The options every harness takes; extra(Arg &) parses a harness's own
// and returns 1 (taken), 0 (not one of its options) or 2 (bad, reported).
// Returns 0 or 2 (bad usage, reported).
template <class Extra> int parse_options(int argc, char **argv, Options &o, Extra extra)
{
    for (int i = 1; i < argc; i++) {
        Arg a{argv[i], i + 1 < argc ? argv[i + 1] : nullptr, &i};
        long long x;
        if (a.is("--config") && a.value) o.config = a.take();
        else if (a.is("--model") && a.value) o.model = a.take();
        else if (a.is("--random") && a.value) o.random = a.take();
        else if (a.is("--seed")) { if (!a.number(0, INT64_MAX, &x)) return bad_usage("bad --seed", a.value); o.seed = (uint64_t)x; }
        else if (a.is("--stall-in")) { if (!a.number(0, 99, &x)) return bad_usage("bad --stall-in (0..99)", a.value); o.stall_in = (int)x; }
        else if (a.is("--stall-out")) { if (!a.number(0, 99, &x)) return bad_usage("bad --stall-out (0..99)", a.value); o.stall_out = (int)x; }
        else if (a.is("--first")) { if (!a.number(0, 1 << 30, &x)) return bad_usage("bad --first", a.value); o.first = (int)x; }
        else if (a.is("--samples")) { if (!a.number(1, 1 << 30, &x)) return bad_usage("bad --samples", a.value); o.samples = (int)x; }
        else if (a.is("--max-cycles")) { if (!a.number(1, INT64_MAX, &x)) return bad_usage("bad --max-cycles", a.value); o.max_cycles = x; }
        else if (a.is("--corrupt")) { if (!a.number(0, INT64_MAX, &x)) return bad_usage("bad --corrupt", a.value); o.corrupt = x; }
        else if (a.is("--no-check")) o.check = false;
        else if (a.is("--quiet")) o.quiet = true;
        else if (a.is("--steps")) o.steps = true;
        else {
            int rc = extra(a);
            if (rc == 2) return 2;
            if (rc == 0) return bad_usage("unknown or incomplete option", argv[i]);
        }
    }
    return 0;
}

// Exactly one of --model, --random; with neither, `fallback` (a --random
// spec) if the harness has one.  Returns 0 or 2 (reported).
inline int require_model(Options &o, const char *fallback = nullptr)
{
    if ((o.model && o.random) || (!o.model && !o.random && !fallback))
        return bad_usage("give exactly one of --model FILE, --random SPEC", "");
    if (!o.model && !o.random) o.random = fallback;
    return 0;
}

// ---- the program -----------------------------------------------------------------
// The configuration, the model, its labels and the compiled program; freed
// with the Setup.
struct Setup {
    sg_config c;               // as loaded (checked against sparsegen_params.h)
    sg_model m;                // valid once has_model
    sg_program p;              // valid once has_program
    int32_t *labels = nullptr; // with --labels: one per input sample
    bool has_model = false, has_program = false;

    Setup() = default;
    Setup(const Setup &) = delete;
    Setup &operator=(const Setup &) = delete;
    ~Setup()
    {
        if (has_program) sg_program_free(&p);
        if (has_model) sg_model_free(&m);
        std::free(labels);
    }
};

// Load and compile what the options name.  Returns 0, or 2 with a message.
inline int load(const Options &o, Setup &s)
{
    char err[1024];
    if (o.config) {
        if (sg_config_load(o.config, &s.c, err, sizeof err) != 0) {
            std::fprintf(stderr, "harness: %s\n", err);
            return 2;
        }
    } else {
        sg_config_default(&s.c);
        sg_config_derive(&s.c, err, sizeof err);
    }
    if (s.c.hash != SG_CFG_HASH) {
        std::fprintf(stderr, "harness: configuration '%s' does not match the one this model was built for ('%s')\n",
                     s.c.name, SG_CFG_NAME);
        return 2;
    }
    int rc = o.model ? sg_model_load(o.model, s.c.data_w, s.c.wgt_w, &s.m, err, sizeof err)
                     : sg_model_random(&s.c, o.random, &s.m, err, sizeof err);
    if (rc != 0) {
        std::fprintf(stderr, "harness: %s\n", err);
        return 2;
    }
    s.has_model = true;
    if (o.labels &&
        sg_labels_load(o.labels, s.m.n_inputs, s.m.layers[s.m.n_layers - 1].out, &s.labels, err, sizeof err) != 0) {
        std::fprintf(stderr, "harness: %s\n", err);
        return 2;
    }
    if (sg_compile(&s.c, &s.m, o.first, o.samples, &s.p, err, sizeof err) != 0) {
        std::fprintf(stderr, "harness: %s\n", err);
        return 2;
    }
    s.has_program = true;
    return 0;
}

// Self-test of the checker (--corrupt K): flip the low bit of one expected
// result, the K-th lane (mod all lanes) or the next one that is not padding.
inline void corrupt_expectation(Setup &s, long long k)
{
    sg_program &p = s.p;
    k %= p.n_out * p.elems;
    while (p.lanes[k].layer < 0) k = (k + 1) % (p.n_out * p.elems);
    p.out[(k / p.elems) * p.beat_words + (k % p.elems) * s.c.data_w / 32] ^= 1u << ((k % p.elems) * s.c.data_w % 32);
    p.lanes[k].value ^= 1;
}

// A run's limit in cycles: --max-cycles, or plenty for the program's beats
// and words at the stalls asked for.
inline long long cycle_limit(const Options &o, const sg_program &p)
{
    return o.max_cycles ? o.max_cycles
                        : 1000000LL + 50LL * (p.n_beats + p.words + p.n_out) * (100 + o.stall_in + o.stall_out) / 100 * 4;
}

// ---- what a run leaves behind -----------------------------------------------
// Per-layer share of the run: the hardware counters' growth between the
// last result beat of the previous layer and the last result beat of this
// one, and the results checked (only the stalls are reported from it).
struct LayerStat {
    long long outputs = 0, busy = 0, useful = 0, slots = 0, stall = 0;
};

// The four perf counters.
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
    bool set = false; // a result lane (not padding) mismatched
    sg_lane lane{};
    int32_t got = 0;
    long long cycle = 0, beat = 0;
    int beat_lane = 0;
};

struct Result {
    Capture cap;
    Failure first;
    long long in_beats = 0, out_beats = 0, outputs_checked = 0, mismatches = 0;
    long long in_stalls = 0, out_stalls = 0, start_cycle = 0, end_cycle = 0;
    std::string failure; // the first failure; empty: passed
    std::vector<LayerStat> layer;
    std::vector<StepEnd> steps;
};

// ---- the port a testbench supplies -------------------------------------------
// One cycle of a run, in the order the core calls these:
//   counters()  the perf counters as the last rising edge left them
//   drive()     this cycle's inputs (the clock low; beat and last only
//               matter while valid)
//   settle()    up to the rising edge, not past it: the outputs read next
//               are what this cycle's inputs made of them
//   s_ready(), m_valid(), m_data() (only when a result beat moves), m_last()
//   tick()      the rising edge; cycle() counts it
//   rtl_error() an RTL assertion fired
//   idle()      once every beat is through: may the run end now
class Port {
  public:
    virtual ~Port() = default;
    virtual long long cycle() const = 0; // the cycle number messages give
    virtual Counters counters() = 0;
    virtual void drive(bool valid, const uint32_t *beat, bool last, bool ready) = 0;
    virtual void settle() = 0;
    virtual bool s_ready() = 0;
    virtual bool m_valid() = 0;
    virtual void m_data(uint32_t *w) = 0; // beat_words words
    virtual bool m_last() = 0;
    virtual void tick() = 0;
    virtual bool rtl_error() = 0;
    virtual bool idle() = 0;
};

// Lane `lane` of a beat (data_w bits a lane, from bit 0), sign-extended.
inline int32_t lane_value(const uint32_t *w, int lane, int data_w)
{
    uint64_t v = 0;
    for (int b = 0; b < data_w; b++) {
        int pos = lane * data_w + b;
        v |= (uint64_t)((w[pos / 32] >> (pos % 32)) & 1u) << b;
    }
    return (int32_t)sg_wrap((int64_t)v, data_w);
}

// Charge `layer` with the counters' growth since `last`, which moves to `now`.
inline void charge(Result &r, int layer, const Counters &now, Counters &last)
{
    if (layer < 0 || layer >= (int)r.layer.size()) return;
    LayerStat &ls = r.layer[layer];
    ls.busy += now.busy - last.busy;
    ls.useful += now.useful - last.useful;
    ls.slots += now.slots - last.slots;
    ls.stall += now.stall - last.stall;
    last = now;
}

// ---- the run -------------------------------------------------------------------
// Runs of one program on one port.  The stalls are drawn from the
// testbench's stream (seeded with o.seed), which goes on from one run to the
// next: a rerun after a reset draws where the abandoned run stopped, and
// whatever else the testbench draws from it between runs counts too.
class Lockstep {
  public:
    Lockstep(const Setup &s, const Options &o, Rng &rng) : max_cycles(cycle_limit(o, s.p)), s_(s), o_(o), rng_(rng) {}

    long long max_cycles; // a run fails with a timeout after this many cycles

    // Drive the whole program; stop at the first failure (in r.failure).
    // stop_at >= 0 abandons the run that many cycles in, stop_after_out >= 0
    // once that many result beats arrived and no command beat is on offer
    // (both drive valid and ready low).  True when every beat went through.
    bool run(Port &port, Result &r, long long stop_at = -1, long long stop_after_out = -1)
    {
        const sg_program &p = s_.p;
        const sg_model &m = s_.m;
        const int bw = p.beat_words;
        uint32_t got[16];
        long long in_i = 0, out_i = 0;
        Source src;
        Sink sink;
        src.stall_pct = o_.stall_in;
        sink.stall_pct = o_.stall_out;
        r.start_cycle = port.cycle();
        r.layer.assign(p.n_layers, LayerStat());
        if (o_.labels) {
            const sg_layer &Z = m.layers[m.n_layers - 1];
            r.cap.layer = m.n_layers - 1;
            r.cap.first = o_.first;
            r.cap.classes = Z.out;
            r.cap.offset = (int)sg_layer_read_offset(&m, m.n_layers);
            r.cap.rtl.assign((size_t)p.samples * Z.out, 0);
            r.cap.gold.assign((size_t)p.samples * Z.out, 0);
            r.cap.seen.assign(p.samples, 0);
        }
        Counters last = port.counters();
        for (;; r.out_beats = out_i, r.in_beats = in_i) {
            if (port.cycle() - r.start_cycle > max_cycles) {
                char msg[256];
                std::snprintf(msg, sizeof msg,
                              "timeout after %lld cycles: %lld of %lld command beats sent, %lld of %lld result beats received",
                              max_cycles, in_i, p.n_beats, out_i, p.n_out);
                r.failure = msg;
                return false;
            }
            if ((stop_at >= 0 && port.cycle() - r.start_cycle == stop_at) ||
                (stop_after_out >= 0 && out_i >= stop_after_out && !src.valid)) {
                port.drive(false, nullptr, false, false);
                return false;
            }
            Counters now = port.counters();
            // this cycle's inputs: the source draws first, then the sink
            bool valid = src.offer(rng_, in_i < p.n_beats);
            bool ready = sink.accept(rng_);
            r.in_stalls = src.stalls;
            port.drive(valid, p.beats + in_i * bw, in_i + 1 == p.n_beats, ready);
            port.settle();
            bool s_fire = valid && port.s_ready();
            bool m_fire = sink.fire(port.m_valid());
            r.out_stalls = sink.stalls;
            if (m_fire) {
                if (out_i >= p.n_out) {
                    r.failure = "the RTL sent a result beat after the last expected one";
                    r.mismatches++;
                    return false;
                }
                port.m_data(got);
                capture(r, out_i, got);
                if (o_.check && !check_beat(port, r, out_i, got)) return false;
                // the last beat of an LSTM step
                if (p.out_last[out_i]) {
                    int k = p.elems - 1;
                    while (k > 0 && p.lanes[out_i * p.elems + k].layer < 0) k--;
                    const sg_lane &L = p.lanes[out_i * p.elems + k];
                    if (L.layer >= 0 && m.layers[L.layer].type == SG_LAYER_LSTM)
                        r.steps.push_back(StepEnd{L.layer, L.sample, L.row / m.layers[L.layer].out, port.cycle(), now});
                }
                // the last beat of a layer's results closes its share of the counters
                int beat_layer = p.lanes[out_i * p.elems].layer;
                if (out_i + 1 == p.n_out || p.lanes[(out_i + 1) * p.elems].layer != beat_layer)
                    charge(r, beat_layer, now, last);
                out_i++;
            }
            port.tick();
            if (port.rtl_error()) {
                char msg[160];
                std::snprintf(msg, sizeof msg, "an RTL assertion failed (see above) at cycle %lld", port.cycle());
                r.failure = msg;
                return false;
            }
            if (s_fire) {
                in_i++;
                src.sent();
            }
            if (in_i == p.n_beats && out_i == p.n_out && port.idle()) break;
        }
        r.out_beats = out_i;
        r.in_beats = in_i;
        r.end_cycle = port.cycle();
        return true;
    }

  private:
    // the last layer's lanes of result beat `beat`, for the accuracy
    void capture(Result &r, long long beat, const uint32_t *got)
    {
        const sg_program &p = s_.p;
        for (int lane = 0; r.cap.layer >= 0 && lane < p.elems; lane++) {
            const sg_lane &L = p.lanes[beat * p.elems + lane];
            int k = L.row - r.cap.offset, s = L.sample - r.cap.first;
            if (L.layer != r.cap.layer || k < 0 || k >= r.cap.classes || s < 0 || s >= p.samples) continue;
            size_t at = (size_t)s * r.cap.classes + k;
            r.cap.rtl[at] = lane_value(got, lane, s_.c.data_w);
            r.cap.gold[at] = L.value;
            r.cap.seen[s]++;
        }
    }

    // The checker: result beat `beat` against its expectation, lane by lane
    // (discarded lanes skipped), then its tlast.  False at the first
    // mismatch, reported in r.failure (and r.first for the triage).
    bool check_beat(Port &port, Result &r, long long beat, const uint32_t *got)
    {
        const sg_program &p = s_.p;
        const int data_w = s_.c.data_w;
        const uint32_t *exp = p.out + beat * p.beat_words;
        const sg_lane *lanes = p.lanes + beat * p.elems;
        auto kept = [&](int lane) { return !(lanes[lane].layer >= 0 && lanes[lane].row < 0); };
        int bad = first_difference(got, exp, p.elems, data_w, kept);
        for (int lane = 0; lane <= (bad < 0 ? p.elems - 1 : bad); lane++) {
            if (!kept(lane) || lanes[lane].layer < 0) continue;
            r.outputs_checked++;
            r.layer[lanes[lane].layer].outputs++;
        }
        if (bad >= 0) {
            const sg_lane &L = lanes[bad];
            int32_t g = lane_value(got, bad, data_w), e = lane_value(exp, bad, data_w);
            char msg[512];
            if (L.layer >= 0)
                std::snprintf(msg, sizeof msg,
                              "mismatch: layer %d (%s) row %d sample %d: expected %d, got %d at cycle %lld (result beat %lld lane %d)",
                              L.layer, s_.m.layers[L.layer].name, L.row, L.sample, e, g, port.cycle(), beat, bad);
            else
                std::snprintf(msg, sizeof msg,
                              "mismatch: padding lane %d of result beat %lld: expected %d, got %d at cycle %lld", bad,
                              beat, e, g, port.cycle());
            r.failure = msg;
            r.mismatches++;
            r.first.set = L.layer >= 0;
            r.first.lane = L;
            r.first.got = g;
            r.first.cycle = port.cycle();
            r.first.beat = beat;
            r.first.beat_lane = bad;
            return false;
        }
        bool tlast = port.m_last();
        if (tlast != (bool)p.out_last[beat]) {
            char msg[256];
            std::snprintf(msg, sizeof msg, "mismatch: tlast %d on result beat %lld, expected %d at cycle %lld",
                          (int)tlast, beat, (int)p.out_last[beat], port.cycle());
            r.failure = msg;
            r.mismatches++;
            return false;
        }
        return true;
    }

    const Setup &s_;
    const Options &o_;
    Rng &rng_;
};

// The counters at the end of a run (busy from its start) against what the
// program implies; err: the RTL flagged a malformed command.  "" when they
// agree, else the failure.
inline std::string check_counters(const Setup &s, const Counters &k, bool err)
{
    const sg_program &p = s.p;
    if (err) return "the RTL flagged a malformed command (err_o)";
    long long exp_busy = p.words + p.runs * (long long)SG_CFG_RUN_OVERHEAD + k.stall;
    char msg[512];
    if (k.useful != p.useful_macs) {
        std::snprintf(msg, sizeof msg, "perf counter useful_macs %lld != %lld nonzero weights issued", k.useful,
                      p.useful_macs);
        return msg;
    }
    if (k.busy != exp_busy) {
        std::snprintf(msg, sizeof msg, "perf counter busy %lld != words %lld + runs %lld x %d + stalls %lld", k.busy,
                      p.words, p.runs, SG_CFG_RUN_OVERHEAD, k.stall);
        return msg;
    }
    if (k.slots != k.busy * (long long)s.c.lanes) {
        std::snprintf(msg, sizeof msg, "perf counter mac_slots %lld != busy %lld x %d lanes", k.slots, k.busy,
                      s.c.lanes);
        return msg;
    }
    return "";
}

// ---- triage --------------------------------------------------------------------
// The input sample s gives layer li (the golden chain; after an lstm layer
// a layer reads its last h_t).
inline std::vector<int32_t> layer_input(const sg_model &m, const sg_config &c, int s, int li)
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

// The first mismatch, explained on stderr: which PE computed it, the
// weights (CSB lanes) and activations that fed it, and the cycle; also as
// JSON into o.triage, from which sparsegen sim replays the run into a
// waveform window around that cycle.
inline void triage(const Failure &f, const Setup &s, const Options &o)
{
    const sg_model &m = s.m;
    const sg_config &c = s.c;
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
        const sg_conv_shape &cs = Y.conv;
        int hw = cs.h_out * cs.w_out, ch = L.row / hw, oy = (L.row % hw) / cs.w_out, ox = L.row % cs.w_out;
        std::fprintf(stderr, "  output channel %d, pixel (y %d, x %d): PE %d held that pixel of its group; the "
                     "window starts at input (y %d, x %d)\n", ch, oy, ox, L.pe, oy * cs.stride_h - cs.pad_h,
                     ox * cs.stride_w - cs.pad_w);
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

// ---- the report ------------------------------------------------------------------
// What the report says of a finished run: the counters at its end (busy
// from the run's start), its cycles and wall-clock seconds.
struct Totals {
    long long cycles = 0, busy = 0, issued = 0, slots = 0, stall = 0; // issued: the useful-MAC counter
    double secs = 0;
    // MACs of results nobody keeps (flat CONV pixels between rows) are not useful
    long long useful(const sg_program &p) const { return issued - p.junk_macs; }
    double utilization(const sg_program &p) const { return slots ? (double)useful(p) / (double)slots : 0.0; }
};

inline void print_failure(const Result &r) { std::fprintf(stderr, "FAIL: %s\n", r.failure.c_str()); }

// The run in words: title, the layers, the results and cycles (not with --quiet).
inline void print_header(const char *title, const Result &r, const Setup &s, const Options &o, const Totals &t)
{
    if (o.quiet) return;
    const sg_program &p = s.p;
    const sg_model &m = s.m;
    const sg_config &c = s.c;
    std::printf("%s: %s on '%s' (%d PEs x %d banks), %d sample(s), %d layer(s)\n", title, m.name, c.name,
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
                r.outputs_checked, r.mismatches, t.busy, t.cycles, t.utilization(p),
                t.secs > 0 ? t.cycles / t.secs / 1e6 : 0.0);
}

// A JSON line per layer.  Layers overlap in time (a layer's RUNs may start
// while the one before still drains its results), so per layer the work
// comes from the program -- its issued MACs, words and runs, whose totals
// the counters were checked against -- and only the stalls from the
// counters' growth while its results arrived.
inline void print_layers_json(const Result &r, const Setup &s)
{
    const sg_program &p = s.p;
    const sg_model &m = s.m;
    for (int l = 0; l < p.n_layers && !r.layer.empty(); l++) {
        const LayerStat &ls = r.layer[l];
        const sg_layer_stats &st = p.layer[l];
        const char *type = sg_layer_type_name(m.layers[l].type);
        long long lbusy = st.words + st.runs * (long long)SG_CFG_RUN_OVERHEAD + ls.stall;
        long long lslots = lbusy * (long long)s.c.lanes, lu = st.macs - st.junk_macs;
        std::printf("{\"layer\":%d,\"name\":\"%s\",\"type\":\"%s\",\"outputs_checked\":%lld,"
                    "\"busy_cycles\":%lld,\"useful_macs\":%lld,\"issued_macs\":%lld,\"mac_slots\":%lld,"
                    "\"utilization\":%.6f,\"stall_cycles\":%lld}\n",
                    l, m.layers[l].name, type, ls.outputs, lbusy, lu, st.macs, lslots,
                    lslots ? (double)lu / (double)lslots : 0.0, ls.stall);
    }
}

// LSTM: a JSON line per step (with --steps) and one per sequence, from the
// counters at the end of each step: a step's busy cycles are its RUN and
// the element-wise tail before the next step starts, its cycles also the
// loads in between.  A sequence's first step has no observable start, so
// lines cover steps 1 .. T-1.
inline void print_steps_json(const Result &r, const Setup &s, const Options &o)
{
    const int lanes = s.c.lanes;
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
                        b ? (double)u / ((double)b * lanes) : 0.0, e.at.stall - q.at.stall);
        }
        if (i + 1 < r.steps.size() && r.steps[i + 1].step != 0) continue;
        const StepEnd &f = r.steps[first_of_seq];
        long long n = e.step - f.step, b = e.at.busy - f.at.busy, u = e.at.useful - f.at.useful;
        std::printf("{\"layer\":%d,\"sample\":%d,\"sequence_steps\":%d,\"measured_steps\":%lld,"
                    "\"cycles_per_step\":%.1f,\"busy_per_step\":%.1f,\"useful_macs_per_step\":%.1f,"
                    "\"utilization\":%.6f,\"stall_per_step\":%.1f}\n",
                    e.layer, e.sample, e.step + 1, n, n ? (double)(e.cycle - f.cycle) / n : 0.0,
                    n ? (double)b / n : 0.0, n ? (double)u / n : 0.0, b ? (double)u / ((double)b * lanes) : 0.0,
                    n ? (double)(e.at.stall - f.at.stall) / n : 0.0);
    }
}

// Accuracy against the labels (--labels): the RTL's predictions and the
// golden ones.  Fails the run (r.failure) if a sample's last-layer outputs
// did not all arrive.
struct Accuracy {
    int rtl = 0, gold = 0, agree = 0; // correct predictions; RTL and golden alike
};

inline Accuracy accuracy(Result &r, const Setup &s, const Options &o)
{
    Accuracy a;
    const sg_program &p = s.p;
    const Capture &cap = r.cap;
    if (!s.labels || !r.failure.empty()) return a;
    for (int i = 0; i < p.samples; i++) {
        if (cap.seen[i] != cap.classes) {
            r.failure = "a sample's last-layer outputs did not all arrive";
            std::fprintf(stderr, "FAIL: %s (sample %d)\n", r.failure.c_str(), cap.first + i);
            break;
        }
        int pr = sg_argmax_i32(&cap.rtl[(size_t)i * cap.classes], cap.classes);
        int pg = sg_argmax_i32(&cap.gold[(size_t)i * cap.classes], cap.classes);
        a.rtl += pr == s.labels[cap.first + i];
        a.gold += pg == s.labels[cap.first + i];
        a.agree += pr == pg;
    }
    if (!o.quiet && r.failure.empty())
        std::printf("  accuracy on %d labelled sample(s): RTL %.2f%% (%d), golden %.2f%% (%d); "
                    "predictions agree on %d\n", p.samples, 100.0 * a.rtl / p.samples,
                    a.rtl, 100.0 * a.gold / p.samples, a.gold, a.agree);
    return a;
}

// The accuracy's fields of the summary line (with labels, on a passing run).
inline void print_accuracy_json(const Accuracy &a, const Result &r, const Setup &s)
{
    const int n = s.p.samples;
    if (!s.labels || !r.failure.empty()) return;
    std::printf("\"labelled\":%d,\"rtl_correct\":%d,\"golden_correct\":%d,\"rtl_accuracy\":%.4f,"
                "\"golden_accuracy\":%.4f,\"predictions_agree\":%d,",
                n, a.rtl, a.gold, n ? 100.0 * a.rtl / n : 0.0, n ? 100.0 * a.gold / n : 0.0, a.agree);
}

inline double cycles_per_sample(const Result &r, const Setup &s, const Totals &t)
{
    return s.p.samples ? (double)(t.cycles - r.start_cycle) / s.p.samples : 0.0;
}

// The throughput line (not with --quiet).
inline void print_per_sample(const Result &r, const Setup &s, const Options &o, const Totals &t)
{
    if (o.quiet) return;
    double per_sample = cycles_per_sample(r, s, t);
    std::printf("  %.1f cycles per sample: %.1f samples/s at %g MHz\n", per_sample,
                per_sample > 0 ? s.c.clock_mhz * 1e6 / per_sample : 0.0, s.c.clock_mhz);
}

// The summary, the last JSON line: the common fields, each followed by a
// comma; a harness adds its own, then print_summary_end closes the line.
inline void print_summary(const Result &r, const Setup &s, const Options &o, const Totals &t)
{
    const sg_program &p = s.p;
    const sg_config &c = s.c;
    double per_sample = cycles_per_sample(r, s, t);
    std::printf("{\"config\":\"%s\",\"model\":\"%s\",\"layers\":%d,\"samples\":%d,\"outputs_checked\":%lld,"
                "\"mismatches\":%lld,\"cycles\":%lld,\"busy_cycles\":%lld,\"useful_macs\":%lld,\"issued_macs\":%lld,"
                "\"mac_slots\":%lld,\"utilization\":%.6f,\"stall_cycles\":%lld,\"in_stall_cycles\":%lld,\"out_stall_cycles\":%lld,"
                "\"command_beats\":%lld,\"result_beats\":%lld,\"dense_macs\":%lld,\"words\":%lld,\"runs\":%lld,"
                "\"seed\":%" PRIu64 ",\"stall_in\":%d,\"stall_out\":%d,\"checked\":%s,\"sim_seconds\":%.3f,"
                "\"cycles_per_second\":%.0f,\"clock_mhz\":%g,\"cycles_per_sample\":%.1f,"
                "\"samples_per_second\":%.1f,",
                c.name, s.m.name, p.n_layers, p.samples, r.outputs_checked, r.mismatches, t.cycles, t.busy,
                t.useful(p), t.issued, t.slots, t.utilization(p), t.stall, r.in_stalls, r.out_stalls, p.n_beats,
                r.out_beats, p.dense_macs, p.words, p.runs, o.seed, o.stall_in, o.stall_out,
                o.check ? "true" : "false", t.secs, t.secs > 0 ? t.cycles / t.secs : 0.0, c.clock_mhz, per_sample,
                per_sample > 0 ? c.clock_mhz * 1e6 / per_sample : 0.0);
}

inline void print_summary_end(const Result &r) { std::printf("\"pass\":%s}\n", r.failure.empty() ? "true" : "false"); }

} // namespace sg

#endif
