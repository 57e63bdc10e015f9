#!/bin/sh
# scripts/test.sh: every test, from a clean clone -- set up, then make check
# (unit tests under ASan/UBSan, generator, lint, Verilator and Icarus
# regressions, Yosys mapping) and make distcheck (with a reduced regression,
# since make check already ran the full one).
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh --test
cd _build
# one closing line for CI: test programs and scripts, from automake's summary
summary() {
    awk '/^# (PASS|FAIL|SKIP|XFAIL|XPASS|ERROR):/ {n[$2]=$3} END {
        printf "%d passed, %d failed, %d skipped\n", n["PASS:"] + n["XFAIL:"],
               n["FAIL:"] + n["XPASS:"] + n["ERROR:"], n["SKIP:"] }' test-suite.log
}
status=0
make -j2 check || status=$?
if [ "$status" -ne 0 ]; then
    grep -v '^ok ' test-suite.log | head -200 # holds the log of every failed test
    summary
    exit "$status"
fi
summary
make -j2 distcheck SG_QUICK=1
summary # make check's totals again, as the closing line
