#!/bin/bash
# SPDX-License-Identifier: MIT
# During full-scale playback a user writes dacguard.output = bal-2.5 on the guard
# with pw-cli. The guard holds the per-output ceiling table the daemon wrote
# (dacguard.output-ceilings), so the balanced output's ceiling is in force from
# that write on, without waiting for the daemon: counted from the instant of the
# write, not from the moment the guard shows the new ceiling, no sample over the
# balanced ceiling reaches the DAC sink after the few graph cycles that were
# already on their way. The daemon is stopped (SIGSTOP) from just before the write
# until 0.5 s of audio after it, so the guard has to do it alone: with only the
# daemon's answer (the behaviour before the table) that 0.5 s carries the
# single-ended level and the check fails. Then the daemon follows up (mode,
# headphone) as before.
. "$(dirname "$0")/common.sh"

# Graph cycles of 256 frames (5.3 ms), so that "on their way" is short: the
# recorder and the player ask for it.
PW_AUDIO_LATENCY=256
# What may legitimately still carry the old ceiling after the write: the cycles in
# flight between the guard and the recorder's file (a few of 256 frames), the
# limiter's lookahead and the write's trip through the server: 43 ms (measured:
# the last sample over at +250 to +762 frames, also with the CPUs busy).
MARGIN=2048

# wav_overs FILE DB: "<samples over DB> <frame of the last one, -1: none>"
wav_overs()
{
	sox "$1" -t dat - | awk -v lim="$(awk -v db="$2" 'BEGIN { print 10^(db / 20) * (1 + 1e-6) }')" '
		/^;/ { next }
		{ for (i = 2; i <= NF; i++) if ($i > lim || -$i > lim) { n++; last = f } f++ }
		END { print n + 0, (n ? last : -1) }'
}

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
# 0.5 s of recording after the write with the daemon still stopped
shown=
while [ "$(wav_frames "$d/rec.wav")" -lt $((f_sw + 24000)) ]; do
	if [ -z "$shown" ] && _pw_param_is "$GUARD_ID" dacguard.ceiling-db "<= $bal + 0.1"; then
		shown=$(($(e2e_now_ms) - t_sw))
	fi
	_pw_session_check_alive
	sleep 0.02
done
mode=$(pw_param "$GUARD_ID" dacguard.mode)
kill -CONT "$_daemon_pid"
# the daemon follows up from the guard's Props
daemon_wait_log "output set to 'bal-2.5' by a client"
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $bal + 0.1"
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $bal - 0.1"
[ "$(pw_param "$GUARD_ID" dacguard.output)" = bal-2.5 ] ||
	pw_session_fail "output is '$(pw_param "$GUARD_ID" dacguard.output)'"
[ "$(pw_param "$GUARD_ID" dacguard.mode)" = balanced ] ||
	pw_session_fail "mode is '$(pw_param "$GUARD_ID" dacguard.mode)'"
play_wait
record_stop
echo "quit" >&"${CLI[1]}" || true

sox "$d/rec.wav" "$d/before.wav" trim 0 "$((f_sw > 4800 ? f_sw - 4800 : 1))s"
sox "$d/rec.wav" "$d/after-write.wav" trim "${f_sw}s"
sox "$d/rec.wav" "$d/after.wav" trim "$((f_sw + MARGIN))s"
read -r n_over last_over < <(wav_overs "$d/after-write.wav" "$bal")
echo "# pw-cli write to the balanced ceiling shown (daemon stopped): ${shown:-never} ms;" \
	"$n_over samples over it after the write, the last at +$last_over frames" \
	"(margin $MARGIN)" >&2
check_wav "$d/before.wav" --max-db "$se" --expect-db "$se" --tolerance 1
check_wav "$d/after.wav" --max-db "$bal" --expect-db "$bal" --tolerance 1
# the whole recording, sample for sample: the sine at the single-ended ceiling, then
# at the balanced one from a frame between the write and MARGIN after it
check_intact "$d/sine.wav" "$d/rec.wav" --gain-db "$se" --gain-db "$bal" --gain-slack 0.001
read -r f_step _ < <(intact_transition 1)
echo "# the balanced ceiling from recorded frame $f_step:" \
	"write +$((f_step - f_sw)) frames" >&2
[ "$f_step" -ge "$f_sw" ] && [ "$f_step" -le $((f_sw + MARGIN)) ] ||
	pw_session_fail "the step to the balanced ceiling at recorded frame $f_step," \
		"not within $f_sw..$((f_sw + MARGIN)) (the write and MARGIN after it)"
[ -n "$shown" ] || pw_session_fail "the guard did not show the new ceiling before the daemon"
[ "$mode" = balanced ] || pw_session_fail "the guard's mode after the write is '$mode'"
echo "ok"
