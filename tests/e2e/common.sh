# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared set-up of the 'e2e' suite: a private PipeWire + WirePlumber
# (tests/lib/pw-session.sh) with a null sink carrying what the real ALSA sink of
# the recorded FiiO K3 (tests/data/devices/fiio-k3.umockdev, card 1) would carry,
# a decoy USB sink of another card, a umockdev testbed (dg-testbed) to hotplug the
# K3, and dacguardd under umockdev-wrapper with a test configuration (the shipped
# database and headphones, an HD 600 on both outputs of the K3).
# Meson passes DG_SOURCE_DIR, DG_MODULE_DIR, DG_DACGUARDD, DG_DACGUARDCTL,
# DG_TESTBED and DG_WAV_PEAK.
set -eu

. "$DG_SOURCE_DIR/tests/lib/pw-session.sh"
. "$DG_SOURCE_DIR/tests/lib/pw-audio.sh"

PW_SESSION_MODULE_DIRS=$DG_MODULE_DIR
K3_FILE=$DG_SOURCE_DIR/tests/data/devices/fiio-k3.umockdev
K3_USB=/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1
K3_CARD=$K3_USB/1-1:1.0/sound/card1
K3_BUS_PATH=pci-0000:00:14.0-usb-0:1:1.0
DAC=alsa_output.usb-FiiO_K3-00.analog-stereo
GUARD=dacguard.$DAC
DECOY=alsa_output.usb-Other_DAC-00.analog-stereo
HEADPHONE=sennheiser-hd600
PW_AUDIO_NAME=dg-e2e
_daemon_pid=
_tb_pid=
# more processes a case started, stopped on exit
E2E_PIDS=()

e2e_now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# what dacguard's WirePlumber rules (conf/wireplumber/) give a USB DAC's sink: volume 0,
# held until its guard alone plays into it, no volume restored to it (0.5 reads that
# from the node, 0.4 from the rules' Lua); every DAC sink of these cases has them
E2E_HOLD=('node.param.Props={ volume = 0.0 }' dacguard.hold-until-guarded=true
	state.restore-props=false)
# the K3's sink as pw_session_add_sink and pw_session_sink_args take it
E2E_K3_SINK=("$DAC" "K3 Analog Stereo" usb api.alsa.card=1 alsa.card=1
	api.alsa.path='"front:1"' device.bus-path="\"$K3_BUS_PATH\"" device.serial='"FiiO_K3"'
	priority.session=1000 "${E2E_HOLD[@]}")

# the sinks WirePlumber's ALSA monitor would make for the K3 (card 1) and for
# another USB card (card 0, other port): only the first may get a guard
e2e_add_sinks()
{
	pw_session_add_sink "$DECOY" "Other DAC Analog Stereo" usb \
		api.alsa.card=0 alsa.card=0 api.alsa.path='"front:0"' \
		device.bus-path='"pci-0000:00:14.0-usb-0:2:1.0"' priority.session=900
	pw_session_add_sink "${E2E_K3_SINK[@]}"
}

# e2e_write_config [MODE]: the shipped database and profiles, and a dacguard.conf
# with the HD 600 on both outputs of the K3 (MODE: single-ended by default).
e2e_write_config()
{
	local mode=${1:-single-ended}
	E2E_CONF=$PW_SESSION_DIR/conf
	mkdir -p "$E2E_CONF"
	cp -r "$DG_SOURCE_DIR/conf/devices" "$DG_SOURCE_DIR/conf/headphones" "$E2E_CONF/"
	cat >"$E2E_CONF/dacguard.conf.tmp" <<CONF
dacguard.max-spl-db = 85.0
dacguard.fallback-ceiling-db = -30.0
dacguard.hard-ceiling-db = 0.0
dacguard.default-headphone = "generic-iem-sensitive"
# the harness and the checks read the raw sink: pw-dump (queries), pw-record (its
# monitor; application.process.binary is the executable, pw-cat), pw-cli; ordinary
# clients such as pw-link do not see it
dacguard.hide-raw-sink = true
dacguard.hide-raw-sink-exempt = [ pw-dump pw-cat pw-cli ]
dacguard.devices = [
    {
        match = { usb = "2972:0047" product = "*K3*" }
        mode = "$mode"
        outputs = {
            "se-3.5"  = { headphone = "$HEADPHONE" }
            "bal-2.5" = { headphone = "$HEADPHONE" }
        }
    }
]
CONF
	mv "$E2E_CONF/dacguard.conf.tmp" "$E2E_CONF/dacguard.conf"
	export DACGUARD_CONFIG_DIR=$E2E_CONF
}

