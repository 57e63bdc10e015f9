/* sg_regmap: the AXI4-Lite register map of sparsegen_axi, one table, two renderings. */
#include "sg_regmap.h"

#include <stdio.h>
#include <string.h>

#include "sg_genfile.h"

/* ---- the table ------------------------------------------------------------
 * Fields are listed least significant first; a register without fields is
 * one field [31:0] with the register's access.  Bits not in a field read 0
 * and ignore writes.  The docs are the reference text: the ASCII table in
 * sg_regmap.h and in the generated sparsegen_regs.h is rendered from them. */

static const sg_reg_field f_version[] = {
    {"PATCH", 7, 0, SG_ACCESS_RO, "patch level"},
    {"MINOR", 15, 8, SG_ACCESS_RO, "minor version"},
    {"MAJOR", 23, 16, SG_ACCESS_RO, "major version"},
    {NULL, 0, 0, SG_ACCESS_RO, NULL},
};

static const sg_reg_field f_geometry[] = {
    {"P", 15, 0, SG_ACCESS_RO, "PEs (pe_count)"},
    {"B", 31, 16, SG_ACCESS_RO, "banks = MAC lanes per PE (banks)"},
    {NULL, 0, 0, SG_ACCESS_RO, NULL},
};

static const sg_reg_field f_widths[] = {
    {"STREAM", 15, 0, SG_ACCESS_RO, "AXI4-Stream tdata bits (stream_width)"},
    {"DATA", 23, 16, SG_ACCESS_RO, "activation bits (data_width)"},
    {"WGT", 31, 24, SG_ACCESS_RO, "weight bits (weight_width)"},
    {NULL, 0, 0, SG_ACCESS_RO, NULL},
};

static const sg_reg_field f_status[] = {
    {"IDLE", 0, 0, SG_ACCESS_RO,
     "the core is idle: no command in progress, nothing in flight in the PE array or the post "
     "unit (also 1 while SOFT_RST holds the core)"},
    {"ERR", 1, 1, SG_ACCESS_RO,
     "the core saw a malformed command (unknown opcode); sticky until aresetn or SOFT_RST"},
    {"DONE", 2, 2, SG_ACCESS_W1C,
     "sticky: the job's command stream was fully accepted, the core is idle and every result "
     "beat left m_axis.  Cleared by START, by SOFT_RST and by writing 1 here (acknowledge "
     "the interrupt without starting a job)"},
    {"BUSY", 3, 3, SG_ACCESS_RO, "a job is running: from START to DONE (or SOFT_RST)"},
    {"IRQ", 4, 4, SG_ACCESS_RO, "interrupt pending = DONE & IRQ_EN, the level of the interrupt output"},
    {NULL, 0, 0, SG_ACCESS_RO, NULL},
};

static const sg_reg_field f_ctrl[] = {
    {"SOFT_RST", 0, 0, SG_ACCESS_RW,
     "1 holds the core in reset while the register block keeps running: a running job is "
     "aborted (BUSY and DONE clear, s_axis closes, a result beat on m_axis is dropped), ERR and "
     "the core's perf counters clear.  The job counters keep their values"},
    {"START", 1, 1, SG_ACCESS_W1P,
     "write 1 to start a job: clears DONE and the job and perf counters, latches CMD_BEATS and "
     "opens s_axis.  Self-clearing, reads 0.  Ignored while BUSY or when the same write sets "
     "SOFT_RST"},
    {"IRQ_EN", 2, 2, SG_ACCESS_RW, "drive the interrupt output with DONE"},
    {NULL, 0, 0, SG_ACCESS_RO, NULL},
};

