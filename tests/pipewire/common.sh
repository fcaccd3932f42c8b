# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared set-up of the 'pipewire' suite: the harness, the module from the
# build tree, one USB DAC sink, and helpers to play into a guard and record
# the DAC sink's monitor. Meson passes DG_MODULE_DIR, DG_WAV_PEAK and
# DG_SOURCE_DIR in the environment.
set -eu

. "$DG_SOURCE_DIR/tests/lib/pw-session.sh"

PW_SESSION_MODULE_DIRS=$DG_MODULE_DIR
DAC=alsa_output.usb-Topping_D50s-00.analog-stereo
DAC_DESC="Topping D50s Analog Stereo"
GUARD=dacguard.$DAC

# sox must write float: pw-cat plays it as is
make_wav()
{
	local out=$1
	shift
	sox -q -n -r 48000 -c 2 -e floating-point -b 32 "$out" "$@"
}

# record_start SINK FILE: records SINK's monitor, returns once linked.
record_start()
{
	pw-record --target "$1" --format f32 --rate 48000 --channels 2 \
		-P '{ node.name = dg-test-record stream.capture.sink = true }' "$2" >"$PW_SESSION_DIR/record.log" 2>&1 &
	_record_pid=$!
	pw_wait_linked "$1" dg-test-record
}

# record_stop: SIGINT so pw-record finalises the WAV header.
record_stop()
{
	kill -INT "$_record_pid"
	wait "$_record_pid" || true
}

# play FILE [GUARD]: plays FILE into the guard and returns when it is done.
play()
{
	pw-cat --playback --target "${2:-$GUARD}" -P '{ node.name = dg-test-play }' "$1" \
		>"$PW_SESSION_DIR/play.log" 2>&1 ||
		pw_session_fail "pw-cat failed: $(cat "$PW_SESSION_DIR/play.log")"
}

# play_bg FILE: plays in the background; returns once the player is linked.
play_bg()
{
	pw-cat --playback --target "$GUARD" -P '{ node.name = dg-test-play }' "$1" \
		>"$PW_SESSION_DIR/play.log" 2>&1 &
	_play_pid=$!
	pw_wait_linked dg-test-play "$GUARD"
}

play_wait()
{
	wait "$_play_pid" || pw_session_fail "pw-cat failed: $(cat "$PW_SESSION_DIR/play.log")"
}

set_props()
{
	pw-cli set-param "$1" Props "{ params = [ $2 ] }" >/dev/null ||
		pw_session_fail "pw-cli set-param $1 failed"
}

# check_wav FILE ARGS...: wav-peak with its output in the test log.
check_wav()
{
	local out
	if ! out=$("$DG_WAV_PEAK" "$@" 2>&1); then
		echo "$out" >&2
		pw_session_fail "wav-peak $*"
	fi
	echo "# wav-peak $*: $(echo "$out" | head -n1)" >&2
}

start_with_guard()
{
	pw_session_add_sink "$DAC" "$DAC_DESC" usb
	pw_session_add_module libpipewire-module-dacguard "{ target.object = \"$DAC\" $* }"
	pw_session_start
	GUARD_ID=$(pw_wait_node "$GUARD")
	pw_wait_linked "$GUARD.output" "$DAC"
}
