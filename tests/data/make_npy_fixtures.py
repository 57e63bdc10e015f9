#!/usr/bin/python3
"""Regenerate the numpy-written .npy fixtures of test_npy and test_model.

Run from anywhere:  /usr/bin/python3 tests/data/make_npy_fixtures.py
Writes tests/data/npy/*.npy and tests/data/models/*.npy.  The generated
files are committed, so the tests themselves never need Python; the values
here are repeated in tests/test_npy.c and tests/test_model.c.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
NPY = os.path.join(HERE, "npy")
MODELS = os.path.join(HERE, "models")


def save(directory, name, arr, **kw):
    os.makedirs(directory, exist_ok=True)
    np.save(os.path.join(directory, name), arr, **kw)


def write_version(name, arr, version):
    with open(os.path.join(NPY, name), "wb") as f:
        np.lib.format.write_array(f, arr, version=version)


def npy_fixtures():
    # integers at the edges of each width; 0x0102... catches byte-order bugs
    ints = {
        "i1": [-128, -1, 0, 1, 127],
        "i2": [-32768, -2, 0, 0x0102, 32767],
        "i4": [-2**31, -0x01020304, 0, 0x01020304, 2**31 - 1],
        "i8": [-2**63, -0x0102030405060708, 0, 0x0102030405060708, 2**63 - 1],
    }
    save(NPY, "i1.npy", np.array(ints["i1"], dtype="i1"))  # descr '|i1'
    for t in ("i2", "i4", "i8"):
        save(NPY, t + "_le.npy", np.array(ints[t], dtype="<" + t))
        save(NPY, t + "_be.npy", np.array(ints[t], dtype=">" + t))
    save(NPY, "u1.npy", np.array([0, 1, 128, 255], dtype="u1"))
    save(NPY, "u2_be.npy", np.array([0, 0x0102, 65535], dtype=">u2"))
    save(NPY, "u8_le.npy", np.array([0, 2**63 - 1], dtype="<u8"))
    # must be rejected: does not fit int64
    save(NPY, "u8_over.npy", np.array([1, 2**64 - 1], dtype="<u8"))

    # Fortran order: the loader must return C order, 0 1 2 ... 23
    save(NPY, "fortran2.npy",
         np.asfortranarray(np.arange(6, dtype="<i2").reshape(2, 3)))
    save(NPY, "fortran3.npy",
         np.asfortranarray(np.arange(24, dtype="i1").reshape(2, 3, 4)))
    save(NPY, "a3d.npy", np.arange(24, dtype="<i2").reshape(2, 3, 4) - 12)
    save(NPY, "empty.npy", np.zeros((0, 3), dtype="i1"))
    save(NPY, "scalar.npy", np.int32(-7))  # 0-d, shape ()

    # header length as u32 (2.0) and UTF-8 header (3.0)
    write_version("v2.npy", np.array([1, 2, 3], dtype="<i4"), (2, 0))
    write_version("v3.npy", np.array([[4, 5], [6, 7]], dtype=">i2"), (3, 0))

    save(NPY, "f4.npy", np.array([0.5, -1.25, 3.0], dtype="<f4"))
    save(NPY, "f8_be.npy", np.array([1.5, -2.0], dtype=">f8"))

    # must be rejected
    save(NPY, "bool.npy", np.array([True, False, True]))
    save(NPY, "object.npy", np.array([1, "a", None], dtype=object),
         allow_pickle=True)


def model_fixtures():
    # 2-layer MLP 4 -> 3 -> 2 with per-channel requant parameters; dtypes
    # vary on purpose (any integer dtype is fine if the values fit)
    save(MODELS, "x2.npy", np.array([[1, -2, 3, -4], [127, -128, 0, 5]],
                                    dtype="i1"))
    save(MODELS, "x1.npy", np.array([10, 20, -30, 40], dtype="<i2"))
    save(MODELS, "fc1_w.npy", np.array([[1, 2, 3, 4],
                                        [-1, -2, -3, -4],
                                        [127, -128, 0, 9]], dtype="i1"))
    save(MODELS, "fc1_b.npy", np.array([100, -200, 300], dtype="<i4"))
    save(MODELS, "fc1_m.npy", np.array([1 << 30, 123456789, -5],
                                       dtype="<i4"))
    save(MODELS, "fc1_s.npy", np.array([31, 0, 62], dtype="i1"))
    save(MODELS, "fc2_w.npy", np.array([[5, -6, 7], [-8, 9, -10]],
                                       dtype=">i2"))
    save(MODELS, "fc2_b.npy", np.array([-1, 1], dtype="<i8"))
    save(MODELS, "fc2_m.npy", np.array([2**31 - 1, -2**31], dtype="<i4"))
    save(MODELS, "fc2_s.npy", np.array([7, 8], dtype="u1"))


if __name__ == "__main__":
    npy_fixtures()
    model_fixtures()
