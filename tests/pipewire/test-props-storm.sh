#!/bin/bash
# SPDX-License-Identifier: MIT
# A storm of Props writes while audio plays: another client (dg-props-storm) writes
# the guard's Props 1,000 times a second for 5 s (DG_STORM_RATE, DG_STORM_SECONDS),
# each a random mix of dacguard.ceiling-db, output, mode and output-ceilings with
# ceilings from -60 to +6 dB, into a guard whose hard ceiling is -12 dBFS, with a
# full-scale swept sine playing through it. What reaches the DAC, recorded from before
# the sweep starts until after the last write was taken: not one sample above
# -12 dBFS, and the sweep whole, each frame at one gain between -60 and -12 dB that
# drops at once and rises no faster than the guard's ramp (wav-intact --varying: a
# gap, a repeated or lost buffer, a jump up fails it). Then the guard still answers: a
# write of -20 (the table cleared) shows in its Props and the DAC gets the sweep at
# -20 dBFS exactly, whole. Prints the rate the storm achieved (a figure, not a check).
. "$(dirname "$0")/common.sh"

RATE=${DG_STORM_RATE:-1000}
SECS=${DG_STORM_SECONDS:-5}
HARD=-12
LOW=-60
# every frame of 6 s is checked: a player or recorder held off by a loaded machine
# would fail it for the test's sake
PW_AUDIO_RT=1

start_with_guard "dacguard.ceiling-db = $HARD dacguard.hard-ceiling-db = $HARD"
id=$GUARD_ID
d=$PW_SESSION_DIR
# a sweep, so that any stretch of a recording has one place in it; longer than all
# that is recorded of it
make_wav "$d/sweep.wav" synth 60 sine 200:2000 gain -n 0

record_start "$DAC" "$d/rec-storm.wav"
play_bg "$d/sweep.wav"
pw_wait_prop "$id" dacguard.peak-db "> $HARD - 0.5"
# wav-intact aligns on the first 200 ms of sound: at the hard ceiling, before the storm
record_more 300

"$DG_PROPS_STORM" "$id" "$RATE" "$SECS" >"$d/storm.out" 2>&1 ||
	pw_session_fail "dg-props-storm failed: $(cat "$d/storm.out")"
sed 's/^/# /' "$d/storm.out" >&2
read -r sent < <(sed -n 's/^sent \([0-9]*\) writes.*/\1/p' "$d/storm.out")
pw_check_eq "writes taken by the server" "$sent" "$(awk -v r="$RATE" -v s="$SECS" \
	'BEGIN { printf "%d", r * s + 0.5 }')"
record_more 300
record_stop

check_wav "$d/rec-storm.wav" --max-db "$HARD"
pw_figure "writes per second" "$(sed -n 's/^sent .*: \([0-9.]*\) writes\/s (wanted.*/\1/p' "$d/storm.out") for $SECS s"
pw_figure "writes samples over" "0 (above $HARD dBFS)"
check_intact "$d/sweep.wav" "$d/rec-storm.wav" --gain-db "$HARD" --varying "$LOW" --partial

# the guard answers: the table cleared, output and mode unknown, -20
set_props "$id" '"dacguard.output-ceilings" "" "dacguard.output" "unknown"
	"dacguard.mode" "unknown" "dacguard.ceiling-db" -20'
pw_wait_props "$id" 'dacguard.ceiling-db == -20' 'dacguard.output == "unknown"' \
	'dacguard.mode == "unknown"'
pw_check "the table is cleared" eval '[ -z "$(pw_param "$id" dacguard.output-ceilings)" ]'
# a meter window all at -20 (a raise to it ramps for 50 ms), then a recording of it
pw_wait_prop "$id" dacguard.peak-db '> -20.1' '<= -20'
record_start "$DAC" "$d/rec-after.wav"
record_more 500
record_stop
check_wav "$d/rec-after.wav" --max-db -20 --expect-db -20 --tolerance 0.1
check_intact "$d/sweep.wav" "$d/rec-after.wav" --gain-db -20 --partial
kill "$_play_pid" 2>/dev/null || true
echo "ok"
