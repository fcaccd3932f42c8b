#!/bin/bash
# SPDX-License-Identifier: MIT
# Hotplug of the FiiO K3 with PipeWire and dacguardd running: the guard
# dacguard.<K3 sink> appears, holds the ceiling lib/level computes for the
# single-ended output and the HD 600, names the output, mode and headphone; a stream
# for the default sink plays through it (WirePlumber 0.4: the guard is the default
# sink; 0.5: the K3 stays the default and its streams go through the guard); the
# decoy sink of another card gets no guard. (The time it takes is bench-e2e's.)
. "$(dirname "$0")/common.sh"

e2e_start
want=$(e2e_expected se-3.5)
daemon_start
e2e_hotplug_k3 "$want"
echo "# hotplug to guard at $want dBFS: $E2E_HOTPLUG_MS ms" >&2

[ "$(pw_param "$GUARD_ID" dacguard.output)" = se-3.5 ] ||
	pw_session_fail "output is '$(pw_param "$GUARD_ID" dacguard.output)'"
[ "$(pw_param "$GUARD_ID" dacguard.mode)" = single-ended ] ||
	pw_session_fail "mode is '$(pw_param "$GUARD_ID" dacguard.mode)'"
[ "$(pw_param "$GUARD_ID" dacguard.headphone)" = "$HEADPHONE" ] ||
	pw_session_fail "headphone is '$(pw_param "$GUARD_ID" dacguard.headphone)'"
pw_wait_linked "$GUARD.output" "$DAC"

# a stream for the default sink, with no target of its own, plays through the guard
e2e_wait_routing
echo "# routing: $E2E_ROUTING, default sink $(e2e_default_sink default.audio.sink)" >&2
if [ "$E2E_ROUTING" = smart-filter ]; then
	pw_wait_for "the K3 to be the default sink" \
		eval '[ "$(e2e_default_sink default.audio.sink)" = "$DAC" ]'
fi
make_wav "$PW_SESSION_DIR/sine.wav" synth 3 sine 997 gain -n -6
pw-cat --playback -P "{ node.name = $PW_AUDIO_NAME-play }" "$PW_SESSION_DIR/sine.wav" \
	>"$PW_SESSION_DIR/play.log" 2>&1 &
_play_pid=$!
pw_wait_linked "$PW_AUDIO_NAME-play" "$GUARD"
_pw_linked "$PW_AUDIO_NAME-play" "$DAC" && pw_session_fail "the stream is linked to the raw sink"
kill "$_play_pid"

[ -z "$(pw_node_id "dacguard.$DECOY")" ] || pw_session_fail "the decoy sink got a guard"
daemon_log_has "dacguard.$DECOY" && pw_session_fail "the daemon acted on the decoy sink"
echo "ok"
