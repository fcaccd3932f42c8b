# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# pw-audio.sh: play WAV files into a node and record a sink of a session made
# with pw-session.sh, and check what was recorded.
#
# Source it after pw-session.sh, and set GUARD (the node played into by default),
# DG_WAV_PEAK (tests/pipewire/wav-peak) and DG_WAV_INTACT (tests/pipewire/wav-intact)
# before using it.
#
#   . "$srcdir/tests/lib/pw-session.sh"
#   . "$srcdir/tests/lib/pw-audio.sh"
#   PW_AUDIO_NAME=dg-test
#   make_wav "$PW_SESSION_DIR/sine.wav" synth 1 sine 997 gain -n 0
#   record_start "$DAC" "$PW_SESSION_DIR/rec.wav"
#   play "$PW_SESSION_DIR/sine.wav"
#   record_stop
#   check_wav "$PW_SESSION_DIR/rec.wav" --max-db -30
#   check_intact "$PW_SESSION_DIR/sine.wav" "$PW_SESSION_DIR/rec.wav" --gain-db -30
#
# Settings (read when a helper runs):
#   PW_AUDIO_NAME          node names: the recorder is PW_AUDIO_NAME-record, the
#                          players PW_AUDIO_NAME-play (default dg-test)
#   PW_AUDIO_RECORD_PROPS  more node properties of the recorder (SPA-JSON)
#   PW_AUDIO_LATENCY       node latency (pw-cat --latency) of the recorder and the
#                          background player; a small one makes small graph
#                          cycles; pw-cat's default (100 ms) when unset
#   PW_AUDIO_RT            1: the recorder and the players run SCHED_FIFO (chrt -f
#                          70, where allowed), as RTKit has a desktop's audio
#                          clients run: pw-cat 0.3 processes its stream on its main
#                          thread, which a loaded machine holds off for cycles (a
#                          gap, or buffers lost, that are the test's, not the guard's)
#
# Helpers:
#   make_wav FILE SOX-EFFECTS...  a 48 kHz stereo float WAV made by sox (pw-cat
#                                 plays float as is), ending in 100 ms of silence
#   record_start SINK FILE        records SINK (its monitor) into FILE, returns
#                                 once linked
#   record_more MS [FILE]         returns once the recording (or the WAV FILE
#                                 another recorder writes) holds MS more
#                                 milliseconds than when called (a property
#                                 seen by the guard says nothing of how much
#                                 the recorder has written yet)
#   record_stop                   SIGINT, so pw-record finalises the WAV header
#   wav_frames FILE               frames in a 48 kHz stereo float WAV, also
#                                 while pw-record still writes it
#   play FILE [TARGET]            plays FILE into TARGET (default $GUARD), returns
#                                 when done
#   play_bg FILE [TARGET]         the same in the background; returns once the
#                                 player is linked (its pid in _play_pid, to
#                                 stop it early)
#   play_wait                     waits for play_bg's player, fails if it failed
#   check_wav FILE ARGS...        wav-peak FILE ARGS (fails the test if it does),
#                                 its first line in the test log; a check
#                                 (pw-session.sh counts them)
#   check_intact PLAYED RECORDED ARGS...
#                                 wav-intact PLAYED RECORDED ARGS (fails the test
#                                 if it does): RECORDED is PLAYED at the guard's
#                                 gain, whole; its summary line and transitions in
#                                 the test log, its whole report in INTACT_OUT; a
#                                 check
#   intact_transition N           "RECORDED PLAYED": the frames where check_intact
#                                 saw the Nth gain step

PW_AUDIO_NAME=${PW_AUDIO_NAME:-dg-test}
PW_AUDIO_RECORD_PROPS=${PW_AUDIO_RECORD_PROPS:-}

# The silence at the end: pw-cat (0.3.65 and 1.4 alike) drops a file's last partial
# buffer when it drains, so that is all it may drop.
make_wav()
{
	local out=$1
	shift
	sox -q -n -r 48000 -c 2 -e floating-point -b 32 "$out" "$@" pad 0 0.1
}

