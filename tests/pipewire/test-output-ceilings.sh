#!/bin/bash
# SPDX-License-Identifier: MIT
# dacguard.output-ceilings, the per-output ceiling table: a good table is
# published and bounds the ceiling at once; a write of dacguard.output brings
# that output's ceiling (the lower one when the same write gives ceiling-db too);
# an output not in the table gets the table's lowest ceiling; a mode-only write
# gets the lowest ceiling of that kind; bad tables are refused whole with a
# warning naming the key and the previous table stays; "" clears it.
. "$(dirname "$0")/common.sh"

start_with_guard 'dacguard.ceiling-db = -20 dacguard.hard-ceiling-db = -5'
id=$GUARD_ID

# wait_ceiling DB: the guard's ceiling is DB (to 0.005 dB; Props carry floats)
wait_ceiling()
{
	pw_wait_prop "$id" dacguard.ceiling-db ">= $1 - 0.005"
	pw_wait_prop "$id" dacguard.ceiling-db "<= $1 + 0.005"
}

table()
{
	pw_param "$id" dacguard.output-ceilings
}

# n_log TEXT: how many lines of the server's log hold TEXT
n_log()
{
	grep -Fc -- "$1" "$PW_SESSION_DIR/pipewire.log" || true
}

# log_more TEXT N: more than N lines hold TEXT
log_more()
{
	[ "$(n_log "$1")" -gt "$2" ]
}

# set_props_warns PARAMS TEXT: writes PARAMS, waits for one more warning with TEXT
set_props_warns()
{
	local n
	n=$(n_log "$2")
	set_props "$id" "$1"
	pw_wait_for "the warning '$2'" log_more "$2" "$n"
}

pw_wait_prop "$id" dacguard.output '== "unknown"'
[ -z "$(table)" ] || pw_session_fail "a fresh guard has a table: '$(table)'"

# a good table, SPA-JSON bare words as pw-cli users type them; alone, it only
# bounds the ceiling in force: output unknown, mode unknown -> lowest of all
T='"dacguard.output-ceilings"'
set_props "$id" "$T"' "{ se-3.5 = -23.07 se-6.35 = -21 bal-2.5 = -29.09 bal-4.4 = -27 }"'
wait_ceiling -29.09
good='{ "se-3.5": -23.070, "se-6.35": -21.000, "bal-2.5": -29.090, "bal-4.4": -27.000 }'
[ "$(table)" = "$good" ] || pw_session_fail "table published as '$(table)'"
pw-cli enum-params "$id" PropInfo | grep -A6 'dacguard.output-ceilings' | grep -q 'se-3.5' ||
	pw_session_fail "PropInfo does not show the table"

# an output write brings its ceiling, louder or quieter, and its mode
set_props "$id" '"dacguard.output" "se-3.5"'
wait_ceiling -23.07
pw_wait_prop "$id" dacguard.mode '== "single-ended"'
set_props "$id" '"dacguard.output" "bal-2.5"'
wait_ceiling -29.09
pw_wait_prop "$id" dacguard.mode '== "balanced"'

# output and ceiling in one write: the lower wins
set_props "$id" '"dacguard.ceiling-db" -40 "dacguard.output" "se-3.5"'
wait_ceiling -40
set_props "$id" '"dacguard.ceiling-db" -10 "dacguard.output" "se-6.35"'
wait_ceiling -21
# a ceiling alone is bounded by the table's ceiling for the output in force
set_props_warns '"dacguard.ceiling-db" -12' \
	"dacguard.ceiling-db: -12.00 dB is above the ceiling of output 'se-6.35'"
wait_ceiling -21
set_props "$id" '"dacguard.ceiling-db" -30'
wait_ceiling -30

# an output the table lacks: the lowest ceiling in it (not its kind's, -23.07)
set_props "$id" '"dacguard.output" "line-rca"'
wait_ceiling -29.09
pw_wait_prop "$id" dacguard.mode '== "single-ended"'

# a mode without an output: the lowest of that kind; output becomes unknown
set_props "$id" '"dacguard.mode" "single-ended"'
wait_ceiling -23.07
pw_wait_prop "$id" dacguard.output '== "unknown"'
set_props "$id" '"dacguard.mode" "balanced"'
wait_ceiling -29.09
set_props "$id" '"dacguard.output" "se-3.5"'
wait_ceiling -23.07
set_props "$id" '"dacguard.mode" "unknown"'
wait_ceiling -29.09
pw_wait_prop "$id" dacguard.output '== "unknown"'
set_props "$id" '"dacguard.output" "se-6.35"'
wait_ceiling -21

# bad tables: refused whole, the good one stays, so does the ceiling
bad()
{
	set_props_warns "\"dacguard.output-ceilings\" \"$1\"" \
		"dacguard.output-ceilings: refusing $2"
	[ "$(table)" = "$good" ] || pw_session_fail "table '$1' changed it to '$(table)'"
	wait_ceiling -21
}
bad '{ se-3.5 = -20 phones = -10 }' "the table: 'phones' is not an output id"
bad '{ se-3.5 = -20 unknown = -10 }' "the table: 'unknown' is not an output id"
bad '{ se-3.5 = -20 se-6.35 = 1e39 }' "the table: 'se-6.35' is not a finite number"
bad '{ se-3.5 = loud }' "the table: 'se-3.5' is not a finite number"
bad '{ se-3.5 = nan }' "the table: 'se-3.5' is not a finite number"
bad '{ se-3.5 }' "the table: 'se-3.5' is not a finite number"
bad '{ se-3.5 = { db = -20 } }' "the table: 'se-3.5' is not a finite number"
bad '{ se-3.5 = -20 se-3.5 = -10 }' "the table: 'se-3.5' given twice"
bad '[ se-3.5 -20 ]' "a table that is not a JSON object"
bad '-20' "a table that is not a JSON object"
bad '{ se-3.5 = -20 } x' "the table: not valid JSON"
set_props_warns '"dacguard.output-ceilings" -20' \
	'dacguard.output-ceilings: refusing a value that is not a string'
[ "$(table)" = "$good" ] || pw_session_fail "a number changed the table to '$(table)'"

# a table value above the hard ceiling is held to it
set_props "$id" "$T"' "{ se-6.35 = 0 bal-4.4 = -27 }" "dacguard.output" "se-6.35"'
wait_ceiling -5
# a new table in the same write as the output: the new table's ceiling
set_props "$id" "$T"' "{ se-3.5 = -24 bal-4.4 = -31 }" "dacguard.output" "bal-4.4"'
wait_ceiling -31
pw_wait_prop "$id" dacguard.mode '== "balanced"'

# "" clears it: an output write is a label again and keeps the ceiling
set_props "$id" '"dacguard.output-ceilings" ""'
pw_wait_for "the table to clear" eval '[ -z "$(table)" ]'
set_props "$id" '"dacguard.output" "se-3.5"'
pw_wait_prop "$id" dacguard.output '== "se-3.5"'
wait_ceiling -31
echo "ok"
