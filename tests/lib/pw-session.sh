# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# pw-session.sh: a private, headless PipeWire + WirePlumber session for tests.
#
# Source it from a bash test, describe the session, start it; it is torn down
# (processes killed, temp dir removed) when the test exits, and every log is
# printed when the test fails.
#
#   . "$srcdir/tests/lib/pw-session.sh"
#   pw_session_add_sink "alsa_output.usb-Topping_D50s-00.analog-stereo" "D50s" usb
#   pw_session_add_module libpipewire-module-dacguard '{ target.object = "..." }'
#   pw_session_start
#   id=$(pw_wait_node "dacguard.alsa_output.usb-Topping_D50s-00.analog-stereo")
#   pw_wait_prop "$id" dacguard.ceiling-db '== -30'
#
# Set up (before pw_session_start):
#   pw_session_add_sink NAME DESCRIPTION BUS [KEY=VALUE...]
#       a support.null-audio-sink node with what a real ALSA sink carries
#       (media.class Audio/Sink, device.bus BUS, api.alsa.card, 2 ch FL FR,
#       monitor.channel-volumes); extra KEY=VALUE pairs are added as is
#       (VALUE is SPA-JSON: quote strings with spaces).
#   pw_session_sink_args NAME DESCRIPTION BUS [KEY=VALUE...]
#       prints the adapter's args of that sink, for `pw-cli create-node adapter
#       ARGS`: the same node made while the session runs (lingering), as a session
#       manager makes the sinks of a card that appears (the next card number
#       unless a KEY=VALUE says).
#   pw_session_add_module NAME [ARGS]
#       a context.modules entry of the server (ARGS is SPA-JSON, default {}).
#   pw_session_add_dropin FILE
#       a pipewire.conf.d drop-in for the server (read after the main config,
#       as ~/.config/pipewire/pipewire.conf.d/ files are).
#   pw_session_add_wp_file FILE
#       a WirePlumber config file, as installed under <datadir>/wireplumber: a .lua
#       into main.lua.d (0.4 runs it), a .conf into wireplumber.conf.d (0.5 reads it).
#   pw_session_add_wp_files LUA CONF
#       the one of the two the WirePlumber here reads
#   pw_session_own PID
#       a process the case started (a guard host): stopped first when the session ends
#   PW_SESSION_MODULE_DIRS   colon-separated dirs put before the system
#                            moduledir in PIPEWIRE_MODULE_DIR (0.3.65 loads
#                            modules by name only)
#   PW_SESSION_WIREPLUMBER=0 start no session manager
#   PW_SESSION_WP_SUSPEND=0  WirePlumber does not suspend idle nodes: 0.4.13's
#                            suspend-node.lua keeps the timer of a node that
#                            goes and crashes when it fires (wp_node_send_command
#                            on the gone node); a case that makes and removes
#                            many nodes sets it
#   PW_SESSION_PULSE=1       also start pipewire-pulse, the PulseAudio server
#                            desktops run (its stock config), so that pactl,
#                            paplay and other Pulse clients reach the session
#   PW_SESSION_PRELOAD       LD_PRELOAD for the pipewire server only (sanitizers)
#   PW_SESSION_TIMEOUT       seconds every wait gives up after (default 20)
#
# Start/stop:
#   pw_session_start        dbus-daemon (private bus), pipewire, wireplumber,
#                           pipewire-pulse if asked for; returns once the server
#                           answers, WirePlumber has created the "default"
#                           metadata and `pactl info` gets an answer. Exports
#                           XDG_RUNTIME_DIR, PIPEWIRE_RUNTIME_DIR, PIPEWIRE_REMOTE,
#                           DBUS_SESSION_BUS_ADDRESS, PW_SESSION_DIR (scratch dir);
#                           with pipewire-pulse also PULSE_RUNTIME_PATH (its own
#                           runtime dir) and PULSE_SERVER.
#                           WirePlumber runs without hardware monitors: its
#                           version decides between a 0.4 Lua config and a 0.5
#                           wireplumber.conf.d fragment.
#   pw_session_restart [CMD...]
#                           stops pipewire-pulse, WirePlumber and PipeWire, runs
#                           CMD if given (to change what they read when they
#                           start, e.g. WirePlumber's state files), and starts
#                           them again the same way (config, environment, logs
#                           appended); returns once they are ready, as
#                           pw_session_start.
#   pw_session_stop         what the EXIT trap does (idempotent).
#   pw_session_fail MSG     print MSG and the logs, exit 1.
#   pw_session_skip MSG     exit 77 (meson: skipped).
#
# Checks: every assertion below is counted, and with PW_SESSION_REQUIRE_CHECKS=1
# (meson sets it for the test suites) a test that ends well having made none
# fails: it tested nothing. A test that passes prints how many it made.
#   pw_check DESCRIPTION CMD...     CMD must succeed, or the test fails with
#                                   DESCRIPTION
#   pw_check_eq WHAT VALUE WANT     VALUE must be WANT, or the test fails with
#                                   "WHAT is 'VALUE', expected 'WANT'"
#   pw_check_props ID 'KEY OP VALUE'...
#                                   node ID's Props satisfy each awk comparison
#                                   now (one pw-dump), or the test fails
#   pw_check_made DESCRIPTION       counts a check a test's own helper made
#   pw_checks                       how many checks were made so far
#   pw_wait_prop, pw_wait_props, pw_wait_node_prop, pw_wait_channel_volume
#   (below) and check_wav, check_intact (pw-audio.sh) count as checks; the
#   waits for the session's readiness (pw_wait_node, pw_wait_linked, ...) do not.
#
# Queries (all poll; none sleeps a fixed time):
#   pw_node_id NAME                 id of the node named NAME or nothing
#   pw_wait_node NAME               waits, prints its id (fails on timeout)
#   pw_wait_node_gone NAME          waits until no node is named NAME
#   pw_node_prop NAME KEY           a property of node NAME (from pw-dump)
#   pw_param ID KEY                 value of KEY in the node's Props params
#                                   (from pw-dump: the last Props object having it)
#   pw_wait_prop ID KEY 'OP VALUE'...
#                                   waits until pw_param ID KEY satisfies every
#                                   awk comparison (e.g. '< -39.9', '== "true"')
#                                   in one reading
#   pw_wait_props ID 'KEY OP VALUE'...
#                                   waits until one reading of node ID's Props
#                                   satisfies every comparison, each of its KEY
#                                   (meters read in the same window)
#   pw_wait_node_prop NAME KEY 'OP VALUE' [...]
#                                   waits until node NAME exists and its KEY
#                                   satisfies every comparison, prints its id; one
#                                   pw-dump per poll, so the wait ends within one
#                                   poll of the change (timings measured with it)
#   pw_channel_volume ID            the first of the channelVolumes in node ID's
#                                   Props (linear: pactl's and wpctl's volume,
#                                   cubed)
#   pw_wait_channel_volume ID 'OP VALUE'
#                                   waits until it satisfies the comparison
#   pw_volume ID                    the master volume in node ID's Props (what a
#                                   converter applies with the channel volumes; a
#                                   sink's monitor does not carry it)
#   pw_volume_is ID 'OP VALUE'      it satisfies the comparison
#   pw_wait_for DESCRIPTION CMD...  waits until CMD succeeds
#   pw_wait_port_links NODE         waits until some link ends at NODE's input
#   pw_wait_linked NODE_A NODE_B    waits until a link goes from NODE_A to NODE_B
#   pw_log_has REGEX                the server's log matches REGEX
#   pw_wp_version                   MAJOR.MINOR of the WirePlumber installed
#                                   (0.4 reads Lua config and keeps stream
#                                   volumes in $XDG_STATE_HOME/wireplumber/
#                                   restore-stream, 0.5 SPA-JSON and
#                                   stream-properties)
#
# Desktop clients (PW_SESSION_PULSE=1; wpctl takes the ids pw_node_id prints):
#   pw_pulse_list TYPE              "index<TAB>node.name" of every object of TYPE
#                                   (sinks, sink-inputs, sources, source-outputs)
#                                   pactl lists
#   pw_pulse_index TYPE NAME        pactl index of the TYPE whose node.name is
#                                   NAME, or nothing
#   pw_wait_pulse_index TYPE NAME   waits until pactl lists it, prints its index

