#!/bin/bash
# SPDX-License-Identifier: MIT
# During playback the configuration's mode for the K3 changes from single-ended
# to balanced (SIGHUP): ceiling, output and mode change in one Props write, and
# no sample over the balanced ceiling reaches the DAC sink after it; what reaches
# it is the sine at one ceiling, then the other.
. "$(dirname "$0")/common.sh"

e2e_start
e2e_mode_switch config
# the whole recording, sample for sample: the sine at the single-ended ceiling, then
# at the balanced one (where: e2e_mode_switch keeps the switch's frames to itself)
check_intact "$PW_SESSION_DIR/sine.wav" "$PW_SESSION_DIR/rec.wav" \
	--gain-db "$(e2e_expected se-3.5)" --gain-db "$(e2e_expected bal-2.5)" --gain-slack 0.001
echo "ok"
