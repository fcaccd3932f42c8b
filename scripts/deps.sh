#!/usr/bin/env bash
# Installs what dacguard needs to build, test and run its demo on Debian 12,
# when something is missing. Safe to run again: it only asks apt for what is absent.
set -euo pipefail

packages=(
    # build
    meson ninja-build pkg-config gcc clang libclang-rt-14-dev
    libpipewire-0.3-dev libspa-0.2-dev libasound2-dev libudev-dev libglib2.0-dev
    # run and test: a private PipeWire + WirePlumber, umockdev, sound tools
    pipewire pipewire-bin wireplumber dbus umockdev libumockdev-dev alsa-utils sox
    python3 jq
    # install checks: systemd-analyze verify reads the user unit
    systemd
    # benchmark peers
    swh-plugins lsp-plugins-ladspa ladspa-sdk
    # the guard DSP's NEON path: an aarch64 cross compiler and qemu to run its unit tests
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
)

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "dacguard: installing ${missing[*]}" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
