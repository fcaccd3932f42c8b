#!/bin/bash
# SPDX-License-Identifier: MIT
# End-to-end figures of dacguardd + the guard, printed, never asserted, each next
# to a baseline measured the same way in the same run (the machines are noisy;
# a ratio travels, an absolute does not):
#   hotplug to configured guard (ms)   vs. the guard host alone: the same
#       "pipewire -c" the daemon writes, for another sink, started by hand (the
#       floor of any guard in a process of its own)
#   mode event to new ceiling in force vs. a direct pw-cli write of a lower
#       (ms)                              dacguard.ceiling-db (the round trip
#                                          through the server, without the daemon)
#   switch to the step in the audio     vs. the same for a direct ceiling write
#       (frames, from a recording)
#   the daemon's RSS (kB, /proc)       vs. an idle, connected pw-cli
#   wakeups while idle over 10 s       vs. the PipeWire server over the same 10 s
#       (voluntary context switches of all threads, /proc/<pid>/task/*/status)
# Every "shown" is seen through pw-dump, one dump per poll (pw_wait_node_prop).
# Same session as the 'e2e' suite (tests/e2e/common.sh). In a sanitizer build the
# daemon and the guard hosts carry ASan's memory and time; read a release build.
. "$DG_SOURCE_DIR/tests/e2e/common.sh"
. "$DG_SOURCE_DIR/tests/lib/guard-host.sh"

ctx_switches()
{
	awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }' /proc/"$1"/task/*/status
}

# median of the arguments (integers)
median()
{
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# ratio A B, two decimals
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

e2e_start
se=$(e2e_expected se-3.5)
bal=$(e2e_expected bal-2.5)
daemon_start

# baseline: the guard host alone, for the decoy sink (not a DAC the daemon knows)
host=pipewire
[ -x "$PW_SESSION_DIR/host-bin/pipewire" ] && host=$PW_SESSION_DIR/host-bin/pipewire
guard_host_conf "$PW_SESSION_DIR/bare-host.conf" "$DECOY" -30.0
bare=()
for i in 1 2 3; do
	t0=$(e2e_now_ms)
	"$host" -c "$PW_SESSION_DIR/bare-host.conf" >>"$PW_SESSION_DIR/bare-host.log" 2>&1 &
	bare_pid=$!
	pw_wait_node_prop "dacguard.$DECOY" dacguard.ceiling-db "<= -29.9" ">= -30.1" >/dev/null
	bare+=($(($(e2e_now_ms) - t0)))
	kill -TERM "$bare_pid"
	wait "$bare_pid" || true
	pw_wait_node_gone "dacguard.$DECOY"
done

# one hotplug: adding the K3 again after a remove gets no answer from dg-testbed
e2e_hotplug_k3 "$se"
echo "hotplug to configured guard: $E2E_HOTPLUG_MS ms;" \
	"the guard host alone: ${bare[*]} ms (median $(median "${bare[@]}"));" \
	"ratio $(ratio "$E2E_HOTPLUG_MS" "$(median "${bare[@]}")")"

# baseline: a client's direct write of a lower ceiling, seen the same way
direct=()
for i in 1 2 3; do
	want=$(awk -v c="$se" -v i="$i" 'BEGIN { printf "%.3f", c - i }')
	t0=$(e2e_now_ms)
	pw-cli set-param "$GUARD_ID" Props "{ params = [ \"dacguard.ceiling-db\" $want ] }" \
		>/dev/null
	pw_wait_node_prop "$GUARD" dacguard.ceiling-db "<= $want + 0.01" ">= $want - 0.01" \
		>/dev/null
	direct+=($(($(e2e_now_ms) - t0)))
done
base=$(median "${direct[@]}")
echo "direct pw-cli write of dacguard.ceiling-db to shown (baseline): ${direct[*]} ms" \
	"(median $base)"

# mode_switch HOW TARGET: to TARGET by a config (dacguard.conf with mode TARGET, then
# SIGHUP) or by a client's write of dacguard.output (HOW output, TARGET an output)
mode_switch()
{
	case $1 in
	config) e2e_write_config "$2" && kill -HUP "$_daemon_pid" ;;
	output) pw-cli set-param "$GUARD_ID" Props "{ params = [ \"dacguard.output\" \"$2\" ] }" \
		>/dev/null ;;
	esac
}

# mode_event_times HOW TO_BAL TO_SE: three rounds of a switch HOW to balanced and back,
# each timed to its new ceiling in force, in times[]
mode_event_times()
{
	local i target want t0
	times=()
	for i in 1 2 3; do
		for target in "$2" "$3"; do
			[ "$target" = "$2" ] && want=$bal || want=$se
			t0=$(e2e_now_ms)
			mode_switch "$1" "$target"
			pw_wait_node_prop "$GUARD" dacguard.ceiling-db "<= $want + 0.01" \
				">= $want - 0.01" >/dev/null
			times+=($(($(e2e_now_ms) - t0)))
		done
	done
}

