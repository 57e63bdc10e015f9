/* sg_model_int: what the sg_model_*.c files share; not part of the API (sg_model.h). */
#ifndef SG_MODEL_INT_H
#define SG_MODEL_INT_H

#include "sg_model.h"

#if defined(__GNUC__)
#define SG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SG_PRINTF(f, a)
#endif

#define SG_MODEL_NAME_MAX 63 /* bytes of a model or layer name (name[64]) */
#define SG_MODEL_QUOTE_MAX 40 /* bytes of a bad string value quoted in a message */
#define SG_MODEL_MSG_LEN 512  /* a message from sg_npy before context is added */

/* ---- sizes (sg_model.c) --------------------------------------------------- */

/* a * b * c for a, b, c >= 0, or -1 when it exceeds INT_MAX. */
long long sg_model_prod3(int a, int b, int c);

#endif