const sg_reg sg_regmap[] = {
    {0x000, "ID", SG_ACCESS_RO, SG_VAL_FIXED, 1, SG_REGMAP_ID, 0,
     "identification: \"SGEN\" in ASCII", NULL},
    {0x004, "VERSION", SG_ACCESS_RO, SG_VAL_VERSION, 1, 0, 0,
     "version of the generator that wrote the RTL (SG_CFG_VERSION)", f_version},
    {0x008, "GEOMETRY", SG_ACCESS_RO, SG_VAL_GEOMETRY, 1, 0, 0, "size of the PE array", f_geometry},
    {0x00c, "WIDTHS", SG_ACCESS_RO, SG_VAL_WIDTHS, 1, 0, 0, "data widths", f_widths},
    {0x010, "CFG_HASH_LO", SG_ACCESS_RO, SG_VAL_HASH_LO, 1, 0, 0,
     "configuration hash (SG_CFG_HASH) bits [31:0]: a driver checks it against the "
     "sparsegen_params.h it was built with", NULL},
    {0x014, "CFG_HASH_HI", SG_ACCESS_RO, SG_VAL_HASH_HI, 1, 0, 0, "configuration hash bits [63:32]",
     NULL},
    {0x020, "STATUS", SG_ACCESS_W1C, SG_VAL_FIXED, 0, 0x1, 0,
     "state of the core and of the job; writes change only DONE", f_status},
    {0x024, "CTRL", SG_ACCESS_RW, SG_VAL_FIXED, 0, 0x0, 0, "control", f_ctrl},
    {0x028, "SCRATCH", SG_ACCESS_RW, SG_VAL_FIXED, 0, 0x0, 0,
     "free for software (bus tests); cleared by aresetn only", NULL},
    {0x030, "CMD_BEATS", SG_ACCESS_RW, SG_VAL_FIXED, 0, 0x0, 0,
     "s_axis beats of the next job's command stream, latched by START.  0: the stream ends "
     "with the first beat with tlast (with a count, tlast is ignored).  s_axis_tready is 0 "
     "while no job is running and once the job's beats are in", NULL},
    {0x034, "IN_BEATS", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 0, "s_axis beats accepted since START",
     NULL},
    {0x038, "OUT_BEATS", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 0, "m_axis result beats sent since START",
     NULL},
    {0x03c, "OUT_LAST", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 0,
     "result beats with tlast sent since START: result batches finished (a layer's RUN or "
     "CONV, an LSTM step)", NULL},
    {0x040, "BUSY_LO", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 1,
     "perf: busy cycles of the PE array (RUN, LSTM wait) [31:0]", NULL},
    {0x044, "BUSY_HI", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 2, "perf: busy cycles [63:32]",
     NULL},
    {0x048, "USEFUL_LO", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 1,
     "perf: useful MACs (nonzero weights issued) [31:0]", NULL},
    {0x04c, "USEFUL_HI", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 2, "perf: useful MACs [63:32]",
     NULL},
    {0x050, "SLOTS_LO", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 1,
     "perf: MAC slots = busy cycles x P x B [31:0]", NULL},
    {0x054, "SLOTS_HI", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 2, "perf: MAC slots [63:32]",
     NULL},
    {0x058, "STALL_LO", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 1,
     "perf: busy cycles stalled (result back-pressure, LSTM waits) [31:0]", NULL},
    {0x05c, "STALL_HI", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 2, "perf: stall cycles [63:32]",
     NULL},
    {0x060, "JOB_CYCLES_LO", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 1,
     "cycles from START to DONE (counts while BUSY) [31:0]", NULL},
    {0x064, "JOB_CYCLES_HI", SG_ACCESS_RO, SG_VAL_FIXED, 0, 0x0, 2,
     "job cycles [63:32]", NULL},
};

const int sg_regmap_count = (int)(sizeof sg_regmap / sizeof sg_regmap[0]);

static const sg_reg_field whole_ro = {"VALUE", 31, 0, SG_ACCESS_RO, NULL};
static const sg_reg_field whole_rw = {"VALUE", 31, 0, SG_ACCESS_RW, NULL};

/* The fields of r as an array of n; a register without fields is one. */
static const sg_reg_field *fields_of(const sg_reg *r, int *n)
{
    if (!r->fields) {
        *n = 1;
        return r->access == SG_ACCESS_RW ? &whole_rw : &whole_ro;
    }
    int k = 0;
    while (r->fields[k].name)
        k++;
    *n = k;
    return r->fields;
}

static uint32_t field_mask(const sg_reg_field *f)
{
    int w = f->msb - f->lsb + 1;
    return (w >= 32 ? 0xffffffffu : ((1u << w) - 1u)) << f->lsb;
}