mode_event_times config balanced single-ended
echo "mode event (config, SIGHUP) to new ceiling in force: ${times[*]} ms" \
	"(median $(median "${times[@]}")); ratio $(ratio "$(median "${times[@]}")" "$base")"
mode_event_times output bal-2.5 se-3.5
echo "mode event (pw-cli dacguard.output) to new ceiling in force: ${times[*]} ms" \
	"(median $(median "${times[@]}")); ratio $(ratio "$(median "${times[@]}")" "$base")"

# the step in the audio: frames from a switch to the first sample at the new ceiling
# in what reached the DAC (a recording, so it counts the cycles on their way too);
# tests only assert that the step comes after the switch and is clean
# (e2e_check_switch); this is how long it takes
step_after()
{
	local how=$1 d=$PW_SESSION_DIR f_sw
	make_wav "$d/sine.wav" synth 3 sine 997 gain -n 0
	record_start "$DAC" "$d/rec.wav"
	play_bg "$d/sine.wav"
	pw_wait_prop "$GUARD_ID" dacguard.peak-db "> $se - 1"
	f_sw=$(wav_frames "$d/rec.wav")
	case $how in
	ceiling) pw-cli set-param "$GUARD_ID" Props \
		"{ params = [ \"dacguard.ceiling-db\" $bal ] }" >/dev/null ;;
	output) mode_switch output bal-2.5 ;;
	config) mode_switch config balanced ;;
	esac
	pw_wait_node_prop "$GUARD" dacguard.ceiling-db "<= $bal + 0.01" >/dev/null
	play_wait
	record_stop
	"$DG_WAV_INTACT" "$d/sine.wav" "$d/rec.wav" --gain-db "$se" --gain-db "$bal" \
		--gain-slack 0.001 2>/dev/null | sed -n "s/^transition 1 at recorded frame \([0-9]*\).*/\1/p" |
		awk -v f="$f_sw" '{ print $1 - f }'
	# back to single-ended for the next round
	mode_switch config single-ended
	mode_switch output se-3.5
	pw_wait_node_prop "$GUARD" dacguard.ceiling-db ">= $se - 0.01" >/dev/null
}
for how in ceiling output config; do
	steps=()
	for i in 1 2 3; do
		f=$(step_after "$how")
		steps+=("${f:-?}")
	done
	eval "steps_$how=(\"\${steps[@]}\")"
done
echo "switch to the step in the audio (frames at 48 kHz, 3 runs): direct ceiling write" \
	"(baseline) ${steps_ceiling[*]}; pw-cli dacguard.output ${steps_output[*]}" \
	"(ratio $(ratio "$(median "${steps_output[@]}")" "$(median "${steps_ceiling[@]}")"));" \
	"config + SIGHUP ${steps_config[*]}" \
	"(ratio $(ratio "$(median "${steps_config[@]}")" "$(median "${steps_ceiling[@]}")"))"

# baseline: a PipeWire client that is connected and does nothing
coproc IDLE_CLI { exec pw-cli 2>/dev/null; }
E2E_PIDS+=("$IDLE_CLI_PID")
_idle_cli_connected()
{
	_pw_dump | jq -e --argjson pid "$IDLE_CLI_PID" '[.[] | select(.type == "PipeWire:Interface:Client")
		| select(.info.props["application.process.id"] == $pid)] | length > 0' >/dev/null
}
pw_wait_for "pw-cli to connect" _idle_cli_connected
rss=$(awk '/^VmRSS/ { print $2 }' /proc/"$_daemon_pid"/status)
cli_rss=$(awk '/^VmRSS/ { print $2 }' /proc/"$IDLE_CLI_PID"/status)
echo "daemon RSS: $rss kB (peak $(awk '/^VmHWM/ { print $2 }' /proc/"$_daemon_pid"/status) kB);" \
	"an idle pw-cli: $cli_rss kB; ratio $(ratio "$rss" "$cli_rss")"

# idle: nothing plays, nothing changes
server_pid=${_pw_session_pids[$_pw_session_pw_i]}
before=$(ctx_switches "$_daemon_pid")
server_before=$(ctx_switches "$server_pid")
sleep 10 # the measurement interval itself, not a readiness wait
after=$(ctx_switches "$_daemon_pid")
server_after=$(ctx_switches "$server_pid")
echo "wakeups while idle over 10 s (voluntary context switches): daemon $((after - before));" \
	"the PipeWire server $((server_after - server_before))"
echo "ok"
