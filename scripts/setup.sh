#!/bin/sh
# scripts/setup.sh [--test]: install what sparsegen needs on Debian 12
# (idempotent), then configure and build it in ./_build.  Run as root (or
# with sudo).  --test also installs what only the tests use: Debian's
# python3 with torch and scikit-learn, for the PyTorch front end
# (models/digits/train.py); the C tool and the demo never need them.
set -eu
cd "$(dirname "$0")/.."

PKGS="build-essential autoconf automake pkg-config libjansson-dev
      verilator iverilog yosys gtkwave libsystemc-dev tcl"
[ "${1:-}" = "--test" ] && PKGS="$PKGS python3 python3-numpy python3-torch python3-sklearn"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] || autoreconf -fi
mkdir -p _build
cd _build
[ -f Makefile ] && [ Makefile -nt ../Makefile.am ] && [ config.status -nt ../configure ] || ../configure -q
make -j"$(nproc)" -s
