/* sg_fpga: a board's vendor flow, rendered from fpga/templates/.
 *
 * `sparsegen gen --board B` (or --fit B) adds, next to rtl/ and filelist.f:
 *   Vivado boards (tool "vivado"):
 *     fpga/vivado/build.tcl        non-project flow: read filelist.f and the
 *                                  XDC, out-of-context synthesis of
 *                                  sparsegen_axi, opt/place/route,
 *                                  utilization and timing reports, and
 *                                  report.json (same shape as `sparsegen
 *                                  synth`'s resource table)
 *     fpga/vivado/sparsegen.xdc    the clock of the configuration
 *     fpga/vivado/package_ip.tcl   IP-XACT packaging (Vivado IP catalog)
 *     fpga/vivado/bd.tcl           Zynq UltraScale+ boards: PS + AXI DMA +
 *                                  the accelerator in a block design
 *   Quartus boards (tool "quartus"):
 *     fpga/quartus/build.tcl       quartus_sh -t flow
 *     fpga/quartus/sparsegen.sdc   the clock
 * The scripts run from any directory (paths from [info script]); build.tcl
 * writes its checkpoints or project, reports and report.json to
 * fpga/<tool>/build/, package_ip.tcl the IP to fpga/vivado/ip/, bd.tcl its
 * project to fpga/vivado/bd_project/.
 * Templates: fpga/templates/<tool>/<file>, same names as the output, plus
 * filelist.tcl and report.tcl, Tcl procs the scripts share, pasted in at
 * @@FILELIST_TCL@@ and @@REPORT_TCL@@.  Templates carry @@KEY@@ placeholders
 * (sg_fpga.c lists them); an unknown key or a stray "@@" is an error, so a
 * template cannot silently keep one, and a value that Tcl would read as more
 * than text ({}[]$"\;) is refused.
 */
#ifndef SG_FPGA_H
#define SG_FPGA_H

#include <stddef.h>

#include "sg_board.h"
#include "sg_config.h"
#include "sg_genfile.h"

/* Render the board's flow into files[0 .. max-1] (texts already
 * initialized by the caller), *n of them.  fpga_dir holds templates/.
 * Returns 0, or -1 with a message in err. */
int sg_fpga_render(const sg_config *c, const sg_board *b, const char *fpga_dir, sg_gen_file *files,
                   int max, int *n, char *err, size_t errlen);

#endif
