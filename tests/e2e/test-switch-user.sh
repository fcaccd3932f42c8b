#!/bin/bash
# SPDX-License-Identifier: MIT
# During full-scale playback a user writes dacguard.output = bal-2.5 on the guard
# with pw-cli. The guard holds the per-output ceiling table the daemon wrote
# (dacguard.output-ceilings), so it switches by itself: the daemon is stopped
# (SIGSTOP) from just before the write, and the guard shows the balanced output, mode
# and ceiling while it is stopped (a guard that waited for the daemon would not).
# What reached the DAC is the sine whole at the single-ended ceiling, then from one
# step on (never before the write) at the balanced one, with nothing above it
# (e2e_check_switch). Then the daemon follows up (mode, headphone) as before. How
# long after the write the step comes is bench-e2e's figure, not a test's.
. "$(dirname "$0")/common.sh"

e2e_start
se=$(e2e_expected se-3.5)
bal=$(e2e_expected bal-2.5)
d=$PW_SESSION_DIR
daemon_start
e2e_hotplug_k3 "$se"
pw_wait_linked "$GUARD.output" "$DAC"
pw_wait_for "the daemon's output ceiling table" \
	eval '[ -n "$(pw_param "$GUARD_ID" dacguard.output-ceilings)" ]'
echo "# table: $(pw_param "$GUARD_ID" dacguard.output-ceilings)" >&2

# a pw-cli already connected and knowing the guard: the write leaves when the
# line is written
coproc CLI { exec stdbuf -oL pw-cli >"$d/pw-cli.log" 2>&1; }
E2E_PIDS+=("$CLI_PID")
cli_knows_guard()
{
	echo "info $GUARD_ID" >&"${CLI[1]}"
	sleep 0.1
	grep -q "id: $GUARD_ID\$" "$d/pw-cli.log"
}
pw_wait_for "pw-cli to know the guard" cli_knows_guard

e2e_play_sine_at "$se"

# the daemon is stopped across the write: the guard alone must switch
kill -STOP "$_daemon_pid"
# the instant of the write, as a position in the recording
f_sw=$(wav_frames "$d/rec.wav")
t_sw=$(e2e_now_ms)
echo "set-param $GUARD_ID Props { params = [ \"dacguard.output\" \"bal-2.5\" ] }" >&"${CLI[1]}"
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $bal + 0.1"
shown=$(($(e2e_now_ms) - t_sw))
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $bal - 0.1"
pw_check_props "$GUARD_ID" 'dacguard.mode == "balanced"'
record_more 500
kill -CONT "$_daemon_pid"
# the daemon follows up from the guard's Props and keeps them: its decision again
# writes what the guard shows, so only its log says when it has been made
daemon_wait_log "output set to 'bal-2.5' by a client"
pw_check_props "$GUARD_ID" 'dacguard.output == "bal-2.5"' 'dacguard.mode == "balanced"' \
	"dacguard.ceiling-db <= $bal + 0.1" "dacguard.ceiling-db >= $bal - 0.1"
play_wait
record_stop
echo "quit" >&"${CLI[1]}" || true
e2e_check_switch "$d/sine.wav" "$se" "$bal" "$f_sw"
echo "# pw-cli write to the balanced ceiling shown (daemon stopped): $shown ms" >&2
echo "ok"
