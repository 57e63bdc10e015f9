#!/bin/sh
# verif/systemc/build.sh: build the SystemC model of one configuration --
# generate its RTL, verilate the board wrapper sparsegen_axi with --sc (and
# sparsegen_sc.vlt) and link it with the sc_main testbench
# (verif/systemc/sc_main.cpp, sparsegen_sc.h, and the lockstep core it is
# built on, verif/harness/sg_lockstep.h, header only), the golden and core
# libraries.  Prints the binary's path on stdout.
#
#   verif/systemc/build.sh CONFIG.json DIR
#
# DIR receives the generated configuration (rtl/, filelist.f, ...) and the
# model in DIR/obj_dir_sc/Vsim_sc; a second run only rebuilds what changed.
# Exits 77 (skip) when SystemC (pkg-config systemc) or Verilator is missing,
# 2 on bad usage, 1 when generation or the build fails (the log is shown).
#
# Environment, as for `sparsegen sim`: SPARSEGEN (the tool), VERILATOR,
# SPARSEGEN_TEMPLATES, SPARSEGEN_INCLUDE (colon-separated header dirs),
# SPARSEGEN_LIBDIR (libsgcore.a, libsparsegolden.a).  Unset, they point into
# this source tree and its _build directory.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ $# -ne 2 ]; then
    echo "usage: $0 CONFIG.json DIR" >&2
    exit 2
fi
cfg=$1
dir=$2

if ! pkg-config --exists systemc 2>/dev/null; then
    echo "build.sh: SystemC not found by pkg-config (install libsystemc-dev): skipped" >&2
    exit 77
fi
VERILATOR=${VERILATOR:-$(command -v verilator || true)}
if [ -z "$VERILATOR" ] || [ ! -x "$VERILATOR" ]; then
    echo "build.sh: verilator not found: skipped" >&2
    exit 77
fi

SPARSEGEN=${SPARSEGEN:-$top/_build/sparsegen}
: "${SPARSEGEN_TEMPLATES:=$top/rtl_templates}"
: "${SPARSEGEN_INCLUDE:=$top/gen:$top/golden}"
: "${SPARSEGEN_LIBDIR:=$(dirname "$SPARSEGEN")}"
: "${SPARSEGEN_HARNESS:=$top/verif/harness}"
export SPARSEGEN_TEMPLATES SPARSEGEN_INCLUDE SPARSEGEN_LIBDIR SPARSEGEN_HARNESS

[ -f "$cfg" ] || { echo "build.sh: no configuration '$cfg'" >&2; exit 2; }
mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd) # Verilator's make runs in obj_dir: absolute paths only
"$SPARSEGEN" gen -c "$cfg" -o "$dir" >/dev/null || exit 1

libs=
for lib in libsgcore.a libsparsegolden.a; do
    if [ ! -f "$SPARSEGEN_LIBDIR/$lib" ]; then
        echo "build.sh: cannot read library '$SPARSEGEN_LIBDIR/$lib' (set SPARSEGEN_LIBDIR?)" >&2
        exit 1
    fi
    libs="$libs $(cd "$SPARSEGEN_LIBDIR" && pwd)/$lib"
done

# -CFLAGS is never empty here (Verilator misparses an empty one); the
# headers of Debian's SystemC are in /usr/include, so --cflags adds nothing.
# Verilator 5.006's make puts its own -Os (OPT_FAST, OPT_GLOBAL) after these
# flags, so the objects are in fact built with -Os; -MAKEFLAGS
# "OPT_FAST=-O2 OPT_GLOBAL=-O2" would give -O2, measured no faster here
# the lockstep core comes from this tree, as sc_main.cpp does (not from
# SPARSEGEN_HARNESS, which may name an installed one of another version)
cflags="-O2 -Wall -I$dir -I$here -I$top/verif/harness $(pkg-config --cflags systemc)"
old_ifs=$IFS
IFS=:
for inc in $SPARSEGEN_INCLUDE; do
    [ -n "$inc" ] && cflags="$cflags -I$inc"
done
IFS=$old_ifs
ldflags="$libs -ljansson -lm $(pkg-config --libs-only-L systemc)"

obj="$dir/obj_dir_sc"
log="$dir/obj_dir_sc.log"
# Verilator's make tracks the RTL and the headers sc_main.cpp includes, not
# the libraries: relink every time (the objects stay cached)
rm -f "$obj/Vsim_sc"
if ! "$VERILATOR" --sc --exe --build -j 2 -Wall -O3 \
    --x-assign unique --x-initial unique --assert +define+SG_ASSERTIONS \
    --top-module sparsegen_axi --Mdir "$obj" -o Vsim_sc \
    -CFLAGS "$cflags" -LDFLAGS "$ldflags" \
    -F "$dir/filelist.f" "$here/sparsegen_sc.vlt" "$here/sc_main.cpp" >"$log" 2>&1; then
    echo "build.sh: verilator --sc failed for '$cfg' (log $log):" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
echo "$obj/Vsim_sc"
