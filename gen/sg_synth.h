/* sg_synth: `sparsegen synth --tool yosys`, a resource estimate here.
 *
 * Generates the RTL of a configuration into OUT/, runs Yosys
 * (fpga/yosys_check.tcl: synth_xilinx -family F -flatten, out of context,
 * stopping between steps to keep what the checks below need) in OUT/yosys/,
 * and reads back:
 *   resources  from `stat -tech xilinx`: lut (LUT1..6 plus LUTs used as
 *              memory), ff, dsp (DSP48E1/E2), bram36 (RAMB36 + RAMB18 / 2),
 *              uram, lutram (LUTs used as memory: distributed RAM and SRLs,
 *              in LUTs), each against the board's capacity, with a warning
 *              above 80% (SG_SYNTH_WARN_PCT)
 *   mapping    every datapath multiplier (product of 9 bits or more after
 *              Yosys's width reduction) is in a DSP after map_dsp; every
 *              buffer (an instance of sg_sdp_ram, memory name ending ".mem")
 *              is block RAM, UltraRAM or LUTRAM per memory_libmap; no memory
 *              cell survives synthesis.  Small register arrays and the LSTM
 *              table ROMs may be flip-flops or LUTs; they are counted, not
 *              faulted.
 * Yosys runs under `ulimit -v` (SG_YOSYS_VMEM_KB, default 80% of the
 * machine's memory): a design that explodes fails instead of swapping.
 * The Yosys run is cached: OUT/yosys/stamp holds a hash of the RTL, the
 * family, the top and the script, so another board of the same family
 * reuses it.
 */
#ifndef SG_SYNTH_H
#define SG_SYNTH_H

#include <stddef.h>

#include "sg_board.h"
#include "sg_config.h"
#include "sg_strbuf.h"

#define SG_SYNTH_WARN_PCT 80.0 /* warn when a resource passes this share */
#define SG_SYNTH_NRES 6

typedef struct sg_synth_res {
    const char *name;  /* "lut", "ff", "dsp", "bram36", "uram", "lutram" */
    double used;       /* bram36 counts a RAMB18 as 0.5 */
    long long avail;   /* the board's capacity */
    double pct;        /* 100 * used / avail (0 when avail is 0 and nothing used) */
} sg_synth_res;

typedef struct sg_synth_result {
    char top[64];              /* synthesized top module */
    char family[16];           /* synth_xilinx -family */
    sg_synth_res res[SG_SYNTH_NRES];
    int n_warn;                /* resources above SG_SYNTH_WARN_PCT */
    int over;                  /* resources above 100%: does not fit */
    int muls;                  /* datapath multipliers before map_dsp */
    int muls_soft;             /* of them, left as LUT logic after map_dsp */
    int muls_small;            /* small multipliers (product < 9 bits), LUTs by design */
    int buffers;               /* sg_sdp_ram memories */
    int buf_bram, buf_uram, buf_lutram, buf_ff; /* where they went */
    int arrays_ff;             /* other memories mapped to flip-flops/LUTs */
    int mem_left;              /* memory cells left after synthesis (0) */
    char bad[512];             /* the first unmapped multiplier or buffer */
    int cached;                /* the Yosys run was reused */
    double seconds;            /* Yosys wall time (0 when cached) */
} sg_synth_result;

/* Synthesize c for board b (which must have a yosys_family) into outdir,
 * top `top` (sparsegen_axi or sparsegen_top).  yosys is the program to run
 * ($YOSYS or "yosys").  Returns 0 (the result says whether it fits and
 * mapped), or -1 with a message in err. */
int sg_synth_yosys(const sg_config *c, const sg_board *b, const char *outdir, const char *top,
                   int quiet, sg_synth_result *r, char *err, size_t errlen);

/* Every datapath multiplier in a DSP and every buffer in RAM (and some found). */
int sg_synth_mapping_ok(const sg_synth_result *r);

/* The result as a table (sb) and a JSON object (returned; free()). */
char *sg_synth_render(const sg_synth_result *r, const sg_config *c, const sg_board *b,
                      sg_strbuf *sb);

#endif
