#!/bin/bash
# SPDX-License-Identifier: MIT
# A DAC sink made silent until guarded (pipewire-module/guard-target-hold.c): the sink
# is made as dacguard's session manager rules make a USB DAC's, its converter's
# volume at 0 (node.param.Props) and marked dacguard.hold-until-guarded.
#  - the mark and the volume take on this PipeWire: the sink starts at volume 0;
#  - a stream plays into it before its guard exists (linked by hand, so that no
#    session manager moves it): the guard comes and the sink stays at 0 while that
#    stream is linked to it;
#  - that stream goes: the guard alone plays into the sink, whose volume goes to 1.0;
#    the stream played into the guard reaches the DAC whole at the ceiling;
#  - another stream linked to the sink by hand: back to 0 at once, the guard host's
#    log says which node; gone: 1.0 again, the guarded stream whole again;
#  - the sink made again under its name, as a DAC plugged back: held at 0 again, and
#    neither the guard's 1.0 nor a channel volume of 1.5 set on the old one restored to
#    it by the session manager; opened by its new guard;
#  - an unmarked sink keeps its volume: the same guard on a sink made at 0 without
#    the mark leaves it at 0.
# The sink's monitor carries what enters the sink, not its master volume, so the hold
# is read from the converter's own Props (what it applies), the audio from the monitor.
. "$(dirname "$0")/common.sh"
. "$DG_SOURCE_DIR/tests/lib/guard-host.sh"

ceiling=-12
# (state.restore-props: WirePlumber 0.5 reads it from the node; 0.4 from its Lua rule)
HOLD=('node.param.Props={ volume = 0.0 }' dacguard.hold-until-guarded=true
	state.restore-props=false)
pw_session_add_sink "$DAC" "$DAC_DESC" usb "${HOLD[@]}"
pw_session_add_sink unmarked "Unmarked DAC" usb 'node.param.Props={ volume = 0.0 }'
# The rules dacguard installs for WirePlumber (conf/wireplumber/). This session has no
# ALSA monitor for them to act on: 0.4 runs the Lua (an error in it stops WirePlumber,
# which fails the test); 0.5's SPA-JSON is read by PipeWire's own parser (pw-config),
# which must find the match and the two properties the sinks here are made with.
wp_lua=${DG_WP_LUA:-$DG_SOURCE_DIR/conf/wireplumber/main.lua.d/51-dacguard-hold.lua}
wp_conf=${DG_WP_CONF:-$DG_SOURCE_DIR/conf/wireplumber/wireplumber.conf.d/51-dacguard-hold.conf}
pw_session_add_wp_files "$wp_lua" "$wp_conf"
if ! pw_session_wp_is_04; then
	rules=$(pw-config -r -N -n "$wp_conf" list monitor.alsa.rules 2>&1) ||
		pw_session_fail "pw-config cannot read $wp_conf: $rules"
	pw_check "WirePlumber 0.5's rule: USB ALSA sinks, volume 0, the mark" jq -e '
		[.[]] | length == 1 and (.[0] | length == 1) and (.[0][0]
		| .matches == [{"node.name": "~alsa_output.usb-.*"}]
		and .actions["update-props"] == {"node.param.Props": {"volume": 0.0},
						 "dacguard.hold-until-guarded": true,
						 "state.restore-props": false})' \
		<<<"$rules"
fi
pw_session_start
d=$PW_SESSION_DIR
DAC_ID=$(pw_wait_node "$DAC")

pw_wait_for "the DAC sink's volume to be published" eval '[ -n "$(pw_volume $DAC_ID)" ]'
pw_check "the marked sink starts at volume 0 (node.param.Props applies)" pw_volume_is "$DAC_ID" '== 0'

make_wav "$d/sine.wav" synth 30 sine 997 gain -n 0
make_wav "$d/short.wav" synth 4 sine 997 gain -n 0
# a stream on the raw sink before there is a guard
pw-cat --playback -P "{ node.name = early node.autoconnect = false }" "$d/sine.wav" \
	>"$d/early.log" 2>&1 &
early=$!
pw_link_channels early out "$DAC"

guard_host_conf "$d/host.conf" "$DAC" $ceiling 3
LD_PRELOAD=${PW_SESSION_PRELOAD:-} pipewire -c "$d/host.conf" >"$d/host.log" 2>&1 &
host=$!
pw_session_own "$host"
GUARD_ID=$(pw_wait_node "$GUARD")
pw_wait_linked "$GUARD.output" "$DAC"
sleep 1
pw_check "held at 0 while a stream plays into the sink around the guard" \
	pw_volume_is "$DAC_ID" '== 0'

