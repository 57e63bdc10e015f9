/* sg_synth: Yosys resource estimate and mapping check; see sg_synth.h. */
#include "sg_synth.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sg_fit.h"
#include "sg_gen.h"
#include "sg_sim.h"

/* LUTs one distributed-RAM or SRL primitive occupies (UG574/UG474 slice
 * tables); what Vivado reports as "LUT as Memory". */
static const struct {
    const char *type;
    int luts;
} lutram_prims[] = {
    {"RAM32X1S", 1},  {"RAM32X1D", 2},  {"RAM64X1S", 1},   {"RAM64X1D", 2},    {"RAM128X1S", 2},
    {"RAM128X1D", 4}, {"RAM256X1S", 4}, {"RAM256X1D", 8},  {"RAM512X1S", 8},   {"RAM32M", 4},
    {"RAM64M", 4},    {"RAM32M16", 8},  {"RAM64M8", 8},    {"RAM64X8SW", 8},   {"RAM32X16DR8", 8},
    {"SRL16E", 1},    {"SRLC16E", 1},   {"SRLC32E", 1},    {NULL, 0},
};

static double cells_of(json_t *by_type, const char *type)
{
    return (double)json_integer_value(json_object_get(by_type, type));
}

/* The resource table from stat -json's design block. */
static int read_stat(const char *path, sg_synth_result *r, const sg_board *b, char *err,
                     size_t errlen)
{
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    if (!o) {
        snprintf(err, errlen, "cannot read Yosys statistics '%s': %s", path, je.text);
        return -1;
    }
    json_t *t = json_object_get(json_object_get(o, "design"), "num_cells_by_type");
    if (!json_is_object(t)) {
        snprintf(err, errlen, "Yosys statistics '%s' have no design cell counts", path);
        json_decref(o);
        return -1;
    }
    double lut = 0, lutram = 0, ff = 0;
    const char *type;
    json_t *v;
    json_object_foreach(t, type, v) {
        double n = (double)json_integer_value(v);
        if (strncmp(type, "LUT", 3) == 0 && type[3] >= '1' && type[3] <= '6' && !type[4])
            lut += n;
        else if (strncmp(type, "FD", 2) == 0 || strncmp(type, "LD", 2) == 0)
            ff += n;
        for (int i = 0; lutram_prims[i].type; i++)
            if (strcmp(type, lutram_prims[i].type) == 0)
                lutram += n * lutram_prims[i].luts;
    }
    sg_synth_res res[SG_SYNTH_NRES] = {
        {"lut", lut + lutram, b->lut, 0},
        {"ff", ff, b->ff, 0},
        {"dsp", cells_of(t, "DSP48E2") + cells_of(t, "DSP48E1"), b->dsp, 0},
        {"bram36",
         cells_of(t, "RAMB36E2") + cells_of(t, "RAMB36E1") +
             0.5 * (cells_of(t, "RAMB18E2") + cells_of(t, "RAMB18E1")),
         b->bram36, 0},
        {"uram", cells_of(t, "URAM288"), b->uram, 0},
        {"lutram", lutram, b->lutram, 0},
    };
    json_decref(o);
    r->n_warn = r->over = 0;
    for (int i = 0; i < SG_SYNTH_NRES; i++) {
        sg_synth_res *x = &res[i];
        x->pct = x->avail > 0 ? 100.0 * x->used / (double)x->avail : x->used > 0 ? 1e9 : 0;
        r->n_warn += x->pct > SG_SYNTH_WARN_PCT;
        r->over += x->pct > 100.0;
        r->res[i] = *x;
    }
    return 0;
}

/* Multipliers in an RTLIL dump: count those with a product of at least 9
 * bits (datapath) into *big, the rest into *small; the first big one's name
 * into first. */
