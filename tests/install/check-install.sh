#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `meson install` into a scratch DESTDIR, then checks that every file lands where
# its consumer looks for it: the module in libpipewire's moduledir, the ALSA
# plugin in alsa-lib's plugin dir, the udev rule, the systemd user unit, the
# config, database and profiles under datadir, the man pages.
# Usage: check-install.sh BUILDDIR
set -euo pipefail
builddir=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$builddir" --destdir "$dest" --no-rebuild >"$dest.log" 2>&1 ||
    { cat "$dest.log"; echo "check-install: meson install failed"; exit 1; }
rm -f "$dest.log"

opt() { meson introspect "$builddir" --buildoptions |
    python3 -c "import json,sys; print(next(o['value'] for o in json.load(sys.stdin) if o['name']=='$1'))"; }
prefix=$(opt prefix)
datadir=$prefix/$(opt datadir)
mandir=$prefix/$(opt mandir)
libexecdir=$prefix/$(opt libexecdir)
moduledir=$(pkg-config --variable=moduledir libpipewire-0.3)
alsadir=$(pkg-config --variable=libdir alsa)/alsa-lib

failed=0
# want PATH: an exact path, or a pattern for find -path (udev/systemd dirs vary by prefix)
want() {
    if [[ -e "$dest$1" ]] || [[ -n $(find "$dest" -path "$dest$1" -print -quit) ]]; then
        echo "ok   $1"
    else
        echo "MISSING $1"
        failed=1
    fi
}
want "$moduledir/libpipewire-module-dacguard.so"
want "$alsadir/libasound_module_pcm_dacguard.so"
want "$prefix/bin/dacguardctl"
want "$libexecdir/dacguardd"
want "*/udev/rules.d/70-dacguard.rules"
want "*/systemd/user/dacguardd.service"
want "$datadir/dacguard/dacguard.conf"
want "$datadir/dacguard/devices/30-fiio.conf"
want "$datadir/dacguard/headphones/00-generic.conf"
want "$datadir/dacguard/pipewire.conf.d/50-dacguard.conf"
# the installed WirePlumber's rules (conf/meson.build), where it reads them
case $(opt wireplumber-rules) in
auto) wp=$(wireplumber --version 2>/dev/null |
	sed -n 's/.*libwireplumber \([0-9]*\.[0-9]*\).*/\1/p' | head -n 1)
	case $wp in 0.4) wp_want=(lua) ;; "") wp_want=(lua conf) ;; *) wp_want=(conf) ;; esac ;;
0.4) wp_want=(lua) ;;
0.5) wp_want=(conf) ;;
both) wp_want=(lua conf) ;;
*) wp_want=() ;;
esac
for w in lua conf; do
    case $w in
    lua) f=$datadir/wireplumber/main.lua.d/51-dacguard-hold.lua ;;
    conf) f=$datadir/wireplumber/wireplumber.conf.d/51-dacguard-hold.conf ;;
    esac
    if [[ " ${wp_want[*]} " == *" $w "* ]]; then
        want "$f"
    elif [[ -e "$dest$f" ]]; then
        # WirePlumber 0.5 warns of every Lua file it finds; 0.4 has no use for SPA-JSON
        echo "NOT WANTED $f"
        failed=1
    fi
done
want "$mandir/man1/dacguardctl.1"
want "$mandir/man5/dacguard.conf.5"
want "$mandir/man7/libpipewire-module-dacguard.7"
want "$mandir/man8/dacguardd.8"
# the unit starts the daemon where it was installed
unit=$(find "$dest" -path "*/systemd/user/dacguardd.service" -print -quit)
grep -q "^ExecStart=$libexecdir/dacguardd" "${unit:-/dev/null}" ||
    { echo "MISSING ExecStart=$libexecdir/dacguardd in the unit"; failed=1; }
# the guard hosts must outlive a stop or crash of the daemon (doc/e2e.md)
grep -q "^KillMode=process$" "${unit:-/dev/null}" ||
    { echo "MISSING KillMode=process in the unit"; failed=1; }
# what the sandbox must let through, which the sandbox test (tests/e2e/test-unit-sandbox.sh,
# umockdev's uevents over AF_UNIX, no RLIMIT_RTPRIO to give) cannot see: udev's netlink
# socket, and real-time scheduling for the guard hosts' data thread (doc/hardening.md)
grep -Eq "^RestrictAddressFamilies=(.* )?AF_NETLINK( |$)" "${unit:-/dev/null}" ||
    { echo "MISSING AF_NETLINK in the unit's RestrictAddressFamilies= (udev)"; failed=1; }
if grep -Eq "^RestrictRealtime=(yes|true|on|1)$" "${unit:-/dev/null}"; then
    echo "FORBIDDEN RestrictRealtime= in the unit (the guard hosts' data thread)"; failed=1
fi
# systemd itself reads the unit, as the user manager it is for: any message (an unknown
# key, a bad value, a missing ExecStart binary) fails. Offline: a scratch runtime dir,
# no man pages, only this unit's own errors (not those of pipewire.service it wants).
if ! command -v systemd-analyze >/dev/null; then
    if [ -e /etc/debian_version ]; then
        echo "MISSING systemd-analyze (the systemd package, scripts/deps.sh): cannot verify the unit"
        failed=1
    else
        echo "skip systemd-analyze verify: systemd-analyze not installed"
    fi
elif [ -n "$unit" ]; then
    verify_dir=$(mktemp -d)
    mkdir -m 700 "$verify_dir/run"
    sed "s#^ExecStart=$libexecdir/#ExecStart=$dest$libexecdir/#" "$unit" \
        >"$verify_dir/dacguardd.service"
    if out=$(XDG_RUNTIME_DIR=$verify_dir/run systemd-analyze --user verify --man=no \
        --recursive-errors=no "$verify_dir/dacguardd.service" 2>&1) && [ -z "$out" ]; then
        echo "ok   systemd-analyze --user verify accepts the unit"
    else
        echo "INVALID unit (systemd-analyze --user verify): $out"; failed=1
    fi
    rm -rf "$verify_dir"
fi
# the installed database is valid as installed
if DACGUARD_CONFIG_DIR=$dest$datadir/dacguard "$builddir/tools/dacguardctl" db validate \
    "$dest$datadir/dacguard" >/dev/null; then
    echo "ok   installed database validates"
else
    echo "INVALID installed database"; failed=1
fi
exit $failed
