#!/bin/bash
# SPDX-License-Identifier: MIT
# With WirePlumber 0.4 (0.5: see below),
# dacguard.hide-raw-sink (on by default; the test config exempts pw-dump,
# pw-cat (pw-record) and pw-cli): once the K3's guard exists, an ordinary client
# (here a copy of pw-cli named dg-lister, an executable that is not exempt) loses the raw
# sink's node and ports but keeps the guard; playback into the guard still
# reaches the DAC sink (recorded by the exempt pw-record); after the unplug the
# same client sees the raw sink (which stays in this session, a null sink) again.
# The hiding follows a client's connection: a client that lists once and quits
# within a few milliseconds (pw-link -i) may still see it, as with WirePlumber's
# hide-parent. With WirePlumber 0.5 the guard is a smart filter of the raw sink and
# nothing is hidden: the same client keeps seeing the raw sink, and a stream an
# ordinary player (a copy of pw-cat, not exempt) sends to it plays through the guard.
. "$(dirname "$0")/common.sh"

e2e_start
d=$PW_SESSION_DIR
want=$(e2e_expected se-3.5)
raw_id=$(pw_wait_node "$DAC")
raw_ports=$(pw-dump | jq -r --argjson n "$raw_id" '.[] | select(.type == "PipeWire:Interface:Port")
	| select(.info.props["node.id"] == $n) | .id')
[ -n "$raw_ports" ] || pw_session_fail "no ports on the raw sink"

# the ordinary client, alive from before the hotplug to after the unplug
cp "$(command -v pw-cli)" "$d/dg-lister"
mkfifo "$d/lister.in"
# pw-cli 0.3.65 crashes under MALLOC_PERTURB_ (set by meson test): not here
env -u MALLOC_PERTURB_ stdbuf -oL "$d/dg-lister" <"$d/lister.in" >"$d/lister.out" 2>&1 &
E2E_PIDS+=("$!")
exec 7>"$d/lister.in"

# lister_says ID TEXT: asks the lister about ID until TEXT shows in a new answer: what
# an ordinary client sees of the graph, the state hiding is about; a check
_lister_says()
{
	echo "info $1" >&7
	[ "$(grep -Fc -- "$2" "$d/lister.out")" -gt "$3" ]
}
lister_says()
{
	pw_wait_for "dg-lister to say '$2' about $1" \
		_lister_says "$1" "$2" "$(grep -Fc -- "$2" "$d/lister.out")"
	pw_check_made "dg-lister says '$2' about $1"
}

# readers CLIENTS: "client-id binary" of each client of the server still allowed to
# read the raw sink, from the server's permission table (pw-cli get-permissions
# prints the default and each object's own, "r" first when readable)
readers()
{
	local c b p
	_pw_dump | jq -r '.[] | select(.type == "PipeWire:Interface:Client")
		| "\(.id) \(.info.props["application.process.binary"] // "-")"' |
		while read -r c b; do
			p=$(pw-cli get-permissions "$c" 2>/dev/null | awk -v id="$raw_id:" '
				$1 == "default:" { d = $2 } $1 == id { o = $2 }
				END { print (o != "" ? o : d) }')
			case $p in r*) echo "$c $b" ;; esac
		done
}

# every running client but those named in ARGS reads the raw sink
readers_all_but()
{
	local all r
	all=$(_pw_dump | jq '[.[] | select(.type == "PipeWire:Interface:Client")
		| select(.info.props["application.process.binary"] as $b | $ARGS.positional
		| index($b) | not)] | length' --args "$@")
	r=$(readers | awk '{ print $2 }' | grep -Fcvx -f <(printf '%s\n' "$@")) || true
	[ "$r" -ge "$all" ]
}

lister_says "$raw_id" "id: $raw_id"
daemon_start
e2e_hotplug_k3 "$want"
pw_wait_linked "$GUARD.output" "$DAC"

e2e_wait_routing
if [ "$E2E_ROUTING" = smart-filter ]; then
	# WirePlumber 0.5: nothing is hidden (the raw sink is the device users see and
	# pick); an ordinary client's stream for it plays through the guard instead
	lister_says "$raw_id" "id: $raw_id"
	pw_check "every client reads the raw sink" readers_all_but
	make_wav "$d/sine.wav" synth 1.5 sine 997 gain -n 0
	record_start "$DAC" "$d/rec.wav"
	cp "$(command -v pw-cat)" "$d/dg-player"
	"$d/dg-player" --playback --target "$DAC" -P "{ node.name = $PW_AUDIO_NAME-play }" \
		"$d/sine.wav" >"$d/play.log" 2>&1 &
	_play_pid=$!
	pw_wait_linked "$PW_AUDIO_NAME-play" "$GUARD"
	_pw_linked "$PW_AUDIO_NAME-play" "$DAC" &&
		pw_session_fail "the ordinary client's stream is linked to the raw sink"
	play_wait
	record_stop
	check_wav "$d/rec.wav" --max-db "$want" --expect-db "$want" --tolerance 1
	check_intact "$d/sine.wav" "$d/rec.wav" --gain-db "$want" --gain-slack 0.001
	echo quit >&7
	exec 7>&-
	echo "ok"
	exit 0
fi
for id in $raw_id $raw_ports; do
	lister_says "$id" "unknown global '$id'"
done
lister_says "$GUARD_ID" "id: $GUARD_ID"
# the exempt and the privileged kept it
pw_check "the exempt pw-cli sees the raw sink" eval \
	'pw-cli ls Node | grep -q "node.name = \"$DAC\""'
pw_check "every client but dg-lister reads the raw sink" readers_all_but dg-lister
pw_check "dg-lister cannot read the raw sink" eval '! readers | grep -q " dg-lister$"'

# playback into the guard still reaches the DAC
e2e_make_signals
e2e_check_signals "$want" sine

# unplug: the daemon gives the permissions back
t0=$(e2e_now_ms)
tb_cmd remove "$K3_CARD"
lister_says "$raw_id" "id: $raw_id"
pw_check "every client reads the raw sink again" readers_all_but
echo "# unplug to raw sink seen again: $(($(e2e_now_ms) - t0)) ms" >&2
for id in $raw_ports; do
	lister_says "$id" "id: $id"
done
echo quit >&7
exec 7>&-
echo "ok"
