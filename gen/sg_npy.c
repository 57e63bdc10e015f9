/* sg_npy: read and write NumPy .npy arrays (see sg_npy.h).
 *
 * The file layout (numpy/lib/format.py):
 *
 *   offset 0   "\x93NUMPY"            magic, 6 bytes
 *          6   major, minor           1.0, 2.0 or 3.0
 *          8   header length HLEN     u16 LE (1.0) or u32 LE (2.0, 3.0)
 *   8+2|8+4    header, HLEN bytes     "{'descr': '<i1', 'fortran_order': False,
 *                                      'shape': (4, 8), }" + spaces + "\n"
 *   then       data                   count * itemsize bytes, nothing after
 *
 * The header is a Python dict literal.  It is parsed here by hand, strictly:
 * exactly the keys 'descr', 'fortran_order' and 'shape', each once, with the
 * whitespace and trailing commas that numpy writes.  Bad input never crashes
 * and never allocates more than the data actually present in the file needs.
 */
#include "sg_npy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__GNUC__)
#define SG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SG_PRINTF(f, a)
#endif

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64     /* numpy aligns the data start to this */
#define QUOTE_MAX 40     /* bytes of a bad value quoted in a message */

/* ---- messages ---------------------------------------------------------- */

/* Fill err with "name: <fmt...>" and return -1. */
static int SG_PRINTF(4, 5) npy_fail(char *err, size_t errlen, const char *name,
                                    const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err == NULL || errlen == 0)
        return -1;
    n = snprintf(err, errlen, "%s: ", name ? name : "(npy)");
    if (n >= 0 && (size_t)n < errlen) {
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Copy up to QUOTE_MAX bytes of s into dst as printable ASCII: other bytes
 * become \xNN, a longer value ends in "...".  dst needs 4*QUOTE_MAX+4. */
static const char *quote(char *dst, const unsigned char *s, size_t n)
{
    size_t i, o = 0;

    for (i = 0; i < n && i < QUOTE_MAX; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
            dst[o++] = (char)s[i];
        } else {
            sprintf(dst + o, "\\x%02x", s[i]);
            o += 4;
        }
    }
    if (i < n) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}

/* "(4, 8)", "(4,)" or "()" into dst (room for SG_NPY_MAX_DIMS numbers). */
static const char *shape_str(char *dst, size_t len, int ndim,
                             const long long *shape)
{
    size_t o = 0;
    int d;

    o += (size_t)snprintf(dst, len, "(");
    for (d = 0; d < ndim && o < len; d++)
        o += (size_t)snprintf(dst + o, len - o, d ? ", %lld" : "%lld",
                              shape[d]);
    if (o < len)
        snprintf(dst + o, len - o, ndim == 1 ? ",)" : ")");
    return dst;
}

/* ---- header dict parser ------------------------------------------------ */

/* What the header says, before it is checked against the data. */
typedef struct npy_header {
    const unsigned char *descr;   /* descr value: string body or list text */
    size_t descr_len;             /* its length in bytes */
    int descr_is_list;            /* 1: a structured dtype "[(...)]" */
    int fortran;                  /* fortran_order */
    int ndim;                     /* entries in shape */
    long long shape[SG_NPY_MAX_DIMS]; /* the shape tuple */
    unsigned seen;                /* bit per key: 1 descr, 2 fortran, 4 shape */
} npy_header;

/* Cursor over the header bytes, plus where messages go. */
typedef struct npy_lex {
    const unsigned char *p;   /* next byte */
    const unsigned char *end; /* one past the header */
    const char *name;         /* file name for messages */
    char *err;                /* message buffer */
    size_t errlen;            /* its size */
} npy_lex;

static void skip_ws(npy_lex *lx)
{
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' ||
                               *lx->p == '\n' || *lx->p == '\r'))
        lx->p++;
}

/* A message about the byte at the cursor ("end of header" past the end). */
static int lex_fail(npy_lex *lx, const char *expected)
{
    char q[4 * QUOTE_MAX + 4];
    size_t left = (size_t)(lx->end - lx->p);

    /* quote at most 12 bytes, not the padding after them */
    if (left > 12)
        left = 12;
    while (left > 1 && (lx->p[left - 1] == ' ' || lx->p[left - 1] == '\n'))
        left--;
    if (left == 0)
        return npy_fail(lx->err, lx->errlen, lx->name,
                        "malformed header: expected %s, found end of header",
                        expected);
    return npy_fail(lx->err, lx->errlen, lx->name,
                    "malformed header: expected %s, found '%s'", expected,
                    quote(q, lx->p, left));
}

