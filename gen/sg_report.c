/* sg_report: storage sizes of a model; see sg_report.h. */
#include "sg_report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_compile.h"
#include "sg_csb.h"

static long long bytes_of(long long bits)
{
    return (bits + 7) / 8;
}


/* Layer L's weight matrix as CSB stores it, into *w (consecutive banks of
 * *bank_size columns, `banks` of them): FC and CONV rows (c, kh, kw) as they
 * are, in banks of ceil(cols / B) columns; LSTM as the accelerator holds it
 * (sg_lstm_hw_weights: bank b holds x columns b, b + B, ... then h columns
 * likewise).  *w is L->weights or a new array (*owned set). */
static int hw_matrix(const sg_layer *L, int banks, const int32_t **w, int *rows, int *cols,
                     int *bank_size, int32_t **owned)
{
    *owned = NULL;
    *w = L->weights;
    if (L->type == SG_LAYER_FC) {
        *rows = L->out;
        *cols = L->in;
        *bank_size = (L->in + banks - 1) / banks;
        return 0;
    }
    if (L->type == SG_LAYER_CONV) {
        *rows = L->conv.c_out;
        *cols = sg_conv_cpg(&L->conv) * L->conv.kh * L->conv.kw;
        *bank_size = (*cols + banks - 1) / banks;
        return 0;
    }
    /* lstm: as the accelerator holds it (sg_compile.h) */
    int lq;
    if (sg_lstm_hw_weights(L, banks, owned, &lq) != 0)
        return -1;
    *rows = 4 * L->out;
    *cols = banks * lq;
    *bank_size = lq;
    *w = *owned;
    return 0;
}

static void add(sg_report_layer *t, const sg_report_layer *x)
{
    t->nnz += x->nnz;
    t->dense_f32 += x->dense_f32;
    t->csb += x->csb;
    t->relidx += x->relidx;
    t->csr += x->csr;
    t->records += x->records;
    t->csb_index_bits += x->csb_index_bits;
    t->csb_value_bits += x->csb_value_bits;
    t->rows += x->rows;
    t->cols = 0;
}

int sg_report_compression(const sg_config *c, const sg_model *m, sg_report *r, char *err,
                          size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->layer = calloc((size_t)m->n_layers, sizeof *r->layer);
    if (!r->layer) {
        snprintf(err, errlen, "report: out of memory");
        return -1;
    }
    snprintf(r->total.name, sizeof r->total.name, "total");
    r->total.type = "";
    for (int l = 0; l < m->n_layers; l++) {
        const sg_layer *L = &m->layers[l];
        if (L->type == SG_LAYER_MAXPOOL)
            continue;
        const int32_t *w;
        int32_t *owned;
        int rows, cols, bank_size;
        if (hw_matrix(L, c->banks, &w, &rows, &cols, &bank_size, &owned) != 0) {
            snprintf(err, errlen, "report: out of memory for layer '%s'", L->name);
            sg_report_free(r);
            return -1;
        }
        sg_report_layer *x = &r->layer[r->n++];
        snprintf(x->name, sizeof x->name, "%s", L->name);
        x->type = sg_layer_type_name(L->type);
        sg_csb_sizes sz;
        sg_csb_sizes_banked(w, rows, cols, c->wgt_w, c->banks, bank_size, SG_REPORT_RELIDX_W, &sz);
        /* the model's own shape for the dense figure (LSTM: in + H columns) */
        long long model_cols = L->type == SG_LAYER_LSTM ? L->in + L->out : cols;
        x->rows = rows;
        x->cols = (int)model_cols;
        x->nnz = sz.nnz;
        x->dense_f32 = ((long long)rows * model_cols + rows) * 4;
        x->csb = bytes_of(sz.csb_bits);
        x->relidx = bytes_of(sz.relidx_bits);
        x->csr = bytes_of(sz.csr_bits);
        x->records = bytes_of((long long)rows * (32 + 32 + 6));
        /* value and offset bits of the CSB words (pointers aside) */
        long long word_bits = sz.csb_bits - ((long long)rows + 1) * 32;
        int off_bits = sg_clog2(bank_size); /* as sg_csb.c: ceil(log2 1) counts 1 */
        int lane = c->wgt_w + (off_bits > 0 ? off_bits : 1);
        x->csb_value_bits = word_bits / lane * c->wgt_w;
        x->csb_index_bits = word_bits - x->csb_value_bits;
        add(&r->total, x);
        free(owned);
    }
    return 0;
}

/* The table's unit: MB (10^6 bytes) for models of 10 MB and more, else kB. */
static double unit_of(const sg_report *r, const char **name)
{
    int big = r->total.dense_f32 >= 10000000;
    *name = big ? "MB = 10^6 bytes" : "kB = 10^3 bytes";
    return big ? 1e6 : 1e3;
}