uint32_t sg_regmap_version_word(const char *v)
{
    uint32_t w = 0;
    for (int part = 0; part < 3; part++) {
        uint32_t n = 0;
        while (*v >= '0' && *v <= '9') {
            n = n * 10 + (uint32_t)(*v++ - '0');
            if (n > 255)
                n = 255;
        }
        w = w << 8 | n;
        if (*v == '.')
            v++;
    }
    return w;
}

uint32_t sg_regmap_value(const sg_reg *r, const sg_config *c)
{
    switch (r->value) {
    case SG_VAL_VERSION: return sg_regmap_version_word(SG_VERSION_STRING);
    case SG_VAL_GEOMETRY: return (uint32_t)c->pe_count | (uint32_t)c->banks << 16;
    case SG_VAL_WIDTHS:
        return (uint32_t)c->stream_w | (uint32_t)c->data_w << 16 | (uint32_t)c->wgt_w << 24;
    case SG_VAL_HASH_LO: return (uint32_t)c->hash;
    case SG_VAL_HASH_HI: return (uint32_t)(c->hash >> 32);
    case SG_VAL_FIXED: break;
    }
    return r->reset;
}

uint32_t sg_regmap_write_mask(const sg_reg *r)
{
    int n;
    const sg_reg_field *f = fields_of(r, &n);
    uint32_t m = 0;
    for (int i = 0; i < n; i++)
        if (f[i].access == SG_ACCESS_RW)
            m |= field_mask(&f[i]);
    return m;
}

const sg_reg *sg_regmap_find(const char *name)
{
    for (int i = 0; i < sg_regmap_count; i++)
        if (strcmp(sg_regmap[i].name, name) == 0)
            return &sg_regmap[i];
    return NULL;
}

const char *sg_regmap_access_name(sg_reg_access a)
{
    switch (a) {
    case SG_ACCESS_RO: return "RO";
    case SG_ACCESS_RW: return "RW";
    case SG_ACCESS_W1C: return "W1C";
    case SG_ACCESS_W1P: return "W1P";
    }
    return "?";
}

int sg_regmap_check(char *err, size_t errlen)
{
    for (int i = 0; i < sg_regmap_count; i++) {
        const sg_reg *r = &sg_regmap[i];
        if (r->offset % 4 != 0 || r->offset >= (1u << SG_REGMAP_ADDR_W)) {
            snprintf(err, errlen, "register %s: offset 0x%03x not word-aligned inside the map", r->name,
                     r->offset);
            return -1;
        }
        if (i > 0 && r->offset <= sg_regmap[i - 1].offset) {
            snprintf(err, errlen, "register %s: offset 0x%03x not above %s's", r->name, r->offset,
                     sg_regmap[i - 1].name);
            return -1;
        }
        if (r->pair == 2 && (i == 0 || sg_regmap[i - 1].pair != 1 || sg_regmap[i - 1].offset + 4 != r->offset)) {
            snprintf(err, errlen, "register %s: a HI half not right after its LO half", r->name);
            return -1;
        }
        int n;
        const sg_reg_field *f = fields_of(r, &n);
        uint32_t used = 0;
        for (int k = 0; k < n; k++) {
            if (f[k].lsb < 0 || f[k].msb > 31 || f[k].msb < f[k].lsb) {
                snprintf(err, errlen, "register %s field %s: bits [%d:%d] outside [31:0]", r->name,
                         f[k].name, f[k].msb, f[k].lsb);
                return -1;
            }
            if (used & field_mask(&f[k])) {
                snprintf(err, errlen, "register %s field %s overlaps another field", r->name, f[k].name);
                return -1;
            }
            used |= field_mask(&f[k]);
            if (r->access == SG_ACCESS_RO && f[k].access != SG_ACCESS_RO) {
                snprintf(err, errlen, "register %s field %s: a writable field in a RO register", r->name,
                         f[k].name);
                return -1;
            }
        }
    }
    return 0;
}

/* ---- rendering ------------------------------------------------------------ */

/* Append text word-wrapped: the first line continues the current one, which
 * is at column col; every line ends before column width; continuation lines
 * start with lead and spaces up to column indent. */
