/* sg_fpga: render a board's vendor flow from fpga/templates/ (sg_fpga.h). */
#include "sg_fpga.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The accelerator's board wrapper (rtl_templates/sparsegen_axi.v): the top
 * of every flow, and its interrupt port. */
#define SG_FPGA_TOP "sparsegen_axi"
#define SG_FPGA_IRQ "irq_o"
/* VLNV of the packaged IP (vendor:library:name:version) */
#define SG_FPGA_IP_VENDOR "sparsegen"
#define SG_FPGA_IP_LIBRARY "sparsegen"

/* One rendered file of a flow: for boards of `tool` (and, when ps is set,
 * only with that processing system). */
typedef struct flow_file {
    const char *tool;     /* sg_board.tool */
    const char *ps;       /* sg_board.ps required, or NULL */
    const char *tmpl;     /* template, relative to fpga_dir/templates */
    const char *out;      /* output, relative to the output directory */
} flow_file;

static const flow_file flow_files[] = {
    {"vivado", NULL, "vivado/build.tcl", "fpga/vivado/build.tcl"},
    {"vivado", NULL, "vivado/sparsegen.xdc", "fpga/vivado/sparsegen.xdc"},
    {"vivado", NULL, "vivado/package_ip.tcl", "fpga/vivado/package_ip.tcl"},
    {"vivado", "zynq_ultra_ps_e", "vivado/bd.tcl", "fpga/vivado/bd.tcl"},
    {"quartus", NULL, "quartus/build.tcl", "fpga/quartus/build.tcl"},
    {"quartus", NULL, "quartus/sparsegen.sdc", "fpga/quartus/sparsegen.sdc"},
};

/* Placeholders whose value is another template (Tcl procs the scripts
 * share), rendered with the same keys; they do not nest. */
static const struct {
    const char *key;
    const char *tmpl;
} snippets[] = {
    {"FILELIST_TCL", "filelist.tcl"},
    {"REPORT_TCL", "report.tcl"},
};

/* The values of the placeholders:
 *   HEADER        generated-file line, without its leading "# "
 *   NAME          configuration name
 *   TOP, IRQ      the wrapper module and its interrupt port
 *   IP_VENDOR, IP_LIBRARY, IP_VERSION  VLNV parts of the packaged IP
 *   PART, FAMILY, BOARD, BOARD_PART, PS, TOOL  from the board ("" if none)
 *   BOARD_CLOCK_MHZ  the board's default clock
 *   CLOCK_MHZ     the configuration's clock; CLOCK_NS its period, 3 decimals
 *   STREAM_W, PE_COUNT, BANKS  configuration values
 *   VERSION       SG_VERSION_STRING;  HASH  the configuration hash (16 hex)
 *   RESOURCES     the board's capacities as a Tcl dict in report order
 *                 ("lut N ff N dsp N bram36 N uram N lutram N" or
 *                 "alm N ff N dsp N m20k N mlab N")
 */
/* V_LEN holds the longest value, HEADER: about 80 characters around a
 * source name of up to 255 and a configuration name of up to 48. */
enum { K_MAX = 32, V_LEN = 512 };

typedef struct keyval {
    const char *key;  /* placeholder name, without the @@ */
    char val[V_LEN];  /* its text */
} keyval;

typedef struct keys {
    keyval kv[K_MAX]; /* in the order set */
    int n;            /* used */
} keys;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void key_set(keys *k, const char *key, const char *fmt, ...)
{
    keyval *kv = &k->kv[k->n++];
    va_list ap;
    kv->key = key;
    va_start(ap, fmt);
    vsnprintf(kv->val, sizeof kv->val, fmt, ap);
    va_end(ap);
}

static const char *key_get(const keys *k, const char *key, size_t len)
{
    for (int i = 0; i < k->n; i++)
        if (strlen(k->kv[i].key) == len && strncmp(k->kv[i].key, key, len) == 0)
            return k->kv[i].val;
    return NULL;
}