# e2e_expected OUTPUT [MAX_SPL]: the ceiling lib/level computes for the K3's OUTPUT
# and the HD 600 at MAX_SPL (85, the comfort limit; 100 is the hard limit), from the
# database figures (conf/devices/30-fiio.conf), via dacguardctl.
e2e_expected()
{
	local args spl=${2:-85}
	case $1 in
	se-3.5) args="--vout 1.96 --power 120@32 --power 220@16" ;;
	bal-2.5) args="--vout 3.92" ;;
	*) pw_session_fail "no figures for $1" ;;
	esac
	# shellcheck disable=SC2086
	"$DG_DACGUARDCTL" ceiling $args --headphone "$HEADPHONE" --max-spl "$spl" --json |
		jq -r .ceiling_db
}

# e2e_use_selector ITEM: the K3 with an "Output Select" selector set to ITEM (SE or
# BAL): its entry in a local database file (devices/50-local.conf, read after the
# shipped 30-fiio.conf, with the same figures), its controls read through the udev
# suite's test control plugin (start the daemon with --ctl dgtest), the plugin's state
# in a file; ALSA finds ctl.dgtest and its plugin through asound.conf alone.
e2e_use_selector()
{
	local lib=${DG_DACGUARDD%/daemon/dacguardd}/tests/udev/libasound_module_ctl_dgtest.so
	[ -f "$lib" ] || pw_session_fail "no $lib (built with the udev suite)"
	cp "$DG_SOURCE_DIR/tests/e2e/devices/50-k3-selector.conf" "$E2E_CONF/devices/50-local.conf"
	e2e_select "$1"
	cat >"$PW_SESSION_DIR/asound.conf" <<CONF
ctl_type.dgtest { lib "$lib" }
ctl.dgtest { type dgtest state "$PW_SESSION_DIR/ctl-state" }
CONF
	export ALSA_CONFIG_PATH=$PW_SESSION_DIR/asound.conf
}

# e2e_select ITEM: the selector to ITEM (a rename, as the plugin expects: it watches
# for the file moved into place)
e2e_select()
{
	printf 'jack=0\nselect=%s\n' "$1" >"$PW_SESSION_DIR/ctl-state.tmp"
	mv "$PW_SESSION_DIR/ctl-state.tmp" "$PW_SESSION_DIR/ctl-state"
}

