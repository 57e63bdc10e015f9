#!/bin/sh
# verif/bench/lstm_bench.sh (make bench): an LSTM layer of 1024 inputs and
# 1024 hidden units (a 4096 x 2048 gate matrix) at 87.5% bank-balanced
# sparsity, int8, 30 steps on the ZCU102 design of common.sh (26 PEs x 64
# banks, 4 element-wise lanes, 200 MHz), every h_t checked in lockstep.  Prints the
# per-step figures next to the published BBS and ESE accelerators.  A
# benchmark: a missed target is reported, it does not fail the build.
set -u
. "$top_srcdir/verif/bench/common.sh"
cfg="$ZFIT"

spec="type=lstm,cols=1024,rows=1024,steps=30,pattern=bbs,density=0.125,seed=1"
echo "sparsegen bench: LSTM 1024 inputs x 1024 hidden, 87.5% bank-balanced, int8, 30 steps"
"$SPARSEGEN" gen -c "$cfg" -o "$T/gen" | sed 's/^sparsegen: /  /'
zcu102_board
"$SPARSEGEN" sim -c "$cfg" --random "$spec" --build "$B" --quiet >"$T/lstm.json" 2>"$T/lstm.err" ||
    { echo "bench: LSTM run failed:"; cat "$T/lstm.err" "$T/lstm.json"; exit 1; }
# the sequence line: steps 1 .. 29 (a sequence's first step has no observable start)
seq=$(grep '"sequence_steps":30' "$T/lstm.json")
sfield() { echo "$seq" | tr ',{}' '\n\n\n' | sed -n "s/^\"$1\":\(.*\)\$/\1/p"; }
busy=$(sfield busy_per_step)
cyc=$(sfield cycles_per_step)
useful=$(sfield useful_macs_per_step)
stall=$(sfield stall_per_step)
clock=$(field "$T/lstm.json" clock_mhz)
P=$(sed -n 's/^#define SG_CFG_PE_COUNT *\([0-9]*\).*/\1/p' "$T/gen/sparsegen_params.h")
Bk=$(sed -n 's/^#define SG_CFG_BANKS *\([0-9]*\).*/\1/p' "$T/gen/sparsegen_params.h")
PL=$(sed -n 's/^#define SG_CFG_POST_LANES *\([0-9]*\).*/\1/p' "$T/gen/sparsegen_params.h")
LL=$(sed -n 's/^#define SG_CFG_LSTM_LANES *\([0-9]*\).*/\1/p' "$T/gen/sparsegen_params.h")
# multipliers: one per PE lane, one per post-unit lane (32 x 32), eight per
# element-wise lane (rtl_templates/sg_lstm_ew.v)
mults=$((P * Bk + PL + 8 * LL))
dense=$((4 * 1024 * (1024 + 1024)))
awk -v busy="$busy" -v cyc="$cyc" -v u="$useful" -v st="$stall" -v f="$clock" -v m="$mults" \
    -v pe=$((P * Bk)) -v d="$dense" -v lanes=$((P * Bk)) -v checked="$(field "$T/lstm.json" outputs_checked)" '
BEGIN {
    us = cyc / f; util = u / (busy * lanes)
    raw = 2 * u / (cyc / f) / 1e3; eff = 2 * d / (cyc / f) / 1e3
    printf "\n  %d h_t checked, %s mismatches; per step (mean of steps 1..29):\n", checked, "0"
    printf "  %-44s %12.1f\n", "cycles per step", cyc
    printf "  %-44s %12.1f\n", "busy cycles per step (RUN + element-wise tail)", busy
    printf "  %-44s %12.1f\n", "  of which the tail and other stalls", st
    printf "  %-44s %12.3f\n", "microseconds per step at " f " MHz", us
    printf "  %-44s %12.0f\n", "useful MACs per step (nonzero weights)", u
    printf "  %-44s %12.2f%%\n", "utilization per step, tail included", util * 100
    printf "  %-44s %12.2f%%\n", "  over all cycles (x streamed in meanwhile)", 100 * u / (cyc * lanes)
    printf "  %-44s %12.1f\n", "raw GOPS (2 x nonzero MACs / time)", raw
    printf "  %-44s %12.1f\n", "effective GOPS (2 x dense MACs / time)", eff
    printf "  %-44s %12d\n", "multipliers (PE " pe ", post, element-wise)", m
    printf "  %-44s %12.3f\n", "effective GOPS per multiplier", eff / m
    print ""
    # BBS (Cao et al., FPGA 2019, Arria 10 GX1150, 200 MHz, 16-bit, 87.5%):
    # 304.1 GOPS raw, 2432.8 effective at batch 1.  ESE (KU060, 200 MHz,
    # 12-bit, 88.7%): 282.2 GOPS, 2520 effective.  Their multiplier counts
    # are not in our sources; a raw figure R at 200 MHz needs at least
    # R / (2 x 0.2) multipliers busy every cycle, which bounds the effective
    # GOPS per multiplier from above.
    printf "  %-28s %10s %12s %14s %16s\n", "design", "raw GOPS", "eff. GOPS", "multipliers", "eff. GOPS/mult"
    printf "  %-28s %10.1f %12.1f %14d %16.3f\n", "sparsegen (zcu102, int8)", raw, eff, m, eff / m
    printf "  %-28s %10.1f %12.1f %14s %16s\n", "BBS (Arria 10, 16-bit)", 304.1, 2432.8, ">= 761", sprintf("<= %.3f", 2432.8 / 760.25)
    printf "  %-28s %10.1f %12.1f %14s %16s\n", "ESE (KU060, 12-bit)", 282.2, 2520.0, ">= 706", sprintf("<= %.3f", 2520 / 705.5)
    print ""
    printf "  target                                              measured     verdict\n"
    printf "  %-50s %8.2f%%     %s\n", "utilization per step incl. tail >= 90%", util * 100, (util >= 0.9) ? "met" : "MISSED"
    printf "  %-50s %9.3f     %s\n", "eff. GOPS per multiplier above BBS (<= 3.200)", eff / m, \
        (eff / m > 2432.8 / 760.25) ? "met" : "undecided"
    printf "  BBS gets more effective GOPS per multiplier than this only if it used fewer\n"
    printf "  than %d multipliers (2432.8 / %.3f), i.e. kept over %.1f%% of them busy.\n", \
        2432.8 / (eff / m), eff / m, 100 * 760.25 / (2432.8 / (eff / m))
    print "  At 87.5% sparsity a multiplier doing one useful MAC per cycle at 200 MHz is"
    print "  worth 2 x 8 x 0.2 = 3.2 effective GOPS, and so is BBS at best: which design"
    print "  gets more per multiplier is which keeps its multipliers busier, and BBS does"
    print "  not publish its count.  Ours is our utilization x 3.2, with every multiplier"
    print "  of the design counted."
}'
