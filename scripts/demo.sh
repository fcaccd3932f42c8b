#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on the embedded default, with no DAC attached: a real balanced DAC
# (the FiiO K3, replayed by umockdev from its real lsusb -v), a private PipeWire +
# WirePlumber with a null sink carrying the properties the K3's ALSA sink has, the
# guard module, dacguard's decision for the DAC, a music-like signal played through
# the guard, and a short report.
#
# DACGUARD_DEMO_DEVICE=<file.umockdev> replays another recording;
# DACGUARD_DEMO_HEADPHONE=<profile id> picks the headphone (see `dacguardctl headphones`).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

bash scripts/deps.sh

build=${DACGUARD_DEMO_BUILDDIR:-build-demo}
if [[ ! -f "$build/build.ninja" ]]; then
    meson setup "$build" -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" >/dev/null

device=${DACGUARD_DEMO_DEVICE:-$src/tests/data/devices/fiio-k3.umockdev}
headphone=${DACGUARD_DEMO_HEADPHONE:-moondrop-aria}
ctl=$build/tools/dacguardctl
wav_peak=$build/tests/pipewire/wav-peak

# A private config: the shipped database and profiles, plus the user's word on
# which headphone they use. Nothing under $HOME or /etc is read or touched.
. "$src/tests/lib/pw-session.sh"
PW_SESSION_MODULE_DIRS=$src/$build/plugin
conf=$(mktemp -d)
cp -r "$src/conf/devices" "$src/conf/headphones" "$conf/"
cat >"$conf/dacguard.conf" <<EOF
dacguard.max-spl-db = 85.0
dacguard.fallback-ceiling-db = -30.0
dacguard.hard-ceiling-db = 0.0
dacguard.default-headphone = "generic-iem-sensitive"
dacguard.devices = [
    { match = { usb = "2972:0047" product = "*K3*" }
      outputs = { "se-3.5" = { headphone = "$headphone" } "bal-2.5" = { headphone = "$headphone" } } }
]
EOF
export DACGUARD_CONFIG_DIR=$conf

step() { printf '\n== %s\n' "$*"; }

step "Detecting the DAC (umockdev replays $(basename "$device"))"
decision=$(umockdev-run --device "$device" -- "$ctl" list --json 2>/dev/null)
umockdev-run --device "$device" -- "$ctl" list 2>/dev/null | sed 's/^/   /'

read -r sink_name card vidpid model mode mode_source worst_output worst_ceiling < <(
    python3 -c '
import json, sys, re
d = json.load(sys.stdin)[0]
name = re.sub(r"[^A-Za-z0-9]+", "_", (d["manufacturer"] + "_" + d["product"]).strip("_"))
worst = min(d["outputs"], key=lambda o: o["ceiling_db"])
print("alsa_output.usb-%s-00.analog-stereo" % name, d["card"], d["vendor_id"] + ":" + d["product_id"],
      d["model"].replace(" ", "_"), d["mode"], d["mode_source"], worst["id"], "%.2f" % worst["ceiling_db"])
' <<<"$decision")

step "Starting a private PipeWire + WirePlumber with the DAC's sink and the guard module"
pw_session_add_sink "$sink_name" "FiiO K3 Analog Stereo" usb \
    'device.vendor.id="0x2972"' 'device.product.id="0x0047"' 'device.serial="FiiO_K3"'
pw_session_add_module libpipewire-module-dacguard \
    '{ dacguard.hard-ceiling-db = 0.0
       dacguard.rules = [ { matches = [ { device.bus = "usb" media.class = "Audio/Sink" } ]
                            actions = { create-guard = { dacguard.ceiling-db = -30.0 } } } ] }'
pw_session_start
guard=dacguard.$sink_name
guard_id=$(pw_wait_node "$guard")
echo "   guard node $guard (id $guard_id) in front of $sink_name, at the fallback ceiling"
pw_wait_prop "$guard_id" dacguard.ceiling-db '== -30'

step "Applying the decision: mode $mode ($mode_source): worst case $worst_output, ceiling $worst_ceiling dB"
pw-cli set-param "$guard_id" Props "{ params = [ \"dacguard.ceiling-db\" $worst_ceiling
    \"dacguard.output\" \"$worst_output\" \"dacguard.mode\" \"$mode\"
    \"dacguard.headphone\" \"$headphone\" ] }" >/dev/null
pw_wait_prop "$guard_id" dacguard.ceiling-db "< $worst_ceiling + 0.01"

step "Playing a music-like signal (plucked chords over pink noise, peaks at 0 dBFS and +6 dBFS)"
d=$PW_SESSION_DIR
sox -q -n -r 48000 -e floating-point -b 32 -c 2 "$d/music.wav" synth 0.5 pluck A2 pluck E3 \
    pluck C#4 pinknoise remix 1,2,4 1v0.7,3,4 repeat 9 tremolo 3 40 gain -n -0.01
"$wav_peak" --scale 6 "$d/music.wav" "$d/music+6.wav" >/dev/null
pw-record --target "$sink_name" --format f32 --rate 48000 --channels 2 \
    -P '{ node.name = dg-demo-record }' "$d/captured.wav" >"$d/record.log" 2>&1 &
rec=$!
pw_wait_linked "$sink_name" dg-demo-record
for f in music.wav music+6.wav; do
    pw-cat --playback --target "$guard" -P '{ node.name = dg-demo-play }' "$d/$f"
done
kill -INT "$rec"
wait "$rec" || true
pw_wait_prop "$guard_id" dacguard.peak-db '> -200'
peak=$("$wav_peak" "$d/captured.wav" | head -n1)

step "Report"
python3 - "$decision" <<'PY'
import json, sys
d = json.loads(sys.argv[1])[0]
print("   DAC:      %s %s (%s:%s, UAC%s, %s)" % (d["manufacturer"], d["product"], d["vendor_id"],
      d["product_id"], d["uac_version"], "in the database as " + d["model"] if d["known"] else "unknown"))
print("   mode:     %s (%s)" % (d["mode"], d["mode_source"]))
for o in d["outputs"]:
    print("   output:   %-8s %-9s ceiling %7.2f dBFS (%s; %s at 0 dBFS = %.1f dB SPL)" % (
        o["id"], "balanced" if o["balanced"] else "single-ended", o["ceiling_db"], o["limited_by"],
        o.get("headphone", "?"), o["spl_at_0dbfs"]))
PY
echo "   in force: $worst_ceiling dBFS on $guard"
echo "   measured: $peak (on the DAC sink's monitor)"
"$wav_peak" "$d/captured.wav" --max-db "$worst_ceiling" >/dev/null &&
    echo "   verdict:  no sample above the ceiling" ||
    { echo "   verdict:  SAMPLES ABOVE THE CEILING"; exit 1; }
for k in correlation imbalance-db crosstalk-db polarity-inverted dead-channel; do
    printf '   %-18s %s\n' "$k" "$(pw_param "$guard_id" "dacguard.$k")"
done
rm -rf "$conf"