e2e_dump_logs()
{
	local f
	for f in "$PW_SESSION_DIR"/dacguardd*.log "$XDG_RUNTIME_DIR"/dacguard/*.log \
		"$XDG_RUNTIME_DIR"/dacguard/*.conf; do
		[ -s "$f" ] || continue
		echo "=============== $f (last 100 lines) ===============" >&2
		tail -n 100 "$f" >&2
	done
}

# the guard hosts dacguardd spawned on purpose outlive it: stop them here
e2e_stop_hosts()
{
	local f
	for f in "$XDG_RUNTIME_DIR"/dacguard/*.pid; do
		[ -f "$f" ] || continue
		kill -TERM "$(cat "$f")" 2>/dev/null || true
	done
}

_e2e_exit()
{
	local rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 77 ] || e2e_dump_logs
	[ -z "$_daemon_pid" ] || kill -KILL "$_daemon_pid" 2>/dev/null || true
	local pid
	for pid in "${E2E_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	e2e_stop_hosts
	[ -z "$_tb_pid" ] || kill -TERM "$_tb_pid" 2>/dev/null || true
	# hand rc on as $?; under set -e a bare failing "(exit rc)" would end the trap here,
	# before the session is torn down
	set +e
	(exit "$rc")
	_pw_session_exit
}

e2e_start()
{
	command -v umockdev-wrapper >/dev/null || pw_session_skip "umockdev-wrapper not installed"
	e2e_add_sinks
	# dacguard's WirePlumber rules, as installed (for the K3's sink, made as they make it)
	pw_session_add_wp_files "$DG_SOURCE_DIR/conf/wireplumber/main.lua.d/51-dacguard-hold.lua" \
		"$DG_SOURCE_DIR/conf/wireplumber/wireplumber.conf.d/51-dacguard-hold.conf"
	pw_session_start
	trap _e2e_exit EXIT
	e2e_write_config "$@"
	coproc TB { exec umockdev-wrapper "$DG_TESTBED"; }
	_tb_pid=$TB_PID
	local line
	read -r -t 10 line <&"${TB[0]}" || pw_session_fail "dg-testbed did not start"
	E2E_UMOCKDEV_DIR=${line#UMOCKDEV_DIR=}
}

tb_cmd()
{
	local reply
	echo "$*" >&"${TB[1]}"
	read -r -t 10 reply <&"${TB[0]}" || pw_session_fail "dg-testbed: no answer to $*"
	[ "$reply" = ok ] || pw_session_fail "dg-testbed: $* -> $reply"
}

# daemon_start [ARGS]: dacguardd in the testbed; returns once it watches the cards.
daemon_start()
{
	local n=0
	while [ -e "$PW_SESSION_DIR/dacguardd.$n.log" ]; do n=$((n + 1)); done
	_daemon_log=$PW_SESSION_DIR/dacguardd.$n.log
	local path=$PATH
	if [ -n "${DG_HOST_PRELOAD:-}" ]; then
		# sanitizer build: the guard hosts the daemon starts ("pipewire" in PATH)
		# need the runtime the module was built against; leak checking off, whatever
		# the daemon's (pipewire exits without freeing everything)
		mkdir -p "$PW_SESSION_DIR/host-bin"
		printf '#!/bin/sh\nASAN_OPTIONS=%s LD_PRELOAD=%s exec %s "$@"\n' \
			detect_leaks=0:abort_on_error=1 "$DG_HOST_PRELOAD" \
			"$(command -v pipewire)" >"$PW_SESSION_DIR/host-bin/pipewire"
		chmod +x "$PW_SESSION_DIR/host-bin/pipewire"
		path=$PW_SESSION_DIR/host-bin:$PATH
	fi
	PATH=$path UMOCKDEV_DIR=$E2E_UMOCKDEV_DIR umockdev-wrapper "$DG_DACGUARDD" --verbose "$@" \
		>"$_daemon_log" 2>&1 &
	_daemon_pid=$!
	pw_wait_for "dacguardd to watch the cards" grep -q "watching sound cards" "$_daemon_log"
	pw_wait_for "dacguardd to connect to PipeWire" grep -q "connected to PipeWire" \
		"$_daemon_log"
}

# e2e_asan: dacguardd is built with AddressSanitizer (and so LeakSanitizer)
e2e_asan()
{
	grep -q __asan_init "$DG_DACGUARDD"
}

# E2E_NO_CTL: dacguardd's options for a case of many hotplugs. umockdev 0.17's preload
# leaks a socket (to its ioctl server) each time an open() under /dev fails, as
# alsa-lib's probe of /dev/aloadC1 does when hw:1 does not open, and after a few dozen
# the testbed stops answering: an ALSA control device of no card fails without /dev,
# and the decision is the same (no controls, the mode from the configuration).
E2E_NO_CTL=(--ctl dg-no-such-ctl)

# E2E_LEAK_CHECK: ASAN_OPTIONS for a daemon_start whose daemon daemon_stop_clean ends:
# LeakSanitizer reports at exit; no quarantine (freed memory is used again) and nothing
# handed back to the system, so the RSS only rises, with what is kept
E2E_LEAK_CHECK=detect_leaks=1:abort_on_error=1:quarantine_size_mb=0:allocator_release_to_os_interval_ms=-1

# daemon_stop_clean: SIGTERM, as systemd stops it; dacguardd must exit 0 with no
# sanitizer report in its log (started with ASAN_OPTIONS=$E2E_LEAK_CHECK: none of what
# it leaked); a check
daemon_stop_clean()
{
	local rc=0
	kill -TERM "$_daemon_pid"
	wait "$_daemon_pid" || rc=$?
	_daemon_pid=
	if [ "$rc" != 0 ] || daemon_log_has "Sanitizer|runtime error"; then
		grep -A60 -E "Sanitizer|runtime error" "$_daemon_log" | head -n 120 >&2 || true
		pw_session_fail "dacguardd exited with status $rc, or its log has a sanitizer report"
	fi
	pw_check_made "dacguardd exited 0, no sanitizer report"
}

daemon_log_has()
{
	grep -Eq "$1" "$_daemon_log"
}

daemon_wait_log()
{
	pw_wait_for "dacguardd to log /$1/" daemon_log_has "$1"
}

# WirePlumber 0.5 (its sm-settings metadata) links every stream bound for the K3 into
# the guard, a smart filter; with 0.4 dacguardd makes the guard the default sink and
# moves streams to it (doc/pipewire-graph.md)
e2e_smart_filters()
{
	_pw_dump | jq -e '[.[] | select(.type == "PipeWire:Interface:Metadata")
		| select(.props["metadata.name"] == "sm-settings")] | length > 0' >/dev/null
}

# e2e_default_sink [KEY]: the sink named in the default metadata's KEY (the one a user
# or dacguardd configured; default.audio.sink: the one in use)
e2e_default_sink()
{
	pw-metadata -n default 0 "${1:-default.configured.audio.sink}" 2>/dev/null |
		sed -n "s/.*value:'\([^']*\)'.*/\1/p" | jq -r '.name // empty' 2>/dev/null
}