static void wrap(sg_strbuf *sb, const char *lead, int col, int indent, int width, const char *text)
{
    const char *p = text;
    int first = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        int room = width - (first ? col : indent);
        int len = (int)strlen(p), cut = len;
        if (len > room) {
            cut = room;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0) { /* one long word: let it overflow */
                cut = 0;
                while (p[cut] && p[cut] != ' ')
                    cut++;
            }
        }
        if (!first)
            sg_sb_addf(sb, "\n%s%*s", lead, indent - (int)strlen(lead), "");
        while (cut > 0 && p[cut - 1] == ' ')
            cut--;
        sg_sb_add(sb, p, (size_t)cut);
        p += cut;
        first = 0;
    }
    sg_sb_adds(sb, "\n");
}

static const char *const value_text[] = {
    [SG_VAL_FIXED] = NULL, [SG_VAL_VERSION] = "generator",
    [SG_VAL_GEOMETRY] = "config", [SG_VAL_WIDTHS] = "config",
    [SG_VAL_HASH_LO] = "config", [SG_VAL_HASH_HI] = "config",
};

#define DOC_COL 35   /* register description column */
#define FDOC_COL 27  /* field description column */
#define WIDTH 79     /* no line reaches this column */

void sg_regmap_render_table(sg_strbuf *sb, const char *lead)
{
    int ll = (int)strlen(lead);
    sg_sb_addf(sb, "%s%-6s%-14s%-4s%-11s%s\n", lead, "addr", "name", "acc", "reset", "description");
    sg_sb_addf(sb, "%s%-6s%-14s%-4s%-11s%.*s\n", lead, "-----", "-------------", "---", "----------",
               WIDTH - ll - DOC_COL, "---------------------------------------------------------------");
    for (int i = 0; i < sg_regmap_count; i++) {
        const sg_reg *r = &sg_regmap[i];
        char off[8], reset[16];
        snprintf(off, sizeof off, "0x%03x", r->offset);
        if (value_text[r->value])
            snprintf(reset, sizeof reset, "%s", value_text[r->value]);
        else
            snprintf(reset, sizeof reset, "0x%08x", r->reset);
        sg_sb_addf(sb, "%s%-6s%-14s%-4s%-11s", lead, off, r->name, sg_regmap_access_name(r->access), reset);
        wrap(sb, lead, ll + DOC_COL, ll + DOC_COL, WIDTH, r->doc);
        for (int k = 0; r->fields && r->fields[k].name; k++) {
            const sg_reg_field *f = &r->fields[k];
            char bits[16];
            if (f->msb == f->lsb)
                snprintf(bits, sizeof bits, "[%d]", f->lsb);
            else
                snprintf(bits, sizeof bits, "[%d:%d]", f->msb, f->lsb);
            sg_sb_addf(sb, "%s%6s%-8s%-9s%-4s", lead, "", bits, f->name, sg_regmap_access_name(f->access));
            wrap(sb, lead, ll + FDOC_COL, ll + FDOC_COL, WIDTH, f->doc);
        }
    }
}

/* The rules of the bus, shared by both renderings. */
static const char *const bus_rules =
    "AXI4-Lite, 32-bit data, 12-bit byte addresses; AWADDR/ARADDR bits [1:0] are ignored "
    "(every access is to a whole word).  Reads of an unmapped offset answer DECERR with data 0; "
    "writes to an unmapped offset answer DECERR and change nothing; writes to a RO register "
    "answer SLVERR and change nothing.  WSTRB selects the bytes written of a RW register "
    "(and of STATUS's W1C byte).  AWPROT/ARPROT are ignored.  Access: RO read only, RW "
    "read/write, W1C write 1 to clear, W1P write 1 to trigger (reads 0).  A 64-bit counter "
    "is read LO first: reading LO latches its HI half, so the pair is one value even while "
    "the counter moves.  The job counters (IN_BEATS .. OUT_LAST, JOB_CYCLES) and the perf "
    "counters count from START (the perf counters from reset until the first START).";

void sg_regmap_render_rules(sg_strbuf *sb, const char *lead)
{
    sg_sb_adds(sb, lead);
    wrap(sb, lead, (int)strlen(lead), (int)strlen(lead), WIDTH, bus_rules);
}

/* NAME of a C/Verilog constant for a register or field. */
static void cname(char *buf, size_t n, const sg_reg *r, const sg_reg_field *f, const char *suffix)
{
    if (f)
        snprintf(buf, n, "SG_%s_%s_%s", r->name, f->name, suffix);
    else
        snprintf(buf, n, "SG_%s_%s", r->name, suffix);
}

