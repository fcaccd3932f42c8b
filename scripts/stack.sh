#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a command on another PipeWire stack: inside a Debian root filesystem of that
# release (built here with mmdebstrap from the Debian archive), with this checkout
# bound at /src.
#
#   scripts/stack.sh root SUITE          builds (or updates) the root of SUITE
#   scripts/stack.sh run SUITE CMD...    runs CMD in it, from /src
#   scripts/stack.sh test SUITE          the README's test command in it, into
#                                        build-test-SUITE/
#
# SUITE is a Debian suite: bookworm (PipeWire 0.3.65, WirePlumber 0.4), trixie
# (1.4, 0.5), sid (1.6, 0.5). Roots live in $DACGUARD_STACK_DIR (default
# .stacks/ in the checkout) and are kept between runs; `root` only installs what
# scripts/deps.sh lists and the root lacks. Needs root (chroot, mounts).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
stacks=${DACGUARD_STACK_DIR:-$src/.stacks}
mirror=${DACGUARD_STACK_MIRROR:-http://deb.debian.org/debian}

usage()
{
    sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $# -ge 2 ]] || usage
cmd=$1 suite=$2
shift 2
[[ $suite =~ ^[a-z-]+$ ]] || usage
root=$stacks/$suite

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"

# The binds live in a mount namespace of their own: they vanish with the command,
# and runs in the same root at the same time do not unmount each other's.
enter()
{
    [[ -x $root/bin/sh ]] || { echo "stack.sh: no root for $suite: run '$0 root $suite'" >&2; exit 1; }
    $sudo mkdir -p "$root/src"
    $sudo cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    # a clean environment: what the host's shell carries means nothing inside
    $sudo unshare --mount --propagation private /bin/bash -c '
        set -e
        root=$1 src=$2
        shift 2
        mount --rbind /dev "$root/dev"
        mount -t proc proc "$root/proc"
        mount --rbind /sys "$root/sys"
        mount --bind "$src" "$root/src"
        exec chroot "$root" "$@"' stack "$root" "$src" \
        /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        CI="${CI:-}" DACGUARD_FUZZ_SECONDS="${DACGUARD_FUZZ_SECONDS:-}" \
        DACGUARD_TEST_BUILDDIR="${DACGUARD_TEST_BUILDDIR:-}" \
        /bin/bash -c 'cd /src && exec "$@"' stack "$@"
}

make_root()
{
    local pkgs
    if ! command -v mmdebstrap >/dev/null; then
        $sudo apt-get update -q
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q mmdebstrap
    fi
    if [[ ! -x $root/bin/sh ]]; then
        # the package list comes from deps.sh run against the target's archive
        # later (inside); mmdebstrap only lays down a minimal apt system here
        $sudo mkdir -p "$stacks"
        echo "stack.sh: building the $suite root in $root" >&2
        $sudo mmdebstrap --variant=apt --include=ca-certificates \
            --aptopt='Acquire::Check-Valid-Until "false"' \
            --aptopt='APT::Install-Recommends "false"' \
            "$suite" "$root.tmp" "$mirror"
        $sudo mv "$root.tmp" "$root"
    fi
    # a root built at another time may have a Release file past its Valid-Until
    echo 'Acquire::Check-Valid-Until "false";' |
        $sudo tee "$root/etc/apt/apt.conf.d/99dacguard" >/dev/null
    enter bash scripts/deps.sh
    echo "stack.sh: $suite root ready:" \
        "$($sudo chroot "$root" dpkg-query -W -f='${Package} ${Version} ' pipewire wireplumber)" >&2
}

case $cmd in
root) make_root ;;
run)
    [[ $# -ge 1 ]] || usage
    enter "$@"
    ;;
test)
    DACGUARD_TEST_BUILDDIR=${DACGUARD_TEST_BUILDDIR:-build-test-$suite} enter bash scripts/test.sh
    ;;
*) usage ;;
esac
