/* sg_gen: render the per-configuration files and write them atomically. */
#include "sg_gen.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg_fpga.h"
#include "sg_lstm.h"
#include "sg_regmap.h"
#include "sg_strbuf.h"

#ifndef SG_TEMPLATE_DIR
#define SG_TEMPLATE_DIR "rtl_templates"
#endif

const char *const sg_gen_modules[] = {
    "sg_sdp_ram.v", "sg_adder_tree.v", "sg_pe.v", "sg_post.v", "sg_ctrl.v", "sg_core.v",
    "sparsegen_top.v", "sparsegen_axi.v", "sg_lstm_ew.v", NULL,
};

/* Modules rendered from the configuration rather than from a template. */
const char *const sg_gen_tables[] = {"sg_lstm_sigmoid_rom.v", "sg_lstm_tanh_rom.v", NULL};

const char *sg_gen_template_dir(void)
{
    const char *env = getenv("SPARSEGEN_TEMPLATES");
    return env && *env ? env : SG_TEMPLATE_DIR;
}

#define MAX_FILES 48


/* One parameter shared by the Verilog include and the C header. */
typedef struct param {
    const char *vname; /* Verilog parameter name */
    const char *cname; /* C macro suffix */
    int value;
    const char *doc;
} param;

static int params_of(const sg_config *c, param *p)
{
    param all[] = {
        {"PeCount", "PE_COUNT", c->pe_count, "P: processing elements (rows in flight)"},
        {"Banks", "BANKS", c->banks, "B: lanes per PE = vector-buffer banks"},
        {"DataW", "DATA_W", c->data_w, "activation bits"},
        {"WgtW", "WGT_W", c->wgt_w, "weight bits"},
        {"AccW", "ACC_W", c->acc_w, "accumulator bits (wraps)"},
        {"VbufDepth", "VBUF_DEPTH", c->vbuf_depth, "words per vector-buffer bank"},
        {"WbufDepth", "WBUF_DEPTH", c->wbuf_depth, "CSB words per weight buffer"},
        {"RbufDepth", "RBUF_DEPTH", c->rbuf_depth, "row records per PE"},
        {"StreamW", "STREAM_W", c->stream_w, "AXI4-Stream data bits"},
        {"PostLanes", "POST_LANES", c->post_lanes, "results requantized per cycle"},
        {"LstmLanes", "LSTM_LANES", c->lstm_lanes, "LSTM hidden units per cycle"},
        {"LstmTableBits", "LSTM_TABLE_BITS", c->lstm_table_bits,
         "LSTM sigmoid/tanh tables: 2^T + 1 points"},
        {"LstmCDepth", "LSTM_C_DEPTH", c->lstm_c_depth, "cell-state buffer words"},
        {"LstmCAddrW", "LSTM_CADDR_W", c->lstm_caddr_w, "cell-state buffer address bits"},
        {"OffW", "OFF_W", c->off_w, "lane offset bits"},
        {"WaddrW", "WADDR_W", c->waddr_w, "weight-buffer address bits"},
        {"GrpW", "GRP_W", c->grp_w, "row-buffer address bits"},
        {"RotW", "ROT_W", c->rot_w, "bits of a lane's rotation (CONV)"},
        {"WordW", "WORD_W", c->word_w, "CSB word bits: 1 + Banks * (RotW + OffW + WgtW)"},
        {"TreeLevels", "TREE_LEVELS", c->tree_levels, "adder-tree levels"},
        {"PipeDepth", "PIPE_DEPTH", c->pipe_depth, "accumulate stage of the PE pipeline"},
        {"HdrBeats", "HDR_BEATS", c->hdr_beats, "beats per command header"},
        {"WgtBeats", "WGT_BEATS", c->wgt_beats, "beats per CSB word"},
        {"RowBeats", "ROW_BEATS", c->row_beats, "beats per row record"},
        {"OutBeats", "OUT_BEATS", c->out_beats, "beats per OUT record"},
        {"MaxBeats", "MAX_BEATS", c->max_beats, "most beats of any record"},
        {"PeW", "PE_W", c->pe_w, "bits of a PE index"},
        {"CntW", "CNT_W", c->cnt_w, "bits of a count 0..PeCount"},
        {"NzW", "NZ_W", c->nz_w, "bits of a count 0..Banks"},
        {"NzSumW", "NZ_SUM_W", c->nz_sum_w, "bits of a count 0..PeCount*Banks"},
    };
    size_t n = sizeof all / sizeof all[0];
    memcpy(p, all, sizeof all);
    return (int)n;
}