PW_SESSION_TIMEOUT=${PW_SESSION_TIMEOUT:-20}
PW_SESSION_WIREPLUMBER=${PW_SESSION_WIREPLUMBER:-1}
PW_SESSION_PULSE=${PW_SESSION_PULSE:-0}
PW_SESSION_WP_SUSPEND=${PW_SESSION_WP_SUSPEND:-1}
_pw_session_objects=""
_pw_session_modules=""
_pw_session_pids=()
# slots of pipewire, wireplumber and pipewire-pulse in _pw_session_pids, for
# pw_session_restart
_pw_session_pw_i=
_pw_session_wp_i=
_pw_session_pulse_i=
_pw_session_card=0
_pw_session_stopped=0

pw_session_sink_args()
{
	local name=$1 desc=$2 bus=$3
	shift 3
	local extra="" kv
	for kv in "$@"; do
		extra+="                ${kv%%=*} = ${kv#*=}"$'\n'
	done
	echo "{
                factory.name = support.null-audio-sink
                node.name = \"$name\"
                node.description = \"$desc\"
                media.class = Audio/Sink
                device.bus = \"$bus\"
                device.api = alsa
                api.alsa.card = $_pw_session_card
                alsa.card = $_pw_session_card
                api.alsa.path = \"hw:$_pw_session_card\"
                audio.channels = 2
                audio.position = [ FL FR ]
                monitor.channel-volumes = true
                object.linger = true
$extra        }"
}

