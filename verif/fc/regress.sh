# verif/fc/regress.sh: run a file of random-model cases on a list of
# configurations (sourced by the regress*.test scripts after tests/lib.sh with
# $CONFIGS set; $CASES defaults to verif/fc/regress.txt, $BUILD_NAME names
# the build directory so tests running in parallel never share one).
need_tool VERILATOR verilator

CASES=${CASES:-"$top_srcdir/verif/fc/regress.txt"}
B="$top_builddir/build-tests/${BUILD_NAME:-regress}"
ci=0
for cfg in $CONFIGS; do
    ci=$((ci + 1))
    name=$(basename "$cfg" .json)
    # the first run verilates; its time is reported
    start=$(date +%s)
    "$SPARSEGEN" sim -c "$cfg" --random rows=2,cols=3 --build "$B" --quiet >"$T/build.out" 2>&1
    rc=$?
    is "verilate and smoke-run $name ($(( $(date +%s) - start )) s)" 0 "$rc"
    [ "$rc" -eq 0 ] || { sed 's/^/#   /' "$T/build.out" | tail -20; continue; }
    k=0
    while IFS='|' read -r spec stalls want; do
        spec=$(echo "$spec" | tr -d ' ')
        case "$spec" in ''|'#'*) continue ;; esac
        k=$((k + 1))
        set -- $stalls
        seed=$((ci * 100 + k))
        want=$(echo "$want" | tr -d ' ')
        "$SPARSEGEN" sim -c "$cfg" --random "$spec,seed=$seed" --seed "$seed" \
            --stall-in "$1" --stall-out "$2" --build "$B" --quiet >"$T/run.out" 2>&1
        rc=$?
        got=$(json_field "$T/run.out" outputs_checked)
        mm=$(json_field "$T/run.out" mismatches)
        util=$(json_field "$T/run.out" utilization)
        if [ "$rc" -eq 0 ] && [ "$got" = "$want" ] && [ "$mm" = 0 ]; then
            pass "$name: $spec seed $seed stalls $1/$2: $got results, 0 mismatches, utilization $util"
        else
            fail "$name: $spec seed $seed stalls $1/$2: exit $rc, results $got of $want, mismatches $mm"
            sed 's/^/#   /' "$T/run.out" | tail -8
        fi
    done <"$CASES"
done