/* A value goes into Tcl (inside braces or quotes, or a comment for HEADER):
 * none may hold a character that would end or change it there.  The
 * message names the board for the board's fields (by their JSON key). */
static int check_value(const keyval *kv, const sg_board *b, char *err, size_t errlen)
{
    static const char *const board_keys[] = {"PART", "FAMILY", "BOARD", "BOARD_PART", "PS", "TOOL", NULL};
    int header = strcmp(kv->key, "HEADER") == 0, of_board = 0;
    const char *bad = header ? "\\" : "{}[]$\"\\;";
    for (int i = 0; board_keys[i]; i++)
        of_board |= strcmp(kv->key, board_keys[i]) == 0;
    for (const char *p = kv->val; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f || strchr(bad, *p) || (p[0] == '@' && p[1] == '@')) {
            char name[32];
            size_t i = 0;
            for (; kv->key[i] && i + 1 < sizeof name; i++)
                name[i] = (char)(kv->key[i] >= 'A' && kv->key[i] <= 'Z' ? kv->key[i] - 'A' + 'a' : kv->key[i]);
            name[i] = '\0';
            snprintf(err, errlen, "%s%s%s%s '%s' cannot go into a Tcl script (it holds '%c')",
                     of_board ? "board '" : "", of_board ? b->name : "", of_board ? "': " : "",
                     header ? "the generated-file line" : name, kv->val,
                     (unsigned char)*p < 0x20 ? '?' : *p);
            return -1;
        }
    }
    return 0;
}

static int fill_keys(keys *k, const sg_config *c, const sg_board *b, char *err, size_t errlen)
{
    sg_strbuf h;
    int major = 0, minor = 0;
    k->n = 0;
    sg_sb_init(&h);
    sg_gen_header_line(&h, c, "#");
    /* "# Generated by ... -- do not edit\n" -> the text after "# " */
    if (h.len > 0 && h.buf[h.len - 1] == '\n')
        h.buf[--h.len] = '\0';
    key_set(k, "HEADER", "%s", h.buf + (strncmp(h.buf, "# ", 2) == 0 ? 2 : 0));
    sg_sb_release(&h);
    key_set(k, "NAME", "%s", c->name);
    key_set(k, "TOP", "%s", SG_FPGA_TOP);
    key_set(k, "IRQ", "%s", SG_FPGA_IRQ);
    key_set(k, "IP_VENDOR", "%s", SG_FPGA_IP_VENDOR);
    key_set(k, "IP_LIBRARY", "%s", SG_FPGA_IP_LIBRARY);
    sscanf(SG_VERSION_STRING, "%d.%d", &major, &minor);
    key_set(k, "IP_VERSION", "%d.%d", major, minor);
    key_set(k, "PART", "%s", b->part);
    key_set(k, "FAMILY", "%s", b->family);
    key_set(k, "BOARD", "%s", b->name);
    key_set(k, "BOARD_PART", "%s", b->board_part);
    key_set(k, "PS", "%s", b->ps);
    key_set(k, "TOOL", "%s", b->tool);
    key_set(k, "BOARD_CLOCK_MHZ", "%.10g", b->clock_mhz);
    key_set(k, "CLOCK_MHZ", "%.10g", c->clock_mhz);
    key_set(k, "CLOCK_NS", "%.3f", 1000.0 / c->clock_mhz);
    key_set(k, "STREAM_W", "%d", c->stream_w);
    key_set(k, "PE_COUNT", "%d", c->pe_count);
    key_set(k, "BANKS", "%d", c->banks);
    key_set(k, "VERSION", "%s", SG_VERSION_STRING);
    key_set(k, "HASH", "%016llx", c->hash);
    if (strcmp(b->vendor, "intel") == 0)
        key_set(k, "RESOURCES", "alm %lld ff %lld dsp %lld m20k %lld mlab %lld", b->alm, b->ff, b->dsp,
                b->m20k, b->mlab);
    else
        key_set(k, "RESOURCES", "lut %lld ff %lld dsp %lld bram36 %lld uram %lld lutram %lld", b->lut,
                b->ff, b->dsp, b->bram36, b->uram, b->lutram);
    for (int i = 0; i < k->n; i++)
        if (check_value(&k->kv[i], b, err, errlen) != 0)
            return -1;
    return 0;
}

