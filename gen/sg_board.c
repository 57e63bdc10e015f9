/* sg_board: load and list the board database; see sg_board.h. */
#include "sg_board.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SG_FPGA_DIR
#define SG_FPGA_DIR "fpga"
#endif

const char *sg_fpga_dir(void)
{
    const char *env = getenv("SPARSEGEN_FPGA");
    return env && *env ? env : SG_FPGA_DIR;
}

const char *sg_board_dir(void)
{
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s/boards", sg_fpga_dir());
    return dir;
}

/* A string field into dst (dstlen); null allowed when `optional`. */
static int get_str(json_t *o, const char *key, int optional, char *dst, size_t dstlen,
                   const char *path, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    dst[0] = '\0';
    if ((!v || json_is_null(v)) && optional)
        return 0;
    if (!json_is_string(v) || json_string_length(v) == 0) {
        snprintf(err, errlen, "board file '%s': key '%s' %s", path, key,
                 v ? "must be a non-empty string" : "is missing");
        return -1;
    }
    if (json_string_length(v) >= dstlen) {
        snprintf(err, errlen, "board file '%s': key '%s' is longer than %zu characters", path, key,
                 dstlen - 1);
        return -1;
    }
    snprintf(dst, dstlen, "%s", json_string_value(v));
    return 0;
}

/* A non-negative integer capacity (positive when `positive`). */
static int get_count(json_t *res, const char *key, int positive, long long *dst, const char *path,
                     char *err, size_t errlen)
{
    json_t *v = json_object_get(res, key);
    if (!json_is_integer(v) || json_integer_value(v) < (positive ? 1 : 0)) {
        snprintf(err, errlen, "board file '%s': resources.%s %s", path, key,
                 v ? (positive ? "must be a positive integer" : "must be an integer >= 0")
                   : "is missing");
        return -1;
    }
    *dst = json_integer_value(v);
    return 0;
}

static const char *const board_keys[] = {"name", "title", "vendor", "part", "family",
                                         "yosys_family", "board_part", "ps", "tool",
                                         "clock_mhz", "resources", "sources", "notes", NULL};

static int parse_board(json_t *o, const char *path, sg_board *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    snprintf(b->path, sizeof b->path, "%s", path);
    if (!json_is_object(o)) {
        snprintf(err, errlen, "board file '%s': not a JSON object", path);
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        int known = 0;
        for (int i = 0; board_keys[i]; i++)
            known |= strcmp(key, board_keys[i]) == 0;
        if (!known) {
            snprintf(err, errlen, "board file '%s': unknown key '%s'", path, key);
            return -1;
        }
    }
    if (get_str(o, "name", 0, b->name, sizeof b->name, path, err, errlen) ||
        get_str(o, "title", 0, b->title, sizeof b->title, path, err, errlen) ||
        get_str(o, "vendor", 0, b->vendor, sizeof b->vendor, path, err, errlen) ||
        get_str(o, "part", 0, b->part, sizeof b->part, path, err, errlen) ||
        get_str(o, "family", 0, b->family, sizeof b->family, path, err, errlen) ||
        get_str(o, "yosys_family", 1, b->yosys_family, sizeof b->yosys_family, path, err, errlen) ||
        get_str(o, "board_part", 1, b->board_part, sizeof b->board_part, path, err, errlen) ||
        get_str(o, "ps", 1, b->ps, sizeof b->ps, path, err, errlen) ||
        get_str(o, "tool", 0, b->tool, sizeof b->tool, path, err, errlen))
        return -1;
    int xilinx = strcmp(b->vendor, "xilinx") == 0;
    if (!xilinx && strcmp(b->vendor, "intel") != 0) {
        snprintf(err, errlen, "board file '%s': vendor '%s' is not 'xilinx' or 'intel'", path,
                 b->vendor);
        return -1;
    }
    if (strcmp(b->tool, xilinx ? "vivado" : "quartus") != 0) {
        snprintf(err, errlen, "board file '%s': tool '%s' does not fit vendor '%s' (%s)", path,
                 b->tool, b->vendor, xilinx ? "vivado" : "quartus");
        return -1;
    }
    if (b->yosys_family[0] && strcmp(b->yosys_family, "xcup") && strcmp(b->yosys_family, "xcu") &&
        strcmp(b->yosys_family, "xc7") && strcmp(b->yosys_family, "xc7s")) {
        snprintf(err, errlen, "board file '%s': yosys_family '%s' is not one of xcup, xcu, xc7, xc7s",
                 path, b->yosys_family);
        return -1;
    }
    if (!xilinx && b->yosys_family[0]) {
        snprintf(err, errlen, "board file '%s': yosys_family is for Xilinx parts only", path);
        return -1;
    }
    json_t *clk = json_object_get(o, "clock_mhz");
    if (!json_is_number(clk) || json_number_value(clk) < 1 || json_number_value(clk) > 1000) {
        snprintf(err, errlen, "board file '%s': clock_mhz must be a number in 1..1000", path);
        return -1;
    }
    b->clock_mhz = json_number_value(clk);
    json_t *res = json_object_get(o, "resources");
    if (!json_is_object(res)) {
        snprintf(err, errlen, "board file '%s': resources must be an object", path);
        return -1;
    }
    if (get_count(res, "ff", 1, &b->ff, path, err, errlen) ||
        get_count(res, "dsp", 1, &b->dsp, path, err, errlen))
        return -1;
    if (xilinx) {
        if (get_count(res, "lut", 1, &b->lut, path, err, errlen) ||
            get_count(res, "bram36", 1, &b->bram36, path, err, errlen) ||
            get_count(res, "uram", 0, &b->uram, path, err, errlen) ||
            get_count(res, "lutram", 0, &b->lutram, path, err, errlen))
            return -1;
    } else if (get_count(res, "alm", 1, &b->alm, path, err, errlen) ||
               get_count(res, "m20k", 1, &b->m20k, path, err, errlen) ||
               get_count(res, "mlab", 0, &b->mlab, path, err, errlen)) {
        return -1;
    }
    return 0;
}