kill "$early"
wait "$early" 2>/dev/null || true
pw_wait_for "the volume to be 1.0 once only the guard plays into the sink" \
	pw_volume_is "$DAC_ID" '== 1'
pw_check_made "lifted to 1.0 once only the guard plays into the sink"

# guarded_whole NAME: a stream played into the guard reaches the DAC whole at the ceiling
guarded_whole()
{
	record_start "$DAC" "$d/rec-$1.wav"
	play "$d/short.wav"
	record_stop
	check_wav "$d/rec-$1.wav" --max-db $ceiling --expect-db $ceiling --tolerance 0.1
	check_intact "$d/short.wav" "$d/rec-$1.wav" --gain-db $ceiling
}
guarded_whole lifted

pw-cat --playback -P "{ node.name = intruder node.autoconnect = false }" "$d/sine.wav" \
	>"$d/intruder.log" 2>&1 &
intruder=$!
pw_link_channels intruder out "$DAC"
pw_wait_for "the volume back to 0 while another stream plays into the sink" \
	pw_volume_is "$DAC_ID" '== 0'
pw_check_made "held at 0 again while another stream plays into the sink"
pw_check "the guard host's log names the node" grep -q "plays into it around the guard" \
	"$d/host.log"
kill "$intruder"
wait "$intruder" 2>/dev/null || true
pw_wait_for "the volume to be 1.0 again" pw_volume_is "$DAC_ID" '== 1'
pw_check_made "1.0 again once the other stream is gone"
guarded_whole again

kill -TERM "$host"
wait "$host" 2>/dev/null || true
pw_wait_node_gone "$GUARD"

# The sink made again under its name, as a DAC plugged back: held again, whatever the
# guard's 1.0 was (WirePlumber 0.4 restores the volume of a sink with no routes by its
# name, unless state.restore-props is false), until a guard plays into it alone.
# (a channel volume above 1.0 on the old one, such as a slider past 100%, is not
# restored to the new one either)
pw-cli set-param "$DAC_ID" Props '{ channelVolumes = [ 1.5 1.5 ] }' >/dev/null
pw_wait_channel_volume "$DAC_ID" '== 1.5'
sleep 0.5
args=$(pw_session_sink_args "$DAC" "$DAC_DESC" usb "${HOLD[@]}")
pw-cli destroy "$DAC_ID" >/dev/null
pw_wait_node_gone "$DAC"
pw-cli create-node adapter "${args//$'\n'/ }" >/dev/null
DAC_ID=$(pw_wait_node "$DAC")
pw_wait_for "the new DAC sink's volume to be published" eval '[ -n "$(pw_volume $DAC_ID)" ]'
sleep 1
pw_check "the sink made again is held at 0, not given back the guard's 1.0" \
	pw_volume_is "$DAC_ID" '== 0'
pw_check "the sink made again is not given back the old one's channel volumes" \
	_pw_channel_volume_is "$DAC_ID" '== 1'
LD_PRELOAD=${PW_SESSION_PRELOAD:-} pipewire -c "$d/host.conf" >"$d/host.log" 2>&1 &
host=$!
pw_session_own "$host"
pw_wait_node "$GUARD" >/dev/null
pw_wait_linked "$GUARD.output" "$DAC"
pw_wait_for "the sink made again to be 1.0 under its guard" pw_volume_is "$DAC_ID" '== 1'
pw_check_made "the sink made again is 1.0 under its guard"
guarded_whole replugged
kill -TERM "$host"
wait "$host" 2>/dev/null || true
pw_wait_node_gone "$GUARD"

# the same guard on an unmarked sink made at 0: left as it is
UNMARKED_ID=$(pw_node_id unmarked)
guard_host_conf "$d/host2.conf" unmarked $ceiling 3
LD_PRELOAD=${PW_SESSION_PRELOAD:-} pipewire -c "$d/host2.conf" >"$d/host2.log" 2>&1 &
host=$!
pw_session_own "$host"
pw_wait_node dacguard.unmarked >/dev/null
pw_wait_linked dacguard.unmarked.output unmarked
sleep 1
pw_check "an unmarked sink keeps its volume" pw_volume_is "$UNMARKED_ID" '== 0'
kill -TERM "$host"
wait "$host" 2>/dev/null || true
echo "ok"
