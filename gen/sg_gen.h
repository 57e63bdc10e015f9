/* sg_gen: write the specialized RTL and its companions for one configuration.
 *
 * Output directory layout (every file names its generator and configuration):
 *   rtl/sparsegen_top.v, rtl/sg_*.v   templates, specialized / copied
 *   rtl/sparsegen_params.vh            parameters, included by the top level
 *   sparsegen_params.h                 the same values for C and C++
 *   rtl/sparsegen_regs.vh              AXI4-Lite register map for sparsegen_axi
 *   sparsegen_regs.h                   the same map for drivers (sg_regmap.h)
 *   config.json                        echo: given and derived values
 *   filelist.f                         for verilator -F / iverilog -c
 *   sparsegen.gtkw                     GTKWave save file for the FST trace
 *   fpga/...                           with a board: its vendor flow (sg_fpga.h)
 * Files are rendered in memory first: a failure writes nothing.  Unchanged
 * files are not rewritten.
 */
#ifndef SG_GEN_H
#define SG_GEN_H

#include <stddef.h>

#include "sg_board.h"
#include "sg_config.h"
#include "sg_genfile.h"
#include "sg_strbuf.h"

/* Modules copied from the template directory, in filelist order. */
extern const char *const sg_gen_modules[];
extern const char *const sg_gen_tables[];

/* Generate into outdir (created if missing).  template_dir holds the
 * rtl_templates.  With a board (else NULL) also its vendor flow under
 * fpga/ (sg_fpga_render).  Returns 0, or -1 with a message in err. */
int sg_gen_write(const sg_config *c, const sg_board *board, const char *template_dir,
                 const char *outdir, char *err, size_t errlen);

/* The template directory: $SPARSEGEN_TEMPLATES, else the installed one. */
const char *sg_gen_template_dir(void);

/* A GTKWave save file for c into sb: one group per block (command stream,
 * controller, results, counters) and one per PE of pes (n_pes of them),
 * opening dumpfile at timestart. */
void sg_gen_render_gtkw(sg_strbuf *sb, const sg_config *c, const int *pes, int n_pes,
                        const char *dumpfile, const char *savefile, long long timestart);

#endif
