/* test_ops: the program between plan and beats (gen/sg_ops.h).
 *
 * Every FC, CONV (with max-pools) and LSTM regression spec of verif/ is
 * compiled on several of the verification configurations (verif/configs,
 * verif/conv/configs), and the committed models on the default one; each
 * program must account for its whole command stream (one operation per
 * header, the operations' beats laid end to end, their MACs and words the
 * program's), link (dependencies ascending and pointing backwards) and pass
 * sg_ops_check: every region inside its buffer, every address read last
 * written by an operation of the right layer, sample and kind.  Then
 * programs changed by hand the checker must refuse, each for its reason,
 * and the dependencies of a small FC program worked out by hand.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_cmd.h"
#include "sg_compile.h"
#include "sg_config.h"
#include "sg_model.h"
#include "sg_ops.h"
#include "sg_random.h"
#include "tap.h"

static const char *srcdir(void)
{
    const char *s = getenv("top_srcdir");
    return s ? s : "..";
}

/* The layer names of p, for messages. */
static const char **names_of(const sg_program *p)
{
    const char **n = malloc((size_t)(p->n_layers > 0 ? p->n_layers : 1) * sizeof *n);
    for (int l = 0; n && l < p->n_layers; l++)
        n[l] = p->layer[l].name;
    return n;
}

/* The program's bookkeeping: one op per header, beats end to end, MACs and
 * words summed.  Returns 1 when it holds (else a diagnostic). */
static int accounts(const sg_config *c, const sg_program *p, const char *what)
{
    long long beat = 0, macs = 0, words = 0, runs = 0;
    for (long long i = 0; i < p->n_ops; i++) {
        const sg_op *op = &p->ops[i];
        if (op->beat0 != beat || op->beats < c->hdr_beats) {
            tap_diag("%s: op %lld starts at beat %lld (expected %lld), %lld beats", what, i,
                     op->beat0, beat, op->beats);
            return 0;
        }
        beat += op->beats;
        macs += op->macs;
        words += op->words;
        if (op->kind == SG_OP_RUN || op->kind == SG_OP_CONV)
            runs++;
        else if (op->kind == SG_OP_LSTM)
            runs += op->count; /* one run per step */
    }
    if (beat != p->n_beats || p->n_ops * c->hdr_beats != p->beats_kind[SG_BEATS_HDR] ||
        macs != p->useful_macs || words != p->words || runs != p->runs) {
        tap_diag("%s: ops cover %lld of %lld beats, %lld ops for %lld header beats, MACs %lld "
                 "of %lld, words %lld of %lld, runs %lld of %lld", what, beat, p->n_beats,
                 p->n_ops, p->beats_kind[SG_BEATS_HDR], macs, p->useful_macs, words, p->words,
                 runs, p->runs);
        return 0;
    }
    return 1;
}

/* Link and check p; err gets the checker's message.  Returns 0 or -1. */
static int link_check(const sg_config *c, sg_program *p, char *err, size_t errlen)
{
    free(p->deps);
    p->deps = NULL;
    if (sg_ops_link(c, p->ops, p->n_ops, &p->deps, &p->n_deps, err, errlen) != 0)
        return -1;
    const char **names = names_of(p);
    int rc = sg_ops_check(c, p->ops, p->n_ops, p->deps, names, p->n_layers, err, errlen);
    free(names);
    return rc;
}

static int load_cfg(const char *rel, sg_config *c)
{
    char path[PATH_MAX], err[512];
    snprintf(path, sizeof path, "%s/%s", srcdir(), rel);
    if (sg_config_load(path, c, err, sizeof err) != 0) {
        tap_diag("%s", err);
        return -1;
    }
    return 0;
}

static const char *const cfgs[] = {
    "verif/configs/c01_p1_b1.json",   "verif/configs/c02_p2_b2.json",
    "verif/configs/c03_p3_b5.json",   "verif/configs/c04_p4_b4.json",
    "verif/configs/c05_p8_b8.json",   "verif/configs/c06_p16_b8.json",
    "verif/configs/c07_p32_b4.json",  "verif/configs/c08_p5_b16.json",
    "verif/configs/c09_p2_b16.json",  "verif/configs/c10_p7_b3.json",
    "verif/configs/c11_p1_b16.json",  "verif/configs/c12_p32_b16.json",
    "verif/configs/c13_p12_b6.json",  "verif/conv/configs/k01_p1_b1.json",
    "verif/conv/configs/k02_p3_b5.json", "verif/conv/configs/k03_p5_b16.json",
    "verif/conv/configs/k04_p2_b2.json", "verif/conv/configs/k05_p4_b4.json",
};
#define N_CFGS ((int)(sizeof cfgs / sizeof cfgs[0]))

