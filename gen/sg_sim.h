/* sg_sim: build the Verilator model of a configuration and run the harness.
 *
 * `sparsegen sim` generates the RTL into BUILD/<name>-<hash>/, verilates it
 * with verif/harness/tb.cpp and the sparsegen libraries (only when an input
 * changed: a stamp file holds the hash of every input), then runs the
 * harness, which compiles the model, drives the command stream and checks
 * every result against the golden model as it leaves the RTL.
 */
#ifndef SG_SIM_H
#define SG_SIM_H

#include <stddef.h>

#include "sg_config.h"

#define SG_SIM_TRACE 1    /* can write FST waveforms (--trace-fst) */
#define SG_SIM_COVERAGE 2 /* counts line, toggle and branch coverage (--coverage) */

/* Make sure BUILD/<name>-<hash>/obj_dir/Vsim is built for c; with mode
 * SG_SIM_TRACE obj_dir_trace/Vsim, with SG_SIM_COVERAGE obj_dir_cov/Vsim,
 * with both obj_dir_trace_cov/Vsim (each slows every cycle, so each has its
 * own build).  Writes the harness path into exe.  Returns 0, or -1 with a
 * message in err. */
int sg_sim_build(const sg_config *c, const char *build_root, int quiet, int mode, char *exe,
                 size_t exelen, char *err, size_t errlen);

/* Run argv[0] with argv, wait; returns its exit status (or -1 with err). */
int sg_run(char *const argv[], const char *log_path, char *err, size_t errlen);

/* FNV-1a of a file's content, folded into *h (start from
 * 1469598103934665603).  Returns 0, or -1 if unreadable. */
int sg_hash_file(unsigned long long *h, const char *path);

/* Every RTL file sparsegen gen writes into dir/rtl (modules, tables,
 * includes), folded into *h: the cache key of a build from it. */
void sg_hash_rtl(unsigned long long *h, const char *dir);

#endif
