#!/bin/bash
# SPDX-License-Identifier: MIT
# During playback the configuration's mode for the K3 changes from single-ended
# to balanced (SIGHUP): ceiling, output and mode change in one Props write, and
# no sample over the balanced ceiling reaches the DAC sink after it.
. "$(dirname "$0")/common.sh"

e2e_start
e2e_mode_switch config
echo "ok"