static void render_vh(sg_strbuf *sb, const sg_config *c)
{
    param p[40];
    int n = params_of(c, p);
    sg_gen_header_line(sb, c, "//");
    sg_sb_adds(sb, "// Parameters of the configuration, included inside the parameter list of\n"
                   "// sparsegen_top (and of testbenches).  Derived values come from\n"
                   "// gen/sg_config.c; the modules re-check them.\n");
    sg_sb_addf(sb, "// clock target: %g MHz\n", c->clock_mhz);
    for (int i = 0; i < n; i++)
        sg_sb_addf(sb, "    parameter integer %-10s = %d%s // %s\n", p[i].vname, p[i].value,
                   i + 1 < n ? "," : " ", p[i].doc);
}

static void render_h(sg_strbuf *sb, const sg_config *c)
{
    param p[40];
    int n = params_of(c, p);
    sg_gen_header_line(sb, c, "/*");
    sg_sb_adds(sb, " * The configuration's values for C and C++ (harness, drivers). */\n"
                   "#ifndef SPARSEGEN_PARAMS_H\n#define SPARSEGEN_PARAMS_H\n\n");
    sg_sb_addf(sb, "#define SG_CFG_NAME \"%s\"\n", c->name);
    sg_sb_addf(sb, "#define SG_CFG_VERSION \"%s\"\n", SG_VERSION_STRING);
    sg_sb_addf(sb, "#define SG_CFG_HASH 0x%016llxULL\n", c->hash);
    sg_sb_addf(sb, "#define SG_CFG_CLOCK_MHZ %.17g\n", c->clock_mhz);
    for (int i = 0; i < n; i++)
        sg_sb_addf(sb, "#define SG_CFG_%-12s %d /* %s */\n", p[i].cname, p[i].value, p[i].doc);
    sg_sb_addf(sb, "#define SG_CFG_%-12s %d /* %s */\n", "RUN_OVERHEAD", c->run_overhead,
               "busy cycles of a RUN beyond its words and stalls");
    sg_sb_addf(sb, "#define SG_CFG_%-12s %d /* %s */\n", "ELEMS", c->elems_per_beat,
               "activations or results per stream beat");
    sg_sb_addf(sb, "#define SG_CFG_%-12s %d /* %s */\n", "LSTM_HIDDEN", c->lstm_hidden,
               "largest LSTM hidden size (LstmCDepth * LstmLanes >= it)");
    sg_sb_adds(sb, "\n/* Arithmetic (golden/sg_post.h): the accumulator wraps; requant rounds half\n"
                   " * up.  The macros call the golden model so C code cannot drift from it. */\n"
                   "#define SG_CFG_OVERFLOW \"wrap\"\n"
                   "#define SG_CFG_ROUNDING \"half_up\"\n"
                   "#define SG_CFG_WRAP_ACC(x) sg_wrap((x), SG_CFG_ACC_W)\n"
                   "#define SG_CFG_REQUANT(acc, m, s) sg_requant((acc), (m), (s), SG_CFG_DATA_W)\n"
                   "\n#endif\n");
}

