#!/bin/bash
# SPDX-License-Identifier: MIT
# A mode switch by an ALSA control event, end to end: the K3's entry in a local
# database file (devices/50-local.conf, read after the shipped 30-fiio.conf)
# names an "Output Select" selector, and the daemon reads the card's controls
# through the udev suite's test control plugin (dacguardd --ctl dgtest, its
# state in a file). During full-scale playback the selector goes from SE to BAL:
# the guard goes to the balanced output, mode and ceiling, and what reached the
# DAC is the sine whole at the single-ended ceiling, then from one step on (never
# before the control changed) at the balanced one, about 6 dB lower, with nothing
# above it (e2e_check_switch). Audio already on its way when the control changed
# cannot be called back: how long after the change the step comes is measured by
# bench-e2e, not asserted here.
. "$(dirname "$0")/common.sh"

e2e_start
se=$(e2e_expected se-3.5)
bal=$(e2e_expected bal-2.5)
d=$PW_SESSION_DIR
e2e_use_selector SE

daemon_start --ctl dgtest
e2e_hotplug_k3 "$se"
e2e_check_k3 se-3.5 single-ended selector --ctl dgtest
e2e_check_list "the selector's setting" 'card(1) | .mode_control == "Output Select=SE"' \
	--ctl dgtest
pw_wait_linked "$GUARD.output" "$DAC"

e2e_play_sine_at "$se"

# the instant of the control change, as a position in the recording
f_sw=$(wav_frames "$d/rec.wav")
t_sw=$(e2e_now_ms)
e2e_select BAL
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $bal + 0.1"
ms=$(($(e2e_now_ms) - t_sw))
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $bal - 0.1"
e2e_check_k3 bal-2.5 balanced selector --ctl dgtest
e2e_check_list "the selector's setting" 'card(1) | .mode_control == "Output Select=BAL"' \
	--ctl dgtest
play_wait
record_stop
e2e_check_switch "$d/sine.wav" "$se" "$bal" "$f_sw"
echo "# selector SE -> BAL to the balanced ceiling $bal shown: $ms ms" >&2
echo "ok"