/* Every spec of a regression list, on four configurations spread over the
 * list; *checked counts the programs checked.  A spec some configuration's
 * buffers cannot hold is skipped there, but must compile on one. */
static void check_specs(const char *list, int *checked, int *spec_i)
{
    char path[PATH_MAX], line[1024];
    snprintf(path, sizeof path, "%s/%s", srcdir(), list);
    FILE *f = fopen(path, "r");
    if (!tap_ok(f != NULL, "regression list %s", list))
        return;
    while (fgets(line, sizeof line, f)) {
        char *bar = strchr(line, '|');
        if (bar)
            *bar = '\0';
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\n'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        int i = (*spec_i)++, compiled = 0, bad = 0;
        char err[1024] = "", why[2400] = "";
        for (int k = 0; k < 4; k++) {
            int ci = (i + k * 5) % N_CFGS;
            sg_config c;
            sg_model m;
            sg_program p;
            if (load_cfg(cfgs[ci], &c) != 0) {
                bad = 1;
                continue;
            }
            if (sg_model_random(&c, line, &m, err, sizeof err) != 0)
                continue;
            if (sg_compile(&c, &m, 0, 0, &p, err, sizeof err) == 0) {
                compiled++;
                (*checked)++;
                char what[1200];
                snprintf(what, sizeof what, "%s on %s", line, cfgs[ci]);
                if (!accounts(&c, &p, what))
                    bad = 1, snprintf(why, sizeof why, "%s: bookkeeping", what);
                else if (link_check(&c, &p, err, sizeof err) != 0)
                    bad = 1, snprintf(why, sizeof why, "%s: %s", what, err);
                sg_program_free(&p);
            }
            sg_model_free(&m);
        }
        tap_ok(compiled > 0 && !bad, "%s: %d program(s) link and keep the invariants%s%s", line,
               compiled, why[0] ? ": " : "", why);
    }
    fclose(f);
}

/* The committed models on the default configuration. */
static void check_models(int *checked)
{
    static const char *const models[] = {"mlp2", "cnn", "conv_n3", "relu6", "scalar", "gpool",
                                         "gconv"};
    sg_config c;
    sg_config_default(&c);
    char err[1024];
    if (!tap_ok(sg_config_derive(&c, err, sizeof err) == 0, "default configuration"))
        return;
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/tests/data/models/%s.json", srcdir(), models[i]);
        sg_model m;
        sg_program p;
        int ok = sg_model_load(path, c.data_w, c.wgt_w, &m, err, sizeof err) == 0;
        if (ok) {
            ok = sg_compile(&c, &m, 0, 0, &p, err, sizeof err) == 0;
            if (ok) {
                (*checked)++;
                ok = accounts(&c, &p, models[i]) && link_check(&c, &p, err, sizeof err) == 0;
                sg_program_free(&p);
            }
            sg_model_free(&m);
        }
        tap_ok(ok, "model %s: links and keeps the invariants%s%s", models[i], ok ? "" : ": ",
               ok ? "" : err);
    }
}

/* The first op of a kind from index `from` on, or -1. */
static long long find_op(const sg_program *p, int kind, long long from)
{
    for (long long i = from; i < p->n_ops; i++)
        if (p->ops[i].kind == kind)
            return i;
    return -1;
}

static int has_dep(const sg_program *p, long long i, long long j)
{
    for (int k = 0; k < p->ops[i].n_deps; k++)
        if (p->deps[p->ops[i].dep0 + k] == j)
            return 1;
    return 0;
}

/* A small FC program whose dependencies are known, and changed copies of it
 * the checker must refuse. */