static int count_muls(const char *path, int *big, int *small, char *first, size_t firstlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[8192], name[1024] = "";
    int in = 0, y = 0;
    *big = *small = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ')
            p++;
        if (strncmp(p, "cell $mul ", 10) == 0) {
            in = 1, y = 0;
            snprintf(name, sizeof name, "%s", p + 10);
            name[strcspn(name, "\n")] = '\0';
        } else if (in && strncmp(p, "parameter \\Y_WIDTH ", 19) == 0) {
            y = atoi(p + 19);
        } else if (in && strncmp(p, "end", 3) == 0) {
            in = 0;
            if (y >= 9) {
                if (*big == 0 && first)
                    snprintf(first, firstlen, "%s (%d-bit product)", name, y);
                (*big)++;
            } else {
                (*small)++;
            }
        }
    }
    fclose(f);
    return 0;
}

/* memory_libmap's decisions (map_memory.log): per memory, block RAM,
 * UltraRAM, LUTRAM or flip-flops; buffers are the memories named *.mem. */
static int read_memmap(const char *path, sg_synth_result *r)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *name = NULL, *kind = NULL;
        char buf[8192];
        if (strncmp(line, "mapping memory ", 15) == 0) {
            snprintf(buf, sizeof buf, "%s", line + 15);
            char *via = strstr(buf, " via ");
            if (!via)
                continue;
            *via = '\0';
            name = buf;
            kind = strstr(via + 5, "BLOCKRAM") ? "bram" : strstr(via + 5, "URAM") ? "uram"
                   : strstr(via + 5, "LUTRAM")                                    ? "lutram"
                                                                                  : "other";
        } else if (strncmp(line, "using FF mapping for memory ", 28) == 0) {
            snprintf(buf, sizeof buf, "%s", line + 28);
            name = buf;
            kind = "ff";
        } else {
            continue;
        }
        size_t n = strlen(name);
        int buffer = n > 4 && strcmp(name + n - 4, ".mem") == 0;
        if (!buffer) {
            r->arrays_ff += strcmp(kind, "ff") == 0;
            continue;
        }
        r->buffers++;
        if (strcmp(kind, "bram") == 0)
            r->buf_bram++;
        else if (strcmp(kind, "uram") == 0)
            r->buf_uram++;
        else if (strcmp(kind, "lutram") == 0)
            r->buf_lutram++;
        else {
            r->buf_ff++;
            if (!r->bad[0])
                snprintf(r->bad, sizeof r->bad, "buffer %.400s went to %s", name,
                         strcmp(kind, "ff") == 0 ? "flip-flops" : "an unknown primitive");
        }
    }
    fclose(f);
    return 0;
}

static int count_cells(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[8192];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        const char *p = line;
        while (*p == ' ')
            p++;
        n += strncmp(p, "cell ", 5) == 0;
    }
    fclose(f);
    return n;
}

/* prog names an executable: a path, or a name found on $PATH. */
static int on_path(const char *prog)
{
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    char dir[4096], full[4400];
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(dir, sizeof dir, "%.*s", (int)n, p);
        snprintf(full, sizeof full, "%s/%s", n ? dir : ".", prog);
        if (access(full, X_OK) == 0)
            return 1;
        p += n + (p[n] == ':');
    }
    return 0;
}

