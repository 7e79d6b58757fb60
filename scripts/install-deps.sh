#!/bin/sh
# Install the Debian packages marrow needs, only those that are missing.
# Used by `make run` and `make test`; safe to run again.  `--fuzz` adds clang (with
# libFuzzer) and valgrind for `make fuzz` and `make valgrind`.
set -eu
PKGS="build-essential cmake pkg-config libyaml-dev libgsl-dev librandom123-dev \
libsundials-dev libcmocka-dev libopenmpi-dev openmpi-bin nodejs npm chromium \
fonts-dejavu-core"
[ "${1:-}" = "--fuzz" ] && PKGS="$PKGS clang valgrind"
# NodeSource's nodejs package ships npm itself and conflicts with Debian's npm.
command -v npm >/dev/null 2>&1 && PKGS=$(echo "$PKGS" | sed 's/ npm / /')
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
echo "marrow: installing missing packages:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
# uPlot for the HTML report, at the version report/package-lock.json pins; CMake
# embeds it into the binary.
here=$(dirname "$0")/..
if [ ! -f "$here/report/node_modules/uplot/dist/uPlot.iife.min.js" ]; then
    echo "marrow: installing report/node_modules (npm ci)" >&2
    npm ci --prefix "$here/report" --no-audit --no-fund
fi
