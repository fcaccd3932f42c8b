#!/bin/bash
# SPDX-License-Identifier: MIT
# The K3's guard host killed (SIGKILL) while a stream for the default sink plays,
# E2E_KILL_CYCLES times (5). The guard had opened the K3's sink (volume 1.0); with its
# guard gone the session manager moves or links the stream to that raw sink until
# dacguardd's next host is there. dacguardd must hold the sink silent again (volume
# 0) the moment the guard goes: in everything pw-dump --monitor reports from the kill
# until the new guard carries the stream, the stream never plays into the raw sink (a
# link there that is active) while that sink's volume is above 0. Each time a new host
# comes, its guard at the decided ceiling with the stream through it and the sink open
# again; at the end what reaches the K3 is the stream at the ceiling, nothing above.
. "$(dirname "$0")/common.sh"

CYCLES=${E2E_KILL_CYCLES:-5}
# a node made and gone every cycle: WirePlumber 0.4.13 crashes on one that went idle
# (pw-session.sh)
# shellcheck disable=SC2034
PW_SESSION_WP_SUSPEND=0
PLAY=$PW_AUDIO_NAME-play

e2e_start
want=$(e2e_expected se-3.5)
d=$PW_SESSION_DIR
pidfile=$XDG_RUNTIME_DIR/dacguard/guard-$DAC.pid
daemon_start
e2e_k3_playing "$want"
pw_wait_linked "$PLAY" "$GUARD"

# heard FILE: the batches of a pw-dump --monitor FILE after which the stream plays into
# the raw K3 sink (a link there in state active: before that no sample flows) while the
# sink's volume is above 0 or not known, then those after which it is linked there at
# all; "HEARD ON-RAW"
# shellcheck disable=SC2016
heard()
{
	jq -r -n --arg dac "$DAC" --arg play "$PLAY" '
	def node($all; $n): [$all[] | select(.type == "PipeWire:Interface:Node"
		and .info.props["node.name"] == $n)][0];
	[foreach inputs as $b ({};
		reduce $b[] as $o (.; ($o.id | tostring) as $k
			| if $o.info == null then del(.[$k]) else .[$k] = $o end);
		[.[]] as $all | node($all; $dac) as $d | node($all; $play).id as $p
		| [$all[] | select(.type == "PipeWire:Interface:Link" and $d != null
			and .info["output-node-id"] == $p and .info["input-node-id"] == $d.id)]
		  as $links
		| ($links | length > 0) as $on_raw
		| ([$links[] | select(.info.state == "active")] | length > 0) as $playing
		| ($d.info.params.Props // [] | map(.volume // empty) | first) as $v
		| [($playing and ($v == null or $v > 0)), $on_raw])]
	| "\([.[] | select(.[0])] | length) \([.[] | select(.[1])] | length)"' "$1"
}

heard_all=0 on_raw_all=0
for ((i = 1; i <= CYCLES; i++)); do
	read -r host <"$pidfile"
	old_guard=$(pw_node_id "$GUARD")
	pw-dump --monitor --no-colors >"$d/mon-$i.json" 2>"$d/mon.err" &
	mon=$!
	pw_wait_for "cycle $i: pw-dump's first batch" test -s "$d/mon-$i.json"
	kill -KILL "$host"
	pw_wait_for "cycle $i: a new guard" eval \
		'id=$(pw_node_id "$GUARD"); [ -n "$id" ] && [ "$id" != "$old_guard" ]'
	GUARD_ID=$(pw_wait_node_prop "$GUARD" dacguard.ceiling-db "<= $want + 0.1" \
		">= $want - 0.1")
	pw_wait_linked "$PLAY" "$GUARD"
	pw_wait_for "cycle $i: the stream off the raw sink" eval '! _pw_linked "$PLAY" "$DAC"'
	pw_wait_for "cycle $i: the K3's sink open again" \
		pw_volume_is "$(pw_node_id "$DAC")" '== 1'
	sleep 0.2
	kill "$mon"
	wait "$mon" 2>/dev/null || true
	read -r heard on_raw < <(heard "$d/mon-$i.json")
	echo "# cycle $i: host $host killed; the stream on the raw sink after $on_raw" \
		"changes, heard there after $heard" >&2
	heard_all=$((heard_all + heard))
	on_raw_all=$((on_raw_all + on_raw))
	pw_check_eq "cycle $i: changes after which the stream was heard on the raw sink" \
		"$heard" 0
done
pw_check "the stream still plays" kill -0 "$E2E_PLAY_PID"
record_start "$DAC" "$d/rec.wav"
record_more 500
record_stop
check_wav "$d/rec.wav" --max-db "$want" --expect-db "$want" --tolerance 1
e2e_check_k3 se-3.5 single-ended config
pw_figure "faults survived" "$CYCLES (a guard host killed during playback)"
echo "# $CYCLES guard hosts killed: the stream on the raw sink after $on_raw_all changes," \
	"heard there after $heard_all" >&2
echo "ok"
