#!/bin/bash
# SPDX-License-Identifier: MIT
# Nothing raises the output after the guard's DSP. A -6 dBFS sine plays through
# a guard at -12 dBFS (the DAC gets -18 dBFS); then every volume a client or the
# session manager can reach is pushed up on every node of the guard: pw-cli
# Props (channelVolumes, volume, softVolumes, monitorVolumes, an unmute),
# wpctl set-volume, pactl set-sink-input-volume on each sink-input pipewire-pulse
# shows for the guard, and WirePlumber restoring a stored stream volume when the
# guard is created. After each, the DAC must carry no sample above -12 dBFS and
# still get the audio: at -18 dBFS, or up to -12 where the raise comes before
# the DSP (the guard sink's own volume: its limiter holds the ceiling). Then each
# is undone and the DAC must be back at -18. Every step is tried and reported
# (the figures go to the log); the test fails at the end if one failed.
# A desktop mixer shows only the guard sink: no node of the guard is a
# sink-input, and the guard sink is a sink.
. "$(dirname "$0")/common.sh"

ceiling=-12
base=-18        # the -6 dBFS sine at the guard's gain
PW_SESSION_PULSE=1
start_with_guard "dacguard.ceiling-db = $ceiling"
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "== $ceiling"
d=$PW_SESSION_DIR
failed=()

