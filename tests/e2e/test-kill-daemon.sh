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
kill -KILL "$_daemon_pid"
wait "$_daemon_pid" 2>/dev/null || true
_daemon_pid=

pw_wait_for "the daemon's client to go" eval \
	'! pw-dump -N | jq -e ".[] | select(.info.props[\"application.process.binary\"] == \"dacguardd\")"'
id=$(pw_node_id "$GUARD")
[ "$id" = "$GUARD_ID" ] || pw_session_fail "guard changed ($GUARD_ID -> '$id')"
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $want + 0.1"

d=$PW_SESSION_DIR
make_wav "$d/sine.wav" synth 1.5 sine 997 gain -n 0
"$DG_WAV_PEAK" --scale 12 "$d/sine.wav" "$d/sine+12.wav"
record_start "$DAC" "$d/rec.wav"
play "$d/sine+12.wav"
record_stop
check_wav "$d/rec.wav" --max-db "$want" --expect-db "$want" --tolerance 1
check_intact "$d/sine+12.wav" "$d/rec.wav" --gain-db "$want" --gain-slack 0.001

# a new daemon (the card is present): takes the guard over, makes no host
daemon_start
daemon_wait_log "$GUARD \(id $GUARD_ID\): ceiling"
daemon_log_has "started guard host" && pw_session_fail "a second guard host was started"
[ "$(pw_node_id "$GUARD")" = "$GUARD_ID" ] || pw_session_fail "guard replaced"
echo "ok"