/* A quoted Python string literal without escapes: '...' or "...". */
static int lex_string(npy_lex *lx, const unsigned char **s, size_t *n,
                      const char *what)
{
    unsigned char q;
    const unsigned char *start;

    if (lx->p >= lx->end || (*lx->p != '\'' && *lx->p != '"'))
        return lex_fail(lx, what);
    q = *lx->p++;
    start = lx->p;
    while (lx->p < lx->end && *lx->p != q) {
        if (*lx->p == '\\' || *lx->p == '\n')
            return lex_fail(lx, "a simple string");
        lx->p++;
    }
    if (lx->p >= lx->end)
        return lex_fail(lx, "closing quote");
    *s = start;
    *n = (size_t)(lx->p - start);
    lx->p++;
    return 0;
}

/* Skip a bracketed structured descr "[(...), ...]", keeping its text. */
static int lex_list(npy_lex *lx, npy_header *h)
{
    const unsigned char *start = lx->p;
    int depth = 0;

    while (lx->p < lx->end) {
        unsigned char c = *lx->p;
        if (c == '\'' || c == '"') {
            const unsigned char *s;
            size_t n;
            if (lex_string(lx, &s, &n, "a string") != 0)
                return -1;
            continue;
        }
        lx->p++;
        if (c == '[' || c == '(') {
            depth++;
        } else if (c == ']' || c == ')') {
            if (--depth == 0) {
                h->descr = start;
                h->descr_len = (size_t)(lx->p - start);
                h->descr_is_list = 1;
                return 0;
            }
        }
    }
    return lex_fail(lx, "']'");
}

/* True or False. */
static int lex_bool(npy_lex *lx, int *v)
{
    size_t left = (size_t)(lx->end - lx->p);

    if (left >= 4 && memcmp(lx->p, "True", 4) == 0) {
        *v = 1;
        lx->p += 4;
    } else if (left >= 5 && memcmp(lx->p, "False", 5) == 0) {
        *v = 0;
        lx->p += 5;
    } else {
        return lex_fail(lx, "True or False for 'fortran_order'");
    }
    /* "Truex" is not a keyword */
    if (lx->p < lx->end && (*lx->p == '_' || (*lx->p >= 'a' && *lx->p <= 'z') ||
                            (*lx->p >= 'A' && *lx->p <= 'Z') ||
                            (*lx->p >= '0' && *lx->p <= '9')))
        return lex_fail(lx, "',' or '}' after the 'fortran_order' value");
    return 0;
}

/* A tuple of non-negative integers: "()", "(4,)", "(4, 8)", "(4, 8,)". */
static int lex_shape(npy_lex *lx, npy_header *h)
{
    char q[4 * QUOTE_MAX + 4];

    if (lx->p >= lx->end || *lx->p != '(')
        return lex_fail(lx, "a tuple for 'shape'");
    lx->p++;
    h->ndim = 0;
    for (;;) {
        const unsigned char *start;
        long long v = 0;

        skip_ws(lx);
        if (lx->p < lx->end && *lx->p == ')')
            break;
        if (lx->p >= lx->end || *lx->p < '0' || *lx->p > '9')
            return lex_fail(lx, "a non-negative integer in 'shape'");
        start = lx->p;
        while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
            int digit = *lx->p - '0';
            if (v > (LLONG_MAX - digit) / 10) {
                while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9')
                    lx->p++;
                return npy_fail(lx->err, lx->errlen, lx->name,
                                "array too large: shape dimension '%s'",
                                quote(q, start, (size_t)(lx->p - start)));
            }
            v = v * 10 + digit;
            lx->p++;
        }
        if (h->ndim == SG_NPY_MAX_DIMS)
            return npy_fail(lx->err, lx->errlen, lx->name,
                            "too many dimensions: more than %d in 'shape'",
                            SG_NPY_MAX_DIMS);
        h->shape[h->ndim++] = v;
        skip_ws(lx);
        if (lx->p < lx->end && *lx->p == ',') {
            lx->p++;
            continue;
        }
        if (lx->p < lx->end && *lx->p == ')') {
            /* "(4)" is the integer 4 in Python, not a tuple */
            if (h->ndim == 1)
                return lex_fail(lx, "',' in a 1-element 'shape' tuple");
            break;
        }
        return lex_fail(lx, "',' or ')' in 'shape'");
    }
    lx->p++; /* ')' */
    return 0;
}

