#!/bin/sh
# scripts/demo.sh: the main job, from a clean clone -- set up, generate the
# default 128-lane configuration, compile a bank-balanced sparse MLP and run
# it on the RTL in lockstep with the golden model, with random stalls; then
# a small CNN through the vector generator.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
top=$(pwd)
SG=_build/sparsegen
export SPARSEGEN_TEMPLATES="$top/rtl_templates" SPARSEGEN_HARNESS="$top/verif/harness" \
       SPARSEGEN_INCLUDE="$top/gen:$top/golden" SPARSEGEN_LIBDIR="$top/_build"

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