# e2e_wait_routing: returns once a stream for the default sink plays through the guard
# (0.4: the guard has become the default sink; 0.5: nothing to wait for, the DAC stays
# the default). Sets E2E_ROUTING to "smart-filter" or "default-sink".
e2e_wait_routing()
{
	if e2e_smart_filters; then
		E2E_ROUTING=smart-filter
	else
		E2E_ROUTING=default-sink
		pw_wait_for "the guard to be the default sink" \
			eval '[ "$(e2e_default_sink)" = "$GUARD" ]'
	fi
}

# e2e_k3_playing WANT: the K3 plugged in, its guard at WANT and linked, then a
# full-scale sine for the default sink, as an application plays it, for longer than a
# case may run (node $PW_AUDIO_NAME-play, its pid in E2E_PLAY_PID)
e2e_k3_playing()
{
	local d=$PW_SESSION_DIR
	e2e_hotplug_k3 "$1"
	pw_wait_linked "$GUARD.output" "$DAC"
	e2e_wait_routing
	echo "# routing: $E2E_ROUTING" >&2
	sox -V1 -n -r 48000 -c 2 -b 16 -e signed-integer "$d/sine.wav" synth 1 sine 997 gain -n 0
	sox -V1 "$d/sine.wav" "$d/play.wav" repeat 299
	pw-cat --playback -P "{ node.name = $PW_AUDIO_NAME-play }" "$d/play.wav" \
		>"$d/play.log" 2>&1 &
	E2E_PLAY_PID=$!
	E2E_PIDS+=("$E2E_PLAY_PID")
}

# e2e_list [ARGS]: dacguardctl list --json in the testbed the daemon sees (the same
# cards, the same configuration; ARGS such as --ctl NAME): the decision the shared
# engine makes for each card, the state to assert on rather than the daemon's log
e2e_list()
{
	UMOCKDEV_DIR=$E2E_UMOCKDEV_DIR umockdev-wrapper "$DG_DACGUARDCTL" list --json "$@"
}

# e2e_check_list WHAT FILTER [ARGS]: the JSON of e2e_list ARGS satisfies the jq FILTER,
# or the test fails with WHAT; FILTER may use card(N) (card N's entry) and near(A; B)
# (within 0.1 dB); a check
e2e_check_list()
{
	local what=$1 filter=$2 out
	shift 2
	out=$(e2e_list "$@" 2>"$PW_SESSION_DIR/list.err") ||
		pw_session_fail "dacguardctl list failed: $(cat "$PW_SESSION_DIR/list.err")"
	if ! jq -e 'def near($a; $b): ($a - $b) * ($a - $b) <= 0.01;
		def card($n): .[] | select(.card == $n); '"$filter" <<<"$out" >/dev/null; then
		echo "$out" >&2
		pw_session_fail "dacguardctl list does not show $what"
	fi
	pw_check_made "dacguardctl list shows $what"
}

