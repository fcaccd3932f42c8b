#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on the embedded default, with no DAC attached: a private PipeWire +
# WirePlumber, dacguardd, and a real balanced DAC (the FiiO K3: 3.5 mm single-ended
# and 2.5 mm balanced, replayed by umockdev from its real lsusb -v) hotplugged into
# it, with a null sink carrying what the K3's ALSA sink carries. The daemon
# identifies the DAC, puts a guard in front of its sink and sets its ceiling; a
# music-like signal plays through; the report compares measured peaks with ceilings
# and checks that the music arrived whole, sample for sample (wav-intact).
#
# DACGUARD_DEMO_HEADPHONE=<profile id> picks the headphone (`dacguardctl headphones`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh

build=${DACGUARD_DEMO_BUILDDIR:-build-demo}
if [[ ! -f "$build/build.ninja" ]]; then
    meson setup "$build" -Dbuildtype=debugoptimized -Dtests=enabled >/dev/null
fi
ninja -C "$build" >/dev/null

export DG_SOURCE_DIR=$PWD
export DG_MODULE_DIR=$PWD/$build/pipewire-module
export DG_DACGUARDD=$PWD/$build/daemon/dacguardd
export DG_DACGUARDCTL=$PWD/$build/tools/dacguardctl
export DG_TESTBED=$PWD/$build/tests/e2e/dg-testbed
export DG_WAV_PEAK=$PWD/$build/tests/pipewire/wav-peak
export DG_WAV_INTACT=$PWD/$build/tests/pipewire/wav-intact
# The session, the testbed and the daemon are the e2e suite's (tests/e2e/common.sh):
# the demo is what those tests check, shown.
. tests/e2e/common.sh
HEADPHONE=${DACGUARD_DEMO_HEADPHONE:-moondrop-aria}

step() { printf '\n== %s\n' "$*"; }
param() { pw_param "$GUARD_ID" "dacguard.$1"; }

# music-like: plucked chords over pink noise with a tremolo, normalised to 0 dBFS,
# then a copy 6 dB hotter (float overs, as a summing mixer or a DSP plugin makes)
make_music()
{
    make_wav "$1" synth 0.5 pluck A2 pluck E3 pluck C#4 pinknoise remix 1,2,4 1v0.7,3,4 \
        repeat 5 tremolo 3 40 gain -n -0.01
    "$DG_WAV_PEAK" --scale 6 "$1" "$2" >/dev/null
}

# intact NAME RECORDING GAIN-DB...: prints wav-intact's verdict on RECORDING (the
# music +6 dB at the ceilings GAIN-DB..., in order) and its summary, then its
# transitions (kept in INTACT_OUT); on a failure its details, counted in
# not_intact (the demo goes on, and fails at the end). The guard holds the daemon's
# ceilings as they were handed over (%.3f text, 32-bit floats): to 0.001 dB.
not_intact=0
intact()
{
    local name=$1 rec=$2 err=$PW_SESSION_DIR/intact.err verdict=ok db args=()
    shift 2
    for db in "$@"; do args+=(--gain-db "$db"); done
    INTACT_OUT=$("$DG_WAV_INTACT" "$PW_SESSION_DIR/music+6.wav" "$rec" "${args[@]}" \
        --gain-slack 0.001 2>"$err") || verdict="NOT INTACT"
    printf '   %-30s %s: %s\n' "$name" "$verdict" "$(echo "$INTACT_OUT" | head -n1)"
    echo "$INTACT_OUT" | tail -n +2 | sed 's/^/   /'
    if [[ $verdict != ok ]]; then
        head -n 20 "$err" | sed 's/^/     /'
        not_intact=$((not_intact + 1))
    fi
}

# measure NAME WANT: plays the music (+6 dB) to the default sink, records the DAC sink
# and prints the peak, the samples over WANT and the verdict, then whether it is whole
measure()
{
    local d=$PW_SESSION_DIR out
    record_start "$DAC" "$d/rec-$1.wav"
    pw-cat --playback -P '{ node.name = dg-demo-play }' "$d/music+6.wav" >/dev/null 2>&1
    record_stop
    out=$("$DG_WAV_PEAK" "$d/rec-$1.wav" --max-db "$2" 2>&1) && verdict="ok" ||
        verdict="SAMPLES OVER THE CEILING"
    printf '   %-30s ceiling %7.2f dBFS   measured %s   %s\n' "$1" "$2" \
        "$(echo "$out" | head -n1 | awk '{ print "peak " $2 " dBFS, " $6 " of " $4 " samples over" }')" \
        "$verdict"
    [[ $verdict == ok ]] || return 1
    intact "$1" "$d/rec-$1.wav" "$2"
}

step "Private PipeWire + WirePlumber with the FiiO K3's sink (and a second USB DAC's), dacguardd"
e2e_start unknown
daemon_start
make_music "$PW_SESSION_DIR/music.wav" "$PW_SESSION_DIR/music+6.wav"
se=$(e2e_expected se-3.5)
bal=$(e2e_expected bal-2.5)
echo "   headphone on both outputs: $HEADPHONE; the output in use: not configured (worst case)"

step "Hotplug: the K3 appears (umockdev replays tests/data/devices/fiio-k3.umockdev)"
e2e_hotplug_k3 "$bal"
grep -E 'card1 "' "$_daemon_log" | head -n1 | sed 's/^/   daemon: /'
printf '   guard %s (id %s) at %.2f dBFS, %s ms after the uevent\n' "$GUARD" "$GUARD_ID" \
    "$(param ceiling-db)" "$E2E_HOTPLUG_MS"
