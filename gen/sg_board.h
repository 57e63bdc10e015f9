/* sg_board: the FPGA board database (fpga/boards/<name>.json).
 *
 * One JSON file per board, every key required unless marked optional:
 *   name        board id, the file stem ("zcu102"); what --board takes
 *   title       human name ("AMD Zynq UltraScale+ MPSoC ZCU102 Evaluation Kit")
 *   vendor      "xilinx" | "intel"
 *   part        exact part number, as the vendor tool takes it
 *   family      the vendor tool's family name ("zynquplus", "zynq",
 *               "virtexuplus", "Arria 10")
 *   yosys_family  synth_xilinx -family ("xcup", "xcu", "xc7"), or null when
 *               Yosys 0.23 has no flow for the part (Arria 10)
 *   board_part  optional: Vivado board_part ("xilinx.com:zcu102:part0:3.4")
 *   ps          optional: the processing system a block design uses
 *               ("zynq_ultra_ps_e", "processing_system7") or null
 *   tool        "vivado" | "quartus"
 *   clock_mhz   default fabric clock for the accelerator on this board
 *   resources   capacities of the part:
 *                 Xilinx: lut, ff, dsp (DSP48E1/E2 slices), bram36 (36 Kb
 *                 block RAMs; 2 RAMB18 each), uram (UltraRAM, 288 Kb; 0 when
 *                 none), lutram (LUTs usable as distributed RAM)
 *                 Intel: alm, ff (registers), dsp (variable-precision DSP
 *                 blocks), m20k (20 Kb blocks), mlab (ALMs usable as memory,
 *                 as 640-bit MLABs x 10)
 *   sources     optional: where the numbers come from (strings)
 *   notes       optional: caveats (string)
 */
#ifndef SG_BOARD_H
#define SG_BOARD_H

#include <stddef.h>

typedef struct sg_board {
    char name[32];
    char title[128];
    char vendor[16];        /* "xilinx" or "intel" */
    char part[64];
    char family[32];
    char yosys_family[16];  /* "" when Yosys has no flow for the part */
    char board_part[96];    /* "" when none */
    char ps[32];            /* "" when none */
    char tool[16];          /* "vivado" or "quartus" */
    double clock_mhz;
    /* capacities (0 where the vendor has no such resource) */
    long long lut, ff, dsp, bram36, uram, lutram; /* Xilinx */
    long long alm, m20k, mlab;                    /* Intel (ff and dsp shared) */
    char path[4096];        /* the file it came from */
} sg_board;

/* The board directory: $SPARSEGEN_FPGA/boards, else the installed one. */
const char *sg_board_dir(void);

/* The fpga data directory (boards/ and templates/): $SPARSEGEN_FPGA, else
 * the installed one. */
const char *sg_fpga_dir(void);

/* Load board `name` from the database, or from a file when name holds a
 * '/' or ends in ".json" (a board of one's own).  An unknown name gets a
 * message that lists the known boards.  Returns 0, or -1 with a message in
 * err. */
int sg_board_load(const char *name, sg_board *b, char *err, size_t errlen);

/* Load a board file by path (validated like the database's).  Returns 0 or -1. */
int sg_board_load_file(const char *path, sg_board *b, char *err, size_t errlen);

/* Every board of the database, sorted by name, into *out (malloc'ed, *n of
 * them; caller frees).  Returns 0, or -1 with a message. */
int sg_board_list(sg_board **out, int *n, char *err, size_t errlen);

/* Block RAM capacity in bits (BRAM36 x 36864 + URAM x 294912, or
 * M20K x 20480). */
long long sg_board_bram_bits(const sg_board *b);

#endif