pw_session_add_sink()
{
	_pw_session_objects+="
    {   factory = adapter
        args = $(pw_session_sink_args "$@")
    }"
	_pw_session_card=$((_pw_session_card + 1))
}

pw_session_add_module()
{
	_pw_session_modules+="
    { name = $1 args = ${2:-{\}} }"
}

_pw_session_dropins=()
pw_session_add_dropin()
{
	[ -r "$1" ] || pw_session_fail "no drop-in $1"
	_pw_session_dropins+=("$1")
}

# pw_session_own PID: a process of the case (a guard host) stopped with the session, so
# that a failing case leaves none behind
_pw_session_owned=()
pw_session_own()
{
	_pw_session_owned+=("$1")
}

_pw_session_wp_files=()
pw_session_add_wp_file()
{
	[ -r "$1" ] || pw_session_fail "no WirePlumber file $1"
	_pw_session_wp_files+=("$1")
}

# pw_session_wp_is_04: the WirePlumber here is 0.4 (Lua config) or older
pw_session_wp_is_04()
{
	local v
	v=$(pw_wp_version)
	[ "${v%%.*}" = 0 ] && [ "${v#*.}" -le 4 ]
}

pw_session_add_wp_files()
{
	if pw_session_wp_is_04; then
		pw_session_add_wp_file "$1"
	else
		pw_session_add_wp_file "$2"
	fi
}

pw_session_log()
{
	echo "# $*" >&2
}

