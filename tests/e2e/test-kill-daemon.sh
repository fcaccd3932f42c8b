#!/bin/bash
# SPDX-License-Identifier: MIT
# SIGKILL of dacguardd leaves the guard, its ceiling and its Props in force
# (the guard lives in a separate host process); full scale still peaks at the
# ceiling. A restarted daemon adopts the guard instead of making another.
. "$(dirname "$0")/common.sh"

e2e_start
want=$(e2e_expected se-3.5)
daemon_start
e2e_hotplug_k3 "$want"
pw_wait_linked "$GUARD.output" "$DAC"
pidfile=$XDG_RUNTIME_DIR/dacguard/guard-$DAC.pid
host=$(cat "$pidfile")
kill -KILL "$_daemon_pid"
wait "$_daemon_pid" 2>/dev/null || true
_daemon_pid=

pw_wait_for "the daemon's client to go" eval '! e2e_has_client dacguardd'
pw_check_eq "the guard's id" "$(pw_node_id "$GUARD")" "$GUARD_ID"
pw_check_props "$GUARD_ID" "dacguard.ceiling-db <= $want + 0.1" \
	"dacguard.ceiling-db >= $want - 0.1" 'dacguard.output == "se-3.5"'
e2e_make_signals
e2e_check_signals "$want" sine+12

# a new daemon (the card is present): takes the guard over, makes no host. Its
# takeover writes what the guard holds already, so no state shows when it is done:
# its log line is the readiness to wait for; what it did not do is state.
daemon_start
daemon_wait_log "$GUARD \(id $GUARD_ID\): ceiling"
pw_check_eq "the nodes named $GUARD" "$(e2e_node_count "$GUARD")" 1
pw_check_eq "the guard's id" "$(pw_node_id "$GUARD")" "$GUARD_ID"
pw_check_eq "the guard host's pid" "$(cat "$pidfile")" "$host"
pw_check "guard host $host still runs" kill -0 "$host"
pw_figure "faults survived" "1 (dacguardd SIGKILLed and restarted)"
echo "ok"
