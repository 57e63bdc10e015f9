/* sg_plan: what a layer's plan holds and its release; the plans themselves are
 * each layer kind's (sg_lower_*.c). */
#include "sg_plan.h"

#include <stdlib.h>
#include <string.h>

static void conv_plan_free(conv_plan *cv)
{
    if (!cv)
        return;
    for (int i = 0; cv->ph && i < cv->nph * cv->nct; i++) {
        sg_csb_free(&cv->ph[i].csb);
        free(cv->ph[i].cwords);
        free(cv->ph[i].cnnz);
    }
    free(cv->ph);
    free(cv->block_o0);
    free(cv);
}

void sg_plan_free(plan *pl)
{
    conv_plan_free(pl->cv);
    for (int i = 0; i < pl->n_tiles; i++) {
        sg_csb_free(&pl->t[i].csb);
        free(pl->t[i].gwords);
    }
    free(pl->t);
    free(pl->block_g0);
    memset(pl, 0, sizeof *pl);
}

/* The model row that row r of the hardware order holds, or -1 (padding):
 * FC r itself; LSTM row 4j + g is gate g of unit j, model row g * H + j. */
int sg_plan_model_row(const sg_layer *L, int r)
{
    if (L->type == SG_LAYER_LSTM)
        return r < 4 * L->out ? (r % 4) * L->out + r / 4 : -1;
    return r < L->out ? r : -1;
}

long long sg_tile_words(const tile *t, int g0, int g1)
{
    long long n = 0;
    for (int g = g0; g < g1; g++)
        n += t->gwords[g];
    return n;
}
