#!/bin/bash
# SPDX-License-Identifier: MIT
# During playback a user writes dacguard.output = bal-2.5 on the guard (pw-cli):
# the daemon answers with the balanced output's ceiling, and from then on no
# sample over it reaches the DAC sink.
. "$(dirname "$0")/common.sh"

e2e_start
e2e_mode_switch user
daemon_log_has "output set to 'bal-2.5' by a client" || pw_session_fail "no mode switch logged"
echo "ok"