void sg_regmap_render_h(sg_strbuf *sb, const sg_config *c)
{
    sg_gen_header_line(sb, c, "/*");
    sg_sb_adds(sb, " * sparsegen_regs.h: the AXI4-Lite register map of sparsegen_axi for drivers,\n"
                   " * rendered from gen/sg_regmap.c like rtl/sparsegen_regs.vh, so the RTL and\n"
                   " * this header cannot disagree.  Offsets are SG_REG_<NAME>; a field F of\n"
                   " * register R has SG_R_F_SHIFT, SG_R_F_WIDTH and SG_R_F_MASK (in place);\n"
                   " * SG_<NAME>_RESET is the value after reset and, for the registers fixed by\n"
                   " * the configuration, SG_<NAME>_VALUE what this configuration reads.\n *\n");
    sg_sb_adds(sb, " * -- begin register map --\n");
    sg_regmap_render_rules(sb, " * ");
    sg_sb_adds(sb, " *\n");
    sg_regmap_render_table(sb, " * ");
    sg_sb_adds(sb, " * -- end register map --\n */\n#ifndef SPARSEGEN_REGS_H\n#define SPARSEGEN_REGS_H\n\n");
    sg_sb_addf(sb, "#define SG_REGS_ADDR_W %d /* AXI4-Lite address bits */\n", SG_REGMAP_ADDR_W);
    sg_sb_addf(sb, "#define SG_REGS_SPAN 0x%03xu /* bytes the map decodes */\n", 1u << SG_REGMAP_ADDR_W);
    sg_sb_adds(sb, "/* BRESP/RRESP */\n"
                   "#define SG_RESP_OKAY 0u\n"
                   "#define SG_RESP_SLVERR 2u /* write to a RO register */\n"
                   "#define SG_RESP_DECERR 3u /* unmapped offset */\n"
                   "/* access of a register in SG_REGS_FOREACH */\n"
                   "#define SG_ACCESS_RO 0\n#define SG_ACCESS_RW 1\n#define SG_ACCESS_W1C 2\n\n");
    char name[96];
    for (int i = 0; i < sg_regmap_count; i++) {
        const sg_reg *r = &sg_regmap[i];
        sg_sb_addf(sb, "/* %s (0x%03x, %s): ", r->name, r->offset, sg_regmap_access_name(r->access));
        wrap(sb, " * ", 9 + (int)strlen(r->name) + 6 + (int)strlen(sg_regmap_access_name(r->access)), 3, 76,
             r->doc);
        sb->buf[--sb->len] = '\0'; /* drop the newline: close the comment on its line */
        sg_sb_adds(sb, " */\n");
        snprintf(name, sizeof name, "SG_REG_%s", r->name);
        sg_sb_addf(sb, "#define %-32s 0x%03xu\n", name, r->offset);
        cname(name, sizeof name, r, NULL, "RESET");
        sg_sb_addf(sb, "#define %-32s 0x%08xu\n", name, sg_regmap_value(r, c));
        if (r->is_const) {
            cname(name, sizeof name, r, NULL, "VALUE");
            sg_sb_addf(sb, "#define %-32s 0x%08xu\n", name, sg_regmap_value(r, c));
        }
        for (int k = 0; r->fields && r->fields[k].name; k++) {
            const sg_reg_field *f = &r->fields[k];
            cname(name, sizeof name, r, f, "SHIFT");
            sg_sb_addf(sb, "#define %-32s %d\n", name, f->lsb);
            cname(name, sizeof name, r, f, "WIDTH");
            sg_sb_addf(sb, "#define %-32s %d\n", name, f->msb - f->lsb + 1);
            cname(name, sizeof name, r, f, "MASK");
            sg_sb_addf(sb, "#define %-32s 0x%08xu /* %s */\n", name, field_mask(f),
                       sg_regmap_access_name(f->access));
        }
    }
    sg_sb_adds(sb, "\n/* Every register: X(NAME, OFFSET, ACCESS, RESET, WMASK, CONST, PAIR) with ACCESS\n"
                   " * SG_ACCESS_*, RESET the value after reset, WMASK the bits a write stores (read\n"
                   " * back), CONST 1 when the value never changes, PAIR 1 for the LO and 2 for the HI\n"
                   " * half of a 64-bit counter (0 otherwise). */\n"
                   "#define SG_REGS_FOREACH(X) \\\n");
    for (int i = 0; i < sg_regmap_count; i++) {
        const sg_reg *r = &sg_regmap[i];
        const char *acc = r->access == SG_ACCESS_RW ? "SG_ACCESS_RW" : r->access == SG_ACCESS_W1C ? "SG_ACCESS_W1C"
                                                                                               : "SG_ACCESS_RO";
        sg_sb_addf(sb, "    X(%s, 0x%03xu, %s, 0x%08xu, 0x%08xu, %d, %d)%s\n", r->name, r->offset, acc,
                   sg_regmap_value(r, c), sg_regmap_write_mask(r), r->is_const, r->pair,
                   i + 1 < sg_regmap_count ? " \\" : "");
    }
    sg_sb_addf(sb, "#define SG_REGS_COUNT %d\n\n#endif\n", sg_regmap_count);
}