# "port-id channel" of NODE's ports of KIND: in (inputs), out (outputs that are not
# monitors) or monitor
_pw_audio_ports()
{
	_pw_dump | jq -r --arg n "$1" --arg k "$2" '
		([.[] | select(.type == "PipeWire:Interface:Node")
		      | select(.info.props["node.name"] == $n)][0].id) as $id
		| .[] | select(.type == "PipeWire:Interface:Port")
		| select(.info.props["node.id"] == $id)
		| ((.info.props["port.monitor"] // false) | tostring == "true") as $mon
		| select(if $k == "in" then .info.direction == "input"
		         else .info.direction == "output" and ($mon == ($k == "monitor")) end)
		| "\(.id) \(.info.props["audio.channel"])"' | sort -u
}

_pw_audio_has_ports()
{
	[ "$(_pw_audio_ports "$1" "$2" | wc -l)" -ge 2 ]
}

# pw_link_channels FROM KIND TO: links FROM's ports of KIND (out or monitor) to TO's
# inputs of the same audio.channel, by hand (pw-cli, lingering), once both have their
# ports; for what the session manager must not route (a smart filter would)
pw_link_channels()
{
	local from=$1 kind=$2 to=$3 from_id to_id port c out
	pw_wait_for "the $kind ports of $from" _pw_audio_has_ports "$from" "$kind"
	pw_wait_for "the input ports of $to" _pw_audio_has_ports "$to" in
	from_id=$(pw_node_id "$from")
	to_id=$(pw_node_id "$to")
	while read -r port c; do
		out=$(_pw_audio_ports "$from" "$kind" | awk -v c="$c" '$2 == c { print $1; exit }')
		[ -n "$out" ] || continue
		pw-cli create-link "$from_id" "$out" "$to_id" "$port" '{ object.linger = true }' \
			>/dev/null || pw_session_fail "pw-cli create-link $from:$c -> $to:$c failed"
	done < <(_pw_audio_ports "$to" in)
	pw_wait_for "every channel of $from linked to $to" _pw_audio_all_linked "$from" "$to"
}

# every input of TO has a link from FROM
_pw_audio_all_linked()
{
	_pw_dump | jq -e --arg a "$1" --arg b "$2" '
		([.[] | select(.type == "PipeWire:Interface:Node")] | map({(.info.props["node.name"]):
			.id}) | add) as $ids
		| [.[] | select(.type == "PipeWire:Interface:Port")
		       | select(.info.props["node.id"] == $ids[$b] and .info.direction == "input")
		       | .id] as $inputs
		| [.[] | select(.type == "PipeWire:Interface:Link")
		       | select(.info["output-node-id"] == $ids[$a] and .info["input-node-id"] == $ids[$b])
		       | .info["input-port-id"]] as $linked
		| ($inputs | length) > 0 and ($inputs - $linked | length) == 0' >/dev/null
}

# the command prefix of PW_AUDIO_RT, in _pw_audio_rt_cmd
_pw_audio_rt()
{
	_pw_audio_rt_cmd=()
	if [ "${PW_AUDIO_RT:-0}" = 1 ] && chrt -f 70 true 2>/dev/null; then
		_pw_audio_rt_cmd=(chrt -f 70)
	fi
}

record_start()
{
	# Linked here rather than by the session manager: WirePlumber 0.5 may route a
	# capture of a guarded sink through the guard (a smart filter), and a test records
	# what reached the sink itself.
	_pw_audio_rt
	"${_pw_audio_rt_cmd[@]}" pw-record --format f32 --rate 48000 --channels 2 \
		${PW_AUDIO_LATENCY:+--latency "$PW_AUDIO_LATENCY"} \
		-P "{ node.name = $PW_AUDIO_NAME-record node.autoconnect = false $PW_AUDIO_RECORD_PROPS }" \
		"$2" >"$PW_SESSION_DIR/record.log" 2>&1 &
	_record_pid=$!
	_record_file=$2
	pw_link_channels "$1" monitor "$PW_AUDIO_NAME-record"
}

wav_frames()
{
	local size
	size=$(stat -c %s "$1" 2>/dev/null) || size=44
	echo $(((size > 44 ? size - 44 : 0) / 8))
}

record_more()
{
	local file=${2:-$_record_file}
	local want=$(($(wav_frames "$file") + $1 * 48))
	pw_wait_for "$1 ms more recording" eval '[ "$(wav_frames "'"$file"'")" -ge '"$want"' ]'
}

record_stop()
{
	kill -INT "$_record_pid"
	wait "$_record_pid" || true
}

play()
{
	_pw_audio_rt
	"${_pw_audio_rt_cmd[@]}" pw-cat --playback --target "${2:-$GUARD}" \
		-P "{ node.name = $PW_AUDIO_NAME-play }" "$1" >"$PW_SESSION_DIR/play.log" 2>&1 ||
		pw_session_fail "pw-cat failed: $(cat "$PW_SESSION_DIR/play.log")"
}

play_bg()
{
	_pw_audio_rt
	"${_pw_audio_rt_cmd[@]}" pw-cat --playback --target "${2:-$GUARD}" \
		${PW_AUDIO_LATENCY:+--latency "$PW_AUDIO_LATENCY"} \
		-P "{ node.name = $PW_AUDIO_NAME-play }" "$1" >"$PW_SESSION_DIR/play.log" 2>&1 &
	_play_pid=$!
	pw_wait_linked "$PW_AUDIO_NAME-play" "${2:-$GUARD}"
}

play_wait()
{
	wait "$_play_pid" ||
		pw_session_fail "pw-cat failed: $(cat "$PW_SESSION_DIR/play.log")"
}

check_wav()
{
	local out
	if ! out=$("$DG_WAV_PEAK" "$@" 2>&1); then
		echo "$out" >&2
		pw_session_fail "wav-peak $*"
	fi
	echo "# wav-peak $*: $(echo "$out" | head -n1)" >&2
	pw_check_made "wav-peak $*"
}

check_intact()
{
	local err=$PW_SESSION_DIR/intact.err args=${*//"$PW_SESSION_DIR/"/}
	if ! INTACT_OUT=$("$DG_WAV_INTACT" "$@" 2>"$err"); then
		echo "$INTACT_OUT" >&2
		cat "$err" >&2
		pw_session_fail "wav-intact $args"
	fi
	echo "# wav-intact $args: $(echo "$INTACT_OUT" | head -n1)" >&2
	echo "$INTACT_OUT" | tail -n +2 | sed 's/^/#   /' >&2
	pw_check_made "wav-intact $args"
}

intact_transition()
{
	sed -n "s/^transition $1 at recorded frame \([0-9]*\), played frame \(-\{0,1\}[0-9]*\) .*/\1 \2/p" \
		<<<"$INTACT_OUT"
}

# Pulse clients, through the pipewire-pulse of a session started with
# PW_SESSION_PULSE=1; the player's node is PW_AUDIO_NAME-paplay:
#   paplay_fg FILE [SINK]   plays FILE with paplay into the sink named SINK
#                           (default $GUARD), returns when done
#   paplay_bg FILE [SINK]   the same in the background; returns once the player
#                           is linked to SINK (its pid in _paplay_pid)
#   paplay_wait             waits for paplay_bg's player, fails if it failed
_paplay()
{
	paplay --device="${2:-$GUARD}" --client-name="$PW_AUDIO_NAME" \
		--property=node.name="$PW_AUDIO_NAME-paplay" "$1"
}

paplay_fg()
{
	_paplay "$@" >"$PW_SESSION_DIR/paplay.log" 2>&1 ||
		pw_session_fail "paplay failed: $(cat "$PW_SESSION_DIR/paplay.log")"
}

paplay_bg()
{
	_paplay "$@" >"$PW_SESSION_DIR/paplay.log" 2>&1 &
	_paplay_pid=$!
	pw_wait_linked "$PW_AUDIO_NAME-paplay" "${2:-$GUARD}"
}

paplay_wait()
{
	wait "$_paplay_pid" ||
		pw_session_fail "paplay failed: $(cat "$PW_SESSION_DIR/paplay.log")"
}
