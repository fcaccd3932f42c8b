#!/bin/bash
# SPDX-License-Identifier: MIT
# A stream already playing to the raw K3 sink when the K3 is detected is moved
# to the guard (target.object metadata), and its audio then obeys the ceiling,
# whole.
. "$(dirname "$0")/common.sh"

e2e_start
want=$(e2e_expected se-3.5)
daemon_start
d=$PW_SESSION_DIR
# a sweep: a recording of part of it has one place in it (a steady sine repeats)
make_wav "$d/sine.wav" synth 8 sine 200:2000 gain -n 0
play_bg "$d/sine.wav" "$DAC"
t0=$(e2e_now_ms)
e2e_hotplug_k3 "$want"
pw_wait_linked dg-e2e-play "$GUARD"
echo "# hotplug to stream moved: $(($(e2e_now_ms) - t0)) ms" >&2
pw_wait_for "the raw link to go" eval '! _pw_linked dg-e2e-play "$DAC"'
record_start "$DAC" "$d/rec.wav"
pw_wait_prop "$GUARD_ID" dacguard.peak-db "> $want - 1"
record_more 300
record_stop
check_wav "$d/rec.wav" --max-db "$want" --expect-db "$want" --tolerance 1 --skip-ms 50
# after the same 50 ms, the part of the sweep recorded is intact at the ceiling; to
# 1e-7, not float-exact: after the move about a sixth of the samples arrive an ulp
# or two off played * gain (within 3e-8 on 0.3.65, 1.4 and 1.6; a second multiply
# somewhere in PipeWire, by a volume a hair off 1.0, would do that; not pinned down)
sox "$d/rec.wav" "$d/rec-late.wav" trim 0.05
check_intact "$d/sine.wav" "$d/rec-late.wav" --gain-db "$want" --gain-slack 0.001 \
	--tolerance 0.0000001 --partial
kill "$_play_pid" 2>/dev/null || true
echo "ok"
