#!/usr/bin/python3
"""Regenerate the numpy-written .npy fixtures of test_npy and test_model.

Run from anywhere:  /usr/bin/python3 tests/data/make_npy_fixtures.py
Writes tests/data/npy/*.npy and tests/data/models/*.npy.  The generated
files are committed, so the tests themselves never need Python; the values
here are repeated in tests/test_npy.c and tests/test_model.c, and the CNN
outputs it prints are the answers test_model.c expects.
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


def _post(acc, mult, shift, act="none", act_max=0, data_w=8):
    """Requant and activation as golden/sg_post.h (no wrap: sums are small)."""
    y = (int(acc) * int(mult) + ((1 << (shift - 1)) if shift else 0)) >> shift
    y = max(-(1 << (data_w - 1)), min((1 << (data_w - 1)) - 1, y))
    if act == "relu":
        y = max(y, 0)
    elif act == "relu6":
        y = min(max(y, 0), act_max)
    return y


def _conv(x, w, b, m, s, stride, pad, act="none", act_max=0):
    """[C, H, W] -> [O, HO, WO], zero padding, per-channel requant."""
    x = np.pad(x.astype(np.int64), ((0, 0), (pad[0],) * 2, (pad[1],) * 2))
    o_n, _, kh, kw = w.shape
    ho = (x.shape[1] - kh) // stride[0] + 1
    wo = (x.shape[2] - kw) // stride[1] + 1
    y = np.zeros((o_n, ho, wo), dtype=np.int64)
    for o in range(o_n):
        for i in range(ho):
            for j in range(wo):
                win = x[:, i * stride[0]:i * stride[0] + kh,
                        j * stride[1]:j * stride[1] + kw]
                acc = int(b[o]) + int((w[o].astype(np.int64) * win).sum())
                y[o, i, j] = _post(acc, m[o], s[o], act, act_max)
    return y


def _maxpool(x, k, st):
    c_n, h, w = x.shape
    return np.array([[[x[c, i:i + k, j:j + k].max()
                       for j in range(0, w - k + 1, st)]
                      for i in range(0, h - k + 1, st)]
                     for c in range(c_n)])


def cnn_fixtures():
    # cnn.json: conv 2->4 3x3 pad 1 on 2x6x6, relu; maxpool 2; conv 4->3 3x3
    # stride 2 pad 1; fc 12 -> 5.  The big arrays follow formulas that
    # tests/test_model.c repeats (cnn_x, conv1_w, conv2_w, fc3_w there).
    c, h, w = np.indices((2, 6, 6))
    save(MODELS, "cnn_x.npy", (((c * 37 + h * 11 + w * 5) % 29) - 14)
         .astype("i1"))
    o, c, i, j = np.indices((4, 2, 3, 3))
    save(MODELS, "conv1_w.npy", (((o * 13 + c * 7 + i * 5 + j * 3) % 15) - 7)
         .astype("i1"))
    save(MODELS, "conv1_b.npy", np.array([100, -50, 0, 25], dtype="<i4"))
    save(MODELS, "conv1_m.npy", np.array([1 << 14, 3 << 13, 5 << 12, 1 << 15],
                                         dtype="<i4"))
    save(MODELS, "conv1_s.npy", np.array([19, 19, 18, 20], dtype="i1"))
    o, c, i, j = np.indices((3, 4, 3, 3))
    save(MODELS, "conv2_w.npy", (((o * 5 + c * 11 + i * 7 + j * 2) % 13) - 6)
         .astype(">i2"))
    o, i = np.indices((5, 12))
    save(MODELS, "fc3_w.npy", (((o * 7 + i * 3) % 11) - 5).astype("i1"))
    save(MODELS, "fc3_b.npy", np.array([-3, 2, 0, 1, 5], dtype="<i4"))

    # conv_n3.json: a first-layer conv (kernel 2x3, stride [1, 2], padding
    # [0, 1]) on 3 samples of 1x4x5, relu6, then a 3x3 max-pool
    n, c, h, w = np.indices((3, 1, 4, 5))
    save(MODELS, "n3_x.npy", (((n * 17 + h * 7 + w * 3) % 41) - 20)
         .astype("<i2"))
    o, c, i, j = np.indices((2, 1, 2, 3))
    save(MODELS, "n3_w.npy", (((o * 5 + i * 3 + j * 7) % 9) - 4).astype("i1"))
    save(MODELS, "n3_b.npy", np.array([7, -7], dtype="<i4"))

    # the outputs test_model.c expects (it also checks every layer against
    # its own naive loops)
    x = np.load(os.path.join(MODELS, "cnn_x.npy"))
    y = _conv(x, np.load(os.path.join(MODELS, "conv1_w.npy")),
              [100, -50, 0, 25], [1 << 14, 3 << 13, 5 << 12, 1 << 15],
              [19, 19, 18, 20], (1, 1), (1, 1), "relu")
    y = _maxpool(y, 2, 2)
    y = _conv(y, np.load(os.path.join(MODELS, "conv2_w.npy")), [0] * 3,
              [1024] * 3, [12] * 3, (2, 2), (1, 1))
    w3 = np.load(os.path.join(MODELS, "fc3_w.npy")).astype(np.int64)
    b3 = [-3, 2, 0, 1, 5]
    print("cnn.json output:",
          [_post(b3[r] + int(w3[r] @ y.reshape(-1)), 1024, 11)
           for r in range(5)])
    x = np.load(os.path.join(MODELS, "n3_x.npy"))
    w = np.load(os.path.join(MODELS, "n3_w.npy"))
    print("conv_n3.json output:",
          [_maxpool(_conv(x[n], w, [7, -7], [4096] * 2, [13] * 2, (1, 2),
                          (0, 1), "relu6", 20), 3, 1).reshape(-1).tolist()
           for n in range(3)])


if __name__ == "__main__":
    npy_fixtures()
    model_fixtures()
    cnn_fixtures()