int sg_board_load_file(const char *path, sg_board *b, char *err, size_t errlen)
{
    json_error_t je;
    json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        snprintf(err, errlen, "board file '%s': %s (line %d)", path, je.text, je.line);
        return -1;
    }
    int rc = parse_board(o, path, b, err, errlen);
    json_decref(o);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const sg_board *)a)->name, ((const sg_board *)b)->name);
}

int sg_board_list(sg_board **out, int *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    const char *dir = sg_board_dir();
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot read the board database '%s': %s (set SPARSEGEN_FPGA?)", dir,
                 strerror(errno));
        return -1;
    }
    sg_board *v = NULL;
    int cnt = 0, cap = 0, rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        if (cnt == cap) {
            cap = cap ? 2 * cap : 16;
            sg_board *nv = realloc(v, (size_t)cap * sizeof *v);
            if (!nv) {
                snprintf(err, errlen, "board list: out of memory");
                rc = -1;
                break;
            }
            v = nv;
        }
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (sg_board_load_file(path, &v[cnt], err, errlen) != 0) {
            rc = -1;
            break;
        }
        if (strlen(v[cnt].name) != len - 5 || strncmp(v[cnt].name, e->d_name, len - 5) != 0) {
            snprintf(err, errlen, "board file '%s': name '%s' differs from the file name", path,
                     v[cnt].name);
            rc = -1;
            break;
        }
        cnt++;
    }
    closedir(d);
    if (rc != 0) {
        free(v);
        return -1;
    }
    if (cnt)
        qsort(v, (size_t)cnt, sizeof *v, by_name);
    *out = v;
    *n = cnt;
    return 0;
}

int sg_board_load(const char *name, sg_board *b, char *err, size_t errlen)
{
    size_t len = strlen(name);
    if (strchr(name, '/') || (len > 5 && strcmp(name + len - 5, ".json") == 0))
        return sg_board_load_file(name, b, err, errlen); /* a board file of one's own */
    sg_board *all;
    int n;
    if (sg_board_list(&all, &n, err, errlen) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(all[i].name, name) == 0) {
            *b = all[i];
            free(all);
            return 0;
        }
    int k = snprintf(err, errlen, "unknown board '%s'; known boards:", name);
    for (int i = 0; i < n && k > 0 && (size_t)k < errlen; i++)
        k += snprintf(err + k, errlen - (size_t)k, " %s", all[i].name);
    if (n == 0 && k > 0 && (size_t)k < errlen)
        snprintf(err + k, errlen - (size_t)k, " none in '%s'", sg_board_dir());
    free(all);
    return -1;
}

long long sg_board_bram_bits(const sg_board *b)
{
    return b->bram36 * 36864LL + b->uram * 294912LL + b->m20k * 20480LL;
}
