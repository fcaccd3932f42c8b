#!/usr/bin/env bash
# Installs what dacguard needs to build, test and run its demo on Debian 12, 13 or
# sid, when something is missing. Safe to run again: it only asks apt for what is
# absent. `scripts/deps.sh --list` prints the package names and installs nothing
# (scripts/stack.sh builds its root filesystems with them).
set -euo pipefail

packages=(
    # build
    meson ninja-build pkg-config gcc clang
    libpipewire-0.3-dev libspa-0.2-dev libasound2-dev libudev-dev libglib2.0-dev
    # run and test: a private PipeWire + WirePlumber + pipewire-pulse, the clients
    # desktops use (pactl, paplay, wpctl), umockdev, sound tools
    pipewire pipewire-bin pipewire-pulse wireplumber pulseaudio-utils dbus
    umockdev libumockdev-dev alsa-utils sox python3 jq procps
    # install checks: systemd-analyze verify reads the user unit; e2e-unit-sandbox runs
    # it under systemd --user, in a mount namespace it sets up with mount(8)
    systemd mount
    # benchmark peers
    swh-plugins lsp-plugins-ladspa ladspa-sdk
    # the guard DSP's NEON path: an aarch64 cross compiler and qemu to run its unit tests
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
)

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
updated=0
apt_update()
{
    [[ $updated -eq 1 ]] && return 0
    $sudo apt-get update -q
    updated=1
}

# The sanitizer runtime comes with the release's default clang, whose major version
# differs by release (14 on Debian 12, 19 on 13, newer on sid): ask apt which one
# the "clang" package depends on.
clang_rt_package()
{
    local v
    v=$(apt-cache depends clang 2>/dev/null | sed -n 's/.*Depends: clang-\([0-9][0-9]*\)$/\1/p' |
        head -n 1)
    if [[ -z $v && ${1:-} != retry ]]; then
        apt_update >&2
        clang_rt_package retry
        return
    fi
    [[ -n $v ]] || { echo "deps.sh: apt knows no clang package" >&2; return 1; }
    echo "libclang-rt-$v-dev"
}

packages+=("$(clang_rt_package)")

if [[ ${1:-} == --list ]]; then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "dacguard: installing ${missing[*]}" >&2
apt_update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