_pw_session_dump_logs()
{
	local f
	[ -n "${PW_SESSION_DIR:-}" ] || return 0
	for f in "$PW_SESSION_DIR"/*.log; do
		[ -s "$f" ] || continue
		echo "=============== $(basename "$f") (last 200 lines) ===============" >&2
		tail -n 200 "$f" >&2
	done
}

pw_session_fail()
{
	echo "FAIL: $*" >&2
	_pw_session_dump_logs
	# again, last: meson prints only the tail of a long log
	echo "FAIL: $*" >&2
	exit 1
}

# pw_figure NAME VALUE: a figure for doc/reliability.md (scripts/reliability.py reads
# these lines from the test log)
pw_figure()
{
	echo "# figure: $1 = $2" >&2
}

pw_session_skip()
{
	echo "SKIP: $*" >&2
	exit 77
}

# Counted in a file of the session once there is one (a check in a command
# substitution, such as id=$(pw_wait_node_prop ...), runs in a subshell), before it
# in the shell.
_pw_session_checks=0
pw_check_made()
{
	if [ -n "${PW_SESSION_DIR:-}" ] && [ -d "$PW_SESSION_DIR" ]; then
		echo "$1" >>"$PW_SESSION_DIR/checks"
	else
		_pw_session_checks=$((_pw_session_checks + 1))
	fi
}

pw_checks()
{
	local n=0
	if [ -n "${PW_SESSION_DIR:-}" ] && [ -f "$PW_SESSION_DIR/checks" ]; then
		n=$(wc -l <"$PW_SESSION_DIR/checks")
	fi
	echo $((n + _pw_session_checks))
}

pw_check()
{
	local what=$1
	shift
	"$@" || pw_session_fail "$what"
	pw_check_made "$what"
}

pw_check_eq()
{
	[ "$2" = "$3" ] || pw_session_fail "$1 is '$2', expected '$3'"
	pw_check_made "$1 is '$3'"
}

# the verdict on a test that ended well: it made checks
_pw_session_verdict()
{
	local n
	[ "${PW_SESSION_REQUIRE_CHECKS:-0}" = 1 ] || return 0
	n=$(pw_checks)
	if [ "$n" = 0 ]; then
		echo "FAIL: the test made no checks" >&2
		return 1
	fi
	echo "ok: $n checks"
}

pw_session_stop()
{
	local i pid
	[ "$_pw_session_stopped" = 1 ] && return 0
	_pw_session_stopped=1
	for pid in "${_pw_session_owned[@]}"; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	done
	# newest first: wireplumber, pipewire, then the bus
	for ((i = ${#_pw_session_pids[@]} - 1; i >= 0; i--)); do
		pid=${_pw_session_pids[i]}
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "${PW_SESSION_DIR:-}" ] && [ -z "${PW_SESSION_KEEP:-}" ]; then
		rm -rf "$PW_SESSION_DIR"
	fi
}

_pw_session_exit()
{
	local rc=$?
	if [ "$rc" = 0 ]; then
		_pw_session_verdict || rc=1
	elif [ "$rc" != 77 ] && [ "$_pw_session_stopped" = 0 ]; then
		_pw_session_dump_logs
	fi
	pw_session_stop
	exit "$rc"
}
trap _pw_session_exit EXIT

# pw_wait_for DESCRIPTION CMD...: poll CMD every 50 ms until it succeeds.
pw_wait_for()
{
	local what=$1
	shift
	local deadline=$((SECONDS + PW_SESSION_TIMEOUT))
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || pw_session_fail "timed out waiting for $what"
		_pw_session_check_alive
		sleep 0.05
	done
}

_pw_session_check_alive()
{
	local pid
	for pid in "${_pw_session_pids[@]}"; do
		# an empty slot: stopped by pw_session_restart, not started again yet
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null ||
			pw_session_fail "a session process ($pid) died"
	done
}

_pw_dump()
{
	pw-dump -N 2>/dev/null
}

pw_node_id()
{
	_pw_dump | jq -r --arg n "$1" \
		'.[] | select(.type == "PipeWire:Interface:Node")
		     | select(.info.props["node.name"] == $n) | .id' | head -n1
}

_pw_node_exists()
{
	[ -n "$(pw_node_id "$1")" ]
}

pw_wait_node()
{
	pw_wait_for "node $1" _pw_node_exists "$1"
	pw_node_id "$1"
}

pw_wait_node_gone()
{
	pw_wait_for "node $1 to go" eval "! _pw_node_exists '$1'"
}

pw_node_prop()
{
	_pw_dump | jq -r --arg n "$1" --arg k "$2" \
		'.[] | select(.type == "PipeWire:Interface:Node")
		     | select(.info.props["node.name"] == $n) | .info.props[$k] // empty' | head -n1
}

# The Props params of a node as "key<TAB>value" lines; the adapter lists the
# converter's Props object before ours, so later objects win.
# jq: a node's Props params as [key, value] pairs, in order
_pw_jq_props='def props: [.info.params.Props // [] | .[] | .params // []
		       | . as $p | range(0; length; 2) | [$p[.], $p[. + 1]]];'

pw_params()
{
	_pw_dump | jq -r --argjson id "$1" "$_pw_jq_props"'
		.[] | select(.id == $id) | props[] | "\(.[0])\t\(.[1])"'
}

pw_param()
{
	pw_params "$1" | awk -F'\t' -v k="$2" '$1 == k { v = $2 } END { if (v != "") print v }'
}

# _pw_value_is VALUE 'OP X': the awk comparison holds (VALUE is not empty)
_pw_value_is()
{
	[ -n "$1" ] && awk -v v="$1" "BEGIN { exit !(v $2) }"
}

_pw_param_is()
{
	_pw_value_is "$(pw_param "$1" "$2")" "$3"
}

# _pw_props_are ID 'KEY OP VALUE'...: one reading of node ID's Props satisfies every
# comparison; the values read are left in _pw_props_seen ("KEY=VALUE ...")
_pw_props_are()
{
	local id=$1 params c k v ok=0
	shift
	params=$(pw_params "$id")
	_pw_props_seen=
	for c in "$@"; do
		k=${c%% *}
		v=$(awk -F'\t' -v k="$k" '$1 == k { v = $2 } END { print v }' <<<"$params")
		_pw_props_seen+="$k=${v:-(none)} "
		_pw_value_is "$v" "${c#* }" || ok=1
	done
	return $ok
}

pw_wait_props()
{
	local id=$1 deadline=$((SECONDS + PW_SESSION_TIMEOUT))
	shift
	while ! _pw_props_are "$id" "$@"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			pw_session_fail "timed out waiting for node $id to have $(printf "'%s' " "$@")" \
				"(it has $_pw_props_seen)"
		fi
		_pw_session_check_alive
		sleep 0.05
	done
	pw_check_made "node $id has $*"
}

pw_wait_prop()
{
	local id=$1 key=$2 c conds=()
	shift 2
	for c in "$@"; do
		conds+=("$key $c")
	done
	pw_wait_props "$id" "${conds[@]}"
}

pw_check_props()
{
	local id=$1
	shift
	_pw_props_are "$id" "$@" ||
		pw_session_fail "node $id does not have $(printf "'%s' " "$@") (it has $_pw_props_seen)"
	pw_check_made "node $id has $*"
}

# "id<TAB>value of KEY in its Props" of the node named NAME, from one pw-dump
_pw_node_id_param()
{
	_pw_dump | jq -r --arg n "$1" --arg k "$2" "$_pw_jq_props"'
		[.[] | select(.type == "PipeWire:Interface:Node")
		     | select(.info.props["node.name"] == $n)][0] // empty
		| "\(.id)\t\([props[] | select(.[0] == $k) | .[1]] | last // "")"'
}

pw_wait_node_prop()
{
	local name=$1 key=$2 id v c ok
	shift 2
	local deadline=$((SECONDS + PW_SESSION_TIMEOUT))
	while :; do
		IFS=$'\t' read -r id v < <(_pw_node_id_param "$name" "$key") || true
		if [ -n "$id" ]; then
			ok=1
			for c in "$@"; do
				_pw_value_is "$v" "$c" || ok=0
			done
			[ "$ok" = 0 ] || break
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			pw_session_fail "timed out waiting for node $name with $key $*" \
				"(id '${id:-}', $key '${v:-}')"
		fi
		_pw_session_check_alive
		sleep 0.02
	done
	pw_check_made "node $name has $key $*"
	echo "$id"
}

pw_channel_volume()
{
	_pw_dump | jq -r --argjson id "$1" \
		'[.[] | select(.id == $id) | .info.params.Props // [] | .[]
		      | .channelVolumes // empty][0][0] // empty'
}

pw_volume()
{
	_pw_dump | jq -r --argjson id "$1" '[.[] | select(.id == $id) | .info.params.Props // []
		| .[] | select(.volume != null) | .volume][0] // empty'
}

pw_volume_is()
{
	_pw_value_is "$(pw_volume "$1")" "$2"
}

_pw_channel_volume_is()
{
	_pw_value_is "$(pw_channel_volume "$1")" "$2"
}

pw_wait_channel_volume()
{
	pw_wait_for "channelVolumes of node $1 to be $2" _pw_channel_volume_is "$1" "$2"
	pw_check_made "channelVolumes of node $1 $2"
}

# one pw-dump per poll: a recording starts that much sooner
_pw_linked()
{
	_pw_dump | jq -e --arg a "$1" --arg b "$2" '
		[.[] | select(.type == "PipeWire:Interface:Node")] as $n
		| [$n[] | select(.info.props["node.name"] == $a) | .id][0] as $ia
		| [$n[] | select(.info.props["node.name"] == $b) | .id][0] as $ib
		| $ia != null and $ib != null and
		  any(.[] | select(.type == "PipeWire:Interface:Link");
		      .info["output-node-id"] == $ia and .info["input-node-id"] == $ib)' >/dev/null
}

pw_wait_linked()
{
	pw_wait_for "a link $1 -> $2" _pw_linked "$1" "$2"
}

_pw_input_linked()
{
	_pw_dump | jq -e --arg n "$1" '
		[.[] | select(.type == "PipeWire:Interface:Node")
		     | select(.info.props["node.name"] == $n) | .id][0] as $id
		| $id != null and
		  any(.[] | select(.type == "PipeWire:Interface:Link"); .info["input-node-id"] == $id)' \
		>/dev/null
}

pw_wait_port_links()
{
	pw_wait_for "a link to $1" _pw_input_linked "$1"
}

pw_log_has()
{
	grep -Eq "$1" "$PW_SESSION_DIR/pipewire.log"
}

pw_pulse_list()
{
	pactl --format=json list "$1" 2>/dev/null |
		jq -r '.[] | "\(.index)\t\(.properties["node.name"] // "")"'
}

pw_pulse_index()
{
	pw_pulse_list "$1" | awk -F'\t' -v n="$2" '$2 == n { print $1; exit }'
}

_pw_pulse_has()
{
	[ -n "$(pw_pulse_index "$1" "$2")" ]
}

pw_wait_pulse_index()
{
	pw_wait_for "pactl to list $1 $2" _pw_pulse_has "$1" "$2"
	pw_pulse_index "$1" "$2"
}

_pw_session_write_conf()
{
	cat >"$PW_SESSION_DIR/pipewire.conf" <<EOF
# generated by tests/lib/pw-session.sh
context.properties = {
    core.daemon = true
    core.name = pipewire-0
    support.dbus = false
    default.clock.rate = 48000
    default.clock.quantum = 1024
    default.clock.min-quantum = 32
    default.clock.max-quantum = 2048
    log.level = 3
}
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.*       = support/libspa-support
}
context.modules = [
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-rt args = { nice.level = -11 } flags = [ ifexists nofail ] }
    { name = libpipewire-module-profiler }
    { name = libpipewire-module-metadata }
    { name = libpipewire-module-spa-node-factory }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-access args = { } }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-link-factory }
    { name = libpipewire-module-session-manager }$_pw_session_modules
]
context.objects = [
    {   factory = spa-node-factory
        args = {
            factory.name = support.node.driver
            node.name = Dummy-Driver
            node.group = pipewire.dummy
            priority.driver = 20000
        }
    }$_pw_session_objects
]
EOF
}

# from "Linked with libwireplumber 0.5.8"
pw_wp_version()
{
	wireplumber --version 2>/dev/null |
		sed -n 's/^Linked with libwireplumber \([0-9]*\.[0-9]*\).*/\1/p' | head -n1
}

