#!/usr/bin/python3
"""train.py: the PyTorch front end of sparsegen, on sklearn's 8x8 digits.

Trains two small networks on load_digits (a CNN and a row-by-row LSTM),
prunes each to bank-balanced sparsity (BBS) with the exact banking the
accelerator uses, fine-tunes, and exports each as a sparsegen float model
(model.json + float32 .npy arrays) that `sparsegen quantize` reads:

    OUT/cnn/   model.json input.npy labels.npy calib.npy train.json *_w.npy *_b.npy
    OUT/lstm/  the same for the LSTM

Every run with the same arguments writes bit-identical files (fixed seeds,
one thread, deterministic algorithms, no data loader workers).

    train.py [--out DIR] [--banks B] [--sparsity S] [--quick] [--seed N]
"""

import argparse
import json
import math
import os
import random
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))

# Targets a full run must meet (on the 360 test images).
MIN_SPARSITY = 0.75     # overall zero weights / all weights
MAX_LOSS_PP = 1.0       # pruned accuracy >= dense accuracy - 1 percentage point

# Training schedules: epochs per phase and learning rates (full / --quick).
SCHEDULES = {
    "cnn": {"dense": 60, "prune": 30, "finetune": 30,
            "lr_dense": 3e-3, "lr_prune": 1e-3, "lr_finetune": 1e-3, "batch": 32},
    "lstm": {"dense": 80, "prune": 40, "finetune": 40,
             "lr_dense": 5e-3, "lr_prune": 1e-3, "lr_finetune": 1e-3, "batch": 32},
}
QUICK_EPOCHS = {"dense": 3, "prune": 2, "finetune": 1}

CALIB_SAMPLES = 256


# ---------------------------------------------------------------- data

def load_data():
    """The digits split: 1437 train / 360 test, pixels scaled to [0, 1]."""
    digits = load_digits()
    x = (digits.images.astype(np.float32) / np.float32(16.0)).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=0.2, random_state=0, stratify=y)
    return x_tr, y_tr, x_te, y_te


# ---------------------------------------------------------------- models

class DigitsCNN(nn.Module):
    """conv3x3 + relu, maxpool 2, conv3x3 + relu, maxpool 2, fc -> 10 logits."""

    def __init__(self, c1=16, c2=32):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 3, stride=1, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, stride=1, padding=1)
        self.fc1 = nn.Linear(c2 * 2 * 2, 10)

    def forward(self, x):                       # x: [N, 1, 8, 8]
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)   # [N, c1, 4, 4]
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)   # [N, c2, 2, 2]
        return self.fc1(torch.flatten(x, 1))          # C-order flatten

    def prunable(self):
        """(name, kind, [weight tensors]) of every layer the hardware banks."""
        return [("conv1", "conv", [self.conv1.weight]),
                ("conv2", "conv", [self.conv2.weight]),
                ("fc1", "fc", [self.fc1.weight])]


class DigitsLSTM(nn.Module):
    """One LSTM over the 8 image rows (T=8, in=8), fc on the last h."""

    def __init__(self, hidden=64):
        super().__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTM(8, hidden, num_layers=1, batch_first=True)
        self.fc1 = nn.Linear(hidden, 10)

    def forward(self, x):                       # x: [N, T=8, in=8]
        out, _ = self.lstm1(x)                  # zero initial h and c
        return self.fc1(out[:, -1, :])

    def prunable(self):
        return [("lstm1", "lstm", [self.lstm1.weight_ih_l0, self.lstm1.weight_hh_l0]),
                ("fc1", "fc", [self.fc1.weight])]


# ---------------------------------------------------------------- BBS

