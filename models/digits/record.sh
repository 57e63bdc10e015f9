#!/bin/sh
# models/digits/record.sh: after train.py, record what the C tool makes of
# the exported models, for verif/digits/digits.test to reproduce exactly:
# quantize each float model for configs/default.json (calibrated on its
# calib.npy), run the whole test split through the RTL in lockstep, and
# write MODEL/recorded.json (one line: float, golden and RTL correct
# counts, sparsity, cycles per image).  Run from a built tree:
#   models/digits/record.sh [BUILD_DIR]      (default: _build)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
b=$(cd "${1:-$top/_build}" && pwd)
export SPARSEGEN_TEMPLATES="$top/rtl_templates" SPARSEGEN_HARNESS="$top/verif/harness" \
       SPARSEGEN_INCLUDE="$top/gen:$top/golden" SPARSEGEN_LIBDIR="$b"
SG=$b/sparsegen
cfg=$top/configs/default.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for m in cnn lstm; do
    d=$top/models/digits/$m
    "$SG" quantize -c "$cfg" -m "$d/model.json" --calib "$d/calib.npy" --labels "$d/labels.npy" \
        -o "$tmp/$m" >"$tmp/q.out"
    "$SG" sim -c "$cfg" -m "$tmp/$m/model.json" --labels "$d/labels.npy" --build "$tmp/build" \
        --quiet >"$tmp/s.out"
    q=$(tail -n 1 "$tmp/q.out") s=$(tail -n 1 "$tmp/s.out")
    field() { echo "$1" | tr ',{}' '\n\n\n' | sed -n "s/^\"$2\":\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p"; }
    [ "$(field "$s" pass)" = true ] || { echo "record: $m failed on the RTL" >&2; exit 1; }
    printf '{"model":"%s","config":"default","samples":%s,"float_correct":%s,"golden_correct":%s,"rtl_correct":%s,"sparsity":%s,"cycles_per_sample":%s,"utilization":%s}\n' \
        "$m" "$(field "$q" samples)" "$(field "$q" float_correct)" "$(field "$q" golden_correct)" \
        "$(field "$s" rtl_correct)" "$(field "$q" sparsity)" "$(field "$s" cycles_per_sample)" \
        "$(field "$s" utilization)" >"$d/recorded.json"
    cat "$d/recorded.json"
done
