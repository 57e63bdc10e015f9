/* sg_sim: verilate the configuration with the lockstep harness, cached. */
#include "sg_sim.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sg_gen.h"
#include "sg_strbuf.h"

extern char **environ;

#ifndef SG_HARNESS_DIR
#define SG_HARNESS_DIR "verif/harness"
#endif
#ifndef SG_INCLUDE_DIR
#define SG_INCLUDE_DIR "gen:golden"
#endif
#ifndef SG_LIB_DIR
#define SG_LIB_DIR "."
#endif

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

int sg_run(char *const argv[], const char *log_path, char *err, size_t errlen)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (log_path) {
        posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
    }
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(err, errlen, "cannot run '%s': %s", argv[0], strerror(rc));
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "waiting for '%s': %s", argv[0], strerror(errno));
            return -1;
        }
    }
    if (WIFSIGNALED(st)) {
        snprintf(err, errlen, "'%s' killed by signal %d", argv[0], WTERMSIG(st));
        return -1;
    }
    return WEXITSTATUS(st);
}

static unsigned long long fnv_text(unsigned long long h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int sg_hash_file(unsigned long long *h, const char *path)
{
    sg_strbuf sb;
    sg_sb_init(&sb);
    int rc = sg_sb_read_file(&sb, path);
    if (rc == 0)
        *h = fnv_text(*h, sb.buf, sb.len);
    sg_sb_release(&sb);
    return rc;
}

void sg_hash_rtl(unsigned long long *h, const char *dir)
{
    char path[4400];
    for (int i = 0; sg_gen_modules[i]; i++) {
        snprintf(path, sizeof path, "%s/rtl/%s", dir, sg_gen_modules[i]);
        sg_hash_file(h, path);
    }
    for (int i = 0; sg_gen_tables[i]; i++) {
        snprintf(path, sizeof path, "%s/rtl/%s", dir, sg_gen_tables[i]);
        sg_hash_file(h, path);
    }
    const char *inc[] = {"sparsegen_params.vh", "sparsegen_regs.vh"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/rtl/%s", dir, inc[i]);
        sg_hash_file(h, path);
    }
}

int sg_sim_build(const sg_config *c, const char *build_root, int quiet, int mode, char *exe,
                 size_t exelen, char *err, size_t errlen)
{
    char dir[2048], path[4096];
    snprintf(dir, sizeof dir, "%s/%s-%016llx", build_root, c->name, c->hash);
    if (sg_gen_write(c, NULL, sg_gen_template_dir(), dir, err, errlen) != 0)
        return -1;
    /* Verilator's make runs inside obj_dir: every path it gets is absolute */
    char *abs = realpath(dir, NULL);
    if (!abs) {
        snprintf(err, errlen, "cannot resolve '%s': %s", dir, strerror(errno));
        return -1;
    }
    snprintf(dir, sizeof dir, "%s", abs);
    free(abs);
    const char *hdir = env_or("SPARSEGEN_HARNESS", SG_HARNESS_DIR);
    const char *incs = env_or("SPARSEGEN_INCLUDE", SG_INCLUDE_DIR);
    const char *libdir = env_or("SPARSEGEN_LIBDIR", SG_LIB_DIR);

    /* Inputs of the build: generated RTL, harness, libraries. */
    unsigned long long h = 1469598103934665603ULL;
    sg_hash_rtl(&h, dir);
    snprintf(path, sizeof path, "%s/sparsegen_params.h", dir);
    sg_hash_file(&h, path);
    /* tb.cpp and the lockstep core it includes (header only) */
    const char *harness[] = {"tb.cpp", "sg_lockstep.h", "sg_stream.h"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", hdir, harness[i]);
        if (sg_hash_file(&h, path) != 0) {
            snprintf(err, errlen, "cannot read harness '%s' (set SPARSEGEN_HARNESS?)", path);
            return -1;
        }
    }
    const char *libs[] = {"libsgcore.a", "libsparsegolden.a"};
    char libpath[2][2048];
    for (int i = 0; i < 2; i++) {
        snprintf(libpath[i], sizeof libpath[i], "%s/%s", libdir, libs[i]);
        if (sg_hash_file(&h, libpath[i]) != 0) {
            snprintf(err, errlen, "cannot read library '%s' (set SPARSEGEN_LIBDIR?)", libpath[i]);
            return -1;
        }
    }
    char stamp_text[64];
    snprintf(stamp_text, sizeof stamp_text, "%016llx\n", h);
    int trace = (mode & SG_SIM_TRACE) != 0, cov = (mode & SG_SIM_COVERAGE) != 0;
    const char *obj = trace && cov ? "obj_dir_trace_cov" : trace ? "obj_dir_trace"
                      : cov        ? "obj_dir_cov"
                                   : "obj_dir";
    snprintf(exe, exelen, "%s/%s/Vsim", dir, obj);
    char stamp[4096];
    snprintf(stamp, sizeof stamp, "%s/%s/build.stamp", dir, obj);
    sg_strbuf old;
    sg_sb_init(&old);
    int fresh = sg_sb_read_file(&old, stamp) == 0 && strcmp(old.buf, stamp_text) == 0 &&
                access(exe, X_OK) == 0;
    sg_sb_release(&old);
    if (fresh)
        return 0;

    if (!quiet)
        fprintf(stderr, "sparsegen: verilating configuration '%s' into %s/%s\n", c->name, dir, obj);
    /* Verilator's make knows the RTL and tb.cpp, not the libraries or the
     * headers the harness includes: drop the harness object and the binary
     * so a changed library or header is always compiled and linked in. */
    const char *stale[] = {"Vsim", "tb.o", "tb.d"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s/%s", dir, obj, stale[i]);
        unlink(path);
    }
    sg_strbuf cflags;
    sg_sb_init(&cflags);
    sg_sb_addf(&cflags, "-O2 -I%s", dir);
    char incbuf[4096];
    snprintf(incbuf, sizeof incbuf, "%s", incs);
    for (char *t = strtok(incbuf, ":"); t; t = strtok(NULL, ":"))
        sg_sb_addf(&cflags, " -I%s", t);
    char ldflags[8192];
    snprintf(ldflags, sizeof ldflags, "%s %s -ljansson -lm", libpath[0], libpath[1]);
    char filelist[4096], mdir[4096], tb[4096], log[4096];
    snprintf(filelist, sizeof filelist, "%s/filelist.f", dir);
    snprintf(mdir, sizeof mdir, "%s/%s", dir, obj);
    snprintf(tb, sizeof tb, "%s/tb.cpp", hdir);
    snprintf(log, sizeof log, "%s/%s.log", dir, obj);
    char *argv[] = {"verilator", "--cc", "--exe", "--build", "-j", "2", "-Wall", "-O3",
                    "--x-assign", "unique", "--x-initial", "unique", "--assert",
                    "+define+SG_ASSERTIONS", "+define+SG_PERF_DETAIL", "+define+SG_FAULT_HOOK",
                    "--top-module", "sparsegen_top", "--Mdir", mdir, "-o", "Vsim",
                    "-CFLAGS", cflags.buf, "-LDFLAGS", ldflags, "-F", filelist, tb,
                    NULL, NULL, NULL};
    int na = (int)(sizeof argv / sizeof argv[0]) - 3;
    if (trace)
        argv[na++] = "--trace-fst";
    if (cov)
        argv[na++] = "--coverage";
    int rc = sg_run(argv, log, err, errlen);
    sg_sb_release(&cflags);
    if (rc != 0) {
        if (rc > 0)
            snprintf(err, errlen, "verilator failed (exit %d): see %s", rc, log);
        return -1;
    }
    sg_strbuf st;
    sg_sb_init(&st);
    sg_sb_adds(&st, stamp_text);
    rc = sg_sb_write_file(&st, stamp, err, errlen);
    sg_sb_release(&st);
    return rc;
}