def bank_columns(kind, weights, banks):
    """Column indices of every bank of one row of the layer's 2-D view.

    fc:   consecutive banks of ceil(C / min(B, C)) columns.
    conv: consecutive banks of whole input channels, ceil(C_in / B) * KH * KW.
    lstm: over [W_ih | W_hh], column j of x and column j of h in bank j % nb.
    """
    if kind == "fc":
        cols = weights[0].shape[1]
        size = -(-cols // min(banks, cols))
        return [np.arange(lo, min(lo + size, cols)) for lo in range(0, cols, size)]
    if kind == "conv":
        _, c_in, kh, kw = weights[0].shape
        cols = c_in * kh * kw
        size = -(-c_in // banks) * kh * kw
        return [np.arange(lo, min(lo + size, cols)) for lo in range(0, cols, size)]
    if kind == "lstm":
        n_in, hidden = weights[0].shape[1], weights[1].shape[1]
        nb = min(banks, n_in + hidden)
        x_cols, h_cols = np.arange(n_in), n_in + np.arange(hidden)
        return [np.concatenate([x_cols[x_cols % nb == b],
                                h_cols[(h_cols - n_in) % nb == b]])
                for b in range(nb)]
    raise ValueError("unknown layer kind " + kind)


def layer_matrix(kind, weights):
    """The layer's weights as the hardware's rows x cols matrix (numpy)."""
    ws = [w.detach().cpu().numpy() for w in weights]
    if kind == "conv":
        return ws[0].reshape(ws[0].shape[0], -1)
    if kind == "lstm":
        return np.concatenate(ws, axis=1)
    return ws[0]


def bank_k(bank_cols, sparsity):
    """Nonzeros kept per bank: round-half-up(density x largest bank size)."""
    largest = max(len(c) for c in bank_cols)
    return int(math.floor((1.0 - sparsity) * largest + 0.5))


def bbs_mask(matrix, bank_cols, sparsity):
    """0/1 mask keeping, in every bank of every row, the min(k, size)
    weights of largest |w| (ties to the lower column index)."""
    k = bank_k(bank_cols, sparsity)
    mask = np.zeros(matrix.shape, dtype=np.float32)
    mag = np.abs(matrix)
    for cols in bank_cols:
        keep = min(k, len(cols))
        if keep == 0:
            continue
        # A stable sort of -|w| is descending with ties kept in column order.
        order = np.argsort(-mag[:, cols], axis=1, kind="stable")[:, :keep]
        rows = np.arange(matrix.shape[0])[:, None]
        mask[rows, cols[order]] = 1.0
    return mask, k


def compute_masks(model, banks, sparsity):
    """Fresh BBS masks from the current weights: {parameter: mask tensor}."""
    masks, ks = {}, {}
    for name, kind, weights in model.prunable():
        cols = bank_columns(kind, weights, banks)
        mask, k = bbs_mask(layer_matrix(kind, weights), cols, sparsity)
        ks[name] = k
        if kind == "conv":
            masks[weights[0]] = torch.from_numpy(mask.reshape(weights[0].shape))
        elif kind == "lstm":
            n_in = weights[0].shape[1]
            masks[weights[0]] = torch.from_numpy(np.ascontiguousarray(mask[:, :n_in]))
            masks[weights[1]] = torch.from_numpy(np.ascontiguousarray(mask[:, n_in:]))
        else:
            masks[weights[0]] = torch.from_numpy(mask)
    return masks, ks


def apply_masks(masks):
    """Zero the pruned weights in place (after every optimizer step)."""
    with torch.no_grad():
        for param, mask in masks.items():
            param.mul_(mask)


def cubic_sparsity(step, steps, final):
    """Zhu & Gupta's gradual schedule: 0 at step 0, `final` at step `steps`."""
    return final * (1.0 - (1.0 - min(step, steps) / steps) ** 3)


# ---------------------------------------------------------------- training

def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def evaluate(model, x, y):
    """(correct count, predictions) of a float32 forward pass."""
    model.eval()
    with torch.no_grad():
        pred = model(x).argmax(dim=1)
    return int((pred == y).sum()), pred


def train_phase(model, opt, x, y, epochs, lr, batch, gen, masks=None,
                sparsity_at=None, banks=None):
    """Train `epochs` epochs with a cosine-decayed lr.  With sparsity_at, the
    masks are recomputed at the start of every epoch for sparsity_at(epoch);
    with masks, they are re-applied after every optimizer step."""
    ks = None
    n = x.shape[0]
    for epoch in range(epochs):
        for group in opt.param_groups:
            group["lr"] = lr * 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))
        if sparsity_at is not None:
            masks, ks = compute_masks(model, banks, sparsity_at(epoch))
            apply_masks(masks)
        model.train()
        perm = torch.randperm(n, generator=gen)
        for lo in range(0, n, batch):
            idx = perm[lo:lo + batch]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if masks is not None:
                apply_masks(masks)
    return masks, ks