static void mb(sg_strbuf *sb, long long bytes, double unit)
{
    sg_sb_addf(sb, " %10.3f", (double)bytes / unit);
}

static void row_text(sg_strbuf *sb, const sg_report_layer *x, double unit)
{
    sg_sb_addf(sb, "  %-10s %-5s", x->name, x->type);
    if (x->cols)
        sg_sb_addf(sb, " %6d x %-7d", x->rows, x->cols);
    else
        sg_sb_addf(sb, " %16s", "");
    double dens = x->cols ? (double)x->nnz / ((double)x->rows * x->cols) : 0.0;
    sg_sb_addf(sb, " %10lld", x->nnz);
    if (x->cols)
        sg_sb_addf(sb, " %6.1f%%", 100.0 * dens);
    else
        sg_sb_adds(sb, "        ");
    mb(sb, x->dense_f32, unit);
    mb(sb, x->csb, unit);
    mb(sb, x->relidx, unit);
    mb(sb, x->csr, unit);
    mb(sb, x->records, unit);
    long long bits = x->csb_index_bits + x->csb_value_bits;
    sg_sb_addf(sb, " %6.1f%% %7.1fx\n", bits ? 100.0 * (double)x->csb_index_bits / (double)bits : 0.0,
               (double)x->dense_f32 / (double)(x->csb + x->records));
}

static json_t *row_json(const sg_report_layer *x)
{
    return json_pack("{s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
                     x->name, "type", x->type, "rows", x->rows, "cols", x->cols, "nnz",
                     (json_int_t)x->nnz, "dense_f32_bytes", (json_int_t)x->dense_f32,
                     "csb_bytes", (json_int_t)x->csb, "relidx_bytes", (json_int_t)x->relidx,
                     "csr_bytes", (json_int_t)x->csr, "row_record_bytes",
                     (json_int_t)x->records, "csb_index_bits", (json_int_t)x->csb_index_bits,
                     "csb_value_bits", (json_int_t)x->csb_value_bits);
}

char *sg_report_render(const sg_report *r, const sg_config *c, const sg_model *m, sg_strbuf *sb)
{
    const char *uname;
    double unit = unit_of(r, &uname);
    sg_sb_addf(sb,
               "sparsegen report: %s, %d-bit weights, CSB on %d banks (%s; relidx with %d-bit "
               "gaps)\n\n",
               m->name, c->wgt_w, c->banks, uname, SG_REPORT_RELIDX_W);
    sg_sb_addf(sb, "  %-10s %-5s %16s %10s %7s %10s %10s %10s %10s %10s %7s %8s\n", "layer",
               "type", "rows x cols", "nonzeros", "dens.", "dense f32", "CSB", "relidx", "CSR",
               "rows", "index", "ratio");
    for (int i = 0; i < r->n; i++)
        row_text(sb, &r->layer[i], unit);
    row_text(sb, &r->total, unit);
    const char *u = unit == 1e6 ? "MB" : "kB";
    sg_sb_addf(sb,
               "\n  dense float32 %.1f %s; sparsegen stores %.2f %s (CSB %.2f %s + row records "
               "%.2f %s), %.1fx smaller\n",
               (double)r->total.dense_f32 / unit, u,
               (double)(r->total.csb + r->total.records) / unit, u, (double)r->total.csb / unit,
               u, (double)r->total.records / unit, u,
               (double)r->total.dense_f32 / (double)(r->total.csb + r->total.records));
    if (strncmp(m->name, "alexnet", 7) == 0)
        sg_sb_addf(sb,
                   "  published (AlexNet, pruned and quantized; the reversed-pruning paper among "
                   "the seeds):\n  243 MB -> 8.7 MB.  This AlexNet is %s (%.1f M weights and "
                   "biases), its values\n  are 8-bit and every CSB lane carries a "
                   "ceil(log2 bank size)-bit offset; 8.7 MB\n  comes with fewer bits per weight "
                   "(shared weights and entropy coding).\n",
                   strstr(m->name, "ungrouped") ? "ungrouped" : "grouped as the original",
                   (double)r->total.dense_f32 / 4e6);
    json_t *o = json_object(), *layers = json_array();
    json_object_set_new(o, "model", json_string(m->name));
    json_object_set_new(o, "config", json_string(c->name));
    json_object_set_new(o, "weight_width", json_integer(c->wgt_w));
    json_object_set_new(o, "banks", json_integer(c->banks));
    for (int i = 0; i < r->n; i++)
        json_array_append_new(layers, row_json(&r->layer[i]));
    json_object_set_new(o, "layers", layers);
    json_object_set_new(o, "total", row_json(&r->total));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}

void sg_report_free(sg_report *r)
{
    free(r->layer);
    memset(r, 0, sizeof *r);
}