/* Append template `name` (fpga_dir/templates/name) to sb with every
 * @@KEY@@ replaced; snippets only when allow_snippets.  Any other "@@" is an
 * error naming the template and line. */
static int render(sg_strbuf *sb, const keys *k, const char *fpga_dir, const char *name,
                  int allow_snippets, char *err, size_t errlen)
{
    char path[4096];
    sg_strbuf t;
    int rc = -1, line = 1;
    snprintf(path, sizeof path, "%s/templates/%s", fpga_dir, name);
    sg_sb_init(&t);
    if (sg_sb_read_file(&t, path) != 0) {
        snprintf(err, errlen, "cannot read template '%s': %s (set SPARSEGEN_FPGA?)", path,
                 strerror(errno));
        goto out;
    }
    /* a snippet is inserted without its final newline: its line has one */
    if (!allow_snippets && t.len > 0 && t.buf[t.len - 1] == '\n')
        t.buf[--t.len] = '\0';
    for (const char *p = t.buf; *p;) {
        const char *at = strstr(p, "@@");
        if (!at) {
            sg_sb_adds(sb, p);
            break;
        }
        for (const char *q = p; q < at; q++)
            line += *q == '\n';
        sg_sb_add(sb, p, (size_t)(at - p));
        const char *key = at + 2, *end = key;
        while ((*end >= 'A' && *end <= 'Z') || (*end >= '0' && *end <= '9') || *end == '_')
            end++;
        if (end == key || strncmp(end, "@@", 2) != 0) {
            snprintf(err, errlen, "template '%s' line %d: '@@' that starts no @@KEY@@ placeholder",
                     path, line);
            goto out;
        }
        size_t len = (size_t)(end - key);
        const char *v = key_get(k, key, len);
        if (v) {
            sg_sb_adds(sb, v);
        } else {
            size_t s = 0;
            for (; s < sizeof snippets / sizeof snippets[0]; s++)
                if (strlen(snippets[s].key) == len && strncmp(snippets[s].key, key, len) == 0)
                    break;
            if (s == sizeof snippets / sizeof snippets[0] || !allow_snippets) {
                snprintf(err, errlen, "template '%s' line %d: unknown placeholder '@@%.*s@@'%s", path,
                         line, (int)len, key,
                         s < sizeof snippets / sizeof snippets[0] ? " (snippets do not nest)" : "");
                goto out;
            }
            if (render(sb, k, fpga_dir, snippets[s].tmpl, 0, err, errlen) != 0)
                goto out;
        }
        p = end + 2;
    }
    rc = 0;
out:
    sg_sb_release(&t);
    return rc;
}

int sg_fpga_render(const sg_config *c, const sg_board *b, const char *fpga_dir, sg_gen_file *files,
                   int max, int *n, char *err, size_t errlen)
{
    keys k;
    int known_tool = 0;
    *n = 0;
    if (fill_keys(&k, c, b, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < sizeof flow_files / sizeof flow_files[0]; i++) {
        const flow_file *f = &flow_files[i];
        if (strcmp(f->tool, b->tool) != 0)
            continue;
        known_tool = 1;
        if (f->ps && strcmp(f->ps, b->ps) != 0)
            continue;
        if (*n >= max) {
            snprintf(err, errlen, "too many files to render for board '%s'", b->name);
            return -1;
        }
        sg_gen_file *out = &files[*n];
        snprintf(out->rel, sizeof out->rel, "%s", f->out);
        sg_sb_reset(&out->text);
        if (render(&out->text, &k, fpga_dir, f->tmpl, 1, err, errlen) != 0)
            return -1;
        (*n)++;
    }
    if (!known_tool) {
        snprintf(err, errlen, "board '%s': no vendor flow for tool '%s' (known: vivado, quartus)",
                 b->name, b->tool);
        return -1;
    }
    return 0;
}