def train_and_prune(kind, model, x_tr, y_tr, args, epochs, sched):
    """Dense training, gradual BBS pruning, then fine-tuning at the final
    mask.  Returns the final masks and per-layer k."""
    gen = torch.Generator().manual_seed(args.seed)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    batch = sched["batch"]

    opt = torch.optim.Adam(model.parameters(), lr=sched["lr_dense"])
    train_phase(model, opt, xt, yt, epochs["dense"], sched["lr_dense"], batch, gen)
    dense_state = {k: v.clone() for k, v in model.state_dict().items()}

    # Gradual pruning: the sparsity climbs on the cubic schedule and reaches
    # the target at the last pruning epoch.
    opt = torch.optim.Adam(model.parameters(), lr=sched["lr_prune"])
    steps = max(epochs["prune"], 1)
    train_phase(model, opt, xt, yt, epochs["prune"], sched["lr_prune"], batch, gen,
                sparsity_at=lambda e: cubic_sparsity(e + 1, steps, args.sparsity),
                banks=args.banks)

    # Fine-tune at the final mask (computed once more at the full target).
    masks, ks = compute_masks(model, args.banks, args.sparsity)
    apply_masks(masks)
    opt = torch.optim.Adam(model.parameters(), lr=sched["lr_finetune"])
    train_phase(model, opt, xt, yt, epochs["finetune"], sched["lr_finetune"],
                batch, gen, masks=masks)
    return dense_state, ks


# ---------------------------------------------------------------- export

def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def save(directory, name, array, dtype=np.float32):
    np.save(os.path.join(directory, name), np.ascontiguousarray(array, dtype=dtype))


def export_arrays(kind, model, d):
    """Write the weights and model.json; returns the model.json dict."""
    def w(t):
        return t.detach().cpu().numpy()
    if kind == "cnn":
        layers = []
        for i, conv in ((1, model.conv1), (2, model.conv2)):
            save(d, "conv%d_w.npy" % i, w(conv.weight))
            save(d, "conv%d_b.npy" % i, w(conv.bias))
            layer = {"name": "conv%d" % i, "type": "conv"}
            if i == 1:
                layer["in"] = [conv.in_channels, 8, 8]
            layer.update({"weights": "conv%d_w.npy" % i, "bias": "conv%d_b.npy" % i,
                          "kernel": 3, "stride": 1, "padding": 1, "activation": "relu"})
            layers.append(layer)
            layers.append({"name": "pool%d" % i, "type": "maxpool",
                           "kernel": 2, "stride": 2})
        name = "digits_cnn"
    else:
        lstm = model.lstm1
        save(d, "lstm1_wih.npy", w(lstm.weight_ih_l0))
        save(d, "lstm1_whh.npy", w(lstm.weight_hh_l0))
        save(d, "lstm1_bih.npy", w(lstm.bias_ih_l0))
        save(d, "lstm1_bhh.npy", w(lstm.bias_hh_l0))
        layers = [{"name": "lstm1", "type": "lstm", "in": lstm.input_size,
                   "hidden": lstm.hidden_size,
                   "weight_ih": "lstm1_wih.npy", "weight_hh": "lstm1_whh.npy",
                   "bias_ih": "lstm1_bih.npy", "bias_hh": "lstm1_bhh.npy"}]
        name = "digits_lstm"
    save(d, "fc1_w.npy", w(model.fc1.weight))
    save(d, "fc1_b.npy", w(model.fc1.bias))
    layers.append({"name": "fc1", "type": "fc", "weights": "fc1_w.npy",
                   "bias": "fc1_b.npy", "activation": "none"})
    spec = {"name": name, "input": "input.npy", "layers": layers}
    write_json(os.path.join(d, "model.json"), spec)
    return spec


def load_exported(kind, d, make_model):
    """A fresh model holding the weights read back from the .npy files."""
    def arr(name):
        return torch.from_numpy(np.load(os.path.join(d, name)))
    model = make_model()
    if kind == "cnn":
        state = {"conv1.weight": arr("conv1_w.npy"), "conv1.bias": arr("conv1_b.npy"),
                 "conv2.weight": arr("conv2_w.npy"), "conv2.bias": arr("conv2_b.npy")}
    else:
        state = {"lstm1.weight_ih_l0": arr("lstm1_wih.npy"),
                 "lstm1.weight_hh_l0": arr("lstm1_whh.npy"),
                 "lstm1.bias_ih_l0": arr("lstm1_bih.npy"),
                 "lstm1.bias_hh_l0": arr("lstm1_bhh.npy")}
    state.update({"fc1.weight": arr("fc1_w.npy"), "fc1.bias": arr("fc1_b.npy")})
    model.load_state_dict(state)
    return model


def shape_inputs(kind, x):
    """[N, 8, 8] images as the model's input: CNN [N,1,8,8], LSTM [N,8,8]."""
    return x[:, None, :, :] if kind == "cnn" else x


