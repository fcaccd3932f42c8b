#!/bin/bash
# SPDX-License-Identifier: MIT
# The latency a guard adds is its lookahead, reported once: a player into the guard
# sees the DAC's playback latency plus the DSP node's ProcessLatency, which is the
# limiter's lookahead (1 ms: 48 frames at 48 kHz), and nothing more (no graph cycle).
. "$(dirname "$0")/common.sh"

start_with_guard

# "quantum rate ns" of the playback (Input) latency in an object's Latency params,
# through pw-cli, which shows them on every PipeWire version (pw-dump 0.3 does not)
playback_latency()
{
	pw-cli enum-params "$1" Latency 2>/dev/null | awk '
		/Direction:Input/ { d = 1; next }
		/Direction:Output/ { d = 0; next }
		d && /minQuantum/ { getline; q = $2 }
		d && /minRate/ { getline; r = $2 }
		d && /minNs/ { getline; n = $2; found = 1 }
		END { if (found) printf "%g %d %d\n", q, r, n }'
}

process_latency()
{
	pw-cli enum-params "$1" ProcessLatency 2>/dev/null | awk '
		/ProcessLatency:quantum/ { getline; q = $2 }
		/ProcessLatency:rate/ { getline; r = $2 }
		/ProcessLatency:ns/ { getline; n = $2; found = 1 }
		END { if (found) printf "%g %d %d\n", q, r, n }'
}

_has_latency()
{
	[ -n "$(playback_latency "$1")" ]
}

# the Latency a player's first port sees while it plays into $1
player_latency()
{
	local node port
	# linked by hand: WirePlumber 0.5 would route a stream for the DAC through its
	# guard (a smart filter)
	pw-cat --playback -P "{ node.name = $PW_AUDIO_NAME-play node.autoconnect = false }" \
		"$PW_SESSION_DIR/sine.wav" >"$PW_SESSION_DIR/play.log" 2>&1 &
	_play_pid=$!
	pw_link_channels "$PW_AUDIO_NAME-play" out "$1"
	node=$(pw_node_id "$PW_AUDIO_NAME-play")
	port=$(pw-dump -N | jq -r --argjson id "$node" '[.[] | select(.type == "PipeWire:Interface:Port")
		| select(.info.props["node.id"] == $id)][0].id' | head -n 1)
	pw_wait_for "the player's latency" _has_latency "$port"
	playback_latency "$port"
	kill "$_play_pid" 2>/dev/null || true
	wait "$_play_pid" 2>/dev/null || true
}

make_wav "$PW_SESSION_DIR/sine.wav" synth 5 sine 997 gain -n -6

dsp=$(pw_node_id "$GUARD.output")
read -r pq pr pn < <(process_latency "$dsp")
echo "# DSP node ProcessLatency: quantum $pq rate $pr ns $pn" >&2
[ "$pq" = 0 ] && [ "$pr" = 48 ] && [ "$pn" = 0 ] ||
	pw_session_fail "ProcessLatency is '$pq $pr $pn', expected the 48-frame lookahead"
pw_check_made "the DSP node's ProcessLatency"

read -r dq dr dn < <(player_latency "$DAC")
read -r gq gr gn < <(player_latency "$GUARD")
echo "# a player sees: into the DAC quantum $dq rate $dr ns $dn, into the guard" \
	"quantum $gq rate $gr ns $gn" >&2
[ -n "$dr" ] && [ -n "$gr" ] || pw_session_fail "no playback latency reported"
[ "$gq" = "$dq" ] && [ "$gn" = "$dn" ] && [ "$gr" = $((dr + pr)) ] ||
	pw_session_fail "the guard adds '$gq $gr $gn' - '$dq $dr $dn', not its lookahead $pr once"
pw_check_made "the latency a player sees"

# the sink's inputs report what the DAC's inputs report plus the lookahead
first_input()
{
	pw-dump -N | jq -r --argjson id "$(pw_node_id "$1")" '[.[]
		| select(.type == "PipeWire:Interface:Port") | select(.info.props["node.id"] == $id)
		| select(.info.direction == "input")][0].id' | head -n 1
}
read -r aq ar an < <(playback_latency "$(first_input "$DAC")")
read -r sq sr sn < <(playback_latency "$(first_input "$GUARD")")
echo "# the DAC's input reports quantum $aq rate $ar ns $an, the guard sink's quantum $sq" \
	"rate $sr ns $sn" >&2
[ "$sq" = "$aq" ] && [ "$sn" = "$an" ] && [ "$sr" = $((ar + pr)) ] ||
	pw_session_fail "the sink reports '$sq $sr $sn', the DAC '$aq $ar $an' plus $pr"
pw_check_made "the guard sink's input latency"
echo "ok"
