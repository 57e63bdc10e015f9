#!/bin/sh
# scripts/demo.sh: the main job, from a clean clone -- set up, generate the
# default 128-lane configuration, compile a bank-balanced sparse MLP and run
# it on the RTL in lockstep with the golden model, with random stalls; then
# a small CNN through the vector generator; then real data: a CNN and an
# LSTM trained on handwritten digits, quantized and run on all 360 test
# images, with float, golden and RTL accuracy side by side; last the FPGA
# side: the board database, the largest accelerator for a ZCU104 with its
# Vivado flow, and a Yosys resource report of a small configuration on a
# PYNQ-Z2.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
top=$(pwd)
SG=_build/sparsegen
export SPARSEGEN_TEMPLATES="$top/rtl_templates" SPARSEGEN_HARNESS="$top/verif/harness" \
       SPARSEGEN_INCLUDE="$top/gen:$top/golden" SPARSEGEN_LIBDIR="$top/_build" \
       SPARSEGEN_FPGA="$top/fpga"

echo "== sparsegen gen: the default configuration"
$SG gen -c configs/default.json -o out/default
echo "== sparsegen compile: models/mlp_bbs (512-256-64-10, 75/75/50% bank-balanced)"
$SG compile -c configs/default.json -m models/mlp_bbs/mlp_bbs.json -o out/mlp_bbs
echo "== sparsegen sim: Verilator, every result checked against the golden model"
$SG sim -c configs/default.json -m models/mlp_bbs/mlp_bbs.json --build out/build \
    --seed 1 --stall-in 10 --stall-out 10
echo "== sparsegen sim: a small CNN (conv 3x3, max-pool, conv stride 2, fc) on the vector generator"
$SG sim -c configs/default.json -m tests/data/models/cnn.json --build out/build --seed 1 \
    --stall-in 10 --stall-out 10

# Real data: scikit-learn's handwritten digits (1797 8x8 images; 360 held out
# for test), a small CNN and an LSTM reading each image row by row, trained
# and pruned to bank-balanced sparsity by models/digits/train.py (PyTorch;
# its exports are committed, so the demo needs neither PyTorch nor network).
field() { tail -n 1 "$1" | tr ',{}' '\n\n\n' | sed -n "s/^\"$2\":\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p"; }
f2() { awk "BEGIN { printf \"%.2f\", $1 }"; }
torch_acc() { sed -n "/\"accuracy\"/,/}/s/.*\"$2\": *\([0-9.]*\).*/\1/p" "$1"; }
for m in cnn lstm; do
    d=models/digits/$m
    echo "== sparsegen quantize: the digits $m, float to int8 (activation scales from 256 training images)"
    rm -rf "out/digits_$m"
    q=out/digits_$m.quantize
    $SG quantize -c configs/default.json -m "$d/model.json" --calib "$d/calib.npy" \
        --labels "$d/labels.npy" -o "out/digits_$m" >"$q" || { cat "$q"; exit 1; }
    cat "$q"
    echo "== sparsegen sim: the digits $m on all 360 test images, every output checked in lockstep"
    s=out/digits_$m.sim
    $SG sim -c configs/default.json -m "out/digits_$m/model.json" --labels "$d/labels.npy" \
        --build out/build >"$s" || { cat "$s"; exit 1; }
    grep -v '^{"layer"' "$s"
done
echo "== digits, 360 test images, on 'default' (16 PEs x 8 banks) at $(field out/digits_cnn.sim clock_mhz) MHz"
printf '  %-5s %9s  %-23s %-22s %-11s %6s %12s %8s %9s\n' model sparsity "accuracy: float dense" \
    "pruned (torch / C)" "int8 golden" RTL cycles/image util. images/s
for m in cnn lstm; do
    q=out/digits_$m.quantize s=out/digits_$m.sim t=models/digits/$m/train.json
    printf '  %-5s %8.2f%%  %-23s %-22s %-11s %6s %12s %8s %9.0f  (%s mismatches)\n' "$m" \
        "$(awk "BEGIN { print 100 * $(field "$q" sparsity) }")" "$(torch_acc "$t" dense_float)%" \
        "$(torch_acc "$t" pruned_float)% / $(f2 "$(field "$q" float_accuracy)")%" \
        "$(f2 "$(field "$q" golden_accuracy)")%" "$(f2 "$(field "$s" rtl_accuracy)")%" \
        "$(field "$s" cycles_per_sample)" "$(f2 "100 * $(field "$s" utilization)")%" \
        "$(field "$s" samples_per_second)" "$(field "$s" mismatches)"
done

echo "== sparsegen boards: the board database"
$SG boards
echo "== sparsegen gen --fit zcu104: the largest accelerator for the board, and its Vivado flow"
$SG gen --fit zcu104 -o out/zcu104
ls out/zcu104/fpga/vivado
echo "== sparsegen synth --tool yosys: configs/small.json on the PYNQ-Z2 (about a minute)"
$SG synth --tool yosys -c configs/small.json --board pynqz2 -o out/synth_small
