#!/bin/sh
# verif/bench/conv_bench.sh (make bench): a VGG-16 conv3_2-shaped layer
# (256 -> 256 channels, 56 x 56, 3 x 3, padding 1) at 70% bank-balanced
# sparsity and dense on verif/bench/vgg_conv.json (14 PEs x 16 banks: 14
# divides the 56-pixel rows, so no pixel group runs partly empty), every
# result checked in lockstep.  A benchmark: a missed target is reported.
set -u
. "$top_srcdir/verif/bench/common.sh"
cfg="$top_srcdir/verif/bench/vgg_conv.json"

shape="type=conv,c=256,h=56,w=56,k=3,stride=1,pad=1,rows=256,seed=1"
echo "sparsegen bench: CONV 256 -> 256 channels, 56 x 56, 3 x 3 (VGG-16 conv3_2), int8"
"$SPARSEGEN" gen -c "$cfg" -o "$T/gen" | sed 's/^sparsegen: /  /'
for p in bbs dense; do
    spec="$shape,pattern=$p,density=0.3"
    "$SPARSEGEN" sim -c "$cfg" --random "$spec" --build "$B" --quiet >"$T/$p.json" 2>"$T/$p.err" ||
        { echo "bench: $p run failed:"; cat "$T/$p.err" "$T/$p.json"; exit 1; }
done
db=$(field "$T/dense.json" busy_cycles)
clock=$(field "$T/bbs.json" clock_mhz)
printf '\n  %-22s %12s %10s %12s %8s %14s %10s\n' pattern "useful MACs" "PE cycles" utilization speedup "total cycles" "M cyc/s"
for p in bbs dense; do
    f="$T/$p.json"
    printf '  %-22s %12s %10s %11.2f%% %7.2fx %14s %10.2f\n' \
        "$( [ $p = bbs ] && echo "bank-balanced 70%" || echo dense)" "$(field "$f" useful_macs)" \
        "$(field "$f" busy_cycles)" "$(awk -v u="$(field "$f" utilization)" 'BEGIN{print u*100}')" \
        "$(awk -v d="$db" -v b="$(field "$f" busy_cycles)" 'BEGIN{print d/b}')" "$(field "$f" cycles)" \
        "$(awk -v c="$(field "$f" cycles_per_second)" 'BEGIN{print c/1e6}')"
done
util=$(field "$T/bbs.json" utilization)
speed=$(awk -v d="$db" -v b="$(field "$T/bbs.json" busy_cycles)" 'BEGIN{print d/b}')
# the nonzero fraction the random BBS weights really have
dens=$(awk -v u="$(field "$T/bbs.json" useful_macs)" -v d="$(field "$T/bbs.json" dense_macs)" 'BEGIN{print u/d}')
target=$(awk -v x="$dens" 'BEGIN{print 0.9/x}')
verdict() { awk -v v="$1" -v t="$2" 'BEGIN{print ((v >= t) ? "met" : "MISSED")}'; }
echo "  $(field "$T/bbs.json" outputs_checked) results checked per run, 0 mismatches required."
echo "  Total cycles include scattering the input rows into the line buffer over the"
echo "  64-bit stream, once per band of pixel groups and weight block."
echo
echo "  target                                              measured     verdict"
printf '  %-50s %8.2f%%     %s\n' "BBS utilization >= 90%" "$(awk -v u="$util" 'BEGIN{print u*100}')" "$(verdict "$util" 0.90)"
printf '  %-50s %8.2fx     %s\n' "speedup >= 0.9 x 1/(1-sparsity) = $(printf '%.2f' "$target")x (density $(printf '%.3f' "$dens"))" "$speed" "$(verdict "$speed" "$target")"

