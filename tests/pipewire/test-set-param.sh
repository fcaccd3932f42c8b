#!/bin/bash
# SPDX-License-Identifier: MIT
# The Props surface with audio flowing: lower (-20 -> -40) takes effect at once,
# raise (-40 -> -25) ramps and stays within, and the audio stays whole and
# sample-exact at each ceiling and in between; a write above the hard ceiling is
# clamped to it; NaN/inf, strings for numbers, read-only and unknown keys are
# refused and change nothing; output/mode/headphone are stored and published.
. "$(dirname "$0")/common.sh"

start_with_guard 'dacguard.ceiling-db = -20 dacguard.hard-ceiling-db = -10'
id=$GUARD_ID
d=$PW_SESSION_DIR
# a sweep: each recording of a part of it has one place in it (a steady sine repeats)
make_wav "$d/long.wav" synth 12 sine 200:2000 gain -n 0

record_start "$DAC" "$d/rec-lower.wav"
play_bg "$d/long.wav"
pw_wait_prop "$id" dacguard.peak-db '> -21'
set_props "$id" '"dacguard.ceiling-db" -40.0'
pw_wait_prop "$id" dacguard.ceiling-db '== -40'
# one whole meter window after the change
pw_wait_prop "$id" dacguard.peak-db '< -39.5'
pw_wait_prop "$id" dacguard.peak-db '<= -40'
record_more 300
record_stop
check_wav "$d/rec-lower.wav" --max-db -20 --expect-db -20 --tolerance 1
check_intact "$d/long.wav" "$d/rec-lower.wav" --gain-db -20 --gain-db -40 --partial

record_start "$DAC" "$d/rec-low.wav"
pw_wait_prop "$id" dacguard.peak-db '> -41'
record_more 300
record_stop
check_wav "$d/rec-low.wav" --max-db -40 --expect-db -40 --tolerance 1
check_intact "$d/long.wav" "$d/rec-low.wav" --gain-db -40 --partial

record_start "$DAC" "$d/rec-raise.wav"
set_props "$id" '"dacguard.ceiling-db" -25'
pw_wait_prop "$id" dacguard.ceiling-db '== -25'
pw_wait_prop "$id" dacguard.peak-db '> -25.5'
record_more 300
record_stop
check_wav "$d/rec-raise.wav" --max-db -25 --expect-db -25 --tolerance 1
# ... a ramp as long as the guard's, from -40 to -25
check_intact "$d/long.wav" "$d/rec-raise.wav" --gain-db -40 --gain-db -25 --partial

# above the hard ceiling: clamped to it, with a warning naming the key
set_props "$id" '"dacguard.ceiling-db" 0.0'
pw_wait_prop "$id" dacguard.ceiling-db '== -10'
pw_wait_for "the clamp warning" pw_log_has 'dacguard.ceiling-db: .*clamped to -10'
pw-cli enum-params "$id" Props | grep -A1 '"dacguard.ceiling-db"' | grep -q 'Float -10' ||
	pw_session_fail "enum-params does not show the clamped ceiling"
record_start "$DAC" "$d/rec-clamp.wav"
pw_wait_prop "$id" dacguard.peak-db '> -10.5'
record_more 300
record_stop
check_wav "$d/rec-clamp.wav" --max-db -10 --expect-db -10 --tolerance 1
check_intact "$d/long.wav" "$d/rec-clamp.wav" --gain-db -10 --partial
play_wait

set_props "$id" '"dacguard.ceiling-db" -33'
pw_wait_prop "$id" dacguard.ceiling-db '== -33'
# refused: each leaves -33 in place and says why
set_props "$id" '"dacguard.ceiling-db" "loud"'
pw_wait_for "the type warning" pw_log_has 'dacguard.ceiling-db: refusing a value that is not a number'
set_props "$id" '"dacguard.ceiling-db" 1e39'     # parses to +inf
pw_wait_for "the inf warning" pw_log_has 'dacguard.ceiling-db: refusing non-finite'
"$DG_SET_PROPS" "$id" dacguard.ceiling-db nan ||
	pw_session_fail "dg-set-props could not send NaN"
pw_wait_for "the NaN warning" eval "[ \$(grep -c 'refusing non-finite' $d/pipewire.log) -ge 2 ]"
set_props "$id" '"dacguard.peak-db" 0.0'
pw_wait_for "the read-only warning" pw_log_has 'dacguard.peak-db: read-only'
set_props "$id" '"dacguard.loudness" 1.0'
pw_wait_for "the unknown-key warning" pw_log_has 'dacguard.loudness: unknown key'
set_props "$id" '"dacguard.mode" "bridged"'
pw_wait_for "the mode warning" pw_log_has "dacguard.mode: unknown mode 'bridged'"
pw_wait_prop "$id" dacguard.ceiling-db '== -33'
pw_wait_prop "$id" dacguard.mode '== "unknown"'

# the daemon's fields
set_props "$id" '"dacguard.output" "bal-4.4" "dacguard.mode" "balanced" "dacguard.headphone" "sennheiser-hd600"'
pw_wait_prop "$id" dacguard.output '== "bal-4.4"'
pw_wait_prop "$id" dacguard.mode '== "balanced"'
pw_wait_prop "$id" dacguard.headphone '== "sennheiser-hd600"'
pw_wait_prop "$id" dacguard.ceiling-db '== -33'
echo "ok"