static void check_by_hand(void)
{
    sg_config c;
    sg_model m;
    sg_program p;
    char err[1024];
    sg_config_default(&c); /* 16 PEs x 8 banks */
    sg_config_derive(&c, err, sizeof err);
    /* two layers, two samples: rows and words resident, each sample's VEC */
    if (!tap_ok(sg_model_random(&c, "rows=40:24,cols=50,layers=2,samples=2,pattern=bbs,density=0.5",
                                &m, err, sizeof err) == 0 &&
                    sg_compile(&c, &m, 0, 0, &p, err, sizeof err) == 0,
                "a two-layer FC program of two samples compiles: %s", err))
        return;
    tap_ok(p.resident && link_check(&c, &p, err, sizeof err) == 0,
           "it is resident, links and keeps the invariants: %s", err);
    /* ops: per layer BASE ROW WGT, then per sample and layer BASE VEC RUN */
    long long row0 = find_op(&p, SG_OP_ROW, 0), wgt0 = find_op(&p, SG_OP_WGT, 0);
    long long row1 = find_op(&p, SG_OP_ROW, row0 + 1), wgt1 = find_op(&p, SG_OP_WGT, wgt0 + 1);
    long long vec = find_op(&p, SG_OP_VEC, 0), run = find_op(&p, SG_OP_RUN, 0);
    long long vec2 = find_op(&p, SG_OP_VEC, vec + 1), run2 = find_op(&p, SG_OP_RUN, run + 1);
    long long vec3 = find_op(&p, SG_OP_VEC, vec2 + 1), run3 = find_op(&p, SG_OP_RUN, run2 + 1);
    tap_ok(row0 >= 0 && wgt0 > row0 && row1 > wgt0 && wgt1 > row1 && vec > wgt1 && run == vec + 1 &&
               run2 > run && run3 > run2,
           "ops in order: ROW, WGT per layer, then VEC, RUN per sample and layer");
    tap_ok(run >= 0 && p.ops[run].n_deps == 3 && has_dep(&p, run, row0) &&
               has_dep(&p, run, wgt0) && has_dep(&p, run, vec),
           "the first RUN depends on its layer's ROW and WGT and its VEC, nothing else (%d deps)",
           run >= 0 ? p.ops[run].n_deps : -1);
    tap_ok(run2 >= 0 && has_dep(&p, run2, row1) && has_dep(&p, run2, wgt1) &&
               has_dep(&p, run2, vec2) && !has_dep(&p, run2, wgt0),
           "the second layer's RUN reads the second layer's weights");
    tap_ok(vec2 >= 0 && has_dep(&p, vec2, run) && vec3 >= 0 && has_dep(&p, vec3, run2),
           "a VEC waits for the RUN that read the vector banks before it (write after read)");
    tap_ok(p.ops[run].sample == 0 && p.ops[run3].sample == 1 && p.ops[wgt0].sample == -1 &&
               p.ops[run].layer == 0 && p.ops[run2].layer == 1,
           "layers and samples: the weights serve every sample, each RUN its own");
    tap_ok(p.ops[run].macs > 0 && p.ops[run].words > 0 && p.ops[wgt0].macs == 0,
           "a RUN carries its MACs and words, a load none");

    /* the checker refuses: */
    sg_op keep;
    keep = p.ops[wgt1];
    p.ops[wgt1].layer = 0; /* the second layer's words labelled the first's */
    tap_ok(link_check(&c, &p, err, sizeof err) != 0 && strstr(err, "last written by") &&
               strstr(err, "WGT"),
           "weights of another layer: %s", err);
    p.ops[wgt1] = keep;
    keep = p.ops[vec3];
    p.ops[vec3].sample = 0; /* sample 1's vector labelled sample 0's */
    tap_ok(link_check(&c, &p, err, sizeof err) != 0 && strstr(err, "sample 1") &&
               strstr(err, "VEC"),
           "a vector of another sample: %s", err);
    p.ops[vec3] = keep;
    keep = p.ops[vec];
    p.ops[vec].n_regions = 0; /* the first VEC writes nothing */
    tap_ok(link_check(&c, &p, err, sizeof err) != 0 && strstr(err, "no operation wrote"),
           "a read of what nothing wrote: %s", err);
    p.ops[vec] = keep;
    keep = p.ops[run];
    p.ops[run].region[0].hi = c.rbuf_depth + 1;
    tap_ok(link_check(&c, &p, err, sizeof err) != 0 && strstr(err, "outside"),
           "a region past its buffer: %s", err);
    p.ops[run] = keep;
    tap_ok(link_check(&c, &p, err, sizeof err) == 0, "restored, it passes again: %s", err);
    long long save = p.deps[p.ops[run].dep0];
    p.deps[p.ops[run].dep0] = run + 1;
    const char **names = names_of(&p);
    tap_ok(sg_ops_check(&c, p.ops, p.n_ops, p.deps, names, p.n_layers, err, sizeof err) != 0 &&
               strstr(err, "not an earlier operation"),
           "a dependency pointing forwards: %s", err);
    p.deps[p.ops[run].dep0] = save;
    free(names);
    sg_program_free(&p);
    sg_model_free(&m);
}

int main(void)
{
    int checked = 0, spec_i = 0;
    check_by_hand();
    check_models(&checked);
    check_specs("verif/fc/regress.txt", &checked, &spec_i);
    check_specs("verif/conv/regress.txt", &checked, &spec_i);
    check_specs("verif/lstm/regress.txt", &checked, &spec_i);
    tap_ok(checked >= 100, "%d programs checked across %d configurations", checked, N_CFGS);
    return tap_done();
}