# What strides cost: stride-s layers run as s*s stride-1 phases, each with
# its own RUN (fill and drain) and its own taps; C < B leaves lanes empty.
echo
echo "  strides (70% BBS unless noted)                     PE cycles  utilization  results"
for case in \
    "3x3 stride 1, 128->128, 28x28|type=conv,c=128,h=28,w=28,k=3,stride=1,pad=1,rows=128,pattern=bbs,density=0.3,seed=2" \
    "3x3 stride 2, 128->128, 56x56|type=conv,c=128,h=56,w=56,k=3,stride=2,pad=1,rows=128,pattern=bbs,density=0.3,seed=3" \
    "11x11 stride 4, 3->96, 227x227 (AlexNet conv1, 84%)|type=conv,c=3,h=227,w=227,k=11,stride=4,pad=0,rows=96,pattern=bbs,density=0.84,seed=4"; do
    name=${case%%|*}
    spec=${case#*|}
    "$SPARSEGEN" sim -c "$cfg" --random "$spec" --build "$B" --quiet >"$T/s.json" 2>"$T/s.err" ||
        { echo "bench: '$name' failed:"; cat "$T/s.err" "$T/s.json"; exit 1; }
    printf '  %-50s %10s %11.2f%% %8s\n' "$name" "$(field "$T/s.json" busy_cycles)" \
        "$(awk -v u="$(field "$T/s.json" utilization)" 'BEGIN{print u*100}')" "$(field "$T/s.json" outputs_checked)"
done
echo "  Stride 2 runs 3x3 as 2x2, 2x1, 1x2 and 1x1 phases: weights balanced over the"
echo "  whole kernel are not balanced within each phase, so banks pad (pruning per"
echo "  phase would recover it).  AlexNet conv1 has 3 input channels for 16 banks;"
echo "  banking (channel, kernel row) pairs fills 9 (kh 3) or 6 (kh 2) of them."

# Whole networks, real layer shapes, random weights at Han et al.'s
# per-layer densities (bank-balanced), every CONV, max-pool and FC result
# checked in lockstep, on the ZCU102 design of common.sh (a 512-bit stream
# at 200 MHz, 12.8 GB/s).  One image keeps the feature maps on chip where
# they fit; a batch runs layer by layer so every weight crosses the stream
# once per batch.  Per network the cycles of an image split as sim counts
# them (harness: useful MAC lanes, padding, discarded pixels, fill/drain,
# stalls, max-pools, loads by kind, waits).
zcfg="$ZFIT"
echo
echo "  Whole networks on the ZCU102: every result checked in lockstep."
zcu102_board
P=$(sed -n 's/.*"pe_count": *\([0-9]*\).*/\1/p' "$zcfg")
Bk=$(sed -n 's/.*"banks": *\([0-9]*\).*/\1/p' "$zcfg")
lanes=$((P * Bk))
start=$(date +%s)
"$SPARSEGEN" sim -c "$zcfg" --random rows=8,cols=8 --build "$B" --quiet >"$T/v.json" 2>"$T/v.err" ||
    { echo "bench: building the zcu102 model failed:"; cat "$T/v.err"; exit 1; }
echo "  Verilating and compiling the model took $(( $(date +%s) - start )) s (once; cached in the build directory)."
printf '\n  %-18s %5s %11s %9s %10s %8s %9s %8s %6s\n' network batch "cycles/img" "dense GMAC" "PE util" "img/s" published "x publ." "wall"
: >"$T/nets"
for run in "alexnet 1 987" "alexnet 4 987" "alexnet-ungrouped 1 987" "vgg16 1 48"; do
    set -- $run
    start=$(date +%s)
    "$SPARSEGEN" sim -c "$zcfg" --random "net=$1,samples=$2" --build "$B" --quiet >"$T/n.json" 2>"$T/n.err" ||
        { echo "bench: $1 x $2 failed:"; cat "$T/n.err"; tail -n 3 "$T/n.json"; exit 1; }
    secs=$(( $(date +%s) - start ))
    [ "$(field "$T/n.json" mismatches)" = 0 ] || { echo "bench: $1 mismatches"; exit 1; }
    cp "$T/n.json" "$T/$1-$2.json"
    cyc=$(awk -v c="$(field "$T/n.json" cycles)" -v n="$2" 'BEGIN{printf "%d", c/n}')
    clock=$(field "$T/n.json" clock_mhz)
    ips=$(awk -v c="$(field "$T/n.json" cycles_per_sample)" -v f="$clock" 'BEGIN{printf "%.1f", f*1e6/c}')
    printf '  %-18s %5s %11s %9.3f %9.1f%% %8s %9s %7.2fx %5ss\n' "$1" "$2" "$cyc" \
        "$(awk -v d="$(field "$T/n.json" dense_macs)" -v n="$2" 'BEGIN{print d/n/1e9}')" \
        "$(awk -v u="$(field "$T/n.json" utilization)" 'BEGIN{print u*100}')" "$ips" "$3" \
        "$(awk -v a="$ips" -v b="$3" 'BEGIN{print a/b}')" "$secs"
    # what the lanes at 100% would allow: useful MACs per image
    echo "$1 $2 $ips $3 $(awk -v u="$(field "$T/n.json" useful_macs)" -v n="$2" -v f="$clock" -v l="$lanes" \
        'BEGIN{printf "%.0f", l*f*1e6/(u/n)}') $(field "$T/n.json" outputs_checked) $secs" >>"$T/nets"
done
echo "  PE util: useful MACs over all $lanes multipliers and all cycles, loads included."
echo
echo "  cycles per image, as sim counts them (MAC lanes: useful + padding + discarded)"
printf '  %-18s %5s %9s %8s %8s %8s %8s %8s %9s %8s %8s %8s\n' network batch useful padding discard \
    "fill" stalls "max-pool" "weights" "maps" "rows+hdr" waits
for f in "$T"/alexnet-1.json "$T"/alexnet-4.json "$T"/alexnet-ungrouped-1.json "$T"/vgg16-1.json; do
    n=$(field "$f" samples)
    per() { awk -v v="$(field "$f" "$1")" -v n="$n" 'BEGIN{printf "%.0f", v/n}'; }
    printf '  %-18s %5s %9s %8s %8s %8s %8s %8s %9s %8s %8s %8s\n' \
        "$(basename "$f" .json | sed 's/-[0-9]*$//')" "$n" "$(per cycles_useful_macs)" "$(per cycles_padding)" \
        "$(per cycles_discarded)" "$(per cycles_fill_drain)" "$(per cycles_stalls)" "$(per cycles_pool)" \
        "$(per cycles_load_weights)" "$(per cycles_load_maps)" \
        "$(awk -v a="$(field "$f" cycles_load_rows)" -v b="$(field "$f" cycles_load_headers)" -v n="$n" 'BEGIN{printf "%.0f", (a+b)/n}')" \
        "$(per cycles_waits)"
done
echo "  fill: pipeline fill and drain per RUN/CONV; stalls: the PE pipeline frozen while the"
echo "  post unit is full; weights/rows+hdr: command-stream beats, one per cycle, and maps: the"
echo "  cycles the vector banks take to write the feature maps (min(P or B, E) elements a cycle),"
echo "  all while the PEs wait (the controller loads and runs one command at a time); waits: the rest."
echo
echo "  target                                              measured     verdict"
while read -r net n ips pub bound outs secs; do
    [ "$net" = alexnet-ungrouped ] && continue
    [ "$n" = 1 ] && [ "$net" = alexnet ] && continue
    f="$T/$net-$n.json"
    # the bound the breakdown gives: the image's cycles without the loads
    # (what overlapping every load with compute would leave)
    noload=$(awk -v c="$(field "$f" cycles_per_sample)" -v n="$n" -v f2="$(field "$f" clock_mhz)" \
        -v w="$(field "$f" cycles_load_weights)" -v m="$(field "$f" cycles_load_maps)" \
        -v r="$(field "$f" cycles_load_rows)" -v h="$(field "$f" cycles_load_headers)" \
        'BEGIN{printf "%.0f", f2*1e6/(c - (w+m+r+h)/n)}')
    printf '  %-50s %8sx     %s   (bounds: %s img/s with every load hidden; %s with all %d lanes useful)\n' \
        "$net >= 1.5 x $pub images/s (batch $n)" "$(awk -v a="$ips" -v b="$pub" 'BEGIN{printf "%.2f", a/b}')" \
        "$(awk -v a="$ips" -v b="$pub" 'BEGIN{print ((a >= 1.5*b) ? "met" : "MISSED")}')" "$noload" "$bound" "$lanes"
done <"$T/nets"
grep '^alexnet 1 ' "$T/nets" | while read -r net n ips pub bound outs secs; do
    printf '  %-50s %8ss     %s   (%s results checked, golden model and compile included)\n' \
        "AlexNet, one image, in lockstep, < 300 s of wall time" "$secs" \
        "$( [ "$secs" -lt 300 ] && echo met || echo MISSED)" "$outs"
done