void sg_regmap_render_vh(sg_strbuf *sb, const sg_config *c)
{
    sg_gen_header_line(sb, c, "//");
    sg_sb_adds(sb, "// sparsegen_regs.vh: the AXI4-Lite register map (gen/sg_regmap.c) for the\n"
                   "// body of sparsegen_axi, the twin of sparsegen_regs.h.  Offsets SG_REG_<NAME>\n"
                   "// (byte addresses), SG_<NAME>_RESET for the registers the wrapper stores,\n"
                   "// SG_<NAME>_VALUE for those the configuration fixes, and the bit of every\n"
                   "// field of a register the wrapper decodes bit by bit (STATUS, CTRL) as\n"
                   "// SG_<REG>_<FIELD>_BIT.  Only what the wrapper uses is here (no lint\n"
                   "// waivers); the C header has every field.\n//\n");
    sg_regmap_render_rules(sb, "// ");
    sg_sb_addf(sb, "localparam integer SG_REGS_ADDR_W = %d;\n", SG_REGMAP_ADDR_W);
    sg_sb_adds(sb, "localparam [1:0] SG_RESP_OKAY = 2'b00;\n"
                   "localparam [1:0] SG_RESP_SLVERR = 2'b10; // write to a RO register\n"
                   "localparam [1:0] SG_RESP_DECERR = 2'b11; // unmapped offset\n");
    char name[96];
    for (int i = 0; i < sg_regmap_count; i++) {
        const sg_reg *r = &sg_regmap[i];
        snprintf(name, sizeof name, "SG_REG_%s", r->name);
        sg_sb_addf(sb, "localparam [%d:0] %-24s = %d'h%03x; // %s\n", SG_REGMAP_ADDR_W - 1, name,
                   SG_REGMAP_ADDR_W, r->offset, sg_regmap_access_name(r->access));
        if (r->is_const) {
            cname(name, sizeof name, r, NULL, "VALUE");
            sg_sb_addf(sb, "localparam [31:0] %-24s = 32'h%08x;\n", name, sg_regmap_value(r, c));
        } else if (r->access != SG_ACCESS_RO) {
            cname(name, sizeof name, r, NULL, "RESET");
            sg_sb_addf(sb, "localparam [31:0] %-24s = 32'h%08x;\n", name, sg_regmap_value(r, c));
        }
        if (r->is_const || !r->fields)
            continue;
        for (int k = 0; r->fields[k].name; k++) {
            const sg_reg_field *f = &r->fields[k];
            if (f->msb == f->lsb) {
                cname(name, sizeof name, r, f, "BIT");
                sg_sb_addf(sb, "localparam integer %-24s = %d; // %s\n", name, f->lsb,
                           sg_regmap_access_name(f->access));
            } else {
                cname(name, sizeof name, r, f, "LSB");
                sg_sb_addf(sb, "localparam integer %-24s = %d; // %s\n", name, f->lsb,
                           sg_regmap_access_name(f->access));
                cname(name, sizeof name, r, f, "WIDTH");
                sg_sb_addf(sb, "localparam integer %-24s = %d;\n", name, f->msb - f->lsb + 1);
            }
        }
    }
}