# No hardware monitors (there is no hardware to find, and they would find the
# machine's) and nothing that wants logind or the system bus. WirePlumber 0.4
# reads Lua; 0.5 ignores Lua and reads SPA-JSON fragments, where a feature
# disabled in the profile is not loaded, nor is what only it wanted.
_pw_session_write_wp_conf()
{
	local v dir=$XDG_CONFIG_HOME/wireplumber
	v=$(pw_wp_version)
	[ -n "$v" ] || pw_session_fail "cannot tell the WirePlumber version"
	if pw_session_wp_is_04; then
		mkdir -p "$dir/main.lua.d" "$dir/bluetooth.lua.d"
		cat >"$dir/main.lua.d/60-pw-session.lua" <<EOF
alsa_monitor.enabled = false
v4l2_monitor.enabled = false
libcamera_monitor.enabled = false
EOF
		if [ "$PW_SESSION_WP_SUSPEND" = 0 ]; then
			# 90-enable-all.lua loads it through this function, after this file
			cat >>"$dir/main.lua.d/60-pw-session.lua" <<EOF
local pw_session_load_script = load_script
function load_script(s, a)
  if s ~= "suspend-node.lua" then
    pw_session_load_script(s, a)
  end
end
EOF
		fi
		cat >"$dir/bluetooth.lua.d/60-pw-session.lua" <<EOF
bluez_monitor.enabled = false
EOF
		return 0
	fi
	mkdir -p "$dir/wireplumber.conf.d"
	cat >"$dir/wireplumber.conf.d/60-pw-session.conf" <<EOF
# generated by tests/lib/pw-session.sh for WirePlumber $v
wireplumber.profiles = {
  main = {
    hardware.audio = disabled
    hardware.bluetooth = disabled
    hardware.video-capture = disabled
    monitor.alsa = disabled
    monitor.alsa-midi = disabled
    monitor.bluez = disabled
    monitor.bluez-midi = disabled
    monitor.v4l2 = disabled
    monitor.libcamera = disabled
    support.logind = disabled
    monitor.bluez.seat-monitoring = disabled
    support.reserve-device = disabled
    monitor.alsa.reserve-device = disabled
    support.system-dbus = disabled
    support.modem-manager = disabled
    hooks.device.profile.find-voice-call = disabled
$([ "$PW_SESSION_WP_SUSPEND" = 1 ] || echo "    hooks.node.suspend = disabled")
  }
}
EOF
}

