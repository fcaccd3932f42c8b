#!/bin/bash
# SPDX-License-Identifier: MIT
# The passive analyzer on the guard: a stereo file with one channel inverted
# turns dacguard.polarity-inverted true; a normal one leaves it false.
. "$(dirname "$0")/common.sh"

start_with_guard
d=$PW_SESSION_DIR
make_wav "$d/mono.wav" synth 6 sine 440 gain -n -6 remix 1 1
sox -q "$d/mono.wav" -e floating-point -b 32 "$d/inverted.wav" remix 1 1v-1

play_bg "$d/mono.wav"
pw_wait_prop "$GUARD_ID" dacguard.correlation '> 0.9'
pw_wait_prop "$GUARD_ID" dacguard.polarity-inverted '== "false"'
kill -TERM "$_play_pid"; wait "$_play_pid" || true

play_bg "$d/inverted.wav"
pw_wait_prop "$GUARD_ID" dacguard.polarity-inverted '== "true"'
pw_wait_prop "$GUARD_ID" dacguard.correlation '< -0.9'
pw-cli enum-params "$GUARD_ID" Props | grep -A1 '"dacguard.polarity-inverted"' | grep -q 'Bool true' ||
	pw_session_fail "enum-params does not show polarity-inverted true"
kill -TERM "$_play_pid"; wait "$_play_pid" || true
echo "ok"
