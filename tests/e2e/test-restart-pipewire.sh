#!/bin/bash
# SPDX-License-Identifier: MIT
# PipeWire (and WirePlumber) restart under a running daemon: the daemon
# reconnects, the guard comes back with the decided ceiling and Props, and full
# scale through it peaks at the ceiling again.
. "$(dirname "$0")/common.sh"

e2e_start
want=$(e2e_expected se-3.5)
daemon_start
e2e_hotplug_k3 "$want"
old_id=$GUARD_ID

t0=$(e2e_now_ms)
pw_session_restart
e2e_wait_guard "$want"
echo "# PipeWire restart to guard back at $want dBFS: $(($(e2e_now_ms) - t0)) ms" \
	"(old id $old_id, new id $GUARD_ID)" >&2
pw_check_props "$GUARD_ID" 'dacguard.output == "se-3.5"' 'dacguard.mode == "single-ended"'
# the guard is back because the daemon reconnected: it is a client of the new server
pw_check "dacguardd is a client of the new server" e2e_has_client dacguardd
pw_wait_linked "$GUARD.output" "$DAC"
e2e_make_signals
e2e_check_signals "$want" sine
pw_figure "faults survived" "1 (PipeWire and WirePlumber restarted)"
echo "ok"