_pw_session_wp_ready()
{
	_pw_dump | jq -e '[.[] | select(.type == "PipeWire:Interface:Metadata")
	                       | select(.props["metadata.name"] == "default")] | length > 0' \
		>/dev/null
}

# the server (its slot in _pw_session_pids is _pw_session_pw_i), logging to pipewire.log
_pw_session_run_pipewire()
{
	PIPEWIRE_DEBUG=${PIPEWIRE_DEBUG:-3} LD_PRELOAD=${PW_SESSION_PRELOAD:-} \
		pipewire -c "$PW_SESSION_DIR/pipewire.conf" >>"$PW_SESSION_DIR/pipewire.log" 2>&1 &
	_pw_session_pids[_pw_session_pw_i]=$!
	pw_wait_for "the pipewire server" pw-cli -r pipewire-0 info 0
}

_pw_session_run_wireplumber()
{
	WIREPLUMBER_DEBUG=${WIREPLUMBER_DEBUG:-2} \
		wireplumber >>"$PW_SESSION_DIR/wireplumber.log" 2>&1 &
	_pw_session_pids[_pw_session_wp_i]=$!
	pw_wait_for "wireplumber" _pw_session_wp_ready
}

# pipewire-pulse (slot _pw_session_pulse_i) with the stock pipewire-pulse.conf,
# logging to pipewire-pulse.log
_pw_session_run_pulse()
{
	PIPEWIRE_DEBUG=${PIPEWIRE_DEBUG:-3} \
		pipewire-pulse >>"$PW_SESSION_DIR/pipewire-pulse.log" 2>&1 &
	_pw_session_pids[_pw_session_pulse_i]=$!
	pw_wait_for "pipewire-pulse" pactl info
}

