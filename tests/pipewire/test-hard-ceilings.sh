#!/bin/bash
# SPDX-License-Identifier: MIT
# dacguard.hard-ceilings, the administrator's limit per output, from the module's
# arguments (as dacguardd's guard hosts get it): published; the ceiling in force
# never above the entry of the output in force (the lowest while the output is
# unknown); a client's table and ceiling of full scale stop at it; a write of the
# hard table lowers it and never raises it, and the audio follows: full scale
# through the guard peaks at the lowered limit, whole.
. "$(dirname "$0")/common.sh"

start_with_guard 'dacguard.ceiling-db = -10 dacguard.hard-ceilings = { se-3.5 = -15 bal-2.5 = -21 }'
id=$GUARD_ID

wait_ceiling()
{
	pw_wait_prop "$id" dacguard.ceiling-db ">= $1 - 0.005"
	pw_wait_prop "$id" dacguard.ceiling-db "<= $1 + 0.005"
}

hard() { pw_param "$id" dacguard.hard-ceilings; }

[ "$(hard)" = '{ "se-3.5": -15.000, "bal-2.5": -21.000 }' ] ||
	pw_session_fail "hard limits published as '$(hard)'"
# the output is not known yet: the lowest hard limit, not the -10 asked for
wait_ceiling -21
# a client's everything-at-full-scale: the single-ended output's hard limit
set_props "$id" '"dacguard.output-ceilings" "{ se-3.5 = 0 bal-2.5 = 0 }"
	"dacguard.output" "se-3.5" "dacguard.ceiling-db" 0.0'
wait_ceiling -15
# raising the hard table changes nothing; an output it lacks gets its lowest
set_props "$id" '"dacguard.hard-ceilings" "{ se-3.5 = 0 se-6.35 = 0 }"'
pw_wait_for "the write to be applied" eval '[[ "$(hard)" == *se-6.35* ]]'
[ "$(hard)" = '{ "se-3.5": -15.000, "bal-2.5": -21.000, "se-6.35": -21.000 }' ] ||
	pw_session_fail "a raise of the hard limits gave '$(hard)'"
wait_ceiling -15
# lowering it applies at once, to the ceiling in force too
set_props "$id" '"dacguard.hard-ceilings" "{ se-3.5 = -30 }"'
wait_ceiling -30

make_wav "$PW_SESSION_DIR/sine.wav" synth 3 sine 997 gain -n 0
record_start "$DAC" "$PW_SESSION_DIR/rec.wav"
play_bg "$PW_SESSION_DIR/sine.wav"
play_wait
record_stop
check_wav "$PW_SESSION_DIR/rec.wav" --max-db -30 --expect-db -30 --tolerance 0.1
check_intact "$PW_SESSION_DIR/sine.wav" "$PW_SESSION_DIR/rec.wav" --gain-db -30
echo "ok"