static int render_json(sg_strbuf *sb, const sg_config *c, char *err, size_t errlen)
{
    json_t *o = json_object();
    json_t *d = json_object();
    char hash[20];
    snprintf(hash, sizeof hash, "%016llx", c->hash);
    json_object_set_new(o, "generator", json_sprintf("sparsegen %s", SG_VERSION_STRING));
    json_object_set_new(o, "source", json_string(c->source[0] ? c->source : "built-in defaults"));
    json_object_set_new(o, "name", json_string(c->name));
    json_object_set_new(o, "hash", json_string(hash));
    json_object_set_new(o, "pe_count", json_integer(c->pe_count));
    json_object_set_new(o, "banks", json_integer(c->banks));
    json_object_set_new(o, "data_width", json_integer(c->data_w));
    json_object_set_new(o, "weight_width", json_integer(c->wgt_w));
    json_object_set_new(o, "acc_width", json_integer(c->acc_w));
    json_object_set_new(o, "vbuf_depth", json_integer(c->vbuf_depth));
    json_object_set_new(o, "wbuf_depth", json_integer(c->wbuf_depth));
    json_object_set_new(o, "rbuf_depth", json_integer(c->rbuf_depth));
    json_object_set_new(o, "stream_width", json_integer(c->stream_w));
    json_object_set_new(o, "post_lanes", json_integer(c->post_lanes));
    json_object_set_new(o, "lstm_lanes", json_integer(c->lstm_lanes));
    json_object_set_new(o, "lstm_hidden", json_integer(c->lstm_hidden));
    json_object_set_new(o, "clock_mhz", json_real(c->clock_mhz));
    param p[40];
    int n = params_of(c, p);
    for (int i = 10; i < n; i++)
        json_object_set_new(d, p[i].vname, json_integer(p[i].value));
    json_object_set_new(d, "RunOverhead", json_integer(c->run_overhead));
    json_object_set_new(d, "MacLanes", json_integer(c->lanes));
    json_object_set_new(o, "derived", d);
    json_object_set_new(o, "overflow", json_string("wrap"));
    json_object_set_new(o, "rounding", json_string("half_up"));
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
    json_decref(o);
    if (!s) {
        snprintf(err, errlen, "cannot render config.json");
        return -1;
    }
    sg_sb_adds(sb, s);
    sg_sb_adds(sb, "\n");
    free(s);
    return 0;
}

/* Copy a template, replacing "//@@ HEADER" by the generated-file header or
 * prepending the header when the template has no such line. */
static int render_template(sg_strbuf *sb, const sg_config *c, const char *tdir, const char *name,
                           char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", tdir, name);
    sg_strbuf t;
    sg_sb_init(&t);
    if (sg_sb_read_file(&t, path) != 0) {
        snprintf(err, errlen, "cannot read template '%s': %s (set SPARSEGEN_TEMPLATES?)", path,
                 strerror(errno));
        sg_sb_release(&t);
        return -1;
    }
    int had_header = 0;
    const char *line = t.buf;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);
        if (strncmp(line, "//@@ ", 5) == 0) {
            if (strncmp(line + 5, "HEADER", 6) != 0) {
                snprintf(err, errlen, "template '%s': unknown insertion point '%.*s'", path,
                         (int)(len - (nl ? 1 : 0)), line);
                sg_sb_release(&t);
                return -1;
            }
            sg_gen_header_line(sb, c, "//");
            sg_sb_addf(sb, "// Template: rtl_templates/%s\n", name);
            had_header = 1;
        } else {
            if (!had_header && line == t.buf) {
                sg_gen_header_line(sb, c, "//");
                sg_sb_addf(sb, "// Template: rtl_templates/%s\n", name);
                had_header = 1;
            }
            sg_sb_add(sb, line, len);
        }
        line += len;
    }
    sg_sb_release(&t);
    return 0;
}

static void render_filelist(sg_strbuf *sb, const sg_config *c)
{
    sg_gen_header_line(sb, c, "//");
    sg_sb_adds(sb, "// Paths are relative to this file's directory: verilator -F filelist.f\n");
    sg_sb_adds(sb, "+incdir+rtl\n");
    for (int i = 0; sg_gen_modules[i]; i++)
        sg_sb_addf(sb, "rtl/%s\n", sg_gen_modules[i]);
    for (int i = 0; sg_gen_tables[i]; i++)
        sg_sb_addf(sb, "rtl/%s\n", sg_gen_tables[i]);
}

/* LSTM table m (0 sigmoid, 1 tanh; golden/sg_lstm.h) as a ROM module: the
 * point pair {t[k + 1], t[k]} at address k, so one read serves the
 * interpolation. */