/* Parse the whole header dict into h. */
static int parse_header(npy_lex *lx, npy_header *h)
{
    static const char *const keys[3] = {"descr", "fortran_order", "shape"};
    char q[4 * QUOTE_MAX + 4];

    memset(h, 0, sizeof *h);
    skip_ws(lx);
    if (lx->p >= lx->end || *lx->p != '{')
        return lex_fail(lx, "'{' at the start of the header");
    lx->p++;
    for (;;) {
        const unsigned char *k;
        size_t kn;
        int key;

        skip_ws(lx);
        if (lx->p < lx->end && *lx->p == '}')
            break;
        if (lex_string(lx, &k, &kn, "a quoted key or '}'") != 0)
            return -1;
        for (key = 0; key < 3; key++)
            if (strlen(keys[key]) == kn && memcmp(keys[key], k, kn) == 0)
                break;
        if (key == 3)
            return npy_fail(lx->err, lx->errlen, lx->name,
                            "malformed header: unknown key '%s' (legal: "
                            "descr, fortran_order, shape)",
                            quote(q, k, kn));
        if (h->seen & (1u << key))
            return npy_fail(lx->err, lx->errlen, lx->name,
                            "malformed header: duplicate key '%s'", keys[key]);
        h->seen |= 1u << key;
        skip_ws(lx);
        if (lx->p >= lx->end || *lx->p != ':')
            return lex_fail(lx, "':' after a key");
        lx->p++;
        skip_ws(lx);
        if (key == 0) {
            if (lx->p < lx->end && *lx->p == '[') {
                if (lex_list(lx, h) != 0)
                    return -1;
            } else if (lex_string(lx, &h->descr, &h->descr_len,
                                  "a string for 'descr'") != 0) {
                return -1;
            }
        } else if (key == 1) {
            if (lex_bool(lx, &h->fortran) != 0)
                return -1;
        } else if (lex_shape(lx, h) != 0) {
            return -1;
        }
        skip_ws(lx);
        if (lx->p < lx->end && *lx->p == ',') {
            lx->p++;
            continue;
        }
        if (lx->p < lx->end && *lx->p == '}')
            break;
        return lex_fail(lx, "',' or '}'");
    }
    lx->p++; /* '}' */
    skip_ws(lx);
    if (lx->p < lx->end)
        return lex_fail(lx, "end of header after '}'");
    for (int key = 0; key < 3; key++)
        if (!(h->seen & (1u << key)))
            return npy_fail(lx->err, lx->errlen, lx->name,
                            "malformed header: missing key '%s'", keys[key]);
    return 0;
}

/* ---- dtype ------------------------------------------------------------- */

static int host_is_big_endian(void)
{
    const uint16_t one = 1;
    unsigned char c;

    memcpy(&c, &one, 1);
    return c == 0;
}

/* Check a descr string and fill kind, itemsize, descr; *big = byte order. */
static int parse_descr(const npy_header *h, const char *name, sg_npy *out,
                       int *big, char *err, size_t errlen)
{
    char q[4 * QUOTE_MAX + 4];
    const unsigned char *d = h->descr;
    size_t n = h->descr_len;
    int size;

    quote(q, d, n);
    if (h->descr_is_list)
        return npy_fail(err, errlen, name,
                        "unsupported dtype '%s' (structured arrays are not "
                        "supported)", q);
    if (n >= 2 && d[1] == 'O')
        return npy_fail(err, errlen, name,
                        "unsupported dtype '%s' (object arrays are not "
                        "supported)", q);
    if (n >= 2 && d[1] == 'b')
        return npy_fail(err, errlen, name,
                        "unsupported dtype '%s' (bool arrays are not "
                        "supported; store 0 and 1 as int8)", q);
    if (n != 3 || (d[0] != '<' && d[0] != '>' && d[0] != '|' && d[0] != '=') ||
        (d[1] != 'i' && d[1] != 'u' && d[1] != 'f'))
        goto unsupported;
    size = d[2] - '0';
    if (d[1] == 'f' ? (size != 4 && size != 8)
                    : (size != 1 && size != 2 && size != 4 && size != 8))
        goto unsupported;
    out->kind = d[1] == 'i' ? SG_NPY_INT : d[1] == 'u' ? SG_NPY_UINT
                                                       : SG_NPY_FLOAT;
    out->itemsize = size;
    memcpy(out->descr, d, n);
    out->descr[n] = '\0';
    *big = d[0] == '>' || (d[0] != '<' && host_is_big_endian());
    return 0;

unsupported:
    return npy_fail(err, errlen, name,
                    "unsupported dtype '%s' (legal: i1 i2 i4 i8 u1 u2 u4 u8 "
                    "f4 f8, any byte order)", q);
}

