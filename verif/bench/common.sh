# verif/bench/common.sh: shared by the benchmark scripts (sourced).
: "${SPARSEGEN:?run through make bench}"
B="$top_builddir/build-bench"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

# field FILE KEY: a number or string field of the JSON summary (last line).
field() { tail -n 1 "$1" | tr ',{}' '\n\n\n' | sed -n "s/^\"$2\":\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" | head -n 1; }
