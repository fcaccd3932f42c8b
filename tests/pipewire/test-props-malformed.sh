#!/bin/bash
# SPDX-License-Identifier: MIT
# Props writes broken inside, sent over the protocol as a misbehaving client would
# (tests/fuzz/props-corpus.py --malformed: keys without values, keys that are not
# strings, unterminated strings, sizes that lie, containers for values, a 30000-byte
# table, objects that are not Props): after each the guard is still there, its ceiling
# and output unchanged, and nothing it refused was applied. Then a good write still
# takes effect and full scale through the guard peaks at the new ceiling.
. "$(dirname "$0")/common.sh"

start_with_guard 'dacguard.ceiling-db = -20 dacguard.hard-ceiling-db = -10'
id=$GUARD_ID
d=$PW_SESSION_DIR
python3 "$DG_SOURCE_DIR/tests/fuzz/props-corpus.py" --malformed "$d/pods" ||
	pw_session_fail "could not write the malformed Props"

n=0
for pod in "$d"/pods/*.pod; do
	"$DG_SET_PROPS" "$id" --pod "$pod" ||
		pw_session_fail "dg-set-props could not send $(basename "$pod")"
	pw_check "the guard is still there after $(basename "$pod")" \
		eval '[ "$(pw_node_id "$GUARD")" = "$id" ]'
	pw_check_props "$id" 'dacguard.ceiling-db == -20' 'dacguard.output == "unknown"'
	n=$((n + 1))
done
pw_check_eq "malformed writes sent" "$((n >= 11))" 1

# the guard still takes a good write, and enforces it
set_props "$id" '"dacguard.ceiling-db" -31.0'
pw_wait_prop "$id" dacguard.ceiling-db '== -31'
make_wav "$d/sine.wav" synth 1.5 sine 997 gain -n 0
record_start "$DAC" "$d/rec.wav"
play_bg "$d/sine.wav"
play_wait
record_more 100
record_stop
check_wav "$d/rec.wav" --max-db -31 --expect-db -31 --tolerance 0.5
echo "ok"