/* ---- data -------------------------------------------------------------- */

/* The size-byte unsigned integer at p. */
static uint64_t get_bits(const unsigned char *p, int size, int big)
{
    uint64_t v = 0;
    int b;

    if (big)
        for (b = 0; b < size; b++)
            v = (v << 8) | p[b];
    else
        for (b = size - 1; b >= 0; b--)
            v = (v << 8) | p[b];
    return v;
}

/* Two's-complement size-byte pattern v as int64 (no implementation-defined
 * conversions). */
static int64_t as_signed(uint64_t v, int size)
{
    uint64_t sign = (uint64_t)1 << (8 * size - 1);

    if (!(v & sign))
        return (int64_t)v;
    if (size < 8)
        v |= ~(uint64_t)0 << (8 * size);
    return -(int64_t)(~v) - 1;
}

/* Where the header ends: check the magic and version of the len bytes at
 * buf and read the header length.  *hstart: bytes before the header, *hlen:
 * its length.  Needs only the first 12 bytes (fewer is a truncated file). */
static int parse_lead(const unsigned char *buf, size_t len, const char *name,
                      size_t *hstart, size_t *hlen, char *err, size_t errlen)
{
    char q[4 * QUOTE_MAX + 4];

    if (len == 0)
        return npy_fail(err, errlen, name, "not a .npy file: file is empty");
    if (len < NPY_MAGIC_LEN || memcmp(buf, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        if (len < NPY_MAGIC_LEN && memcmp(buf, NPY_MAGIC, len) == 0)
            return npy_fail(err, errlen, name,
                            "truncated header: file is %zu bytes", len);
        return npy_fail(err, errlen, name,
                        "not a .npy file: bad magic '%s'",
                        quote(q, buf,
                              len < NPY_MAGIC_LEN ? len : NPY_MAGIC_LEN));
    }
    if (len < 8)
        return npy_fail(err, errlen, name,
                        "truncated header: file is %zu bytes", len);
    if (buf[6] < 1 || buf[6] > 3 || buf[7] != 0)
        return npy_fail(err, errlen, name,
                        "unsupported version '%u.%u' (legal: 1.0, 2.0, 3.0)",
                        (unsigned)buf[6], (unsigned)buf[7]);
    *hstart = buf[6] == 1 ? 10 : 12;
    if (len < *hstart)
        return npy_fail(err, errlen, name,
                        "truncated header: file is %zu bytes", len);
    *hlen = (size_t)get_bits(buf + 8, (int)*hstart - 8, 0);
    return 0;
}

/* Parse the lead and the header of a file of `size` bytes whose first
 * hstart + hlen bytes (at least) are at buf: fill out's dtype, shape and
 * count (no data), *h, *big, *data (the data offset) and *nbytes (the data
 * size the header declares).  The data itself is not looked at. */
static int parse_head(const unsigned char *buf, size_t len, size_t size,
                      const char *name, sg_npy *out, npy_header *h, int *big,
                      size_t *data, size_t *nbytes, char *err, size_t errlen)
{
    char sh[SG_NPY_MAX_DIMS * 22 + 4];
    size_t hstart, hlen;
    npy_lex lx;
    int d, zero = 0;

    memset(out, 0, sizeof *out);
    if (parse_lead(buf, len, name, &hstart, &hlen, err, errlen) != 0)
        return -1;
    if (hlen > size - hstart)
        return npy_fail(err, errlen, name,
                        "truncated header: header length %zu, only %zu bytes "
                        "follow", hlen, size - hstart);
    lx.p = buf + hstart;
    lx.end = buf + hstart + hlen;
    lx.name = name;
    lx.err = err;
    lx.errlen = errlen;
    if (parse_header(&lx, h) != 0)
        return -1;
    if (parse_descr(h, name, out, big, err, errlen) != 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }

    /* count and byte size, refusing anything that overflows */
    out->ndim = h->ndim;
    out->count = 1;
    for (d = 0; d < h->ndim; d++) {
        out->shape[d] = h->shape[d];
        if (h->shape[d] == 0)
            zero = 1;
    }
    shape_str(sh, sizeof sh, h->ndim, h->shape);
    if (zero) {
        out->count = 0;
    } else {
        for (d = 0; d < h->ndim; d++) {
            if (out->count > LLONG_MAX / h->shape[d]) {
                memset(out, 0, sizeof *out);
                return npy_fail(err, errlen, name,
                                "array too large: shape %s", sh);
            }
            out->count *= h->shape[d];
        }
    }
    if ((unsigned long long)out->count > SIZE_MAX / 8) {
        memset(out, 0, sizeof *out);
        return npy_fail(err, errlen, name, "array too large: shape %s", sh);
    }
    *data = hstart + hlen;
    *nbytes = (size_t)out->count * (size_t)out->itemsize;
    if (size - *data != *nbytes) {
        size_t have = size - *data;
        int itemsize = out->itemsize;
        memset(out, 0, sizeof *out);
        if (have < *nbytes)
            return npy_fail(err, errlen, name,
                            "truncated data: expected %zu bytes, found %zu",
                            *nbytes, have);
        return npy_fail(err, errlen, name,
                        "trailing data: expected %zu bytes for shape %s of "
                        "%d-byte items, found %zu",
                        *nbytes, sh, itemsize, have);
    }
    return 0;
}

int sg_npy_parse(const unsigned char *buf, size_t len, const char *name,
                 sg_npy *out, char *err, size_t errlen)
{
    size_t data, nbytes, k, cstride[SG_NPY_MAX_DIMS];
    long long idx[SG_NPY_MAX_DIMS];
    const unsigned char *lxend;
    npy_header h;
    int big = 0, d;

    memset(out, 0, sizeof *out);
    if (name == NULL)
        name = "(npy)";
    if (parse_head(buf, len, len, name, out, &h, &big, &data, &nbytes, err,
                   errlen) != 0)
        return -1;
    lxend = buf + data;

    /* convert, in file order, to C order */
    {
        size_t n = out->count ? (size_t)out->count : 1;
        if (out->kind == SG_NPY_FLOAT)
            out->f = malloc(n * sizeof *out->f);
        else
            out->i = malloc(n * sizeof *out->i);
        if (out->f == NULL && out->i == NULL) {
            memset(out, 0, sizeof *out);
            return npy_fail(err, errlen, name,
                            "out of memory for %lld elements", (long long)n);
        }
    }
    if (h.ndim > 0) {
        cstride[h.ndim - 1] = 1;
        for (d = h.ndim - 2; d >= 0; d--)
            cstride[d] = cstride[d + 1] * (size_t)h.shape[d + 1];
    }
    memset(idx, 0, sizeof idx);
    for (k = 0; k < (size_t)out->count; k++) {
        const unsigned char *p = lxend + k * (size_t)out->itemsize;
        uint64_t bits = get_bits(p, out->itemsize, big);
        size_t at = k;

        if (h.fortran && h.ndim > 1) {
            /* idx is the multi-index of element k, first index fastest */
            at = 0;
            for (d = 0; d < h.ndim; d++)
                at += (size_t)idx[d] * cstride[d];
            for (d = 0; d < h.ndim; d++) {
                if (++idx[d] < h.shape[d])
                    break;
                idx[d] = 0;
            }
        }
        if (out->kind == SG_NPY_INT) {
            out->i[at] = as_signed(bits, out->itemsize);
        } else if (out->kind == SG_NPY_UINT) {
            if (bits > (uint64_t)INT64_MAX) {
                sg_npy_free(out);
                return npy_fail(err, errlen, name,
                                "value out of range: element %zu is %llu "
                                "(at most %lld is supported)",
                                at, (unsigned long long)bits,
                                (long long)INT64_MAX);
            }
            out->i[at] = (int64_t)bits;
        } else if (out->itemsize == 4) {
            uint32_t b32 = (uint32_t)bits;
            float fv;
            memcpy(&fv, &b32, sizeof fv);
            out->f[at] = fv;
        } else {
            double dv;
            memcpy(&dv, &bits, sizeof dv);
            out->f[at] = dv;
        }
    }
    return 0;
}

/* What a non-regular file is, for the message that refuses it. */
static const char *file_kind(mode_t m)
{
    return S_ISDIR(m)    ? "a directory"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

/* Read exactly n bytes at offset off of fd into buf; 0, or -1 with errno
 * (0 when the file ended first). */
static int read_at(int fd, unsigned char *buf, size_t n, off_t off)
{
    while (n > 0) {
        ssize_t got = pread(fd, buf, n, off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = 0;
            return -1;
        }
        buf += got;
        n -= (size_t)got;
        off += got;
    }
    return 0;
}

/* Reads a regular file only (a FIFO or device is refused by name, without
 * blocking on it), the header first: the data is read only once the header
 * is valid and the file's size equals what it declares, and never past
 * that size. */
int sg_npy_load(const char *path, sg_npy *out, char *err, size_t errlen)
{
    unsigned char lead[12], *buf = NULL;
    size_t size, lead_len, hstart, hlen, data, nbytes;
    npy_header h;
    struct stat st;
    int fd, rc = -1, big;

    memset(out, 0, sizeof *out);
    /* O_NONBLOCK: opening a FIFO with no writer must not wait for one */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return npy_fail(err, errlen, path, "cannot open: %s", strerror(errno));
    if (fstat(fd, &st) != 0) {
        npy_fail(err, errlen, path, "cannot read: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        npy_fail(err, errlen, path, "not a .npy file: %s, not a regular file",
                 file_kind(st.st_mode));
        goto out;
    }
    if ((unsigned long long)st.st_size > SIZE_MAX / 2) {
        npy_fail(err, errlen, path, "file too large: %lld bytes",
                 (long long)st.st_size);
        goto out;
    }
    size = (size_t)st.st_size;
    lead_len = size < sizeof lead ? size : sizeof lead;
    if (read_at(fd, lead, lead_len, 0) != 0)
        goto read_error;
    if (parse_lead(lead, lead_len, path, &hstart, &hlen, err, errlen) != 0)
        goto out;
    if (hlen > size - hstart) {
        npy_fail(err, errlen, path,
                 "truncated header: header length %zu, only %zu bytes follow",
                 hlen, size - hstart);
        goto out;
    }
    /* the header alone first: its shape says how much data must follow */
    buf = malloc(hstart + hlen);
    if (buf == NULL) {
        npy_fail(err, errlen, path, "out of memory reading the header");
        goto out;
    }
    if (read_at(fd, buf, hstart + hlen, 0) != 0)
        goto read_error;
    if (parse_head(buf, hstart + hlen, size, path, out, &h, &big, &data,
                   &nbytes, err, errlen) != 0)
        goto out;
    free(buf);
    buf = malloc(size);
    if (buf == NULL) {
        memset(out, 0, sizeof *out);
        npy_fail(err, errlen, path, "out of memory reading %zu bytes", size);
        goto out;
    }
    if (read_at(fd, buf, size, 0) != 0)
        goto read_error;
    rc = sg_npy_parse(buf, size, path, out, err, errlen);
    goto out;
read_error:
    memset(out, 0, sizeof *out);
    if (errno == 0)
        npy_fail(err, errlen, path, "cannot read: the file shrank while it "
                 "was read");
    else
        npy_fail(err, errlen, path, "cannot read: %s", strerror(errno));
out:
    free(buf);
    close(fd);
    return rc;
}

void sg_npy_free(sg_npy *a)
{
    if (a == NULL)
        return;
    free(a->i);
    free(a->f);
    memset(a, 0, sizeof *a);
}

/* ---- writing ----------------------------------------------------------- */

/* Write all n bytes to fd; 0 or -1 with errno. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int sg_npy_save_int(const char *path, const char *descr, int ndim,
                    const long long *shape, const int64_t *data,
                    char *err, size_t errlen)
{
    static const char *const descrs[4] = {"<i1", "<i2", "<i4", "<i8"};
    unsigned char chunk[8192];
    char hdr[256], sh[SG_NPY_MAX_DIMS * 22 + 4], *tmp = NULL;
    size_t hl, total, k, used;
    long long count = 1;
    int size = 0, d, fd = -1, n, e;

    for (d = 0; d < 4; d++)
        if (descr != NULL && strcmp(descr, descrs[d]) == 0)
            size = 1 << d;
    if (size == 0)
        return npy_fail(err, errlen, path,
                        "unsupported dtype '%s' for writing (legal: <i1, "
                        "<i2, <i4, <i8)", descr ? descr : "(null)");
    if (ndim < 0 || ndim > SG_NPY_MAX_DIMS)
        return npy_fail(err, errlen, path,
                        "invalid number of dimensions %d (legal: 0..%d)", ndim,
                        SG_NPY_MAX_DIMS);
    for (d = 0; d < ndim; d++)
        if (shape[d] < 0)
            return npy_fail(err, errlen, path,
                            "invalid shape: dimension %d is %lld", d,
                            shape[d]);
    shape_str(sh, sizeof sh, ndim, shape);
    for (d = 0; d < ndim; d++) {
        if (shape[d] == 0) {
            count = 0;
            break;
        }
        if (count > LLONG_MAX / shape[d] ||
            (unsigned long long)(count * shape[d]) > SIZE_MAX / 8)
            return npy_fail(err, errlen, path, "array too large: shape %s",
                            sh);
        count *= shape[d];
    }
    if (count > 0 && data == NULL)
        return npy_fail(err, errlen, path, "no data for shape %s", sh);
    if (size < 8) {
        int64_t hi = ((int64_t)1 << (8 * size - 1)) - 1;
        for (k = 0; k < (size_t)count; k++)
            if (data[k] < -hi - 1 || data[k] > hi)
                return npy_fail(err, errlen, path,
                                "value out of range: element %zu is %lld "
                                "(%s holds %lld..%lld)",
                                k, (long long)data[k], descr,
                                (long long)(-hi - 1), (long long)hi);
    }

    /* the header, padded with spaces so the data starts 64-byte aligned */
    n = snprintf(hdr, sizeof hdr,
                 "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                 descr, sh);
    hl = (size_t)n + 1; /* + '\n' */
    total = (10 + hl + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    if (total - 10 + 1 > sizeof hdr)
        return npy_fail(err, errlen, path, "header too long for shape %s", sh);
    memset(hdr + n, ' ', total - 10 - (size_t)n);
    hdr[total - 10 - 1] = '\n';

    /* a fresh temporary file next to path (same file system for rename) */
    tmp = malloc(strlen(path) + 48);
    if (tmp == NULL)
        return npy_fail(err, errlen, path, "out of memory");
    for (d = 0; d < 100 && fd < 0; d++) {
        sprintf(tmp, "%s.tmp.%ld.%d", path, (long)getpid(), d);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        e = errno;
        npy_fail(err, errlen, path, "cannot create temporary file '%s': %s",
                 tmp, strerror(e));
        free(tmp);
        return -1;
    }

    memcpy(chunk, NPY_MAGIC, NPY_MAGIC_LEN);
    chunk[6] = 1;
    chunk[7] = 0;
    chunk[8] = (unsigned char)((total - 10) & 0xff);
    chunk[9] = (unsigned char)((total - 10) >> 8);
    memcpy(chunk + 10, hdr, total - 10);
    used = total;
    for (k = 0; k <= (size_t)count; k++) {
        if (used + 8 > sizeof chunk || k == (size_t)count) {
            if (write_all(fd, chunk, used) != 0)
                goto write_error;
            used = 0;
        }
        if (k < (size_t)count) {
            uint64_t v = (uint64_t)data[k];
            for (d = 0; d < size; d++)
                chunk[used++] = (unsigned char)(v >> (8 * d));
        }
    }
    if (close(fd) != 0) {
        fd = -1;
        goto write_error;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        free(tmp);
        return npy_fail(err, errlen, path, "cannot rename temporary file: %s",
                        strerror(e));
    }
    free(tmp);
    return 0;

write_error:
    e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    npy_fail(err, errlen, path, "cannot write '%s': %s", tmp, strerror(e));
    free(tmp);
    return -1;
}