# streams for the default sink play through the guard: WirePlumber 0.5 routes them into
# it (a smart filter of the K3); with 0.4 the daemon makes the guard the default sink
e2e_wait_routing
case $E2E_ROUTING in
smart-filter) echo "   routing: WirePlumber 0.5 links every stream for the K3 into the guard" \
    "(a smart filter); default sink: $(e2e_default_sink default.audio.sink)" ;;
*) echo "   routing: the guard is the default sink: $(e2e_default_sink) (was $DAC)" ;;
esac

step "Playing music (+6 dBFS overs) to the default sink, recording what reaches the DAC"
measure "worst case (mode unknown)" "$bal"

step "The user says: single-ended 3.5 mm (pw-cli set-param $GUARD_ID Props '{ params = [ \"dacguard.output\" \"se-3.5\" ] }')"
pw-cli set-param "$GUARD_ID" Props '{ params = [ "dacguard.output" "se-3.5" ] }' >/dev/null
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $se - 0.01"
measure "se-3.5 (user)" "$se"

step "Switching to the balanced 2.5 mm output during playback"
record_start "$DAC" "$PW_SESSION_DIR/rec-switch.wav"
play_bg "$PW_SESSION_DIR/music+6.wav" "$GUARD"
pw_wait_prop "$GUARD_ID" dacguard.peak-db "> $se - 12"
f_sw=$(wav_frames "$PW_SESSION_DIR/rec-switch.wav")
pw-cli set-param "$GUARD_ID" Props '{ params = [ "dacguard.output" "bal-2.5" ] }' >/dev/null
f_done=$(wav_frames "$PW_SESSION_DIR/rec-switch.wav")
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $bal + 0.01"
play_wait
record_stop
echo "   (pw-cli connected and wrote in $(((f_done - f_sw) / 48)) ms)"
# the whole recording: the music at the single-ended ceiling, then from one step on at
# the balanced one; from the step on, not one sample above it
intact "se-3.5 -> bal-2.5" "$PW_SESSION_DIR/rec-switch.wav" "$se" "$bal"
f_step=$(intact_transition 1 | cut -d' ' -f1)
if [[ -n $f_step ]]; then
    sox -V1 "$PW_SESSION_DIR/rec-switch.wav" "$PW_SESSION_DIR/after.wav" trim "${f_step}s"
    after=$("$DG_WAV_PEAK" "$PW_SESSION_DIR/after.wav" --max-db "$bal" 2>&1) ||
        { echo "   SAMPLES OVER THE BALANCED CEILING: $after"; exit 1; }
    printf '   %-30s ceiling %7.2f dBFS   measured %s   ok\n' \
        "bal-2.5 (from the step on)" "$bal" \
        "$(echo "$after" | head -n1 | awk '{ print "peak " $2 " dBFS, " $6 " of " $4 " samples over" }')"
    echo "   the step came $(((f_step - f_sw) / 48)) ms after pw-cli started" \
        "(its connection, the write's trip, the cycles on their way)"
fi

step "Report"
"$DG_DACGUARDCTL" ceiling --vout 1.96 --power 120@32 --power 220@16 --headphone "$HEADPHONE" \
    --max-spl 85 --json | jq -r '"   se-3.5   single-ended  1.96 Vrms (est.)  \(.spl_at_0dbfs * 100 | round / 100) dB SPL at 0 dBFS -> ceiling \(.ceiling_db * 100 | round / 100) dBFS (\(.limited_by))"'
"$DG_DACGUARDCTL" ceiling --vout 3.92 --headphone "$HEADPHONE" --max-spl 85 --json |
    jq -r '"   bal-2.5  balanced      3.92 Vrms (est.)  \(.spl_at_0dbfs * 100 | round / 100) dB SPL at 0 dBFS -> ceiling \(.ceiling_db * 100 | round / 100) dBFS (\(.limited_by))"'
printf '   in force now: output %s, mode %s, ceiling %.2f dBFS (hard ceiling %.2f dBFS)\n' \
    "$(param output)" "$(param mode)" "$(param ceiling-db)" "$(param hard-ceiling-db)"
printf '   both outputs stop at 85 dB SPL with %s: the balanced ceiling is %.2f dB lower,\n' \
    "$HEADPHONE" "$(awk -v a="$se" -v b="$bal" 'BEGIN { print a - b }')"
echo "   so changing jacks brings no +6 dB surprise"
xt=$(param crosstalk-db)
if awk -v x="$xt" 'BEGIN { exit !(x == 0) }'; then
    xt="unknown (no stretch with one channel idle)"
else
    xt="$xt dB"
fi
printf '   separation checks: correlation %.2f, imbalance %.2f dB, crosstalk %s,\n' \
    "$(param correlation)" "$(param imbalance-db)" "$xt"
echo "   polarity inverted: $(param polarity-inverted), dead channel: $(param dead-channel) (-1: none)"
kill -TERM "$_daemon_pid" && wait "$_daemon_pid" && _daemon_pid=
[[ $(pw_node_id "$GUARD") == "$GUARD_ID" ]] && _pw_param_is "$GUARD_ID" dacguard.ceiling-db "<= $bal + 0.01" ||
    pw_session_fail "the guard or its ceiling did not outlive the daemon"
printf '   dacguardd stopped cleanly on SIGTERM; guard %s still at %.2f dBFS without it\n' \
    "$GUARD_ID" "$(param ceiling-db)"
echo
echo "dacguard demo: every sample that reached the DAC stayed at or below its ceiling,"
if [[ $not_intact -gt 0 ]]; then
    echo "but in $not_intact of the 3 recordings the music did not arrive whole (see above)."
    exit 1
fi
echo "and the music reached it whole."
