/* test_regmap: the AXI4-Lite register map table (gen/sg_regmap.c) and its
 * two renderings, sparsegen_regs.h and rtl/sparsegen_regs.vh.
 *
 * The table is sane (sg_regmap_check); the offsets the wrapper's software
 * and the SystemC model already use are kept; identity values come from the
 * configuration; every register appears in both renderings with the same
 * offset; the renderings are deterministic; and the ASCII table in the
 * header comment of gen/sg_regmap.h is the one the table renders (read from
 * $top_srcdir, skipped without it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_config.h"
#include "sg_regmap.h"
#include "sg_strbuf.h"
#include "tap.h"

/* The text between the register-map markers of s, or NULL. */
static char *between_markers(const char *s)
{
    const char *a = strstr(s, "-- begin register map --");
    const char *b = a ? strstr(a, "-- end register map --") : NULL;
    if (!a || !b)
        return NULL;
    char *out = malloc((size_t)(b - a) + 1);
    memcpy(out, a, (size_t)(b - a));
    out[b - a] = '\0';
    return out;
}

int main(void)
{
    char err[256];
    sg_config c;
    sg_config_default(&c);
    tap_ok(sg_config_derive(&c, err, sizeof err) == 0, "default configuration derives");

    tap_ok(sg_regmap_check(err, sizeof err) == 0, "the table is sane (%s)", sg_regmap_check(err, sizeof err) ? err : "ok");

    /* offsets shared with verif/systemc/sparsegen_sc.h, and the new ones */
    static const struct {
        const char *name;
        unsigned offset;
        sg_reg_access access;
    } want[] = {
        {"ID", 0x000, SG_ACCESS_RO},        {"VERSION", 0x004, SG_ACCESS_RO},
        {"GEOMETRY", 0x008, SG_ACCESS_RO},  {"WIDTHS", 0x00c, SG_ACCESS_RO},
        {"CFG_HASH_LO", 0x010, SG_ACCESS_RO}, {"CFG_HASH_HI", 0x014, SG_ACCESS_RO},
        {"STATUS", 0x020, SG_ACCESS_W1C},   {"CTRL", 0x024, SG_ACCESS_RW},
        {"SCRATCH", 0x028, SG_ACCESS_RW},   {"CMD_BEATS", 0x030, SG_ACCESS_RW},
        {"IN_BEATS", 0x034, SG_ACCESS_RO},  {"OUT_BEATS", 0x038, SG_ACCESS_RO},
        {"OUT_LAST", 0x03c, SG_ACCESS_RO},  {"BUSY_LO", 0x040, SG_ACCESS_RO},
        {"BUSY_HI", 0x044, SG_ACCESS_RO},   {"USEFUL_LO", 0x048, SG_ACCESS_RO},
        {"USEFUL_HI", 0x04c, SG_ACCESS_RO}, {"SLOTS_LO", 0x050, SG_ACCESS_RO},
        {"SLOTS_HI", 0x054, SG_ACCESS_RO},  {"STALL_LO", 0x058, SG_ACCESS_RO},
        {"STALL_HI", 0x05c, SG_ACCESS_RO},  {"JOB_CYCLES_LO", 0x060, SG_ACCESS_RO},
        {"JOB_CYCLES_HI", 0x064, SG_ACCESS_RO},
    };
    int nwant = (int)(sizeof want / sizeof want[0]);
    tap_ok(sg_regmap_count == nwant, "%d registers (want %d)", sg_regmap_count, nwant);
    for (int i = 0; i < nwant; i++) {
        const sg_reg *r = sg_regmap_find(want[i].name);
        tap_ok(r && r->offset == want[i].offset && r->access == want[i].access, "%s at 0x%03x, %s", want[i].name,
               want[i].offset, sg_regmap_access_name(want[i].access));
    }
    tap_ok(sg_regmap_find("NOPE") == NULL, "an unknown name is not found");

    /* values from the configuration */
    tap_ok(sg_regmap_version_word("0.1.0") == 0x000100u && sg_regmap_version_word("1.2.3") == 0x010203u &&
               sg_regmap_version_word("2") == 0x020000u && sg_regmap_version_word("300.1.7") == 0xff0107u,
           "version words: 0.1.0, 1.2.3, 2, 300.1.7 (parts clamp at 255)");
    tap_ok(sg_regmap_value(sg_regmap_find("ID"), &c) == 0x5347454eu, "ID is \"SGEN\"");
    tap_ok(sg_regmap_value(sg_regmap_find("VERSION"), &c) == sg_regmap_version_word(SG_VERSION_STRING),
           "VERSION is the generator's");
    tap_ok(sg_regmap_value(sg_regmap_find("GEOMETRY"), &c) == ((uint32_t)c.pe_count | (uint32_t)c.banks << 16),
           "GEOMETRY = P | B << 16");
    tap_ok(sg_regmap_value(sg_regmap_find("WIDTHS"), &c) ==
               ((uint32_t)c.stream_w | (uint32_t)c.data_w << 16 | (uint32_t)c.wgt_w << 24),
           "WIDTHS = stream | data << 16 | weight << 24");
    tap_ok(((uint64_t)sg_regmap_value(sg_regmap_find("CFG_HASH_HI"), &c) << 32 |
            sg_regmap_value(sg_regmap_find("CFG_HASH_LO"), &c)) == c.hash,
           "CFG_HASH_HI:LO = the configuration hash");
    tap_ok(sg_regmap_value(sg_regmap_find("STATUS"), &c) == 0x1u, "STATUS after reset: IDLE");
    tap_ok(sg_regmap_write_mask(sg_regmap_find("CTRL")) == 0x5u &&
               sg_regmap_write_mask(sg_regmap_find("SCRATCH")) == 0xffffffffu &&
               sg_regmap_write_mask(sg_regmap_find("STATUS")) == 0 && sg_regmap_write_mask(sg_regmap_find("ID")) == 0,
           "stored bits: CTRL SOFT_RST and IRQ_EN (START is W1P), SCRATCH all, STATUS and ID none");

    /* both renderings name every register with its offset */
    sg_strbuf h, vh, h2, vh2;
    sg_sb_init(&h);
    sg_sb_init(&vh);
    sg_sb_init(&h2);
    sg_sb_init(&vh2);
    sg_regmap_render_h(&h, &c);
    sg_regmap_render_vh(&vh, &c);
    sg_regmap_render_h(&h2, &c);
    sg_regmap_render_vh(&vh2, &c);
    tap_ok(strcmp(h.buf, h2.buf) == 0 && strcmp(vh.buf, vh2.buf) == 0, "renderings are deterministic");
    tap_ok(strncmp(h.buf, "/* Generated by sparsegen ", 26) == 0 && strncmp(vh.buf, "// Generated by sparsegen ", 26) == 0,
           "both start with the generated-file header line");
    int all_h = 1, all_vh = 1;
    for (int i = 0; i < sg_regmap_count; i++) {
        const sg_reg *r = &sg_regmap[i];
        char line[128];
        char name[64];
        snprintf(name, sizeof name, "SG_REG_%s", r->name);
        snprintf(line, sizeof line, "#define %-32s 0x%03xu\n", name, r->offset);
        if (!strstr(h.buf, line))
            all_h = 0, tap_diag("missing in the header: %s", line);
        snprintf(line, sizeof line, "localparam [11:0] %-24s = 12'h%03x;", name, r->offset);
        if (!strstr(vh.buf, line))
            all_vh = 0, tap_diag("missing in the include: %s", line);
    }
    tap_ok(all_h, "sparsegen_regs.h defines every SG_REG_<NAME> offset");
    tap_ok(all_vh, "sparsegen_regs.vh has every SG_REG_<NAME> offset");
    tap_ok(strstr(h.buf, "#define SG_STATUS_DONE_MASK              0x00000004u") &&
               strstr(h.buf, "#define SG_CTRL_START_SHIFT              1\n") &&
               strstr(h.buf, "#define SG_GEOMETRY_B_MASK               0xffff0000u"),
           "the header has field masks and shifts");
    tap_ok(strstr(vh.buf, "SG_STATUS_DONE_BIT       = 2;") && strstr(vh.buf, "SG_CTRL_IRQ_EN_BIT       = 2;") &&
               !strstr(vh.buf, "SG_GEOMETRY_P"),
           "the include has STATUS/CTRL bits, no fields of constant registers (unused localparams fail lint)");
    tap_ok(strstr(h.buf, "SG_REGS_FOREACH(X)") && strstr(h.buf, "X(CTRL, 0x024u, SG_ACCESS_RW, 0x00000000u, 0x00000005u, 0, 0)"),
           "the header has the SG_REGS_FOREACH X-macro");

    /* the documentation in gen/sg_regmap.h is the rendered table */
    const char *top = getenv("top_srcdir");
    if (top) {
        char path[4096];
        snprintf(path, sizeof path, "%s/gen/sg_regmap.h", top);
        sg_strbuf doc;
        sg_sb_init(&doc);
        if (sg_sb_read_file(&doc, path) != 0) {
            tap_ok(0, "read %s", path);
        } else {
            char *a = between_markers(doc.buf), *b = between_markers(h.buf);
            int same = a && b && strcmp(a, b) == 0;
            tap_ok(same, "the ASCII table in gen/sg_regmap.h is the rendered one");
            if (!same && b)
                tap_diag("render it again: the generated sparsegen_regs.h holds the current text");
            free(a);
            free(b);
        }
        sg_sb_release(&doc);
    }
    sg_sb_release(&h);
    sg_sb_release(&vh);
    sg_sb_release(&h2);
    sg_sb_release(&vh2);
    return tap_done();
}