int sg_synth_yosys(const sg_config *c, const sg_board *b, const char *outdir, const char *top,
                   int quiet, sg_synth_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (!b->yosys_family[0]) {
        snprintf(err, errlen,
                 "board '%s' (%s, %s) is not supported by Yosys 0.23: synth_intel_alm covers "
                 "Cyclone V, Arria V and Cyclone 10 GX only; use the Quartus flow "
                 "(sparsegen gen --board %s writes fpga/quartus/build.tcl)",
                 b->name, b->part, b->family, b->name);
        return -1;
    }
    const char *yosys = getenv("YOSYS");
    if (!yosys || !*yosys)
        yosys = "yosys";
    if (!on_path(yosys)) { /* before anything is written */
        snprintf(err, errlen, "cannot run yosys '%s' (install Yosys, or set YOSYS to it)", yosys);
        return -1;
    }
    snprintf(r->top, sizeof r->top, "%s", top);
    snprintf(r->family, sizeof r->family, "%s", b->yosys_family);
    if (sg_gen_write(c, NULL, sg_gen_template_dir(), outdir, err, errlen) != 0)
        return -1;
    char ydir[4200], path[4400], script[4200], filelist[4200];
    snprintf(ydir, sizeof ydir, "%s/yosys", outdir);
    if (mkdir(ydir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create directory '%s': %s", ydir, strerror(errno));
        return -1;
    }
    snprintf(script, sizeof script, "%s/yosys_check.tcl", sg_fpga_dir());
    snprintf(filelist, sizeof filelist, "%s/filelist.f", outdir);

    /* the cache key: every RTL file, the family, the top and the script */
    unsigned long long h = 1469598103934665603ULL;
    sg_hash_rtl(&h, outdir);
    if (sg_hash_file(&h, script) != 0) {
        snprintf(err, errlen, "cannot read the Yosys script '%s' (set SPARSEGEN_FPGA?)", script);
        return -1;
    }
    char key[256];
    snprintf(key, sizeof key, "%016llx %s %s\n", h, b->yosys_family, top);
    char stamp[4400], done[4400];
    snprintf(stamp, sizeof stamp, "%s/stamp", ydir);
    snprintf(done, sizeof done, "%s/done", ydir);
    sg_strbuf old;
    sg_sb_init(&old);
    r->cached = sg_sb_read_file(&old, stamp) == 0 && strcmp(old.buf, key) == 0 &&
                access(done, R_OK) == 0;
    sg_sb_release(&old);

    if (!r->cached) {
        unlink(done);
        unlink(stamp);
        const char *vmem = getenv("SG_YOSYS_VMEM_KB");
        char log[4400], out[4400], cmd[512];
        snprintf(log, sizeof log, "%s/yosys.log", ydir);
        snprintf(out, sizeof out, "%s/yosys.out", ydir);
        /* a memory bound: a design that explodes (TOOLNOTES: one many-ported
         * memory took 24 GB) fails instead of taking the machine down */
        char limit[32];
        if (vmem && *vmem)
            snprintf(limit, sizeof limit, "%s", vmem);
        else /* 80% of the machine's memory */
            snprintf(limit, sizeof limit, "%lld",
                     (long long)sysconf(_SC_PHYS_PAGES) * (sysconf(_SC_PAGESIZE) / 1024) * 8 / 10);
        snprintf(cmd, sizeof cmd, "ulimit -v %s && exec \"$0\" \"$@\"", limit);
        setenv("SG_FILELIST", filelist, 1);
        setenv("SG_OUT", ydir, 1);
        setenv("SG_FAMILY", b->yosys_family, 1);
        setenv("SG_TOP", top, 1);
        char *argv[] = {"/bin/sh", "-c", cmd, (char *)yosys,
                        "-q", "-l", log, "-c", script, NULL};
        if (!quiet)
            fprintf(stderr, "sparsegen: yosys synth_xilinx -family %s -top %s (log: %s)\n",
                    b->yosys_family, top, log);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = sg_run(argv, out, err, errlen);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        r->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (rc != 0 || access(done, R_OK) != 0) {
            /* out of memory shows as std::bad_alloc (an abort) in its output */
            sg_strbuf o;
            sg_sb_init(&o);
            int oom = sg_sb_read_file(&o, out) == 0 &&
                      (strstr(o.buf, "bad_alloc") || strstr(o.buf, "out of memory"));
            sg_sb_release(&o);
            if (oom)
                snprintf(err, errlen,
                         "yosys ran out of memory after %.0f s (bounded to %s KB, "
                         "SG_YOSYS_VMEM_KB): '%s' (%d x %d lanes) is too large to synthesize "
                         "flattened on this machine; run the Vivado flow (gen --board %s) or "
                         "Yosys on a larger one; see %s",
                         r->seconds, limit, c->name, c->pe_count, c->banks, b->name, out);
            else {
                char why[256];
                snprintf(why, sizeof why, "%s", rc < 0 ? err : "a nonzero exit");
                snprintf(err, errlen,
                         "yosys failed (%s): see %s and %s (its memory was bounded to %s KB: "
                         "SG_YOSYS_VMEM_KB)",
                         why, log, out, limit);
            }
            return -1;
        }
        sg_strbuf st;
        sg_sb_init(&st);
        sg_sb_adds(&st, key);
        rc = sg_sb_write_file(&st, stamp, err, errlen);
        sg_sb_release(&st);
        if (rc != 0)
            return -1;
    }

    snprintf(path, sizeof path, "%s/stat.json", ydir);
    if (read_stat(path, r, b, err, errlen) != 0)
        return -1;
    int soft_small, pre_small;
    char first_soft[1200] = "";
    snprintf(path, sizeof path, "%s/mul_pre.il", ydir);
    if (count_muls(path, &r->muls, &pre_small, NULL, 0) != 0)
        goto missing;
    snprintf(path, sizeof path, "%s/mul_soft.il", ydir);
    if (count_muls(path, &r->muls_soft, &soft_small, first_soft, sizeof first_soft) != 0)
        goto missing;
    r->muls_small = soft_small;
    if (r->muls_soft && !r->bad[0])
        snprintf(r->bad, sizeof r->bad, "multiplier %s stayed in LUTs", first_soft);
    snprintf(path, sizeof path, "%s/map_memory.log", ydir);
    if (read_memmap(path, r) != 0)
        goto missing;
    snprintf(path, sizeof path, "%s/mem_post.il", ydir);
    if ((r->mem_left = count_cells(path)) < 0)
        goto missing;
    if (r->mem_left && !r->bad[0])
        snprintf(r->bad, sizeof r->bad, "%d memory cells were left unmapped", r->mem_left);
    return 0;
missing:
    snprintf(err, errlen, "cannot read Yosys output '%s': %s", path, strerror(errno));
    return -1;
}

int sg_synth_mapping_ok(const sg_synth_result *r)
{
    return r->muls_soft == 0 && r->buf_ff == 0 && r->mem_left == 0 && r->buffers > 0;
}

char *sg_synth_render(const sg_synth_result *r, const sg_config *c, const sg_board *b,
                      sg_strbuf *sb)
{
    json_t *o = json_object(), *res = json_object(), *warn = json_array();
    json_object_set_new(o, "tool", json_string("yosys"));
    json_object_set_new(o, "board", json_string(b->name));
    json_object_set_new(o, "part", json_string(b->part));
    json_object_set_new(o, "config", json_string(c->name));
    json_object_set_new(o, "top", json_string(r->top));
    json_object_set_new(o, "family", json_string(r->family));
    sg_sb_addf(sb, "sparsegen synth: '%s' on %s (%s), Yosys synth_xilinx -family %s, top %s, "
                   "out of context%s\n",
               c->name, b->name, b->part, r->family, r->top, r->cached ? " (cached run)" : "");
    /* sg_fit's estimate next to the measurement, to see how far it is off */
    sg_fit_est fe;
    sg_fit_estimate(c, b, &fe);
    const double est[SG_SYNTH_NRES] = {(double)fe.lut, (double)fe.ff, fe.dsp, fe.bram, 0,
                                       (double)fe.lutram};
    json_t *ej = json_object();
    sg_sb_addf(sb, "  %-8s %12s %12s %8s %10s\n", "resource", "used", "available", "util",
               "estimate");
    for (int i = 0; i < SG_SYNTH_NRES; i++) {
        const sg_synth_res *x = &r->res[i];
        json_object_set_new(ej, x->name, json_real(est[i]));
        json_t *e = json_object();
        json_object_set_new(e, "used", json_real(x->used));
        json_object_set_new(e, "avail", json_integer(x->avail));
        json_object_set_new(e, "pct", json_real(x->avail > 0 ? x->pct : x->used > 0 ? 100 : 0));
        json_object_set_new(res, x->name, e);
        char used[32], estimate[32];
        snprintf(used, sizeof used, x->used == (long long)x->used ? "%.0f" : "%.1f", x->used);
        snprintf(estimate, sizeof estimate, est[i] == (long long)est[i] ? "%.0f" : "%.1f", est[i]);
        if (x->avail > 0)
            sg_sb_addf(sb, "  %-8s %12s %12lld %7.2f%% %10s%s\n", x->name, used, x->avail, x->pct,
                       estimate,
                       x->pct > 100 ? "  DOES NOT FIT" : x->pct > SG_SYNTH_WARN_PCT ? "  over 80%" : "");
        else
            sg_sb_addf(sb, "  %-8s %12s %12s %8s %10s%s\n", x->name, used, "none", "-", estimate,
                       x->used > 0 ? "  DOES NOT FIT" : "");
        if (x->pct > SG_SYNTH_WARN_PCT) {
            char w[160];
            if (x->avail > 0)
                snprintf(w, sizeof w, "%s at %.1f%% of %lld (over %.0f%%)", x->name, x->pct,
                         x->avail, SG_SYNTH_WARN_PCT);
            else
                snprintf(w, sizeof w, "%s: %s used, the part has none", x->name, used);
            json_array_append_new(warn, json_string(w));
            sg_sb_addf(sb, "warning: %s\n", w);
        }
    }
    json_object_set_new(o, "resources", res);
    json_object_set_new(o, "estimate", ej);
    json_object_set_new(o, "warnings", warn);
    json_t *m = json_object();
    json_object_set_new(m, "multipliers", json_integer(r->muls));
    json_object_set_new(m, "multipliers_in_dsp", json_integer(r->muls - r->muls_soft));
    json_object_set_new(m, "small_multipliers_in_luts", json_integer(r->muls_small));
    json_object_set_new(m, "buffers", json_integer(r->buffers));
    json_object_set_new(m, "buffers_bram", json_integer(r->buf_bram));
    json_object_set_new(m, "buffers_uram", json_integer(r->buf_uram));
    json_object_set_new(m, "buffers_lutram", json_integer(r->buf_lutram));
    json_object_set_new(m, "buffers_ff", json_integer(r->buf_ff));
    json_object_set_new(m, "arrays_ff", json_integer(r->arrays_ff));
    json_object_set_new(m, "memories_left", json_integer(r->mem_left));
    json_object_set_new(m, "ok", json_boolean(sg_synth_mapping_ok(r)));
    if (r->bad[0])
        json_object_set_new(m, "problem", json_string(r->bad));
    json_object_set_new(o, "mapping", m);
    json_object_set_new(o, "fits", json_boolean(r->over == 0));
    json_object_set_new(o, "yosys_seconds", json_real(r->seconds));
    const char *dsp = strcmp(r->family, "xc7") == 0 || strcmp(r->family, "xc7s") == 0 ? "DSP48E1"
                                                                                     : "DSP48E2";
    sg_sb_addf(sb, "  multipliers: %d of %d datapath multipliers in %s%s", r->muls - r->muls_soft,
               r->muls, dsp, r->muls_soft ? "  NOT ALL" : "");
    if (r->muls_small)
        sg_sb_addf(sb, " (%d small index multiplier%s of < 9-bit product in LUTs, by design)",
                   r->muls_small, r->muls_small == 1 ? "" : "s");
    sg_sb_addf(sb, "\n  buffers: %d of %d in block RAM or LUTRAM (%d block RAM, %d UltraRAM, "
                   "%d LUTRAM)%s; %d small register arrays or ROMs in flip-flops/LUTs\n",
               r->buffers - r->buf_ff, r->buffers, r->buf_bram, r->buf_uram, r->buf_lutram,
               r->buf_ff ? "  NOT ALL" : "", r->arrays_ff);
    if (sg_synth_mapping_ok(r))
        sg_sb_adds(sb, "  mapping: ok (every multiplier in a DSP, every buffer in RAM)\n");
    else
        sg_sb_addf(sb, "  mapping: FAILED: %s\n", r->bad[0] ? r->bad : "no buffers found");
    if (r->over)
        sg_sb_addf(sb, "  does not fit %s: %d resource%s over 100%%\n", b->name, r->over,
                   r->over == 1 ? "" : "s");
    char *s = json_dumps(o, JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
    json_decref(o);
    return s;
}
