#!/bin/bash
# SPDX-License-Identifier: MIT
# The shipped example drop-in, read by the server as a pipewire.conf.d file:
# the USB sink gets a guard at -30 dBFS and full scale leaves it at -30; the
# built-in (PCI) sink gets none.
. "$(dirname "$0")/common.sh"

PCI=alsa_output.pci-0000_00_1f.3.analog-stereo
pw_session_add_sink "$PCI" "Built-in Audio Analog Stereo" pci
pw_session_add_sink "$DAC" "$DAC_DESC" usb
pw_session_add_dropin "$DG_SOURCE_DIR/conf/pipewire.conf.d/50-dacguard.conf"
pw_session_start

GUARD_ID=$(pw_wait_node "$GUARD")
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db '== -30'
pw_wait_linked "$GUARD.output" "$DAC"
[ -z "$(pw_node_id "dacguard.$PCI")" ] || pw_session_fail "the PCI sink got a guard"

make_wav "$PW_SESSION_DIR/sine.wav" synth 2 sine 997 gain -n 0
record_start "$DAC" "$PW_SESSION_DIR/rec.wav"
play_bg "$PW_SESSION_DIR/sine.wav"
pw_wait_prop "$GUARD_ID" dacguard.peak-db '> -31'
play_wait
record_stop
check_wav "$PW_SESSION_DIR/rec.wav" --max-db -30 --expect-db -30 --tolerance 1
check_intact "$PW_SESSION_DIR/sine.wav" "$PW_SESSION_DIR/rec.wav" --gain-db -30
echo "ok"