def run_model(kind, args, data, epochs):
    """Train, prune and export one model into OUT/<kind>; returns a summary."""
    x_tr, y_tr, x_te, y_te = data
    sched = SCHEDULES[kind]
    make_model = (lambda: DigitsCNN()) if kind == "cnn" else (lambda: DigitsLSTM())
    x_tr, x_te = shape_inputs(kind, x_tr), shape_inputs(kind, x_te)
    xte, yte = torch.from_numpy(x_te), torch.from_numpy(y_te)

    set_seed(args.seed)
    model = make_model()
    dense_state, ks = train_and_prune(kind, model, x_tr, y_tr, args, epochs, sched)

    dense = make_model()
    dense.load_state_dict(dense_state)
    dense_correct, _ = evaluate(dense, xte, yte)

    # Build into OUT/<kind>.tmp and rename it over OUT/<kind> at the end.
    final = os.path.join(args.out, kind)
    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        export_arrays(kind, model, tmp)
        save(tmp, "input.npy", x_te)
        save(tmp, "labels.npy", y_te, dtype=np.int64)
        save(tmp, "calib.npy", x_tr[:CALIB_SAMPLES])

        # Pruned accuracy on the weights as exported, read back from disk.
        pruned_correct, pred = evaluate(load_exported(kind, tmp, make_model), xte, yte)

        layers, zeros_all, total_all = [], 0, 0
        for name, lkind, weights in model.prunable():
            total = sum(w.numel() for w in weights)
            zeros = sum(int((w == 0).sum()) for w in weights)
            zeros_all, total_all = zeros_all + zeros, total_all + total
            layers.append({"name": name, "type": lkind, "weights": total, "zeros": zeros,
                           "sparsity": round(zeros / total, 4), "bank_k": ks[name]})
        n = len(y_te)
        summary = {
            "model": "digits_" + kind, "seed": args.seed, "torch": torch.__version__,
            "banks": args.banks,
            "split": {"train": len(y_tr), "test": n, "random_state": 0},
            "epochs": dict(epochs),
            "layers": layers,
            "sparsity": round(zeros_all / total_all, 4),
            "accuracy": {"dense_float": round(100.0 * dense_correct / n, 2),
                         "pruned_float": round(100.0 * pruned_correct / n, 2)},
            "correct": {"dense_float": dense_correct, "pruned_float": pruned_correct},
            "predictions_pruned_float": [int(p) for p in pred],
        }
        write_json(os.path.join(tmp, "train.json"), summary)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    return summary


# ---------------------------------------------------------------- main

def parse_args():
    p = argparse.ArgumentParser(description="Train, BBS-prune and export the digits "
                                "CNN and LSTM as sparsegen float models.")
    p.add_argument("--out", default=HERE, help="output directory (default: %(default)s)")
    p.add_argument("--banks", type=int, default=8, help="hardware banks B (default 8)")
    p.add_argument("--sparsity", type=float, default=0.78,
                   help="per-layer target sparsity (default 0.78)")
    p.add_argument("--quick", action="store_true",
                   help="a few epochs only: a smoke test, targets not required")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = p.parse_args()
    if args.banks < 1:
        p.error("--banks must be >= 1")
    if not 0.0 <= args.sparsity < 1.0:
        p.error("--sparsity must be in [0, 1)")
    return args


def main():
    args = parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    data = load_data()

    start = time.time()
    all_met = True
    for kind in ("cnn", "lstm"):
        t0 = time.time()
        if args.quick:
            epochs = dict(QUICK_EPOCHS)
        else:
            epochs = {p: SCHEDULES[kind][p] for p in ("dense", "prune", "finetune")}
        s = run_model(kind, args, data, epochs)
        dense, pruned = s["accuracy"]["dense_float"], s["accuracy"]["pruned_float"]
        met = s["sparsity"] >= MIN_SPARSITY and pruned >= dense - MAX_LOSS_PP
        all_met = all_met and met
        print("%s: dense %.2f%%  pruned %.2f%%  (%+.2f pp)  sparsity %.2f%%  [%.1f s]"
              % (s["model"], dense, pruned, pruned - dense, 100 * s["sparsity"],
                 time.time() - t0))
        for layer in s["layers"]:
            print("  %-6s %-5s %6d weights  %6d zeros  sparsity %.2f%%  k=%d"
                  % (layer["name"], layer["type"], layer["weights"], layer["zeros"],
                     100 * layer["sparsity"], layer["bank_k"]))
        print("  -> %s" % os.path.join(args.out, kind))
    print("targets (sparsity >= %.0f%%, loss <= %.1f pp): %s  [total %.1f s%s]"
          % (100 * MIN_SPARSITY, MAX_LOSS_PP, "met" if all_met else "MISSED",
             time.time() - start, ", quick" if args.quick else ""))
    return 0 if all_met or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