static int render_lstm_rom(sg_strbuf *sb, const sg_config *c, int m, char *err, size_t errlen)
{
    sg_lstm_fmt f;
    if (sg_lstm_fmt_derive(&f, c->data_w, c->lstm_table_bits, 1, err, errlen) != 0)
        return -1;
    int T = c->lstm_table_bits;
    const char *names[] = {"sg_lstm_sigmoid_rom", "sg_lstm_tanh_rom"};
    const char *fn[] = {"sigmoid", "tanh"};
    const int32_t *tab = m ? f.tanh : f.sigmoid;
    sg_gen_header_line(sb, c, "//");
    sg_sb_addf(sb, "// %s: the LSTM's %s at the 2^%d + 1 points v = -8 + 16 k / 2^%d,\n"
                   "// round(2^15 %s(v)) clamped to 32767 (golden/sg_lstm.h).  Address k gives\n"
                   "// {t[k + 1], t[k]}, two signed 16-bit points.\n"
                   "`default_nettype none\n\n"
                   "module %s (\n    input  wire [%d:0] k_i,\n    output reg  [31:0] pair_o\n);\n"
                   "  always @* begin\n    case (k_i)\n",
               names[m], fn[m], T, T, fn[m], names[m], T - 1);
    for (int k = 0; k < (1 << T); k++)
        sg_sb_addf(sb, "      %d'd%d: pair_o = 32'h%04x%04x;\n", T, k, (unsigned)tab[k + 1] & 0xffffu,
                   (unsigned)tab[k] & 0xffffu);
    sg_sb_adds(sb, "      default: pair_o = 32'h0;\n    endcase\n  end\nendmodule\n\n"
                   "`default_nettype wire\n");
    sg_lstm_fmt_free(&f);
    return 0;
}

static void gtkw_group(sg_strbuf *sb, const char *name, const char *const *sigs)
{
    sg_sb_addf(sb, "@800200\n-%s\n", name);
    for (int i = 0; sigs[i]; i++) {
        const char *s = sigs[i];
        /* "@28" binary for 1-bit signals, "@22" hex, "@420" signed decimal */
        sg_sb_addf(sb, "%s\n%s\n", s[0] == '1' ? "@28" : s[0] == 's' ? "@420" : "@22", s + 1);
    }
    sg_sb_addf(sb, "@1000200\n-%s\n", name);
}

void sg_gen_render_gtkw(sg_strbuf *sb, const sg_config *c, const int *pes, int n_pes,
                        const char *dumpfile, const char *savefile, long long timestart)
{
    char buf[32][128];
    const char *T = "TOP.sparsegen_top";
    int k = 0;
#define SIG(kind, fmt, ...) (snprintf(buf[k], sizeof buf[k], "%c" fmt, kind, __VA_ARGS__), buf[k++])
    const char *cmd[] = {SIG('1', "%s.clk_i", T), SIG('1', "%s.rst_i", T),
                         SIG('1', "%s.s_axis_tvalid", T), SIG('1', "%s.s_axis_tready", T),
                         SIG('h', "%s.s_axis_tdata[%d:0]", T, c->stream_w - 1), NULL};
    const char *ctl[] = {SIG('h', "%s.u_core.u_ctrl.state_q[2:0]", T),
                         SIG('h', "%s.u_core.u_ctrl.left_q[19:0]", T),
                         SIG('1', "%s.u_core.u_ctrl.iss_v_q", T),
                         SIG('h', "%s.u_core.u_ctrl.iss_addr_q[%d:0]", T, c->waddr_w - 1),
                         SIG('1', "%s.u_core.u_ctrl.s1_v_q", T),
                         SIG('h', "%s.u_core.u_ctrl.s1_grp_q[19:0]", T),
                         SIG('1', "%s.u_core.u_ctrl.en_o", T), NULL};
    const char *out[] = {SIG('h', "%s.u_core.u_post.cnt_q[1:0]", T),
                         SIG('1', "%s.m_axis_tvalid", T), SIG('1', "%s.m_axis_tready", T),
                         SIG('1', "%s.m_axis_tlast", T),
                         SIG('h', "%s.m_axis_tdata[%d:0]", T, c->stream_w - 1), NULL};
    const char *perf[] = {SIG('s', "%s.perf_busy_o[63:0]", T), SIG('s', "%s.perf_useful_o[63:0]", T),
                          SIG('s', "%s.perf_stall_o[63:0]", T), NULL};
    int pe0 = k; /* buf[pe0 ..] serve each PE group in turn */
    sg_sb_adds(sb, "[*]\n");
    sg_gen_header_line(sb, c, "[*]");
    sg_sb_addf(sb, "[*] Open with: gtkwave %s %s\n[*]\n", dumpfile, savefile);
    sg_sb_addf(sb, "[dumpfile] \"%s\"\n[savefile] \"%s\"\n[timestart] %lld\n", dumpfile, savefile,
               timestart);
    sg_sb_adds(sb, "[treeopen] TOP.\n[treeopen] TOP.sparsegen_top.\n");
    gtkw_group(sb, "Command stream", cmd);
    gtkw_group(sb, "Controller", ctl);
    /* one group per PE: its S1 word's nonzero lanes, activations, sum */
    for (int i = 0; i < n_pes; i++) {
        k = pe0;
        char P[64], name[32];
        snprintf(P, sizeof P, "%s.u_core.gen_pe[%d].u_pe", T, pes[i]);
        const char *pe[] = {SIG('1', "%s.acc_v_i", P), SIG('h', "%s.nz_o[%d:0]", P, c->nz_w - 1),
                            SIG('h', "%s.lane_nz_o[%d:0]", P, c->banks - 1),
                            SIG('h', "%s.act_i[%d:0]", P, c->banks * c->data_w - 1),
                            SIG('h', "%s.fault_i[%d:0]", P, c->banks - 1),
                            SIG('1', "%s.last_o", P),
                            SIG('s', "%s.sum_o[%d:0]", P, c->acc_w - 1), NULL};
        snprintf(name, sizeof name, "PE %d", pes[i]);
        gtkw_group(sb, name, pe);
    }
#undef SIG
    gtkw_group(sb, "Results", out);
    gtkw_group(sb, "Counters", perf);
}