# e2e_check_k3 OUTPUT MODE SOURCE [ARGS]: dacguardctl list decides OUTPUT in MODE (known
# from SOURCE) for the K3 at that output's ceiling, and the guard's Props carry the
# same output, mode and ceiling
e2e_check_k3()
{
	local out=$1 mode=$2 src=$3 want
	shift 3
	want=$(e2e_expected "$out")
	e2e_check_list "the K3 on $out, $mode ($src)" "card(1) | .output == \"$out\"
		and .mode == \"$mode\" and .mode_source == \"$src\" and near(.ceiling_db; $want)" "$@"
	pw_check_props "$GUARD_ID" "dacguard.output == \"$out\"" "dacguard.mode == \"$mode\"" \
		"dacguard.ceiling-db <= $want + 0.1" "dacguard.ceiling-db >= $want - 0.1"
}

# e2e_make_signals: full-scale sine and square and +12 dBFS float overs, 1.5 s each,
# as $PW_SESSION_DIR/{sine,square,sine+12}.wav
e2e_make_signals()
{
	local d=$PW_SESSION_DIR
	make_wav "$d/sine.wav" synth 1.5 sine 997 gain -n 0
	make_wav "$d/square.wav" synth 1.5 square 441 gain -n 0
	"$DG_WAV_PEAK" --scale 12 "$d/sine.wav" "$d/sine+12.wav"
}

# e2e_check_signals WANT SIG... : each SIG of e2e_make_signals, played into $GUARD,
# reaches $DAC at WANT dBFS, nothing above, whole (E2E_SINK and E2E_TARGET instead of
# $DAC and $GUARD when set)
e2e_check_signals()
{
	local want=$1 sig t0 d=$PW_SESSION_DIR
	shift
	for sig in "$@"; do
		t0=$(e2e_now_ms)
		# its monitor carries what enters the sink, not the hold: that is its volume
		pw_wait_for "${E2E_SINK:-$DAC} to be open (volume 1.0)" \
			pw_volume_is "$(pw_node_id "${E2E_SINK:-$DAC}")" '== 1'
		record_start "${E2E_SINK:-$DAC}" "$d/rec-$sig.wav"
		play "$d/$sig.wav" "${E2E_TARGET:-$GUARD}"
		record_stop
		check_wav "$d/rec-$sig.wav" --max-db "$want" --expect-db "$want" --tolerance 1
		check_intact "$d/$sig.wav" "$d/rec-$sig.wav" --gain-db "$want" --gain-slack 0.001
		echo "# $sig: $(($(e2e_now_ms) - t0)) ms" >&2
	done
}

# e2e_has_client BINARY: a client of the server runs BINARY (as the server sees it)
e2e_has_client()
{
	_pw_dump | jq -e --arg b "$1" '.[] | select(.type == "PipeWire:Interface:Client")
		| select(.info.props["application.process.binary"] == $b)' >/dev/null
}

# e2e_node_count NAME: how many nodes are named NAME
e2e_node_count()
{
	_pw_dump | jq --arg n "$1" '[.[] | select(.type == "PipeWire:Interface:Node")
		| select(.info.props["node.name"] == $n)] | length'
}

# e2e_wait_guard WANT: sets GUARD_ID once the guard exists and holds WANT (+-0.1 dB)
e2e_wait_guard()
{
	GUARD_ID=$(pw_wait_node_prop "$GUARD" dacguard.ceiling-db "<= $1 + 0.1" ">= $1 - 0.1")
}

# e2e_hotplug_k3 WANT: hotplugs the K3 and waits for its guard to hold WANT;
# sets GUARD_ID and E2E_HOTPLUG_MS (uevent to ceiling in force, as pw-dump shows it).
e2e_hotplug_k3()
{
	local t0
	t0=$(e2e_now_ms)
	tb_cmd hotplug "$K3_FILE"
	e2e_wait_guard "$1"
	E2E_HOTPLUG_MS=$(($(e2e_now_ms) - t0))
}

