#!/bin/bash
# SPDX-License-Identifier: MIT
# The K3 is pulled out while a stream plays into its guard: the card goes
# (uevent remove) and, as WirePlumber does when the ALSA device goes, the K3's
# sink is destroyed. The daemon survives (no crash in its log), the guard node
# and its host process go, and the stream moves on to the other sink (the decoy
# of another card), still playing.
. "$(dirname "$0")/common.sh"

# proc_gone PID: no such process, or a zombie nobody reaped (the host is detached)
proc_gone()
{
	[ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

e2e_start
want=$(e2e_expected se-3.5)
d=$PW_SESSION_DIR
daemon_start
e2e_hotplug_k3 "$want"
pw_wait_linked "$GUARD.output" "$DAC"
pidfile=$XDG_RUNTIME_DIR/dacguard/guard-$DAC.pid
[ -s "$pidfile" ] || pw_session_fail "no guard host pid file"
host=$(cat "$pidfile")
proc_gone "$host" && pw_session_fail "guard host $host not running"

# a sweep: a recording of part of it has one place in it (a steady sine repeats)
make_wav "$d/sine.wav" synth 30 sine 200:2000 gain -n 0
play_bg "$d/sine.wav"
pw_wait_prop "$GUARD_ID" dacguard.peak-db "> $want - 1"
dac_id=$(pw_node_id "$DAC")

t0=$(e2e_now_ms)
tb_cmd remove "$K3_CARD"
pw-cli destroy "$dac_id" >/dev/null || pw_session_fail "pw-cli destroy $dac_id failed"
pw_wait_node_gone "$GUARD"
t_gone=$(($(e2e_now_ms) - t0))
pw_wait_linked dg-e2e-play "$DECOY"
t_moved=$(($(e2e_now_ms) - t0))
pw_wait_for "the guard host $host to exit" proc_gone "$host"
t_host=$(($(e2e_now_ms) - t0))
# the daemon's own record of the host goes with it: the removal has been handled
pw_wait_for "dacguardd to drop the guard host's pid file" eval '[ ! -e "$pidfile" ]'
echo "# unplug to guard gone: $t_gone ms, stream on $DECOY: $t_moved ms," \
	"guard host exited: $t_host ms" >&2

e2e_check_list "no card1 after the unplug" '[card(1)] == []'
pw_check "dacguardd still runs" kill -0 "$_daemon_pid"
pw_check "dacguardd is still a client of the server" e2e_has_client dacguardd
kill -0 "$_play_pid" 2>/dev/null || pw_session_fail "the player stopped: $(cat "$d/play.log")"
# a sanitizer's report leaves no state behind: the log is where it shows
pw_check "dacguardd's log shows no crash" \
	eval '! daemon_log_has "AddressSanitizer|runtime error|Segmentation|Aborted|assert"'
# the stream plays on: the decoy sink's meter moves (the peak of what it
# received, read from its monitor)
record_start "$DECOY" "$d/rec.wav"
record_more 1000
record_stop
check_wav "$d/rec.wav" --expect-db 0 --tolerance 1 --skip-ms 50
# ... whole, as played (no guard on that sink), after the same 50 ms
sox "$d/rec.wav" "$d/rec-late.wav" trim 0.05
check_intact "$d/sine.wav" "$d/rec-late.wav" --gain-db 0 --partial
pw_check "the guard host's pid file is gone" eval '[ ! -e "$pidfile" ]'
kill "$_play_pid" 2>/dev/null || true
pw_figure "faults survived" "1 (the DAC unplugged during playback)"
echo "ok"
