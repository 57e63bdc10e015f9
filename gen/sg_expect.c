/* sg_expect: golden expectations of a program; see sg_expect.h. */
#include "sg_expect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_cmd.h"

void sg_golden_free(sg_golden *g)
{
    for (long long i = 0; g->y && i < (long long)g->n_layers * g->count; i++)
        free(g->y[i]);
    free(g->y);
    memset(g, 0, sizeof *g);
}

int sg_golden_run(const sg_config *c, const sg_model *m, int first, int count, sg_golden *g,
                  char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->n_layers = m->n_layers;
    g->first = first;
    g->count = count;
    g->y = calloc((size_t)m->n_layers * (size_t)count, sizeof *g->y);
    if (!g->y) {
        snprintf(err, errlen, "out of memory compiling '%s'", m->name);
        return -1;
    }
    for (int l = 0; l < m->n_layers; l++) {
        const sg_layer *L = &m->layers[l];
        for (int s = 0; s < count; s++) {
            int32_t *y = malloc((size_t)sg_layer_out_len(L) * sizeof *y);
            g->y[(size_t)l * count + s] = y;
            if (!y) {
                snprintf(err, errlen, "out of memory compiling '%s'", m->name);
                sg_golden_free(g);
                return -1;
            }
            if (sg_layer_forward(L, c->data_w, c->acc_w, sg_golden_input(g, m, l, s), y, err,
                                 errlen) != 0) {
                sg_golden_free(g);
                return -1;
            }
        }
    }
    return 0;
}

const int32_t *sg_golden_input(const sg_golden *g, const sg_model *m, int l, int s)
{
    if (l == 0)
        return m->inputs + (size_t)(g->first + s) * m->input_len;
    return g->y[(size_t)(l - 1) * g->count + s] + sg_layer_read_offset(m, l);
}

void sg_expect_fill(sg_program *p, const sg_config *c, const sg_golden *g)
{
    int data_w = c->stream_w / p->elems;
    for (long long beat = 0; beat < p->n_out; beat++) {
        uint32_t *w = p->out + beat * p->beat_words;
        for (int j = 0; j < p->elems; j++) {
            sg_lane *ln = &p->lanes[beat * p->elems + j];
            if (ln->layer < 0 || ln->row < 0)
                continue;
            ln->value = g->y[(size_t)ln->layer * g->count + (ln->sample - g->first)][ln->row];
            sg_put_bits(w, (long long)j * data_w, data_w, sg_field(ln->value, data_w));
        }
    }
}
