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
[ "$(pw_param "$GUARD_ID" dacguard.output)" = se-3.5 ] ||
	pw_session_fail "output is '$(pw_param "$GUARD_ID" dacguard.output)'"
daemon_log_has "disconnected from PipeWire" || pw_session_fail "no disconnect logged"
pw_wait_linked "$GUARD.output" "$DAC"

d=$PW_SESSION_DIR
make_wav "$d/sine.wav" synth 1.5 sine 997 gain -n 0
record_start "$DAC" "$d/rec.wav"
play "$d/sine.wav"
record_stop
check_wav "$d/rec.wav" --max-db "$want" --expect-db "$want" --tolerance 1
check_intact "$d/sine.wav" "$d/rec.wav" --gain-db "$want" --gain-slack 0.001
echo "ok"
