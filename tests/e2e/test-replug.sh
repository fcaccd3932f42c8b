#!/bin/bash
# SPDX-License-Identifier: MIT
# The K3 unplugged and plugged in again 100 times (E2E_REPLUG_CYCLES) while a stream
# for the default sink plays, as an application's would. Each unplug: the USB device
# goes (uevents "remove", children first) and the K3's sink is destroyed, as
# WirePlumber does; the guard and its host go. Each replug: the devices and the same
# sink come back, and the guard is again in front of the K3's sink with the decided
# ceiling, output and mode, the stream playing through it; what reaches the K3's sink
# while it is guarded (its monitor, recorded from when the recorder can be linked
# after the guard until the next unplug) has no sample above the ceiling and the
# stream at it. At the end: one guard host runs, the nodes and clients are those of
# the start, and dacguardd, stopped as systemd stops it, exits 0 with no sanitizer
# report (in an ASan build, no leak). The K3's sink is made as dacguard's WirePlumber
# rules make it, at volume 0 and held until its guard alone plays into it: the session
# manager may link the stream to it before the guard is there, but it must never be
# heard there (the stream linked to the raw sink while its volume is not 0: none in
# any cycle). Prints the cycle's times (median, max) and how often and long the
# stream was linked to the raw sink, held silent.
#
# The state is followed through one `pw-dump --monitor` (its changes folded by jq into
# one line per change): a wait is a read of the next line, not a poll of pw-dump. One
# interactive pw-cli makes and destroys the objects: no process per command. The
# recordings are checked by wav-peak, not wav-intact: on a loaded 2-core machine a
# recorder linked while a stream plays loses or repeats whole graph cycles (1024-2048
# frames) in about one recording in five, replug or not.
. "$(dirname "$0")/common.sh"

CYCLES=${E2E_REPLUG_CYCLES:-100}
# a node made and gone every cycle: WirePlumber 0.4.13 crashes on one that went idle
# (pw-session.sh)
# shellcheck disable=SC2034
PW_SESSION_WP_SUSPEND=0
PLAY=$PW_AUDIO_NAME-play
REC=$PW_AUDIO_NAME-record

# now: the time in ms in _now (no process)
now()
{
	local t=${EPOCHREALTIME/[.,]/}
	_now=$((t / 1000))
}

# proc_gone PID: no such process, or a zombie nobody reaped (the host is detached)
proc_gone()
{
	local st
	read -r _ _ st _ 2>/dev/null <"/proc/$1/stat" || return 0
	[ "$st" = Z ]
}

# The monitor's line, after each change the server reports:
#   dac guard ceiling_ok output mode peak_ok guard_to_dac play_to_guard play_to_dac
#   dac_mon_fl dac_mon_fr rec rec_fl rec_fr dac_to_rec nodes clients
#   raw_links raw_episodes raw_ms raw_longest_ms dac_volume loud_episodes loud_ms blind_ms
# ids or "-"; ceiling_ok: the guard's dacguard.ceiling-db within 0.1 dB of $want;
# peak_ok: its dacguard.peak-db meter above $want - 1 (the stream at the ceiling passes
# through it); *_to_*: links between those nodes now; raw_*: the stream linked to the
# raw K3 sink itself: links made (counted as each appears: ids are reused), times it
# played there (an active link) and for how long in all and at most, in ms;
# dac_volume: the K3 sink's master volume (0 while held, conf/wireplumber/); loud_*:
# the times and ms the stream played to the raw sink while that volume was above 0:
# what a listener would have heard unguarded; blind_ms: ms it played there before the
# sink's Props were seen (the sink is made at 0, pipewire-hold checks that; a sink
# made otherwise would show its volume while the stream still played there).
# shellcheck disable=SC2016
MON_JQ='
def props: [.info.params.Props // [] | .[] | .params // [] | . as $p
	| range(0; length; 2) | [$p[.], $p[. + 1]]];
def prop($k): [props[] | select(.[0] == $k) | .[1]] | last;
def of_type($t): .[] | select(.type == "PipeWire:Interface:" + $t);
def node_id($n): [of_type("Node") | select(.info.props["node.name"] == $n) | .id][0];
def links($a; $b): [of_type("Link") | select($a != null and $b != null
	and .info["output-node-id"] == $a and .info["input-node-id"] == $b)];
