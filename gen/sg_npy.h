/* sg_npy: read and write NumPy .npy arrays (format versions 1.0, 2.0, 3.0).
 *
 * Integer and float arrays of any byte order, C or Fortran order, up to
 * SG_NPY_MAX_DIMS dimensions.  The data is returned in C (row-major) order
 * widened to int64 (integer dtypes) or double (float dtypes).  Object,
 * string, complex, structured and bool dtypes are rejected with a message.
 */
#ifndef SG_NPY_H
#define SG_NPY_H

#include <stddef.h>
#include <stdint.h>

#define SG_NPY_MAX_DIMS 8

typedef enum sg_npy_kind {
    SG_NPY_INT = 0,   /* signed integer: i1 i2 i4 i8 */
    SG_NPY_UINT = 1,  /* unsigned integer: u1 u2 u4 u8 (u8 values > INT64_MAX rejected) */
    SG_NPY_FLOAT = 2  /* f4 f8 */
} sg_npy_kind;

typedef struct sg_npy {
    sg_npy_kind kind;                 /* integer or float */
    int itemsize;                     /* bytes per element in the file: 1, 2, 4, 8 */
    char descr[8];                    /* the dtype as written, e.g. "<i1" */
    int ndim;                         /* number of dimensions (0 = scalar) */
    long long shape[SG_NPY_MAX_DIMS]; /* extent of each dimension */
    long long count;                  /* product of shape (1 for a scalar) */
    int64_t *i;                       /* count values in C order (integer kinds), else NULL */
    double *f;                        /* count values in C order (float kinds), else NULL */
} sg_npy;

/* Read path into *out.  Returns 0, or -1 with a message in err that names
 * the file and the problem (missing, bad magic, unsupported version,
 * malformed header, unsupported dtype, truncated data, too large). */
int sg_npy_load(const char *path, sg_npy *out, char *err, size_t errlen);

/* Parse an in-memory .npy image (same rules; `name` is used in messages). */
int sg_npy_parse(const unsigned char *buf, size_t len, const char *name,
                 sg_npy *out, char *err, size_t errlen);

/* Release the arrays of a and zero it. */
void sg_npy_free(sg_npy *a);

/* Write count int64 values as a version 1.0 C-order array of dtype descr
 * ("<i1", "<i2", "<i4", "<i8"); values must fit the dtype.  Written to a
 * temporary name and renamed, so a failure leaves no partial file.
 * Returns 0, or -1 with a message. */
int sg_npy_save_int(const char *path, const char *descr, int ndim,
                    const long long *shape, const int64_t *data,
                    char *err, size_t errlen);

#endif