int sg_gen_write(const sg_config *c, const sg_board *board, const char *tdir, const char *outdir,
                 char *err, size_t errlen)
{
    sg_gen_file f[MAX_FILES];
    int n = 0, rc = -1;
    for (int i = 0; i < MAX_FILES; i++)
        sg_sb_init(&f[i].text);

    for (int i = 0; sg_gen_modules[i]; i++) {
        snprintf(f[n].rel, sizeof f[n].rel, "rtl/%s", sg_gen_modules[i]);
        if (render_template(&f[n++].text, c, tdir, sg_gen_modules[i], err, errlen) != 0)
            goto out;
    }
    for (int i = 0; sg_gen_tables[i]; i++) {
        snprintf(f[n].rel, sizeof f[n].rel, "rtl/%s", sg_gen_tables[i]);
        if (render_lstm_rom(&f[n++].text, c, i, err, errlen) != 0)
            goto out;
    }
    snprintf(f[n].rel, sizeof f[n].rel, "rtl/sparsegen_params.vh");
    render_vh(&f[n++].text, c);
    snprintf(f[n].rel, sizeof f[n].rel, "sparsegen_params.h");
    render_h(&f[n++].text, c);
    snprintf(f[n].rel, sizeof f[n].rel, "rtl/sparsegen_regs.vh");
    sg_regmap_render_vh(&f[n++].text, c);
    snprintf(f[n].rel, sizeof f[n].rel, "sparsegen_regs.h");
    sg_regmap_render_h(&f[n++].text, c);
    snprintf(f[n].rel, sizeof f[n].rel, "config.json");
    if (render_json(&f[n++].text, c, err, errlen) != 0)
        goto out;
    snprintf(f[n].rel, sizeof f[n].rel, "filelist.f");
    render_filelist(&f[n++].text, c);
    snprintf(f[n].rel, sizeof f[n].rel, "sparsegen.gtkw");
    {
        /* every PE up to 16, else the first and last 4 */
        int pes[16], np = 0;
        for (int q = 0; q < c->pe_count && np < 16; q++)
            if (c->pe_count <= 16 || q < 4 || q >= c->pe_count - 4)
                pes[np++] = q;
        sg_gen_render_gtkw(&f[n++].text, c, pes, np, "sim.fst", "sparsegen.gtkw", 0);
    }
    if (board) {
        int nf = 0;
        if (sg_fpga_render(c, board, sg_fpga_dir(), f + n, MAX_FILES - n, &nf, err, errlen) != 0)
            goto out;
        n += nf;
    }

    if (sg_gen_files_write(outdir, f, n, err, errlen) != 0)
        goto out;
    rc = 0;
out:
    for (int i = 0; i < MAX_FILES; i++)
        sg_sb_release(&f[i].text);
    return rc;
}
