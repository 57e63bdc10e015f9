/* sparsegen: command-line front end -- gen, compile, sim. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "sg_compile.h"
#include "sg_board.h"
#include "sg_config.h"
#include "sg_fit.h"
#include "sg_gen.h"
#include "sg_model.h"
#include "sg_npy.h"
#include "sg_prune.h"
#include "sg_quant.h"
#include "sg_random.h"
#include "sg_report.h"
#include "sg_strbuf.h"
#include "sg_sim.h"
#include "sg_synth.h"

#define EXIT_BAD_INPUT 2

static const char *usage_text =
    "usage: sparsegen <command> [options]\n"
    "\n"
    "commands:\n"
    "  gen      -c CONFIG -o DIR          write specialized RTL, params, filelist, .gtkw\n"
    "           [--board B]               ... and the board's Vivado or Quartus flow (fpga/)\n"
    "           [--fit B]                 ... sized to fit board B (largest P x B and buffers)\n"
    "  boards                             list the board database (--board takes a name or a file)\n"
    "  synth    --tool yosys -c CONFIG --board B [-o DIR]  resources and DSP/RAM mapping here\n"
    "  compile  -c CONFIG -m MODEL -o DIR turn a model into a command stream + golden results\n"
    "           [--plan | --plan-json]    print the program: one operation per command, with\n"
    "                                     the buffer regions it writes and reads, its\n"
    "                                     dependencies, beats and MACs (-o optional)\n"
    "  sim      -c CONFIG -m MODEL        verilate and run in lockstep with the golden model\n"
    "  prune    -c CONFIG -m MODEL -o DIR magnitude-prune every layer to a pattern (a new model)\n"
    "  quantize -c CONFIG -m FLOAT_MODEL -o DIR  float weights to the configuration's integers\n"
    "  report   --compression -c CONFIG -m MODEL  what the model takes to store: dense, CSB, ...\n"
    "  wave     [--build DIR]             open GTKWave on the last waveform (trace or failure)\n"
    "  version                            print the version\n"
    "\n"
    "common options:\n"
    "  -c, --config FILE    hardware configuration (JSON); default: built-in default\n"
    "  -m, --model FILE     model (JSON + .npy); or --random SPEC for a random FC model\n"
    "  -o, --output DIR     output directory (gen, compile)\n"
    "      --first N        first input vector (default 0)\n"
    "      --samples N      input vectors to run (default: all)\n"
    "sim options (passed to the harness):\n"
    "      --build DIR      build directory for verilated models (default: build)\n"
    "      --seed N         stall-pattern seed (default 1)\n"
    "      --stall-in PCT   percent of cycles the command stream holds back (default 0)\n"
    "      --stall-out PCT  percent of cycles the result sink is not ready (default 0)\n"
    "      --trace FILE.fst write a waveform (open with DIR/sparsegen.gtkw, or sparsegen wave)\n"
    "      --trace-from C, --trace-to C  only cycles C..C (a window of a long run)\n"
    "      --trace-pes LIST only these PEs (e.g. 0,5) besides the controller and post unit\n"
    "      --no-check       skip the lockstep comparison (to measure its cost)\n"
    "      --quiet          print only the JSON summary\n"
    "      --steps          also a JSON line per LSTM time step\n"
    "      --labels FILE    class labels (.npy [n]): accuracy of the golden and RTL outputs\n"
    "      --pe-stats       per-PE busy/active/idle/stall cycles and per-bank padding\n"
    "                       (table and JSON), to see load imbalance\n"
    "      --fault PE:LANE  inject a fault (that lane of that PE multiplies wrongly), to\n"
    "                       see the triage of a failing run\n"
    "  on a mismatch the triage names the PE, weights and activations; the run is\n"
    "  replayed to write BUILD/<config>/failure.fst (a window around the cycle) and\n"
    "  failure.gtkw (opening on the failing PE); sparsegen wave opens the last one\n"
    "wave options: --build DIR (default build), --dry-run (print the command only)\n"
    "      --coverage F.dat a coverage build (its own, cached): write line, toggle and\n"
    "                       branch coverage to F.dat (read it with verilator_coverage)\n"
    "prune options:\n"
    "      --pattern P      bbs (default), nm, unstructured, block, groups\n"
    "      --sparsity S     fraction of weights removed, 0..1 (default 0.875)\n"
    "      --global         unstructured: one threshold over all layers\n"
    "      --banks B        bbs banks per row (default: the configuration's)\n"
    "      --nm N:M         nm: keep N of every M columns (default 2:4)\n"
    "      --block RxC      block: block shape (default 4x4)\n"
    "      --group RxC      groups: local group shape (default: P rows x one bank)\n"
    "synth options:\n"
    "      --tool T         yosys (default; Xilinx parts), vivado or quartus (runs the\n"
    "                       generated flow when the tool is installed)\n"
    "      --top M          sparsegen_axi (default: the board wrapper) or sparsegen_top\n"
    "      -o DIR           output (default BUILD/<config>-<hash>/synth)\n"
    "fit options (gen --fit B): --sparsity S (default 0.875) for the effective GOPS,\n"
    "      --headroom F     share of each resource to use, 0.1..1 (default 0.8)\n"
    "quantize options:\n"
    "      --calib FILE     calibration samples (.npy, float) for the activation scales\n"
    "                       (default: the model's own inputs)\n"
    "      --labels FILE    class labels (.npy [n]): float and integer golden accuracy\n";

static void usage(FILE *f)
{
    fputs(usage_text, f);
}

static int die_input(const char *msg)
{
    fprintf(stderr, "sparsegen: %s\n", msg);
    return EXIT_BAD_INPUT;
}

typedef struct opts {
    const char *config, *model, *random, *output, *build, *trace;
    const char *seed, *stall_in, *stall_out;
    int first, samples, no_check, quiet, steps;
    const char *pattern, *sparsity, *nm, *block, *group, *banks;
    int global, compression, pe_stats;
    const char *calib, *labels, *coverage, *fault, *trace_from, *trace_to, *trace_pes;
    int dry_run;
    int plan; /* compile --plan (1) or --plan-json (2) */
    const char *board, *fit, *tool, *top, *headroom;
} opts;

