#!/usr/bin/python3
"""Write the demo model: a 3-layer int8 MLP, 512-256-64-10, bank-balanced.

Every row of every layer keeps the same number of nonzeros in each of its 8
banks (75% / 75% / 50% sparsity), the pattern the PE array runs without
padding.  Requant parameters come from calibration on the 16 committed input
vectors: each row's largest |acc| maps to about 100.  Run with Debian's
python3 (numpy); the outputs are committed so the demo needs no Python.
"""
import json
import numpy as np

rng = np.random.default_rng(20261122)
BANKS = 8
shapes = [(256, 512, 0.25), (64, 256, 0.25), (10, 64, 0.5)]
x = rng.integers(-128, 128, size=(16, 512), dtype=np.int64)
np.save("x.npy", x.astype(np.int8))

layers = []
act = x
for i, (out, inp, density) in enumerate(shapes):
    w = np.zeros((out, inp), dtype=np.int64)
    bank = inp // BANKS
    k = int(round(bank * density))
    for r in range(out):
        for b in range(BANKS):
            cols = rng.choice(bank, size=k, replace=False) + b * bank
            v = rng.integers(-127, 128, size=k)
            v[v == 0] = 1
            w[r, cols] = v
    bias = rng.integers(-2000, 2000, size=out)
    acc = act @ w.T + bias
    peak = np.maximum(np.abs(acc).max(axis=0), 1)
    shift = np.full(out, 24, dtype=np.int64)
    mult = np.round(100.0 * (1 << 24) / peak).astype(np.int64)
    relu = i < len(shapes) - 1
    y = np.clip((acc * mult + (1 << 23)) >> 24, -128, 127)
    if relu:
        y = np.maximum(y, 0)
    name = "fc%d" % (i + 1)
    np.save(name + "_w.npy", w.astype(np.int8))
    np.save(name + "_b.npy", bias.astype(np.int32))
    np.save(name + "_m.npy", mult.astype(np.int32))
    np.save(name + "_s.npy", shift.astype(np.int8))
    layers.append({"name": name, "type": "fc", "in": inp, "out": out,
                   "weights": name + "_w.npy", "bias": name + "_b.npy",
                   "mult": name + "_m.npy", "shift": name + "_s.npy",
                   "activation": "relu" if relu else "none"})
    act = y

with open("mlp_bbs.json", "w") as f:
    json.dump({"name": "mlp_bbs", "input": "x.npy", "layers": layers}, f, indent=2)
    f.write("\n")
