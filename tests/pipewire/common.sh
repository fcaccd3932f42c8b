# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared set-up of the 'pipewire' suite: the harness, the module from the
# build tree, one USB DAC sink, and helpers to play into a guard and record
# the DAC sink's monitor (tests/lib/pw-audio.sh). Meson passes DG_MODULE_DIR, DG_WAV_PEAK and
# DG_SOURCE_DIR in the environment.
set -eu

. "$DG_SOURCE_DIR/tests/lib/pw-session.sh"
. "$DG_SOURCE_DIR/tests/lib/pw-audio.sh"

PW_SESSION_MODULE_DIRS=$DG_MODULE_DIR
DAC=alsa_output.usb-Topping_D50s-00.analog-stereo
DAC_DESC="Topping D50s Analog Stereo"
GUARD=dacguard.$DAC
PW_AUDIO_NAME=dg-test
PW_AUDIO_RECORD_PROPS="stream.capture.sink = true"

set_props()
{
	pw-cli set-param "$1" Props "{ params = [ $2 ] }" >/dev/null ||
		pw_session_fail "pw-cli set-param $1 failed"
}

start_with_guard()
{
	pw_session_add_sink "$DAC" "$DAC_DESC" usb
	pw_session_add_module libpipewire-module-dacguard "{ target.object = \"$DAC\" $* }"
	pw_session_start
	GUARD_ID=$(pw_wait_node "$GUARD")
	# the sink's monitor feeds the DSP node, which feeds the DAC
	pw_wait_linked "$GUARD" "$GUARD.output"
	pw_wait_linked "$GUARD.output" "$DAC"
}
