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

# window_check FILE DB GAIN...: once the recording into FILE holds 300 ms more, it
# peaks at DB with nothing above, and it is the sweep at each GAIN in turn
window_check()
{
	local file=$1 db=$2 g gains=()
	shift 2
	record_more 300
	record_stop
	check_wav "$file" --max-db "$db" --expect-db "$db" --tolerance 1
	for g in "$@"; do
		gains+=(--gain-db "$g")
	done
	check_intact "$d/long.wav" "$file" "${gains[@]}" --partial
}

record_start "$DAC" "$d/rec-lower.wav"
play_bg "$d/long.wav"
pw_wait_prop "$id" dacguard.peak-db '> -21'
set_props "$id" '"dacguard.ceiling-db" -40.0'
pw_wait_prop "$id" dacguard.ceiling-db '== -40'
# one whole meter window after the change
pw_wait_prop "$id" dacguard.peak-db '< -39.5'
pw_wait_prop "$id" dacguard.peak-db '<= -40'
window_check "$d/rec-lower.wav" -20 -20 -40

record_start "$DAC" "$d/rec-low.wav"
pw_wait_prop "$id" dacguard.peak-db '> -41'
window_check "$d/rec-low.wav" -40 -40

record_start "$DAC" "$d/rec-raise.wav"
set_props "$id" '"dacguard.ceiling-db" -25'
pw_wait_prop "$id" dacguard.ceiling-db '== -25'
pw_wait_prop "$id" dacguard.peak-db '> -25.5'
# ... a ramp as long as the guard's, from -40 to -25
window_check "$d/rec-raise.wav" -25 -40 -25

# above the hard ceiling: clamped to it, with a warning naming the key
set_props "$id" '"dacguard.ceiling-db" 0.0'
pw_wait_prop "$id" dacguard.ceiling-db '== -10'
pw_wait_for "the clamp warning" pw_log_has 'dacguard.ceiling-db: .*clamped to -10'
pw_check "enum-params shows the clamped ceiling" eval \
	"pw-cli enum-params $id Props | grep -A1 '\"dacguard.ceiling-db\"' | grep -q 'Float -10'"
record_start "$DAC" "$d/rec-clamp.wav"
pw_wait_prop "$id" dacguard.peak-db '> -10.5'
window_check "$d/rec-clamp.wav" -10 -10
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
set_props "$id" '"dacguard.output" "bal-4.4" "dacguard.mode" "balanced"
	"dacguard.headphone" "sennheiser-hd600"'
pw_wait_prop "$id" dacguard.output '== "bal-4.4"'
pw_wait_prop "$id" dacguard.mode '== "balanced"'
pw_wait_prop "$id" dacguard.headphone '== "sennheiser-hd600"'
pw_wait_prop "$id" dacguard.ceiling-db '== -33'
echo "ok"