def port($node; $dir; $mon; $ch): [of_type("Port") | select($node != null
	and .info.props["node.id"] == $node and .info.direction == $dir
	and ((.info.props["port.monitor"] // false) | tostring == "true") == $mon
	and .info.props["audio.channel"] == $ch) | .id][0];
def name_of($objs; $id): $objs[$id | tostring].info.props["node.name"];
def orno: if . == null then "-" else tostring end;
def volume_of($objs; $n): [$objs[] | select(.type == "PipeWire:Interface:Node"
	and .info.props["node.name"] == $n) | .info.params.Props // [] | .[]
	| .volume // empty][0];
foreach inputs as $batch ({objs: {}, raw: 0, since: null, episodes: 0, ms: 0, longest: 0,
		loud_since: null, loud_episodes: 0, loud_ms: 0, blind_since: null, blind_ms: 0};
	reduce $batch[] as $o (.;
		($o.id | tostring) as $k
		| if $o.info == null then .objs |= del(.[$k])
		  else
			(if $o.type == "PipeWire:Interface:Link" and .objs[$k] == null
			    and name_of(.objs; $o.info["output-node-id"]) == $play
			    and name_of(.objs; $o.info["input-node-id"]) == $dac
			 then .raw += 1 else . end)
			| .objs[$k] = $o
		  end)
	| ([.objs[]] | [links(node_id($play); node_id($dac))[]
		| select(.info.state == "active")] | length) as $playing
	| if $playing > 0 and .since == null then .since = now | .episodes += 1
	  elif $playing == 0 and .since != null then ((now - .since) * 1000) as $ms
		| .ms += $ms | .longest = ([.longest, $ms] | max) | .since = null
	  else . end
	| volume_of(.objs; $dac) as $v
	| ($playing > 0 and $v != null and $v > 0) as $loud
	| ($playing > 0 and $v == null) as $blind
	| if $loud and .loud_since == null then .loud_since = now | .loud_episodes += 1
	  elif ($loud | not) and .loud_since != null
	  then .loud_ms += (now - .loud_since) * 1000 | .loud_since = null
	  else . end
	| if $blind and .blind_since == null then .blind_since = now
	  elif ($blind | not) and .blind_since != null
	  then .blind_ms += (now - .blind_since) * 1000 | .blind_since = null
	  else . end;
	. as $s | [.objs[]] | node_id($dac) as $d | node_id($guard) as $g
	| node_id($guard + ".output") as $go | node_id($play) as $p | node_id($rec) as $r
	| ([of_type("Node") | select(.id == $g)][0]) as $gn
	| ($gn | if . == null then null else prop("dacguard.ceiling-db") end) as $c
	| ($gn | if . == null then null else prop("dacguard.peak-db") end) as $pk
	| [$d, $g,
	   ($c != null and ($c - $want) * ($c - $want) <= 0.01),
	   ($gn | if . == null then null else prop("dacguard.output") end),
	   ($gn | if . == null then null else prop("dacguard.mode") end),
	   ($pk != null and $pk > $want - 1),
	   (links($go; $d) | length), (links($p; $g) | length), (links($p; $d) | length),
	   port($d; "output"; true; "FL"), port($d; "output"; true; "FR"), $r,
	   port($r; "input"; false; "FL"), port($r; "input"; false; "FR"),
	   (links($d; $r) | length),
	   ([of_type("Node")] | length), ([of_type("Client")] | length),
	   $s.raw, $s.episodes, ($s.ms | round), ($s.longest | round),
	   (volume_of($s.objs; $dac) | if . == null then null else . + 0 end),
	   $s.loud_episodes, ($s.loud_ms | round),
	   ($s.blind_ms | round)]
	| map(orno) | join(" "))'

# mon_start: the monitor, its lines on fd $mon_fd
mon_start()
{
	mkfifo "$d/mon.raw" "$d/mon.out"
	pw-dump --monitor --no-colors >"$d/mon.raw" 2>"$d/mon.err" &
	E2E_PIDS+=($!)
	jq -n -r --unbuffered --arg dac "$DAC" --arg guard "$GUARD" --arg play "$PLAY" \
		--arg rec "$REC" --argjson want "$want" "$MON_JQ" <"$d/mon.raw" >"$d/mon.out" \
		2>"$d/mon.jq.err" &
	E2E_PIDS+=($!)
	exec {mon_fd}<"$d/mon.out"
	m_line=
}

# the fields are read by mon_wait's conditions
# shellcheck disable=SC2034
mon_parse()
{
	read -r m_dac m_guard m_ceiling_ok m_output m_mode m_peak_ok m_guard_to_dac \
		m_play_to_guard m_play_to_dac m_dac_fl m_dac_fr m_rec m_rec_fl m_rec_fr \
		m_dac_to_rec m_nodes m_clients m_raw m_raw_episodes m_raw_ms m_raw_longest \
		m_dac_volume m_loud_episodes m_loud_ms m_blind_ms <<<"$m_line"
}

# mon_wait WHAT COND: returns once COND (bash, on the m_* fields of the latest line)
# holds; every line already written is read before COND is tried
mon_wait()
{
	local deadline=$((SECONDS + PW_SESSION_TIMEOUT)) line
	while :; do
		while read -r -t 0 -u "$mon_fd"; do
			read -r -u "$mon_fd" line || pw_session_fail "the monitor stopped"
			m_line=$line
		done
		mon_parse
		if eval "$2"; then
			return 0
		fi
		[ "$SECONDS" -lt "$deadline" ] ||
			pw_session_fail "timed out waiting for $1 (monitor: ${m_line:-nothing})"
		if read -r -t 1 -u "$mon_fd" line; then
			m_line=$line
		elif [ $? -le 128 ]; then
			pw_session_fail "the monitor stopped: $(cat "$d/mon.err" "$d/mon.jq.err")"
		else
			_pw_session_check_alive
		fi
	done
}

# cli CMD...: a command to the interactive pw-cli (its output in cli.log)
cli_start()
{
	mkfifo "$d/cli.in"
	pw-cli <"$d/cli.in" >"$d/cli.log" 2>&1 &
	E2E_PIDS+=($!)
	exec {cli_fd}>"$d/cli.in"
}

cli()
{
	echo "$*" >&"$cli_fd"
}

# peak_check FILE: check_wav (pw-audio.sh) quietly, the tool's output only when it
# fails: no sample above $want dBFS, the stream at it; adds to samples and over
peak_check()
{
	local out
	if ! out=$("$DG_WAV_PEAK" "$1" --max-db "$want" --expect-db "$want" --tolerance 1 2>&1); then
		echo "$out" >&2
		pw_session_fail "cycle $i: wav-peak: a sample above $want dBFS, or not the stream at it"
	fi
	[[ $out =~ samples\ ([0-9]+)\ over\ ([0-9]+) ]] ||
		pw_session_fail "cycle $i: wav-peak said '$out'"
	samples=$((samples + BASH_REMATCH[1]))
	over=$((over + BASH_REMATCH[2]))
	pw_check_made "cycle $i: no sample above $want dBFS, the stream at it"
}

# hosts: the guard host processes of this session running (by their config's path)
hosts()
{
	grep -laF -f "$d/host-pattern" /proc/[0-9]*/cmdline 2>/dev/null | wc -l
}

# median N...
median()
{
	printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"
}

# median_max N...: "median M ms, max X ms"
median_max()
{
	echo "median $(median "$@") ms, max $(printf '%s\n' "$@" | sort -n | tail -n1) ms"
}

e2e_start
want=$(e2e_expected se-3.5)
d=$PW_SESSION_DIR
pidfile=$XDG_RUNTIME_DIR/dacguard/guard-$DAC.pid
printf '%s\n' "$XDG_RUNTIME_DIR/dacguard/guard-" >"$d/host-pattern"
if e2e_asan; then
	ASAN_OPTIONS=$E2E_LEAK_CHECK daemon_start "${E2E_NO_CTL[@]}"
else
	daemon_start "${E2E_NO_CTL[@]}"
fi
mon_start
cli_start
e2e_k3_playing "$want"
play_pid=$E2E_PLAY_PID
mon_wait "the stream through the guard" '[ "$m_play_to_guard" -ge 2 ] && [ "$m_peak_ok" = true ]'
nodes0=$m_nodes
clients0=$m_clients
pw_check_eq "guard hosts at the start" "$(hosts)" 1

# the K3's sink as it was made at the start, on one line for pw-cli
k3_sink=$(pw_session_sink_args "${E2E_K3_SINK[@]}")
k3_sink=${k3_sink//$'\n'/ }
ms_cycle=() ms_unplug=() ms_guard=() ms_routed=() ms_rec=() ms_check=()
raw_replug=0 raw_replug_ms=0 raw_unplug=0 raw_unplug_ms=0 samples=0 over=0
loud_replug=0 loud_replug_ms=0
for ((i = 1; i <= CYCLES; i++)); do
	now
	t0=$_now
	raw_a=$m_raw_episodes raw_a_ms=$m_raw_ms
	read -r host <"$pidfile"
	# unplugged: the card goes, then its sink, its guard and the guard's host
	tb_cmd remove "$K3_USB"
	cli destroy "$m_dac"
	mon_wait "cycle $i: the K3's sink and its guard to go" \
		'[ "$m_dac" = - ] && [ "$m_guard" = - ]'
	pw_wait_for "cycle $i: the guard host $host to exit" proc_gone "$host"
	pw_wait_for "cycle $i: dacguardd to drop the guard host's pid file" \
		eval '[ ! -e "$pidfile" ]'
	raw0=$m_raw_episodes raw0_ms=$m_raw_ms loud0=$m_loud_episodes loud0_ms=$m_loud_ms
	raw_unplug=$((raw_unplug + raw0 - raw_a))
	raw_unplug_ms=$((raw_unplug_ms + raw0_ms - raw_a_ms))
	# plugged in again; a recorder starts, to be linked once the guard is
	now
	t1=$_now
	tb_cmd hotplug "$K3_FILE"
	cli create-node adapter "$k3_sink"
	pw-record --format f32 --rate 48000 --channels 2 \
		-P "{ node.name = $REC node.autoconnect = false }" "$d/rec.wav" \
		>"$d/record.log" 2>&1 &
	_record_pid=$!
	_record_file=$d/rec.wav
	mon_wait "cycle $i: the guard at $want dBFS" '[ "$m_ceiling_ok" = true ]'
	now
	t2=$_now
	mon_wait "cycle $i: the guard linked to the K3's sink with its output and mode, the stream
		through it" '[ "$m_guard_to_dac" -ge 2 ] && [ "$m_play_to_guard" -ge 2 ] &&
		[ "$m_play_to_dac" = 0 ] && [ "$m_output/$m_mode" = se-3.5/single-ended ] &&
		[ "$m_dac_fr" != - ] && [ "$m_rec_fr" != - ] && [ "$m_dac_volume" = 1 ]'
	pw_check_made "cycle $i: the guard at $want dBFS, se-3.5, single-ended, the stream through it,
		the K3's sink open"
	now
	t3=$_now
	raw_replug=$((raw_replug + m_raw_episodes - raw0))
	raw_replug_ms=$((raw_replug_ms + m_raw_ms - raw0_ms))
	if [ "$m_loud_episodes" != "$loud0" ]; then
		loud_replug=$((loud_replug + m_loud_episodes - loud0))
		loud_replug_ms=$((loud_replug_ms + m_loud_ms - loud0_ms))
		echo "# cycle $i: the stream played to the open raw K3 sink before its guard" >&2
	fi
	cli create-link "$m_dac" "$m_dac_fl" "$m_rec" "$m_rec_fl"
	cli create-link "$m_dac" "$m_dac_fr" "$m_rec" "$m_rec_fr"
	mon_wait "cycle $i: the recorder linked to the K3's monitor" '[ "$m_dac_to_rec" -ge 2 ]'
	record_more 250
	record_stop
	now
	t4=$_now
	peak_check "$d/rec.wav"
	now
	ms_cycle+=($((_now - t0)))
	ms_unplug+=($((t1 - t0)))
	ms_guard+=($((t2 - t1)))
	ms_routed+=($((t3 - t2)))
	ms_rec+=($((t4 - t3)))
	ms_check+=($((_now - t4)))
done
echo "# $CYCLES replugs: hotplug to guard at the ceiling $(median_max "${ms_guard[@]}");" \
	"whole cycle $(median_max "${ms_cycle[@]}"), of which (medians) unplugged" \
	"$(median "${ms_unplug[@]}"), guard linked and the stream through it" \
	"$(median "${ms_routed[@]}"), recorded $(median "${ms_rec[@]}")," \
	"checked $(median "${ms_check[@]}") ms" >&2
echo "# the stream played to the raw K3 sink: before its guard was there, in" \
	"$raw_replug of $CYCLES replugs, $raw_replug_ms ms in all; between the card's" \
	"removal and its sink's, $raw_unplug times, $raw_unplug_ms ms; at most" \
	"$m_raw_longest ms at a time ($m_raw links made); with the sink's volume above 0," \
	"before the guard: $loud_replug times, $loud_replug_ms ms; before its volume was" \
	"seen: $m_blind_ms ms in all" >&2
pw_figure "replugs" "$CYCLES (guard back at the ceiling each time)"
pw_figure "replug samples over" "$over of $samples"
pw_figure "replug unguarded" "$loud_replug_ms ms in $loud_replug of $CYCLES replugs (the stream on the raw sink in $raw_replug, held silent)"
# a sink is made before its guard can be: held at volume 0 until only the guard
# plays into it (pipewire-module/guard-target-hold.c), nothing is heard around it
pw_check_eq "replugs where the stream was heard on the raw sink before its guard" \
	"$loud_replug" 0

pw_check "the stream still plays" kill -0 "$play_pid"
# the last recorder's node and client go a moment after it exits
mon_wait "the nodes ($nodes0) and clients ($clients0) of the start" \
	'[ "$m_nodes" = "$nodes0" ] && [ "$m_clients" = "$clients0" ]'
pw_check_made "$m_nodes nodes and $m_clients clients after $CYCLES cycles, as at the start"
pw_check_eq "guard hosts after $CYCLES cycles" "$(hosts)" 1
pw_check_eq "the nodes named $GUARD" "$(e2e_node_count "$GUARD")" 1
# e2e_check_k3 reads it
# shellcheck disable=SC2034
GUARD_ID=$m_guard
e2e_check_k3 se-3.5 single-ended config
daemon_stop_clean
echo "ok"
