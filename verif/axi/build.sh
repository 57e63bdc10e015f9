#!/bin/sh
# verif/axi/build.sh: build the AXI testbench of one configuration --
# generate its RTL, verilate sparsegen_axi (the board wrapper) with
# SG_ASSERTIONS and link it with verif/axi/tb_axi.cpp.  Prints the binary's
# path on stdout.
#
#   verif/axi/build.sh CONFIG.json DIR
#
# DIR receives the generated configuration (rtl/, filelist.f,
# sparsegen_regs.h, ...) and the model in DIR/obj_dir_axi/Vtb_axi; a second
# run only rebuilds what changed.  Exits 77 (skip) when Verilator is
# missing, 2 on bad usage, 1 when generation or the build fails (the log's
# tail is shown).  Environment as for `sparsegen sim`: SPARSEGEN (the tool),
# VERILATOR, SPARSEGEN_TEMPLATES; unset, they point into this source tree
# and its _build directory.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ $# -ne 2 ]; then
    echo "usage: $0 CONFIG.json DIR" >&2
    exit 2
fi
cfg=$1
dir=$2

VERILATOR=${VERILATOR:-$(command -v verilator || true)}
if [ -z "$VERILATOR" ] || [ ! -x "$VERILATOR" ]; then
    echo "build.sh: verilator not found: skipped" >&2
    exit 77
fi
SPARSEGEN=${SPARSEGEN:-$top/_build/sparsegen}
: "${SPARSEGEN_TEMPLATES:=$top/rtl_templates}"
export SPARSEGEN_TEMPLATES

[ -f "$cfg" ] || { echo "build.sh: no configuration '$cfg'" >&2; exit 2; }
mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd) # Verilator's make runs in obj_dir: absolute paths only
"$SPARSEGEN" gen -c "$cfg" -o "$dir" >/dev/null || exit 1

# The testbench includes only generated headers (sparsegen_params.h,
# sparsegen_regs.h), its own and the stream half of the lockstep core
# (verif/harness/sg_stream.h, header only, from this tree): no library.
# -O1: the model is small and runs briefly, so compile time matters more
# than speed.
obj="$dir/obj_dir_axi"
log="$dir/obj_dir_axi.log"
if ! "$VERILATOR" --cc --exe --build -j 2 -Wall -O3 \
    --x-assign unique --x-initial unique --assert +define+SG_ASSERTIONS \
    --top-module sparsegen_axi --Mdir "$obj" -o Vtb_axi \
    -CFLAGS "-O1 -Wall -I$dir -I$here -I$top/verif/harness" \
    -F "$dir/filelist.f" "$here/tb_axi.vlt" "$here/tb_axi.cpp" >"$log" 2>&1; then
    echo "build.sh: verilator failed for '$cfg' (log $log):" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
echo "$obj/Vtb_axi"
