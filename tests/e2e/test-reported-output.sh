#!/bin/bash
# SPDX-License-Identifier: MIT
# Where the hardware reports the output in use, a client's claim of another output
# does not raise the ceiling. The K3's "Output Select" selector (the dgtest control
# plugin, as in test-switch-selector.sh) says BAL; during full-scale playback a user
# writes dacguard.output = se-3.5 with pw-cli, the output whose ceiling is 6 dB
# higher. The guard takes the word (dacguard.output shows it) but holds the balanced
# ceiling, and so does the daemon's decision after it: what reached the DAC is the
# sine whole at the balanced ceiling. When the selector itself moves to SE, the
# hardware has spoken: the single-ended ceiling applies, from one step on.
. "$(dirname "$0")/common.sh"

e2e_start
se=$(e2e_expected se-3.5)
bal=$(e2e_expected bal-2.5)
d=$PW_SESSION_DIR
e2e_use_selector BAL

daemon_start --ctl dgtest
e2e_hotplug_k3 "$bal"
pw_wait_linked "$GUARD.output" "$DAC"
pw_wait_prop "$GUARD_ID" dacguard.output-reported '== "bal-2.5"'

e2e_play_sine_at "$bal"
pw-cli set-param "$GUARD_ID" Props '{ params = [ "dacguard.output" "se-3.5" ] }' \
	>/dev/null || pw_session_fail "pw-cli set-param failed"
pw_wait_prop "$GUARD_ID" dacguard.output '== "se-3.5"'
daemon_wait_log "output set to 'se-3.5' by a client"
record_more 500
pw_check_props "$GUARD_ID" "dacguard.ceiling-db <= $bal + 0.0001" \
	'dacguard.output-reported == "bal-2.5"'
# the daemon's decision says why: the claim held to the reported output
daemon_wait_log "se-3.5: ceiling -?[0-9.]+ dB \(reported\)"

f_sw=$(wav_frames "$d/rec.wav")
e2e_select SE
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $se - 0.01"
pw_check_props "$GUARD_ID" 'dacguard.output-reported == "se-3.5"' 'dacguard.output == "se-3.5"'
play_wait
record_stop
e2e_check_switch "$d/sine.wav" "$bal" "$se" "$f_sw"
echo "ok"