static int parse_int(const char *s, const char *what, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "sparsegen: bad value '%s' for %s: legal range %d..%d\n", s, what, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_opts(int argc, char **argv, opts *o)
{
    static const struct option lo[] = {
        {"config", required_argument, 0, 'c'}, {"model", required_argument, 0, 'm'},
        {"output", required_argument, 0, 'o'}, {"random", required_argument, 0, 'r'},
        {"build", required_argument, 0, 'b'},  {"trace", required_argument, 0, 't'},
        {"seed", required_argument, 0, 's'},   {"stall-in", required_argument, 0, 'I'},
        {"stall-out", required_argument, 0, 'O'}, {"first", required_argument, 0, 'f'},
        {"samples", required_argument, 0, 'n'}, {"no-check", no_argument, 0, 'N'},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
        {"steps", no_argument, 0, 'S'},
        {"pattern", required_argument, 0, 'P'}, {"sparsity", required_argument, 0, 'Y'},
        {"global", no_argument, 0, 'G'},        {"nm", required_argument, 0, 'M'},
        {"block", required_argument, 0, 'K'},   {"group", required_argument, 0, 'g'},
        {"banks", required_argument, 0, 'B'},  {"compression", no_argument, 0, 'Z'},
        {"calib", required_argument, 0, 'C'},  {"labels", required_argument, 0, 'L'},
        {"coverage", required_argument, 0, 'V'}, {"pe-stats", no_argument, 0, 'E'},
        {"fault", required_argument, 0, 'F'},   {"dry-run", no_argument, 0, 'D'},
        {"trace-from", required_argument, 0, 1001}, {"trace-to", required_argument, 0, 1002},
        {"trace-pes", required_argument, 0, 1003},
        {"board", required_argument, 0, 1004}, {"fit", required_argument, 0, 1005},
        {"tool", required_argument, 0, 1006},  {"top", required_argument, 0, 1007},
        {"headroom", required_argument, 0, 1008},
        {"plan", no_argument, 0, 1009},        {"plan-json", no_argument, 0, 1010},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->build = "build";
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":c:m:o:hq", lo, NULL)) != -1) {
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 'm': o->model = optarg; break;
        case 'o': o->output = optarg; break;
        case 'r': o->random = optarg; break;
        case 'b': o->build = optarg; break;
        case 't': o->trace = optarg; break;
        case 's': o->seed = optarg; break;
        case 'I': o->stall_in = optarg; break;
        case 'O': o->stall_out = optarg; break;
        case 'f':
            if (parse_int(optarg, "--first", 0, 1 << 30, &o->first) != 0)
                return -1;
            break;
        case 'n':
            if (parse_int(optarg, "--samples", 1, 1 << 30, &o->samples) != 0)
                return -1;
            break;
        case 'N': o->no_check = 1; break;
        case 'q': o->quiet = 1; break;
        case 'S': o->steps = 1; break;
        case 'P': o->pattern = optarg; break;
        case 'Y': o->sparsity = optarg; break;
        case 'G': o->global = 1; break;
        case 'M': o->nm = optarg; break;
        case 'K': o->block = optarg; break;
        case 'g': o->group = optarg; break;
        case 'B': o->banks = optarg; break;
        case 'Z': o->compression = 1; break;
        case 'C': o->calib = optarg; break;
        case 'L': o->labels = optarg; break;
        case 'V': o->coverage = optarg; break;
        case 'E': o->pe_stats = 1; break;
        case 'F': o->fault = optarg; break;
        case 'D': o->dry_run = 1; break;
        case 1001: o->trace_from = optarg; break;
        case 1002: o->trace_to = optarg; break;
        case 1003: o->trace_pes = optarg; break;
        case 1004: o->board = optarg; break;
        case 1005: o->fit = optarg; break;
        case 1006: o->tool = optarg; break;
        case 1007: o->top = optarg; break;
        case 1008: o->headroom = optarg; break;
        case 1009: o->plan = 1; break;
        case 1010: o->plan = 2; break;
        case 'h': usage(stdout); exit(0);
        case ':':
            fprintf(stderr, "sparsegen: option '%s' needs a value\n", argv[optind - 1]);
            return -1;
        default:
            fprintf(stderr, "sparsegen: unknown option '%s' (see sparsegen --help)\n",
                    argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sparsegen: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

static int load_config(const opts *o, sg_config *c)
{
    char err[1024];
    if (!o->config) {
        sg_config_default(c);
        return sg_config_derive(c, err, sizeof err);
    }
    if (sg_config_load(o->config, c, err, sizeof err) != 0) {
        fprintf(stderr, "sparsegen: %s\n", err);
        return -1;
    }
    return 0;
}

static int load_model(const opts *o, const sg_config *c, sg_model *m)
{
    char err[1024];
    int rc;
    if (o->model && o->random)
        return fprintf(stderr, "sparsegen: give either --model or --random, not both\n"), -1;
    if (o->model)
        rc = sg_model_load(o->model, c->data_w, c->wgt_w, m, err, sizeof err);
    else if (o->random)
        rc = sg_model_random(c, o->random, m, err, sizeof err);
    else
        return fprintf(stderr, "sparsegen: no model: give --model FILE or --random SPEC\n"), -1;
    if (rc != 0)
        fprintf(stderr, "sparsegen: %s\n", err);
    return rc;
}

/* A number in lo..hi from an option's text; -1 with a message otherwise. */
static int parse_real(const char *s, const char *what, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "sparsegen: bad value '%s' for %s: legal range %g..%g\n", s, what, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int load_board(const char *name, sg_board *b)
{
    char err[2048];
    if (sg_board_load(name, b, err, sizeof err) != 0) {
        fprintf(stderr, "sparsegen: %s\n", err);
        return -1;
    }
    return 0;
}

/* The estimate of c on b as table rows (sb). */
static void estimate_table(sg_strbuf *sb, const sg_fit_est *e, const sg_fit_est *cap,
                           const sg_board *b)
{
    sg_fit_row r[SG_FIT_NROWS];
    sg_fit_rows(e, cap, b, r);
    sg_sb_addf(sb, "  %-8s %12s %12s %8s\n", "resource", "estimate", "available", "util");
    for (int i = 0; i < SG_FIT_NROWS; i++)
        sg_sb_addf(sb, "  %-8s %12.1f %12.0f %7.2f%%\n", r[i].label, r[i].used, r[i].avail,
                   r[i].avail > 0 ? 100 * r[i].used / r[i].avail : 0);
}

/* gen --fit B: the largest configuration for the board, from the given
 * one (or the default); prints the choice, the estimate and the GOPS. */
static int fit_config(const opts *o, const sg_board *b, sg_config *c)
{
    sg_config base;
    char err[1024], why[512];
    double headroom = SG_FIT_HEADROOM, sparsity = 0.875;
    if ((o->headroom && parse_real(o->headroom, "--headroom", 0.1, 1.0, &headroom) != 0) ||
        (o->sparsity && parse_real(o->sparsity, "--sparsity", 0.0, 0.99, &sparsity) != 0) ||
        load_config(o, &base) != 0)
        return -1;
    if (sg_fit(&base, b, headroom, c, why, sizeof why, err, sizeof err) != 0) {
        fprintf(stderr, "sparsegen: %s\n", err);
        return -1;
    }
    snprintf(c->name, sizeof c->name, "%.24s-%.23s", base.name, b->name);
    if (sg_config_derive(c, err, sizeof err) != 0) {
        fprintf(stderr, "sparsegen: %s\n", err);
        return -1;
    }
    sg_fit_est e, cap;
    sg_fit_estimate(c, b, &e);
    sg_fit_capacity(b, &cap);
    double peak = 2.0 * c->lanes * c->clock_mhz / 1000.0;
    sg_strbuf sb;
    sg_sb_init(&sb);
    sg_sb_addf(&sb, "sparsegen fit: board %s (%s), %g MHz, headroom %.0f%%\n", b->name, b->part,
               c->clock_mhz, 100 * headroom);
    sg_sb_addf(&sb, "  chosen: %d PEs x %d banks = %d MAC lanes, vbuf %d, wbuf %d, rbuf %d words\n",
               c->pe_count, c->banks, c->lanes, c->vbuf_depth, c->wbuf_depth, c->rbuf_depth);
    sg_sb_addf(&sb, "  why: %s\n", why);
    estimate_table(&sb, &e, &cap, b);
    sg_sb_addf(&sb, "  peak: %.1f GOPS (2 x %d lanes x %g MHz)\n", peak, c->lanes, c->clock_mhz);
    sg_sb_addf(&sb,
               "  effective: %.1f GOPS dense-equivalent at %.1f%% bank-balanced sparsity (ideal:\n"
               "    every slot useful; sparsegen sim measures the real utilization of a model)\n",
               peak / (1.0 - sparsity), 100 * sparsity);
    fputs(sb.buf, stdout);
    sg_sb_release(&sb);
    printf("{\"fit\":{\"board\":\"%s\",\"pe_count\":%d,\"banks\":%d,\"lanes\":%d,\"vbuf_depth\":%d,"
           "\"wbuf_depth\":%d,\"rbuf_depth\":%d,\"clock_mhz\":%g,\"dsp\":%.1f,\"bram\":%.1f,"
           "\"lut\":%lld,\"peak_gops\":%.2f,\"effective_gops\":%.2f,\"sparsity\":%g}}\n",
           b->name, c->pe_count, c->banks, c->lanes, c->vbuf_depth, c->wbuf_depth, c->rbuf_depth,
           c->clock_mhz, e.dsp, e.bram, e.lut, peak, peak / (1.0 - sparsity), sparsity);
    return 0;
}

static int cmd_gen(const opts *o)
{
    sg_config c;
    sg_board b;
    char err[1024];
    if (!o->output)
        return die_input("gen needs an output directory: -o DIR");
    if (o->fit && o->board && strcmp(o->fit, o->board) != 0)
        return die_input("give --fit B or --board B, not two different boards");
    if (o->fit) {
        if (load_board(o->fit, &b) != 0 || fit_config(o, &b, &c) != 0)
            return EXIT_BAD_INPUT;
    } else {
        if (load_config(o, &c) != 0 || (o->board && load_board(o->board, &b) != 0))
            return EXIT_BAD_INPUT;
        if (o->board) {
            /* a configuration that cannot fit gets nothing written */
            sg_fit_est e, cap;
            sg_fit_estimate(&c, &b, &e);
            sg_fit_capacity(&b, &cap);
            const char *over = sg_fit_over(&e, &cap, 1.0);
            if (over) {
                sg_strbuf sb;
                sg_sb_init(&sb);
                estimate_table(&sb, &e, &cap, &b);
                fprintf(stderr,
                        "sparsegen: configuration '%s' (%d x %d lanes) cannot fit board '%s' (%s): "
                        "not enough %s\n%s(sparsegen gen --fit %s sizes one that does)\n",
                        c.name, c.pe_count, c.banks, b.name, b.part, over, sb.buf, b.name);
                sg_sb_release(&sb);
                return EXIT_BAD_INPUT;
            }
            if (c.clock_mhz > b.clock_mhz)
                fprintf(stderr, "sparsegen: warning: '%s' asks for %g MHz, above %s's default of "
                                "%g MHz: timing may not close (the flow's clock is the "
                                "configuration's)\n",
                        c.name, c.clock_mhz, b.name, b.clock_mhz);
            const char *tight = sg_fit_over(&e, &cap, SG_FIT_HEADROOM);
            if (tight)
                fprintf(stderr, "sparsegen: warning: '%s' takes over %.0f%% of the %s of %s "
                                "(estimate; sparsegen synth measures)\n",
                        c.name, 100 * SG_FIT_HEADROOM, tight, b.name);
        }
    }
    if (sg_gen_write(&c, o->board || o->fit ? &b : NULL, sg_gen_template_dir(), o->output, err,
                     sizeof err) != 0)
        return die_input(err);
    printf("sparsegen: configuration '%s' (%d PEs x %d banks = %d MAC lanes) written to %s\n",
           c.name, c.pe_count, c.banks, c.lanes, o->output);
    if (o->board && !o->fit) { /* what it takes of the board (--fit printed it already) */
        sg_fit_est e, cap;
        sg_strbuf sb;
        sg_fit_estimate(&c, &b, &e);
        sg_fit_capacity(&b, &cap);
        sg_sb_init(&sb);
        estimate_table(&sb, &e, &cap, &b);
        printf("sparsegen: estimate on %s (%s), within 100%% of every resource:\n%s", b.name, b.part,
               sb.buf);
        sg_sb_release(&sb);
    }
    if (o->board || o->fit)
        printf("sparsegen: %s flow for %s (%s) in %s/fpga/%s/\n", b.tool, b.name, b.part, o->output,
               b.tool);
    return 0;
}

static int cmd_boards(const opts *o)
{
    (void)o;
    sg_board *all;
    int n;
    char err[2048];
    if (sg_board_list(&all, &n, err, sizeof err) != 0)
        return die_input(err);
    printf("%-10s %-22s %-7s %9s %9s %6s %7s %6s %5s  %s\n", "board", "part", "tool", "LUT/ALM",
           "FF", "DSP", "BRAM", "URAM", "MHz", "title");
    for (int i = 0; i < n; i++) {
        const sg_board *b = &all[i];
        int intel = strcmp(b->vendor, "intel") == 0;
        char bram[32], uram[32];
        if (intel)
            snprintf(bram, sizeof bram, "%lldM20K", b->m20k), snprintf(uram, sizeof uram, "-");
        else
            snprintf(bram, sizeof bram, "%lld", b->bram36), snprintf(uram, sizeof uram, "%lld", b->uram);
        printf("%-10s %-22s %-7s %9lld %9lld %6lld %7s %6s %5g  %s\n", b->name, b->part, b->tool,
               intel ? b->alm : b->lut, b->ff, b->dsp, bram, uram, b->clock_mhz, b->title);
    }
    printf("(%d boards in %s; BRAM in 36 Kb blocks, URAM in 288 Kb blocks; --board also takes "
           "a board file)\n", n, sg_board_dir());
    free(all);
    return 0;
}

static int cmd_synth(const opts *o)
{
    sg_config c;
    sg_board b;
    char err[2048];
    const char *tool = o->tool ? o->tool : "yosys";
    const char *top = o->top ? o->top : "sparsegen_axi";
    if (!o->board)
        return die_input("synth needs a board: --board B (sparsegen boards lists them)");
    if (strcmp(top, "sparsegen_axi") != 0 && strcmp(top, "sparsegen_top") != 0) {
        fprintf(stderr, "sparsegen: bad value '%s' for --top: sparsegen_axi or sparsegen_top\n", top);
        return EXIT_BAD_INPUT;
    }
    if (load_config(o, &c) != 0 || load_board(o->board, &b) != 0)
        return EXIT_BAD_INPUT;
    if (strcmp(tool, "vivado") == 0 || strcmp(tool, "quartus") == 0) {
        if (strcmp(tool, b.tool) != 0) {
            fprintf(stderr, "sparsegen: board '%s' (%s) is a %s part: --tool %s does not apply\n",
                    b.name, b.part, b.tool, tool);
            return EXIT_BAD_INPUT;
        }
        fprintf(stderr,
                "sparsegen: %s is not run by sparsegen synth; write its flow with\n"
                "  sparsegen gen -c CONFIG --board %s -o DIR\n"
                "and run it where %s is installed: %s\n",
                tool, b.name, tool,
                strcmp(tool, "vivado") == 0 ? "vivado -mode batch -source DIR/fpga/vivado/build.tcl"
                                            : "quartus_sh -t DIR/fpga/quartus/build.tcl");
        return EXIT_BAD_INPUT;
    }
    if (strcmp(tool, "yosys") != 0) {
        fprintf(stderr, "sparsegen: unknown --tool '%s': yosys, vivado or quartus\n", tool);
        return EXIT_BAD_INPUT;
    }
    char dir[4096];
    if (o->output)
        snprintf(dir, sizeof dir, "%s", o->output);
    else
        snprintf(dir, sizeof dir, "%s/%s-%016llx/synth", o->build, c.name, c.hash);
    sg_synth_result r;
    if (sg_synth_yosys(&c, &b, dir, top, o->quiet, &r, err, sizeof err) != 0)
        return die_input(err);
    sg_strbuf sb, js;
    sg_sb_init(&sb);
    sg_sb_init(&js);
    char *json = sg_synth_render(&r, &c, &b, &sb);
    sg_sb_addf(&js, "%s\n", json ? json : "{}");
    char path[4200];
    snprintf(path, sizeof path, "%s/synth.json", dir);
    int rc = sg_sb_write_file(&js, path, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "sparsegen: %s\n", err);
    else if (!o->quiet)
        sg_sb_addf(&sb, "sparsegen: resource report in %s\n", path);
    if (!o->quiet)
        fputs(sb.buf, stdout);
    fputs(js.buf, stdout); /* the JSON line last, as every command prints it */
    free(json);
    sg_sb_release(&sb);
    sg_sb_release(&js);
    int mapped = sg_synth_mapping_ok(&r);
    if (!mapped)
        fprintf(stderr, "sparsegen: synth: the mapping check failed: %s\n", r.bad);
    if (r.over)
        fprintf(stderr, "sparsegen: synth: '%s' does not fit board '%s'\n", c.name, b.name);
    return rc != 0 ? EXIT_BAD_INPUT : mapped && !r.over ? 0 : 1;
}

static int cmd_compile(const opts *o)
{
    sg_config c;
    sg_model m;
    sg_program p;
    char err[1024];
    if (!o->output && !o->plan)
        return die_input("compile needs an output directory: -o DIR (or --plan to print the program)");
    if (load_config(o, &c) != 0 || load_model(o, &c, &m) != 0)
        return EXIT_BAD_INPUT;
    int rc = sg_compile(&c, &m, o->first, o->samples, &p, err, sizeof err);
    if (rc == 0 && o->plan) {
        const char **names = malloc((size_t)p.n_layers * sizeof *names);
        for (int l = 0; names && l < p.n_layers; l++)
            names[l] = p.layer[l].name;
        if (!names)
            rc = -1, snprintf(err, sizeof err, "out of memory printing the program");
        else if (sg_ops_link(&c, p.ops, p.n_ops, &p.deps, &p.n_deps, err, sizeof err) != 0 ||
                 sg_ops_check(&c, p.ops, p.n_ops, p.deps, names, p.n_layers, err, sizeof err) != 0) {
            /* a compiler bug, not the user's input */
            fprintf(stderr, "sparsegen: internal error: the program breaks an invariant: %s\n", err);
            free(names);
            sg_program_free(&p);
            sg_model_free(&m);
            return 1;
        } else if (o->plan == 2)
            rc = sg_ops_print_json(stdout, p.ops, p.n_ops, p.deps, names, p.n_layers);
        else
            sg_ops_print(stdout, p.ops, p.n_ops, p.deps, names, p.n_layers);
        if (rc != 0)
            snprintf(err, sizeof err, "cannot print the program");
        free(names);
    }
    if (rc == 0 && o->output) {
        rc = sg_program_write(&p, &c, &m, o->output, err, sizeof err);
        if (rc == 0)
            /* on stderr under --plan: stdout holds the program alone */
            fprintf(o->plan ? stderr : stdout,
                    "sparsegen: %s: %lld command beats, %lld result beats (%lld results), "
                    "%lld useful MACs of %lld dense, written to %s\n",
                    m.name, p.n_beats, p.n_out, p.outputs, p.useful_macs - p.junk_macs,
                    p.dense_macs, o->output);
    }
    sg_program_free(&p); /* sg_compile left it empty on failure */
    sg_model_free(&m);
    return rc == 0 ? 0 : die_input(err);
}

/* Note the last waveform of a build root (BUILD/last_wave: the FST and the
 * save file to open it with) for sparsegen wave. */
static int remember_wave(const char *cdir, const char *fst, const char *gtkw)
{
    char path[4200], root[4096], err[256], abs_fst[4096], dflt[4200];
    snprintf(root, sizeof root, "%s", cdir);
    char *sl = strrchr(root, '/');
    if (sl)
        *sl = '\0';
    snprintf(path, sizeof path, "%s/last_wave", root);
    if (fst[0] != '/' && getcwd(abs_fst, sizeof abs_fst - 2 - strlen(fst)) != NULL)
        strcat(strcat(abs_fst, "/"), fst);
    else
        snprintf(abs_fst, sizeof abs_fst, "%s", fst);
    snprintf(dflt, sizeof dflt, "%s/sparsegen.gtkw", cdir);
    sg_strbuf sb;
    sg_sb_init(&sb);
    sg_sb_addf(&sb, "%s\n%s\n", abs_fst, gtkw ? gtkw : dflt);
    int rc = sg_sb_write_file(&sb, path, err, sizeof err);
    sg_sb_release(&sb);
    if (rc != 0)
        fprintf(stderr, "sparsegen: %s\n", err);
    return rc;
}

/* After a failing run: replay it with a traced build, dumping only a window
 * around the failing cycle, and write a save file that opens on the failing
 * PE (triage: the harness's JSON about the first mismatch). */
static void replay_failure(const sg_config *c, const opts *o, const char *cdir, const char *triage,
                           char **argv, int n)
{
    json_error_t je;
    json_t *t = json_load_file(triage, 0, &je);
    if (!t)
        return;
    long long cycle = json_integer_value(json_object_get(t, "cycle"));
    int pe = (int)json_integer_value(json_object_get(t, "pe"));
    json_decref(t);
    const long long before = 200, after = 20; /* the window, in cycles */
    long long from = cycle > before ? cycle - before : 0;
    char exe[4096], err[1024], fst[4200], gtkw[4200], log[4200], a_from[32], a_to[32], a_pe[16];
    if (sg_sim_build(c, o->build, 1, SG_SIM_TRACE | (o->coverage ? SG_SIM_COVERAGE : 0), exe, sizeof exe,
                     err, sizeof err) != 0) {
        fprintf(stderr, "sparsegen: no waveform of the failure: %s\n", err);
        return;
    }
    snprintf(fst, sizeof fst, "%s/failure.fst", cdir);
    snprintf(gtkw, sizeof gtkw, "%s/failure.gtkw", cdir);
    snprintf(log, sizeof log, "%s/failure.log", cdir);
    snprintf(a_from, sizeof a_from, "%lld", from);
    snprintf(a_to, sizeof a_to, "%lld", cycle + after);
    char *av[64];
    int k = 0;
    av[k++] = exe;
    for (int i = 1; i < n && k < 54; i++) {
        if (strcmp(argv[i], "--triage") == 0 || strcmp(argv[i], "--coverage") == 0) {
            i++; /* the replay leaves both alone */
            continue;
        }
        av[k++] = argv[i];
    }
    av[k++] = "--trace", av[k++] = fst;
    av[k++] = "--trace-from", av[k++] = a_from;
    av[k++] = "--trace-to", av[k++] = a_to;
    snprintf(a_pe, sizeof a_pe, "%d", pe >= 0 && pe < c->pe_count ? pe : 0);
    av[k++] = "--trace-pes", av[k++] = a_pe;
    av[k] = NULL;
    if (sg_run(av, log, err, sizeof err) < 0) {
        fprintf(stderr, "sparsegen: no waveform of the failure: %s\n", err);
        return;
    }
    sg_strbuf sb;
    sg_sb_init(&sb);
    int pes[1] = {pe >= 0 && pe < c->pe_count ? pe : 0};
    /* the harness advances time by 2 per cycle */
    sg_gen_render_gtkw(&sb, c, pes, 1, fst, gtkw, 2 * from);
    if (sg_sb_write_file(&sb, gtkw, err, sizeof err) == 0 && remember_wave(cdir, fst, gtkw) == 0)
        fprintf(stderr, "sparsegen: replayed the run with tracing: cycles %lld..%lld around the failure are in "
                "%s\n  open them on PE %d's signals: gtkwave %s %s   (or: sparsegen wave)\n", from,
                cycle + after, fst, pes[0], fst, gtkw);
    else
        fprintf(stderr, "sparsegen: %s\n", err);
    sg_sb_release(&sb);
}

/* sparsegen wave: open GTKWave on the last waveform under the build root. */
static int cmd_wave(const opts *o)
{
    char path[4200], err[256];
    snprintf(path, sizeof path, "%s/last_wave", o->build);
    sg_strbuf sb;
    sg_sb_init(&sb);
    if (sg_sb_read_file(&sb, path) != 0) {
        sg_sb_release(&sb);
        snprintf(err, sizeof err, "no waveform recorded under '%s' (run sparsegen sim --trace F.fst, "
                 "or a failing sim, with --build %s)", o->build, o->build);
        return die_input(err);
    }
    char *fst = sb.buf, *nl = strchr(fst, '\n'), *gtkw = nl ? nl + 1 : NULL;
    if (nl)
        *nl = '\0';
    if (gtkw && (nl = strchr(gtkw, '\n')) != NULL)
        *nl = '\0';
    char *argv[] = {"gtkwave", fst, gtkw && *gtkw ? gtkw : NULL, NULL};
    printf("gtkwave %s %s\n", fst, argv[2] ? argv[2] : "");
    fflush(stdout);
    int rc = 0;
    if (!o->dry_run) {
        rc = sg_run(argv, NULL, err, sizeof err);
        if (rc < 0)
            fprintf(stderr, "sparsegen: %s\n", err);
    }
    sg_sb_release(&sb);
    return rc < 0 ? 1 : rc;
}

static int cmd_sim(const opts *o, const char *self)
{
    sg_config c;
    sg_model m;
    char err[1024], exe[4096];
    if (load_config(o, &c) != 0 || load_model(o, &c, &m) != 0)
        return EXIT_BAD_INPUT;
    int32_t *labels = NULL;
    if (o->labels && sg_labels_load(o->labels, m.n_inputs, m.layers[m.n_layers - 1].out, &labels,
                                    err, sizeof err) != 0) {
        sg_model_free(&m);
        return die_input(err);
    }
    free(labels);
    sg_model_free(&m); /* validated here so bad input fails before verilating */
    (void)self;
    int mode = (o->trace ? SG_SIM_TRACE : 0) | (o->coverage ? SG_SIM_COVERAGE : 0);
    if (sg_sim_build(&c, o->build, o->quiet, mode, exe, sizeof exe, err, sizeof err) != 0) {
        fprintf(stderr, "sparsegen: %s\n", err);
        return 1;
    }
    char first[16], samples[16];
    char *argv[64];
    int n = 0;
    argv[n++] = exe;
    if (o->config)
        argv[n++] = "--config", argv[n++] = (char *)o->config;
    if (o->model)
        argv[n++] = "--model", argv[n++] = (char *)o->model;
    if (o->random)
        argv[n++] = "--random", argv[n++] = (char *)o->random;
    if (o->seed)
        argv[n++] = "--seed", argv[n++] = (char *)o->seed;
    if (o->stall_in)
        argv[n++] = "--stall-in", argv[n++] = (char *)o->stall_in;
    if (o->stall_out)
        argv[n++] = "--stall-out", argv[n++] = (char *)o->stall_out;
    if (o->trace)
        argv[n++] = "--trace", argv[n++] = (char *)o->trace;
    if (o->trace_from)
        argv[n++] = "--trace-from", argv[n++] = (char *)o->trace_from;
    if (o->trace_to)
        argv[n++] = "--trace-to", argv[n++] = (char *)o->trace_to;
    if (o->trace_pes)
        argv[n++] = "--trace-pes", argv[n++] = (char *)o->trace_pes;
    snprintf(first, sizeof first, "%d", o->first);
    argv[n++] = "--first", argv[n++] = first;
    if (o->samples) {
        snprintf(samples, sizeof samples, "%d", o->samples);
        argv[n++] = "--samples", argv[n++] = samples;
    }
    if (o->no_check)
        argv[n++] = "--no-check";
    if (o->quiet)
        argv[n++] = "--quiet";
    if (o->steps)
        argv[n++] = "--steps";
    if (o->labels)
        argv[n++] = "--labels", argv[n++] = (char *)o->labels;
    if (o->coverage)
        argv[n++] = "--coverage", argv[n++] = (char *)o->coverage;
    if (o->pe_stats)
        argv[n++] = "--pe-stats";
    if (o->fault)
        argv[n++] = "--fault", argv[n++] = (char *)o->fault;
    /* the configuration's build directory: BUILD/<name>-<hash>/obj_dir/Vsim */
    char cdir[4096], triage[4200];
    snprintf(cdir, sizeof cdir, "%s", exe);
    for (int up = 0; up < 2; up++) {
        char *sl = strrchr(cdir, '/');
        if (sl)
            *sl = '\0';
    }
    snprintf(triage, sizeof triage, "%s/failure.json", cdir);
    unlink(triage);
    if (!o->trace)
        argv[n++] = "--triage", argv[n++] = triage;
    argv[n] = NULL;
    fflush(stdout);
    int rc = sg_run(argv, NULL, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "sparsegen: %s\n", err);
        return 1;
    }
    if (o->trace)
        return remember_wave(cdir, o->trace, NULL) == 0 ? rc : 1;
    if (rc == 1 && access(triage, R_OK) == 0)
        replay_failure(&c, o, cdir, triage, argv, n);
    return rc;
}

/* "AxB" (sep 'x') or "A:B" (sep ':') with both parts 1..65536. */
static int parse_pair(const char *s, char sep, const char *what, int *a, int *b)
{
    char *end;
    long x = strtol(s, &end, 10), y = 0;
    if (end != s && *end == sep)
        y = strtol(end + 1, &end, 10);
    if (*end || x < 1 || y < 1 || x > 65536 || y > 65536) {
        fprintf(stderr, "sparsegen: bad value '%s' for %s: want A%cB, both 1..65536\n", s, what,
                sep);
        return -1;
    }
    *a = (int)x;
    *b = (int)y;
    return 0;
}

/* The prune spec of layer L: its weight matrix is rows x cols (fc: out x
 * in; conv: c_out x (c_in/groups)*kh*kw with banks of whole input channels; lstm:
 * 4H x (in + H), banks interleaved over x and over h). */
static void layer_matrix(const sg_layer *L, const sg_config *c, sg_prune_spec *s, int *rows,
                         int *cols)
{
    if (L->type == SG_LAYER_CONV) {
        /* a grouped layer's row is its group's window */
        int taps = L->conv.kh * L->conv.kw, cpg = sg_conv_cpg(&L->conv);
        int cpb = (cpg + s->banks - 1) / s->banks;
        *rows = L->conv.c_out;
        *cols = cpg * taps;
        s->bank_size = cpb * taps;
    } else if (L->type == SG_LAYER_LSTM) {
        *rows = 4 * L->out;
        *cols = L->in + L->out;
        s->interleaved = 1;
        s->split = L->in;
    } else {
        *rows = L->out;
        *cols = L->in;
    }
    if (s->pattern == SG_PRUNE_GROUPS && s->group_cols == 0) {
        s->group_rows = c->pe_count;
        s->group_cols = (*cols + s->banks - 1) / s->banks;
    }
    if (s->banks > *cols)
        s->banks = *cols;
}

static int cmd_prune(const opts *o)
{
    sg_config c;
    sg_model m;
    char err[1024];
    if (!o->output)
        return die_input("prune needs an output directory: -o DIR");
    sg_prune_spec base;
    memset(&base, 0, sizeof base);
    base.pattern = SG_PRUNE_BBS;
    base.sparsity = 0.875;
    base.n = 2;
    base.m = 4;
    base.bh = base.bw = 4;
    if (o->pattern && sg_prune_pattern_parse(o->pattern, &base.pattern) != 0)
        return die_input("bad --pattern: legal bbs, nm, unstructured, block, groups");
    if (o->sparsity && parse_real(o->sparsity, "--sparsity", 0.0, 1.0, &base.sparsity) != 0)
        return EXIT_BAD_INPUT;
    if ((o->nm && parse_pair(o->nm, ':', "--nm", &base.n, &base.m) != 0) ||
        (o->block && parse_pair(o->block, 'x', "--block", &base.bh, &base.bw) != 0) ||
        (o->group && parse_pair(o->group, 'x', "--group", &base.group_rows, &base.group_cols) != 0))
        return EXIT_BAD_INPUT;
    if (base.pattern == SG_PRUNE_NM && base.n > base.m)
        return die_input("bad --nm: N must be at most M");
    if (o->global && base.pattern != SG_PRUNE_UNSTRUCTURED)
        return die_input("--global applies to --pattern unstructured only");
    if (load_config(o, &c) != 0)
        return EXIT_BAD_INPUT;
    base.banks = c.banks;
    if (o->banks && parse_int(o->banks, "--banks", 1, 65536, &base.banks) != 0)
        return EXIT_BAD_INPUT;
    if (load_model(o, &c, &m) != 0)
        return EXIT_BAD_INPUT;
    /* every prunable layer as doubles, with its spec */
    int n = 0, rc = 0;
    double **w = calloc((size_t)m.n_layers, sizeof *w);
    uint8_t **mask = calloc((size_t)m.n_layers, sizeof *mask);
    int *rows = calloc((size_t)m.n_layers, sizeof *rows), *cols = calloc((size_t)m.n_layers, sizeof *cols);
    int *li = calloc((size_t)m.n_layers, sizeof *li);
    sg_prune_spec *spec = calloc((size_t)m.n_layers, sizeof *spec);
    if (!w || !mask || !rows || !cols || !li || !spec) {
        snprintf(err, sizeof err, "out of memory");
        rc = -1;
    }
    for (int l = 0; rc == 0 && l < m.n_layers; l++) {
        const sg_layer *L = &m.layers[l];
        if (L->type == SG_LAYER_MAXPOOL)
            continue;
        spec[n] = base;
        layer_matrix(L, &c, &spec[n], &rows[n], &cols[n]);
        long long t = (long long)rows[n] * cols[n];
        w[n] = malloc((size_t)t * sizeof **w);
        mask[n] = malloc((size_t)t);
        if (!w[n] || !mask[n]) {
            snprintf(err, sizeof err, "out of memory for layer '%s'", L->name);
            rc = -1;
            n++;
            break;
        }
        for (long long i = 0; i < t; i++)
            w[n][i] = L->weights[i];
        li[n++] = l;
    }
    if (rc == 0 && o->global)
        rc = sg_prune_global(base.sparsity, w, rows, cols, n, mask, err, sizeof err);
    for (int k = 0; rc == 0 && !o->global && k < n; k++) {
        rc = sg_prune_mask(&spec[k], w[k], rows[k], cols[k], mask[k], err, sizeof err);
        if (rc != 0) { /* name the layer */
            char e2[sizeof err];
            memcpy(e2, err, sizeof e2);
            snprintf(err, sizeof err, "layer '%.63s': %.900s", m.layers[li[k]].name, e2);
        }
    }
    long long kept_all = 0, total_all = 0;
    for (int k = 0; rc == 0 && k < n; k++) {
        sg_layer *L = &m.layers[li[k]];
        long long t = (long long)rows[k] * cols[k], kept = 0, nz = 0;
        /* the pattern's property, asserted on what is written */
        if (!o->global && sg_prune_check(&spec[k], mask[k], rows[k], cols[k], err, sizeof err) != 0) {
            rc = -1;
            break;
        }
        for (long long i = 0; i < t; i++) {
            if (!mask[k][i])
                L->weights[i] = 0;
            kept += mask[k][i];
            nz += L->weights[i] != 0;
        }
        kept_all += nz;
        total_all += t;
        printf("  %-12s %-5s %6d x %-6d kept %9lld of %9lld (%.2f%% sparse), nonzero %lld\n",
               L->name, sg_layer_type_name(L->type),
               rows[k], cols[k], kept, t, 100.0 * (double)(t - kept) / (double)t, nz);
    }
    if (rc == 0)
        rc = sg_model_save(&m, o->output, err, sizeof err);
    if (rc == 0)
        printf("sparsegen: %s pruned (%s, %.2f%% of weights removed%s): %lld of %lld weights "
               "nonzero, written to %s\n", m.name, sg_prune_pattern_name(base.pattern),
               100.0 * base.sparsity, o->global ? ", global" : "", kept_all, total_all, o->output);
    for (int k = 0; k < n; k++) {
        free(w[k]);
        free(mask[k]);
    }
    free(w);
    free(mask);
    free(rows);
    free(cols);
    free(li);
    free(spec);
    sg_model_free(&m);
    return rc == 0 ? 0 : die_input(err);
}

/* Calibration samples for fm from an .npy (float or integer): n x
 * input_len values, the sample dimension first. */
static int load_calib(const char *path, const sg_model *fm, double **calib, int *n, char *err,
                      size_t errlen)
{
    char msg[900];
    sg_npy a;
    if (sg_npy_load(path, &a, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%.900s (the calibration samples)", msg);
        return -1;
    }
    long long per = 1;
    for (int d = 1; d < a.ndim; d++)
        per *= a.shape[d];
    if (a.ndim < 2 || per != fm->input_len || a.shape[0] < 1 || a.shape[0] > (1 << 30)) {
        snprintf(err, errlen, "%s: the calibration samples must be [n, ...] with %d values per "
                 "sample (one input of model '%s'), found %d dimensions, %lld values per sample",
                 path, fm->input_len, fm->name, a.ndim, a.ndim < 2 ? a.count : per);
        sg_npy_free(&a);
        return -1;
    }
    *n = (int)a.shape[0];
    if (a.kind == SG_NPY_FLOAT) {
        *calib = a.f;
        a.f = NULL;
    } else {
        *calib = malloc((size_t)a.count * sizeof **calib);
        for (long long k = 0; *calib && k < a.count; k++)
            (*calib)[k] = (double)a.i[k];
    }
    sg_npy_free(&a);
    for (long long k = 0; *calib && k < (long long)*n * fm->input_len; k++)
        if (!isfinite((*calib)[k])) {
            snprintf(err, errlen, "%s: calibration value %lld is not finite", path, k);
            free(*calib);
            *calib = NULL;
            return -1;
        }
    if (*calib == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    return 0;
}

/* Accuracy of the float model fm and of its quantized qm on the labelled
 * inputs: float and golden correct counts, and how often they agree. */
static int evaluate(const sg_model *fm, const sg_model *qm, const sg_config *c,
                    const int32_t *labels, int *fcorrect, int *qcorrect, int *agree, char *err,
                    size_t errlen)
{
    int classes = fm->layers[fm->n_layers - 1].out;
    double *fy = malloc((size_t)classes * sizeof *fy);
    int32_t *qy = malloc((size_t)classes * sizeof *qy);
    int rc = fy && qy ? 0 : -1;
    *fcorrect = *qcorrect = *agree = 0;
    for (int s = 0; rc == 0 && s < fm->n_inputs; s++) {
        rc = sg_model_forward_float(fm, fm->finputs + (size_t)s * fm->input_len, fy, NULL, err,
                                    errlen);
        if (rc == 0)
            rc = sg_model_forward(qm, c->data_w, c->acc_w, qm->inputs + (size_t)s * qm->input_len,
                                  qy, err, errlen);
        if (rc != 0)
            break;
        int pf = sg_argmax_f64(fy, classes), pq = sg_argmax_i32(qy, classes);
        *fcorrect += pf == labels[s];
        *qcorrect += pq == labels[s];
        *agree += pf == pq;
    }
    free(fy);
    free(qy);
    return rc;
}

static int cmd_quantize(const opts *o)
{
    sg_config c;
    sg_model fm, qm;
    char err[1024];
    double *calib = NULL;
    int32_t *labels = NULL;
    int n_calib = 0;
    if (!o->output)
        return die_input("quantize needs an output directory: -o DIR");
    if (!o->model)
        return die_input("quantize needs a float model: -m FILE");
    if (load_config(o, &c) != 0)
        return EXIT_BAD_INPUT;
    if (sg_model_load_float(o->model, &fm, err, sizeof err) != 0)
        return die_input(err);
    memset(&qm, 0, sizeof qm);
    sg_quant_info *info = calloc((size_t)fm.n_layers, sizeof *info);
    int rc = info ? 0 : -1;
    if (!info)
        snprintf(err, sizeof err, "out of memory");
    if (rc == 0 && o->calib)
        rc = load_calib(o->calib, &fm, &calib, &n_calib, err, sizeof err);
    if (rc == 0 && o->labels)
        rc = sg_labels_load(o->labels, fm.n_inputs, fm.layers[fm.n_layers - 1].out, &labels, err,
                            sizeof err);
    long long saturated = 0;
    if (rc == 0)
        rc = sg_quant_model(&fm, calib ? calib : fm.finputs, calib ? n_calib : fm.n_inputs,
                            c.data_w, c.wgt_w, &qm, info, &saturated, err, sizeof err);
    if (rc == 0) {
        printf("sparsegen quantize: %s for '%s' (%d-bit activations, %d-bit weights), "
               "calibrated on %d sample(s) of %s\n", fm.name, c.name, c.data_w, c.wgt_w,
               calib ? n_calib : fm.n_inputs, calib ? o->calib : "the model's inputs");
        printf("  %-10s %-7s %8s %8s %8s %11s %11s %10s %8s\n", "layer", "type", "weights",
               "pruned", "zero(q)", "in scale", "out scale", "max |y|", "shift");
        long long w_all = 0, zf_all = 0, zq_all = 0;
        for (int l = 0; l < fm.n_layers; l++) {
            const sg_quant_info *q = &info[l];
            char pr[16] = "-", zq[16] = "-", sh[16] = "-";
            if (q->weights) {
                snprintf(pr, sizeof pr, "%.2f%%", 100.0 * q->zeros_float / q->weights);
                snprintf(zq, sizeof zq, "%.2f%%", 100.0 * q->zeros / q->weights);
                snprintf(sh, sizeof sh, "%d..%d", q->shift_min, q->shift_max);
            }
            printf("  %-10s %-7s %8lld %8s %8s %11.4g %11.4g %10.4g %8s\n", fm.layers[l].name,
                   sg_layer_type_name(fm.layers[l].type), q->weights, pr, zq, q->scale_in,
                   q->scale_out, q->max_out, sh);
            w_all += q->weights;
            zf_all += q->zeros_float;
            zq_all += q->zeros;
        }
        printf("  weights %lld: %.2f%% pruned, %.2f%% zero after quantization\n", w_all,
               w_all ? 100.0 * zf_all / w_all : 0.0, w_all ? 100.0 * zq_all / w_all : 0.0);
        if (saturated) {
            double qs = info[0].scale_in, hi = qs * (ldexp(1.0, c.data_w - 1) - 1.0);
            printf("  note: %lld input value(s) clipped to %d bits: the input scale %g holds "
                   "%g .. %g%s\n", saturated, c.data_w, qs, -hi - qs, hi,
                   fm.layers[0].type == SG_LAYER_LSTM ? " (an lstm input is Q0.(data_w-1))" : "");
        }
    }
    int fcorrect = 0, qcorrect = 0, agree = 0;
    if (rc == 0 && labels) {
        rc = evaluate(&fm, &qm, &c, labels, &fcorrect, &qcorrect, &agree, err, sizeof err);
        if (rc == 0)
            printf("  accuracy on %d labelled sample(s): float %.2f%% (%d), integer golden %.2f%% "
                   "(%d); predictions agree on %d\n", fm.n_inputs, 100.0 * fcorrect / fm.n_inputs,
                   fcorrect, 100.0 * qcorrect / fm.n_inputs, qcorrect, agree);
    }
    if (rc == 0)
        rc = sg_model_save(&qm, o->output, err, sizeof err);
    if (rc == 0) {
        printf("sparsegen: %s quantized, written to %s\n", fm.name, o->output);
        long long w_all = 0, zq_all = 0;
        for (int l = 0; l < fm.n_layers; l++)
            w_all += info[l].weights, zq_all += info[l].zeros;
        printf("{\"model\":\"%s\",\"config\":\"%s\",\"data_w\":%d,\"wgt_w\":%d,"
               "\"calibration_samples\":%d,\"input_scale\":%.9g,\"inputs_clipped\":%lld,"
               "\"weights\":%lld,\"sparsity\":%.6f",
               fm.name, c.name, c.data_w, c.wgt_w, calib ? n_calib : fm.n_inputs,
               info[0].scale_in, saturated, w_all, w_all ? (double)zq_all / w_all : 0.0);
        if (labels)
            printf(",\"samples\":%d,\"float_correct\":%d,\"golden_correct\":%d,"
                   "\"float_accuracy\":%.4f,\"golden_accuracy\":%.4f,\"agree\":%d",
                   fm.n_inputs, fcorrect, qcorrect, 100.0 * fcorrect / fm.n_inputs,
                   100.0 * qcorrect / fm.n_inputs, agree);
        printf("}\n");
    }
    free(info);
    free(calib);
    free(labels);
    sg_model_free(&fm);
    sg_model_free(&qm);
    return rc == 0 ? 0 : die_input(err);
}

static int cmd_report(const opts *o)
{
    sg_config c;
    sg_model m;
    sg_report r;
    char err[1024];
    if (!o->compression)
        return die_input("report needs --compression (the only report so far)");
    if (load_config(o, &c) != 0 || load_model(o, &c, &m) != 0)
        return EXIT_BAD_INPUT;
    int rc = sg_report_compression(&c, &m, &r, err, sizeof err);
    if (rc == 0) {
        sg_strbuf sb;
        sg_sb_init(&sb);
        char *json = sg_report_render(&r, &c, &m, &sb);
        fputs(sb.buf, stdout);
        printf("%s\n", json ? json : "{}");
        free(json);
        sg_sb_release(&sb);
        sg_report_free(&r);
    }
    sg_model_free(&m);
    return rc == 0 ? 0 : die_input(err);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("sparsegen %s\n", SG_VERSION_STRING);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    opts o;
    if (parse_opts(argc - 1, argv + 1, &o) != 0)
        return EXIT_BAD_INPUT;
    if (strcmp(cmd, "gen") == 0)
        return cmd_gen(&o);
    if (strcmp(cmd, "compile") == 0)
        return cmd_compile(&o);
    if (strcmp(cmd, "sim") == 0)
        return cmd_sim(&o, argv[0]);
    if (strcmp(cmd, "prune") == 0)
        return cmd_prune(&o);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(&o);
    if (strcmp(cmd, "quantize") == 0)
        return cmd_quantize(&o);
    if (strcmp(cmd, "wave") == 0)
        return cmd_wave(&o);
    if (strcmp(cmd, "boards") == 0)
        return cmd_boards(&o);
    if (strcmp(cmd, "synth") == 0)
        return cmd_synth(&o);
    fprintf(stderr, "sparsegen: unknown command '%s' (see sparsegen --help)\n", cmd);
    return EXIT_BAD_INPUT;
}
