#!/bin/bash
# SPDX-License-Identifier: MIT
# The K3 goes while dacguardd is making its guard. The guard host the daemon starts is
# held at a gate (a `pipewire` ahead of the real one in the daemon's PATH, which waits
# on a FIFO before it execs it), so the removal comes at a known point: after the
# detection and the host's start, before the guard exists.
# 1. The card removed and its sink destroyed (as WirePlumber does) while the host is
#    held: the daemon stops the held host and forgets its pid file; no guard node
#    appears; the daemon lives.
# 2. Only the sink destroyed while the host is held, then the host let go: its guard
#    has no target; it must not play into another sink (the decoy, the default once
#    the K3's sink is gone); the card removed next, the host goes.
# 3. The K3 and its sink back: one guard at the decided ceiling, in front of the K3's
#    sink, full-scale audio through it at the ceiling, whole.
. "$(dirname "$0")/common.sh"

# the player and the recorder SCHED_FIFO (pw-audio.sh), as a desktop's audio clients are
PW_AUDIO_RT=1

K3_USB=${K3_CARD%/1-1:1.0/sound/card1}

# proc_gone PID: no such process, or a zombie nobody reaped (the host is detached)
proc_gone()
{
	[ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# k3_sink_create: the K3's sink made again, as WirePlumber makes it when the card comes
k3_sink_create()
{
	local args
	args=$(pw_session_sink_args "${E2E_K3_SINK[@]}")
	pw-cli create-node adapter "${args//$'\n'/ }" >/dev/null ||
		pw_session_fail "pw-cli create-node $DAC failed"
	pw_wait_node "$DAC" >/dev/null
}

k3_sink_destroy()
{
	pw-cli destroy "$(pw_node_id "$DAC")" >/dev/null || pw_session_fail "pw-cli destroy $DAC failed"
	pw_wait_node_gone "$DAC"
}

# held_host: waits until a guard host is held at the gate, prints its pid (the daemon's
# pid file has the same: the gate execs the real pipewire in that process)
held_host()
{
	pw_wait_for "a guard host held at the gate" test -s "$gate/held"
	cat "$gate/held"
	rm "$gate/held"
}

pidfile()
{
	echo "$XDG_RUNTIME_DIR/dacguard/guard-$DAC.pid"
}

e2e_start
d=$PW_SESSION_DIR
se=$(e2e_expected se-3.5)
gate=$d/gate
mkdir -p "$gate/bin"
mkfifo "$gate/open"
# The wait runs without LD_PRELOAD: umockdev's preload (the daemon's, inherited where no
# sanitizer wrapper replaces it) blocks every signal around the open() it wraps, and an
# open() of a FIFO waits for its writer, so the daemon's SIGTERM would never land. The
# same process execs the real pipewire with the preload it came with.
cat >"$gate/bin/pipewire" <<EOF
#!/bin/sh
# a guard host, held until the test opens the gate
if [ -z "\${DG_GATE_CLEAN:-}" ]; then
	exec env -u LD_PRELOAD DG_GATE_CLEAN=1 DG_GATE_PRELOAD="\${LD_PRELOAD:-}" /bin/sh "\$0" "\$@"
fi
echo \$\$ >"$gate/held.tmp" && mv "$gate/held.tmp" "$gate/held"
read -r _ <"$gate/open"
[ -z "\$DG_GATE_PRELOAD" ] || export LD_PRELOAD="\$DG_GATE_PRELOAD"
unset DG_GATE_CLEAN DG_GATE_PRELOAD
exec "$(command -v pipewire)" "\$@"
EOF
chmod +x "$gate/bin/pipewire"
PATH=$gate/bin:$PATH daemon_start

# 1. card and sink gone while the host is held
tb_cmd hotplug "$K3_FILE"
host=$(held_host)
pw_check_eq "the pid file of the held host" "$(cat "$(pidfile)")" "$host"
t0=$(e2e_now_ms)
tb_cmd remove "$K3_USB"
k3_sink_destroy
pw_wait_for "dacguardd to stop the held host $host" proc_gone "$host"
pw_wait_for "dacguardd to drop the held host's pid file" eval '[ ! -e "$(pidfile)" ]'
echo "# card removed while its host was held: host stopped in $(($(e2e_now_ms) - t0)) ms" >&2
pw_check "no guard node" eval '[ "$(e2e_node_count "$GUARD")" = 0 ]'
pw_check "dacguardd lives" kill -0 "$_daemon_pid"
e2e_check_list "no card1 after the removal" '[card(1)] == []'

# 2. the sink gone while the host is held, the host let go, then the card removed
k3_sink_create
tb_cmd hotplug "$K3_FILE"
host=$(held_host)
k3_sink_destroy
echo >"$gate/open"
# the guard up: its own two nodes linked
pw_wait_linked "$GUARD" "$GUARD.output"
tb_cmd remove "$K3_USB"
pw_wait_node_gone "$GUARD"
pw_wait_for "dacguardd to stop the host $host" proc_gone "$host"
pw_wait_for "dacguardd to drop its pid file" eval '[ ! -e "$(pidfile)" ]'
pw_check "dacguardd lives" kill -0 "$_daemon_pid"
# the server's log has every link it made: none from that guard's output
pw_check_eq "links the server made from $GUARD.output" \
	"$(grep -cF "($GUARD.output) -> (" "$d/pipewire.log" || true)" 0

# 3. back for good
k3_sink_create
t0=$(e2e_now_ms)
tb_cmd hotplug "$K3_FILE"
host=$(held_host)
echo >"$gate/open"
e2e_wait_guard "$se"
echo "# plugged in again: guard at $se dBFS in $(($(e2e_now_ms) - t0)) ms" >&2
pw_wait_linked "$GUARD.output" "$DAC"
# the link as the server's log shows it (step 2 looked for such a line and found none)
pw_check "the server's log has the guard's link to the K3" \
	grep -qF "($GUARD.output) -> ($DAC)" "$d/pipewire.log"
pw_check_eq "the guard host's pid file" "$(cat "$(pidfile)")" "$host"
pw_check_eq "nodes named $GUARD" "$(e2e_node_count "$GUARD")" 1
e2e_make_signals
e2e_check_signals "$se" sine sine+12
pw_check "dacguardd's log shows no crash" \
	eval '! daemon_log_has "AddressSanitizer|runtime error|Segmentation|Aborted|assert"'
pw_figure "faults survived" "1 (the DAC removed while its guard was made)"
echo "ok"
