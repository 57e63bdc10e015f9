# verif/bench/common.sh: shared by the benchmark scripts (sourced).
: "${SPARSEGEN:?run through make bench}"
B="$top_builddir/build-bench"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

# field FILE KEY: a number or string field of the JSON summary (last line).
field() { tail -n 1 "$1" | tr ',{}' '\n\n\n' | sed -n "s/^\"$2\":\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" | head -n 1; }

# The ZCU102 design every board comparison runs on (issue 14): 26 PEs x 64
# banks = 1664 MAC lanes, one PE fewer than `gen --fit zcu102` picks from
# the default configuration (27 x 64, LUT-bound), hand-tuned so that the
# 1024 x 1024 LSTM's gate rows stay on chip: 64 banks make a step region of
# the 2048-element x and h 32 words, so two fit the 64-word vector banks;
# the weight buffer (1024 words) and row buffer (256) hold 158 gate rows
# per PE.  gen --board accepts it (LUT at 82%, over the fit's 80% headroom,
# under 100%).  zcu102_board prints what `gen --fit` picks and the
# estimate of this one, and fails the bench when `gen --board zcu102`
# refuses it.
ZFIT="$top_srcdir/verif/bench/zcu102_fit.json"
zcu102_board() {
    "$SPARSEGEN" gen --fit zcu102 -o "$T/zfit0" 2>&1 |
        sed -n 's/^  chosen: /  gen --fit zcu102 (default configuration) picks /p'
    "$SPARSEGEN" gen -c "$top_srcdir/verif/bench/zcu102.json" --fit zcu102 -o "$T/zfit" 2>&1 |
        sed -n 's/^  chosen: /  gen --fit zcu102 from verif\/bench\/zcu102.json picks /p'
    "$SPARSEGEN" gen -c "$ZFIT" --board zcu102 -o "$T/zboard" >"$T/zboard.out" 2>&1 ||
        { echo "bench: gen --board zcu102 refuses $ZFIT:"; cat "$T/zboard.out"; exit 1; }
    echo "  this design: gen -c verif/bench/zcu102_fit.json --board zcu102 accepts it:"
    sed -n '/^  resource/,/^  ff/p' "$T/zboard.out"
}
