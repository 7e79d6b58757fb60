#!/bin/sh
# Install the Debian packages marrow needs, only those that are missing.
# Used by `make run` and `make test`; safe to run again.
set -eu
PKGS="build-essential cmake pkg-config libyaml-dev libgsl-dev librandom123-dev \
libsundials-dev libcmocka-dev libopenmpi-dev openmpi-bin"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "marrow: installing missing packages:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
