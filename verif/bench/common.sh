# verif/bench/common.sh: shared by the benchmark scripts (sourced).
: "${SPARSEGEN:?run through make bench}"
B="$top_builddir/build-bench"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

# field FILE KEY: a number or string field of the JSON summary (last line).
field() { tail -n 1 "$1" | tr ',{}' '\n\n\n' | sed -n "s/^\"$2\":\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" | head -n 1; }

# The ZCU102 design every board comparison runs on (issue 14): 27 PEs x 32
# banks = 864 MAC lanes, hand-tuned beside what `gen --fit zcu102` finds from
# verif/bench/zcu102.json (29 x 32 with a 1024-word weight buffer and a
# 128-word row buffer, LUT-bound): the weight buffer (1344 words) and row
# buffer (256) are deep enough to keep the 1024 x 1024 LSTM's gate rows on
# chip, and 27 PEs is the most that leaves 20% of the LUTs free.  zcu102_board prints what `gen --fit` picks and the estimate of
# this one, and fails the bench when `gen --board zcu102` refuses it.
ZFIT="$top_srcdir/verif/bench/zcu102_fit.json"
zcu102_board() {
    "$SPARSEGEN" gen -c "$top_srcdir/verif/bench/zcu102.json" --fit zcu102 -o "$T/zfit" 2>&1 |
        sed -n 's/^  chosen: /  gen --fit zcu102 picks /p'
    "$SPARSEGEN" gen -c "$ZFIT" --board zcu102 -o "$T/zboard" >"$T/zboard.out" 2>&1 ||
        { echo "bench: gen --board zcu102 refuses $ZFIT:"; cat "$T/zboard.out"; exit 1; }
    echo "  this design: gen -c verif/bench/zcu102_fit.json --board zcu102 accepts it:"
    sed -n '/^  resource/,/^  ff/p' "$T/zboard.out"
}