pw_session_start()
{
	local sysmoddir

	for cmd in pipewire pw-dump pw-cli jq dbus-daemon; do
		command -v "$cmd" >/dev/null || pw_session_skip "$cmd not installed"
	done
	if [ "$PW_SESSION_WIREPLUMBER" = 1 ]; then
		command -v wireplumber >/dev/null || pw_session_skip "wireplumber not installed"
	fi
	if [ "$PW_SESSION_PULSE" = 1 ]; then
		for cmd in pipewire-pulse pactl paplay; do
			command -v "$cmd" >/dev/null || pw_session_skip "$cmd not installed"
		done
	fi

	# in memory where there is some: the recorders write their files from the graph's
	# thread, and a write that waits on a disk costs the recording a cycle
	local tmp=${TMPDIR:-/tmp}
	[ -n "${TMPDIR:-}" ] || { [ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm; }
	PW_SESSION_DIR=$(mktemp -d "$tmp/pw-session.XXXXXX")
	export PW_SESSION_DIR
	trap 'exit 130' INT TERM

	export XDG_RUNTIME_DIR=$PW_SESSION_DIR/run
	export PIPEWIRE_RUNTIME_DIR=$XDG_RUNTIME_DIR
	export XDG_CONFIG_HOME=$PW_SESSION_DIR/config
	export XDG_STATE_HOME=$PW_SESSION_DIR/state
	export XDG_DATA_HOME=$PW_SESSION_DIR/data
	export PIPEWIRE_REMOTE=pipewire-0
	unset PIPEWIRE_CONFIG_DIR PIPEWIRE_CONFIG_NAME PULSE_SERVER PULSE_RUNTIME_PATH
	mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME" "$XDG_STATE_HOME" "$XDG_DATA_HOME"
	chmod 700 "$XDG_RUNTIME_DIR"

	sysmoddir=$(pkg-config --variable=moduledir libpipewire-0.3 2>/dev/null ||
		echo /usr/lib/x86_64-linux-gnu/pipewire-0.3)
	export PIPEWIRE_MODULE_DIR=${PW_SESSION_MODULE_DIRS:+$PW_SESSION_MODULE_DIRS:}$sysmoddir

	# a private session bus: WirePlumber 0.4 wants one
	dbus-daemon --session --fork --nopidfile --print-pid=3 \
		--address="unix:path=$XDG_RUNTIME_DIR/bus" 3>"$PW_SESSION_DIR/dbus.pid" \
		>"$PW_SESSION_DIR/dbus.log" 2>&1 || pw_session_fail "dbus-daemon did not start"
	_pw_session_pids+=("$(cat "$PW_SESSION_DIR/dbus.pid")")
	export DBUS_SESSION_BUS_ADDRESS="unix:path=$XDG_RUNTIME_DIR/bus"

	_pw_session_write_conf
	# with -c /abs/pipewire.conf, 0.3.65 reads drop-ins from /abs/pipewire.conf.d
	mkdir -p "$PW_SESSION_DIR/pipewire.conf.d"
	for f in "${_pw_session_dropins[@]}"; do
		cp "$f" "$PW_SESSION_DIR/pipewire.conf.d/"
	done
	_pw_session_pw_i=${#_pw_session_pids[@]}
	_pw_session_run_pipewire

	if [ "$PW_SESSION_WIREPLUMBER" = 1 ]; then
		_pw_session_write_wp_conf
		for f in "${_pw_session_wp_files[@]}"; do
			case $f in
			*.lua) mkdir -p "$XDG_CONFIG_HOME/wireplumber/main.lua.d"
				cp "$f" "$XDG_CONFIG_HOME/wireplumber/main.lua.d/" ;;
			*) mkdir -p "$XDG_CONFIG_HOME/wireplumber/wireplumber.conf.d"
				cp "$f" "$XDG_CONFIG_HOME/wireplumber/wireplumber.conf.d/" ;;
			esac
		done
		_pw_session_wp_i=${#_pw_session_pids[@]}
		_pw_session_run_wireplumber
	fi

	if [ "$PW_SESSION_PULSE" = 1 ]; then
		export PULSE_RUNTIME_PATH=$PW_SESSION_DIR/pulse
		export PULSE_SERVER=unix:$PULSE_RUNTIME_PATH/native
		mkdir -m 700 "$PULSE_RUNTIME_PATH"
		_pw_session_pulse_i=${#_pw_session_pids[@]}
		_pw_session_run_pulse
	fi
}

pw_session_restart()
{
	local i pid
	[ -n "$_pw_session_pw_i" ] || pw_session_fail "no pipewire to restart"
	for i in $_pw_session_pulse_i $_pw_session_wp_i $_pw_session_pw_i; do
		pid=${_pw_session_pids[i]}
		kill -TERM "$pid"
		wait "$pid" 2>/dev/null || true
		_pw_session_pids[i]=
	done
	[ $# -eq 0 ] || "$@" || pw_session_fail "pw_session_restart: '$*' failed"
	_pw_session_run_pipewire
	[ -z "$_pw_session_wp_i" ] || _pw_session_run_wireplumber
	[ -z "$_pw_session_pulse_i" ] || _pw_session_run_pulse
}
