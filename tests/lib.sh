# tests/lib.sh: TAP helpers for the shell tests (sourced, POSIX sh).
#
#   . "$top_srcdir/tests/lib.sh"
#   need_tool VERILATOR verilator    # SKIP the whole test if it is missing
#   ok "description" cmd args...     # pass if the command exits 0
#   is "description" expected actual # pass if the strings are equal
#   done_testing                     # print the plan; exit 1 if any failed
# Scratch files go to $T, a fresh directory under the build tree.

tap_n=0
tap_fail=0

: "${top_srcdir:?run through make check (top_srcdir unset)}"
: "${top_builddir:?run through make check (top_builddir unset)}"

T=$(mktemp -d "${top_builddir}/tmp.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT

pass() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
fail() { tap_n=$((tap_n + 1)); tap_fail=$((tap_fail + 1)); echo "not ok $tap_n - $*"; }
diag() { printf '# %s\n' "$@"; }

ok() {
    d=$1; shift
    if "$@" >"$T/ok.out" 2>&1; then pass "$d"; else fail "$d"; sed 's/^/#   /' "$T/ok.out" | tail -20; fi
}

is() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1"; diag "expected: $2" "got:      $3"; fi
}

# like: pass if $3 contains $2
like() {
    case "$3" in
    *"$2"*) pass "$1" ;;
    *) fail "$1"; diag "expected to contain: $2" "got: $3" ;;
    esac
}

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# need_tool VAR name: skip everything when the configured path is empty.
need_tool() {
    eval "v=\${$1:-}"
    [ -n "$v" ] && [ -x "$v" ] || skip_all "$2 not found by configure"
}

# json_field FILE KEY: a number or string field of the last JSON line.
json_field() {
    tail -n 1 "$1" | tr ',{}' '\n\n\n' | sed -n "s/^\"$2\":\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" | head -n 1
}

done_testing() {
    echo "1..$tap_n"
    [ "$tap_fail" -eq 0 ]
}
