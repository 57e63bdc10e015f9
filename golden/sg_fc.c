/* sg_fc.c: the golden fully-connected layer from dense weights and from CSB. */
#include "sg_fc.h"

#include <stddef.h>

/* Starting value of the accumulator of row r: wrap_ACC(bias[r]). */
int64_t sg_acc_start(const sg_fc_params *p, int r)
{
    return sg_wrap(p->bias ? p->bias[r] : 0, p->acc_w);
}

/* acc + w * x modulo 2^ACC_W.  |w * x| <= 2^62 and |acc| <= 2^31 (ACC_W <=
 * SG_ACC_W_MAX = 32), so the int64_t sum cannot overflow.  An out-of-contract
 * ACC_W above 61 is treated as 61, the widest for which that still holds. */
int64_t sg_mac(int64_t acc, int32_t w, int32_t x, int acc_w)
{
    return sg_wrap(acc + (int64_t)w * (int64_t)x, acc_w > 61 ? 61 : acc_w);
}

/* Output of row r from its accumulator: requant, then activation. */
int32_t sg_row_out(int64_t acc, const sg_fc_params *p, int r)
{
    /* data_w beyond 32 is out of contract; clamping it keeps the result an
     * int32_t without an implementation-defined conversion. */
    int data_w = p->data_w > 32 ? 32 : p->data_w;
    int64_t y = sg_requant(acc, p->mult[r], p->shift[r], data_w);

    return (int32_t)sg_sat(sg_activate(y, p->act, p->act_max), 32);
}

int64_t sg_fc_dense_acc(const int32_t *w, int cols, int r, const int32_t *x,
                        const sg_fc_params *p)
{
    const int32_t *row = w + (size_t)r * (size_t)cols;
    int64_t acc = sg_acc_start(p, r);
    int c;

    for (c = 0; c < cols; c++)
        acc = sg_mac(acc, row[c], x[c], p->acc_w);
    return acc;
}

void sg_fc_dense(const int32_t *w, int rows, int cols, const int32_t *x,
                 const sg_fc_params *p, int32_t *y, int64_t *acc)
{
    int r;

    for (r = 0; r < rows; r++) {
        int64_t a = sg_fc_dense_acc(w, cols, r, x, p);

        if (acc)
            acc[r] = a;
        y[r] = sg_row_out(a, p, r);
    }
}

/* Accumulator of row r from its CSB words only, the way a PE walks them. */
static int64_t csb_acc(const sg_csb *c, int r, const int32_t *x, const sg_fc_params *p)
{
    int64_t acc = sg_acc_start(p, r);
    int k, b;

    for (k = c->row_start[r]; k < c->row_start[r + 1]; k++) {
        for (b = 0; b < c->banks; b++) {
            size_t lane = (size_t)k * (size_t)c->banks + (size_t)b;
            long long col = (long long)b * c->bank_size + c->offset[lane];

            /* A padding lane is (0, 0) and adds nothing; a column past N
             * can only hold padding, but never read x beyond its end. */
            if (c->value[lane] == 0 || col >= c->cols)
                continue;
            acc = sg_mac(acc, c->value[lane], x[col], p->acc_w);
        }
    }
    return acc;
}

void sg_fc_csb(const sg_csb *c, const int32_t *x, const sg_fc_params *p,
               int32_t *y, int64_t *acc)
{
    int r;

    for (r = 0; r < c->rows; r++) {
        int64_t a = csb_acc(c, r, x, p);

        if (acc)
            acc[r] = a;
        y[r] = sg_row_out(a, p, r);
    }
}
