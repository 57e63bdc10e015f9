#!/bin/sh
# verif/bench/fit_bench.sh (make bench): is the fit model that sizes the
# ZCU102 design (gen --fit, gen --board) still right?  Yosys cannot take the
# 1664-lane design itself on this machine (a 160-lane design ran it out of
# 19 GB), so it synthesizes a reduced-P version of it: the same 64 banks,
# buffer depths, widths and stream, 2 PEs (and so 2 post-unit lanes); the
# LUT, DSP and BRAM figures are
# compared with the model's estimate of that same configuration (target:
# within 10%).  A benchmark: a miss is reported, it does not fail the build.
set -u
. "$top_srcdir/verif/bench/common.sh"
P=${SG_FIT_BENCH_P:-2}
# post_lanes may not exceed pe_count: the reduced design keeps min(8, P)
PL=$(sed -n 's/.*"post_lanes": *\([0-9]*\).*/\1/p' "$ZFIT")
[ "$PL" -gt "$P" ] && PL=$P
sed "s/\"pe_count\": *[0-9]*/\"pe_count\": $P/; s/\"post_lanes\": *[0-9]*/\"post_lanes\": $PL/;
     s/\"name\": *\"[^\"]*\"/\"name\": \"zcu102-fit-p$P\"/" "$ZFIT" >"$T/reduced.json"
echo "sparsegen bench: the fit model against Yosys on the ZCU102 design at $P PEs ($(basename "$ZFIT"), B and buffers kept)"
start=$(date +%s)
"$SPARSEGEN" synth --tool yosys -c "$T/reduced.json" --board zcu102 -o "$T/synth" >"$T/synth.out" 2>&1 ||
    { echo "bench: synth failed:"; cat "$T/synth.out"; exit 1; }
echo "  Yosys took $(( $(date +%s) - start )) s"
echo
printf '  %-10s %10s %10s %10s   %s\n' resource Yosys "fit model" difference "verdict (within 10%)"
for r in lut dsp bram36 lutram ff; do
    # "  lut    19260   274080   7.03%   18200": used is field 2, estimate field 5
    set -- $(awk -v r="$r" '$1 == r { print $2, $5 }' "$T/synth.out")
    [ $# -eq 2 ] || { echo "bench: no $r row in the synth report"; cat "$T/synth.out"; exit 1; }
    awk -v r="$r" -v y="$1" -v e="$2" 'BEGIN {
        d = y > 0 ? (e - y) / y : 0
        v = (r == "lutram" || r == "ff") ? "(not a target)" : ((d <= 0.10 && d >= -0.10) ? "met" : "MISSED")
        printf "  %-10s %10s %10s %9.1f%%   %s\n", r, y, e, 100 * d, v }'
done
grep '^  \(multipliers\|buffers\|mapping\):' "$T/synth.out"