# e2e_play_sine_at CEILING: a 5 s full-scale sine into the guard, the DAC sink recorded
# to $PW_SESSION_DIR/rec.wav; returns once the guard passes it at CEILING and half a
# second of it is in the recording (the "before" of a switch)
e2e_play_sine_at()
{
	local d=$PW_SESSION_DIR
	make_wav "$d/sine.wav" synth 5 sine 997 gain -n 0
	record_start "$DAC" "$d/rec.wav"
	play_bg "$d/sine.wav"
	pw_wait_prop "$GUARD_ID" dacguard.peak-db "> $1 - 1"
	record_more 500
}

# e2e_check_switch SINE OLD NEW F_SW: what dacguard promises after a switch of
# output, checked in $PW_SESSION_DIR/rec.wav (a recording of the DAC during which SINE
# played and the switch was made when the file held F_SW frames): the audio is the
# sine, whole and sample for sample, at the OLD ceiling and then at the NEW one, with
# one step between them, not before the switch; nothing above NEW after the step.
# How long after the switch the step comes is a benchmark's figure (bench-e2e), not a
# test's: a loaded machine may take longer, and that breaks nothing promised.
# Sets E2E_STEP_FRAMES (the step's distance from the switch, in frames).
e2e_check_switch()
{
	local d=$PW_SESSION_DIR f_step
	check_intact "$1" "$d/rec.wav" --gain-db "$2" --gain-db "$3" --gain-slack 0.001
	read -r f_step _ < <(intact_transition 1)
	[ -n "$f_step" ] || pw_session_fail "no step from $2 to $3 dBFS in the recording"
	[ "$f_step" -ge "$4" ] ||
		pw_session_fail "the step to $3 dBFS at recorded frame $f_step, before the switch ($4)"
	E2E_STEP_FRAMES=$((f_step - $4))
	sox "$d/rec.wav" "$d/before.wav" trim 0 "${f_step}s"
	sox "$d/rec.wav" "$d/after.wav" trim "${f_step}s"
	check_wav "$d/before.wav" --max-db "$2" --expect-db "$2" --tolerance 1
	check_wav "$d/after.wav" --max-db "$3" --expect-db "$3" --tolerance 1
	echo "# step from $2 to $3 dBFS: $E2E_STEP_FRAMES frames after the switch" >&2
}

# e2e_mode_switch HOW: with a full-scale sine playing into the guard at the
# single-ended ceiling, switches the K3 to balanced (HOW: "user" = pw-cli
# set-param of dacguard.output, "config" = mode in dacguard.conf + SIGHUP); the
# guard then shows output, mode and ceiling of the balanced output, and the
# recording keeps e2e_check_switch's promise. Sets E2E_SWITCH_MS (switch issued to
# new ceiling shown by the guard) and E2E_STEP_FRAMES.
e2e_mode_switch()
{
	local se bal d=$PW_SESSION_DIR t_sw f_sw
	se=$(e2e_expected se-3.5)
	bal=$(e2e_expected bal-2.5)
	daemon_start
	e2e_hotplug_k3 "$se"
	pw_wait_linked "$GUARD.output" "$DAC"
	e2e_play_sine_at "$se"
	f_sw=$(wav_frames "$d/rec.wav")
	t_sw=$(e2e_now_ms)
	case $1 in
	user)
		pw-cli set-param "$GUARD_ID" Props '{ params = [ "dacguard.output" "bal-2.5" ] }' \
			>/dev/null || pw_session_fail "pw-cli set-param failed"
		;;
	config)
		e2e_write_config balanced
		kill -HUP "$_daemon_pid"
		;;
	esac
	pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $bal + 0.1"
	E2E_SWITCH_MS=$(($(e2e_now_ms) - t_sw))
	pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $bal - 0.1"
	case $1 in
	user) pw_check_props "$GUARD_ID" 'dacguard.output == "bal-2.5"' \
		'dacguard.mode == "balanced"' ;;
	config) e2e_check_k3 bal-2.5 balanced config ;;
	esac
	play_wait
	record_stop
	e2e_check_switch "$d/sine.wav" "$se" "$bal" "$f_sw"
	echo "# switch ($1) to balanced ceiling $bal shown: $E2E_SWITCH_MS ms" >&2
}