# "id<TAB>node.name" of the guard's nodes: those marked dacguard.guard and those
# in the guard sink's node.group (the DAC's own sink is not the guard's)
guard_nodes()
{
	pw-dump -N 2>/dev/null | jq -r --arg g "$GUARD" --arg dac "$DAC" '
		[.[] | select(.type == "PipeWire:Interface:Node")] as $n
		| ([$n[] | select(.info.props["node.name"] == $g)
		       | .info.props["node.group"] // empty][0] // "") as $group
		| $n[] | .info.props as $p
		| select($p["node.name"] != $dac)
		| select(($p["dacguard.guard"] | tostring) == "true"
		         or ($group != "" and $p["node.group"] == $group))
		| "\(.id)\t\($p["node.name"])"'
}

# check LABEL FILE LO HI: no sample above the ceiling and a peak within [LO, HI]
check()
{
	local label=$1 file=$2 lo=$3 hi=$4 out peak over res
	out=$("$DG_WAV_PEAK" "$file" --max-db $ceiling 2>&1) || true
	peak=$(sed -n 's/^peak-db \([-0-9.]*\) .*/\1/p' <<<"$out")
	over=$(sed -n 's/^FAIL: \([0-9]*\) samples above.*/\1/p' <<<"$out")
	res="peak ${peak:-?} dBFS, ${over:-0} samples above $ceiling"
	if [ -z "$peak" ] || [ -n "$over" ] ||
		! awk -v p="$peak" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(p >= lo && p <= hi) }'; then
		echo "# FAIL $label: $res (expected a peak in [$lo, $hi])" >&2
		failed+=("$label: $res")
	else
		echo "# ok   $label: $res" >&2
	fi
}

step=0
# raise LABEL CMD...: records the DAC from 100 ms before CMD to 400 ms after it;
# the audio may rise up to the ceiling, no further
raise()
{
	local label=$1 f=$d/rec-$((++step)).wav
	shift
	record_start "$DAC" "$f"
	record_more 100
	"$@" >>"$d/steps.log" 2>&1 || echo "# ($label: '$*' was refused)" >&2
	record_more 400
	record_stop
	check "$label" "$f" $((base - 1)) $ceiling
}

# undo LABEL CMD...: after CMD the DAC is back at the level of the sine
undo()
{
	local label=$1 f=$d/rec-$((++step)).wav
	shift
	"$@" >>"$d/steps.log" 2>&1 || echo "# ($label: '$*' was refused)" >&2
	record_start "$DAC" "$f"
	record_more 300
	record_stop
	check "$label, undone" "$f" $((base - 1)) $((base + 1))
}

props()
{
	pw-cli set-param "$1" Props "$2" >/dev/null
}

stop_player()
{
	kill "$_play_pid" 2>/dev/null || true
	wait "$_play_pid" 2>/dev/null || true
}

# long enough for the steps on one node, with room for a loaded machine
make_wav "$d/long.wav" synth 40 sine 997 gain -n -6
play_bg "$d/long.wav"
pw_wait_prop "$GUARD_ID" dacguard.peak-db "> $((base - 1))"
record_start "$DAC" "$d/rec-base.wav"
record_more 300
record_stop
check_wav "$d/rec-base.wav" --max-db $ceiling --expect-db $base --tolerance 1

mapfile -t nodes < <(guard_nodes)
printf '# node of the guard: %s\n' "${nodes[@]}" >&2
printf '%s\n' "${nodes[@]}" | grep -q $'\t'"$GUARD"'$' ||
	pw_session_fail "the guard sink is not among the guard's nodes"

# a desktop mixer: the guard sink is a sink; no node of the guard is a stream
# (sink-input), only the test's own player is
pw_wait_pulse_index sinks "$GUARD" >/dev/null
pw_wait_pulse_index sink-inputs "$PW_AUDIO_NAME-play" >/dev/null
echo "# pactl sinks: $(pw_pulse_list sinks | cut -f2 | tr '\n' ' ')" >&2
echo "# pactl sink-inputs: $(pw_pulse_list sink-inputs | cut -f2 | tr '\n' ' ')" >&2
for n in "${nodes[@]}"; do
	name=${n#*$'\t'}
	[ -z "$(pw_pulse_index sink-inputs "$name")" ] ||
		failed+=("pactl list sink-inputs shows $name, a node of the guard")
	[ "$name" = "$GUARD" ] || [ -z "$(pw_pulse_index sinks "$name")" ] ||
		failed+=("pactl list sinks shows $name besides the guard sink")
done

for n in "${nodes[@]}"; do
	id=${n%%$'\t'*} name=${n#*$'\t'}
	stop_player
	play_bg "$d/long.wav"
	raise "$name: pw-cli channelVolumes x10" props "$id" '{ channelVolumes = [ 10.0 10.0 ] }'
	undo "$name: pw-cli channelVolumes x10" props "$id" '{ channelVolumes = [ 1.0 1.0 ] }'
	raise "$name: pw-cli volume x10" props "$id" '{ volume = 10.0 }'
	undo "$name: pw-cli volume x10" props "$id" '{ volume = 1.0 }'
	props "$id" '{ mute = true }' >>"$d/steps.log" 2>&1 || true
	raise "$name: pw-cli mute, unmute" props "$id" '{ mute = false }'
	raise "$name: pw-cli softVolumes x10" props "$id" '{ softVolumes = [ 10.0 10.0 ] }'
	undo "$name: pw-cli softVolumes x10" props "$id" '{ softVolumes = [ 1.0 1.0 ] }'
	raise "$name: pw-cli monitorVolumes x10" props "$id" '{ monitorVolumes = [ 10.0 10.0 ] }'
	undo "$name: pw-cli monitorVolumes x10" props "$id" '{ monitorVolumes = [ 1.0 1.0 ] }'
	raise "$name: wpctl set-volume 3.0" wpctl set-volume "$id" 3.0
	undo "$name: wpctl set-volume 3.0" wpctl set-volume "$id" 1.0
	idx=$(pw_pulse_index sink-inputs "$name")
	if [ -n "$idx" ]; then
		raise "$name: pactl set-sink-input-volume 300%" \
			pactl set-sink-input-volume "$idx" 300%
		undo "$name: pactl set-sink-input-volume 300%" \
			pactl set-sink-input-volume "$idx" 100%
	fi
done

# WirePlumber restores a stream's stored volume when the stream appears. Its key
# is the media.class without "Stream/", then the first of media.role,
# application.id, application.name, media.name, node.name the node has when
# WirePlumber sees it (pw-cat's node on 1.6 shows a media.role that 0.5.18 did
# not key it by), so store under every one of them: x10 for every node of the
# guard, x0.5 for the test's player, which shows that WirePlumber did read the
# file. Then restart the session, which creates the guard again.
#   0.4: state/wireplumber/restore-stream, [restore-stream],
#        KEY:volume=1.0  KEY:mute=false  KEY:channelVolumes=10.0;10.0;
#   0.5: state/wireplumber/stream-properties, [stream-properties],
#        KEY={"volume":1.0, "mute":false, "channelVolumes":[10.0, 10.0]}
wp_keys()
{
	pw-dump -N 2>/dev/null | jq -r --arg names "$1" '
		($names | split("\n")) as $want
		| .[] | select(.type == "PipeWire:Interface:Node") | .info.props as $p
		| select(any($want[]; . == $p["node.name"])) | select($p["media.class"] != null)
		| ($p["media.class"] | sub("^Stream/"; "")) as $c
		| ("media.role", "application.id", "application.name", "media.name", "node.name")
		  as $k | select($p[$k] != null) | "\($c):\($k):\($p[$k])"'
}

# seed_state FILE GROUP KEY VOLUME...: KEY's stored volume is VOLUME (linear)
seed_state()
{
	local file=$1 group=$2 v=$3 key
	shift 3
	mkdir -p "$(dirname "$file")"
	[ -s "$file" ] || echo "[$group]" >"$file"
	for key in "$@"; do
		awk -v k="$key" 'index($0, k ":") != 1 && index($0, k "=") != 1' "$file" >"$file.tmp"
		if [ "$group" = restore-stream ]; then
			printf '%s:volume=1.0\n%s:mute=false\n%s:channelVolumes=%s;%s;\n' \
				"$key" "$key" "$key" "$v" "$v" >>"$file.tmp"
		else
			printf '%s={"volume":1.0, "mute":false, "channelVolumes":[%s, %s]}\n' \
				"$key" "$v" "$v" >>"$file.tmp"
		fi
		mv "$file.tmp" "$file"
	done
}

mapfile -t guard_keys < <(wp_keys "$(printf '%s\n' "${nodes[@]}" | cut -f2)")
mapfile -t player_keys < <(wp_keys "$PW_AUDIO_NAME-play")
[ "${#guard_keys[@]}" -gt 0 ] && [ "${#player_keys[@]}" -gt 0 ] ||
	pw_session_fail "no WirePlumber key for the guard's nodes or the player"
printf '# WirePlumber key: %s\n' "${guard_keys[@]}" "${player_keys[@]}" >&2
case $(pw_wp_version) in
0.[0-4]) state=$XDG_STATE_HOME/wireplumber/restore-stream group=restore-stream ;;
*) state=$XDG_STATE_HOME/wireplumber/stream-properties group=stream-properties ;;
esac

stop_player
seed()
{
	seed_state "$state" "$group" 10.0 "${guard_keys[@]}"
	seed_state "$state" "$group" 0.5 "${player_keys[@]}"
}
pw_session_restart seed
GUARD_ID=$(pw_wait_node "$GUARD")
pw_wait_port_links "$DAC"
make_wav "$d/full.wav" synth 30 sine 997 gain -n 0
play_bg "$d/full.wav"
# the player at x0.5 (-6 dB) plays the sine at -6 dBFS again
player=$(pw_wait_node "$PW_AUDIO_NAME-play")
pw_wait_channel_volume "$player" '< 0.51'
awk -v v="$(pw_channel_volume "$player")" 'BEGIN { exit !(v > 0.49) }' ||
	pw_session_fail "the player's volume is $(pw_channel_volume "$player"), not the stored 0.5"
pw_wait_prop "$GUARD_ID" dacguard.peak-db "> $((base - 1))"
f=$d/rec-restored.wav
record_start "$DAC" "$f"
record_more 500
record_stop
check "WirePlumber restoring x10 on the guard's nodes" "$f" $((base - 1)) $ceiling

stop_player
if [ "${#failed[@]}" -gt 0 ]; then
	pw_session_fail "$(printf '\n  %s' "${failed[@]}")"
fi
echo "ok"
