#!/bin/bash
# SPDX-License-Identifier: MIT
# The administrator's limit in dB SPL (dacguard.hard-max-spl-db, 100 by default)
# holds against every write a client can make to the guard. The daemon computes it
# per output (the K3's figures and the HD 600 assigned to both outputs) and hands it
# to the guard host in its arguments (dacguard.hard-ceilings). With the daemon
# stopped, so that only the guard stands between the client and the DAC, pw-cli
# writes everything that could raise the level at once: a table of full scale for
# every output, hard limits of full scale, ceiling 0 dBFS, an output. The guard goes
# to the single-ended output's hard limit and no further: what reached the DAC is
# the sine whole at the comfort ceiling, then from one step on at the hard limit,
# 15 dB higher (100 - 85 dB SPL), never above it. The daemon, back, puts its
# decision back.
. "$(dirname "$0")/common.sh"

# hard_entry OUTPUT: the guard's published hard limit for OUTPUT
hard_entry()
{
	pw_param "$GUARD_ID" dacguard.hard-ceilings | jq -r --arg o "$1" '.[$o]'
}

e2e_start
se=$(e2e_expected se-3.5)
hard_se=$(e2e_expected se-3.5 100)
hard_bal=$(e2e_expected bal-2.5 100)
d=$PW_SESSION_DIR
daemon_start
e2e_hotplug_k3 "$se"
pw_wait_linked "$GUARD.output" "$DAC"
pw_wait_for "the guard's hard limits" \
	eval '[ -n "$(pw_param "$GUARD_ID" dacguard.hard-ceilings)" ]'
echo "# hard limits: $(pw_param "$GUARD_ID" dacguard.hard-ceilings)" \
	"(100 dB SPL: se-3.5 $hard_se, bal-2.5 $hard_bal)" >&2
# published rounded down to 0.001 dB, never up
for o in se-3.5 bal-2.5; do
	want=$([ "$o" = se-3.5 ] && echo "$hard_se" || echo "$hard_bal")
	got=$(hard_entry "$o")
	awk -v g="$got" -v w="$want" 'BEGIN { exit !(g <= w && g > w - 0.0011) }' ||
		pw_session_fail "hard limit of $o published as $got, computed $want"
done
# the K3 has no jack or selector here: nothing reported
[ -z "$(pw_param "$GUARD_ID" dacguard.output-reported)" ] ||
	pw_session_fail "an output reported: $(pw_param "$GUARD_ID" dacguard.output-reported)"

e2e_play_sine_at "$se"
kill -STOP "$_daemon_pid"
f_sw=$(wav_frames "$d/rec.wav")
pw-cli set-param "$GUARD_ID" Props '{ params = [
	"dacguard.hard-ceilings" "{ se-3.5 = 0 bal-2.5 = 0 se-6.35 = 0 }"
	"dacguard.output-ceilings" "{ se-3.5 = 0 bal-2.5 = 0 }"
	"dacguard.output" "se-3.5"
	"dacguard.ceiling-db" 0.0 ] }' >/dev/null || pw_session_fail "pw-cli set-param failed"
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $hard_se - 0.01"
pw_check_props "$GUARD_ID" "dacguard.ceiling-db <= $hard_se + 0.0001"
got=$(hard_entry se-3.5)
awk -v g="$got" -v w="$hard_se" 'BEGIN { exit !(g <= w) }' ||
	pw_session_fail "a client's write raised the hard limit of se-3.5 to $got"
got=$(hard_entry se-6.35)
awk -v g="$got" -v w="$hard_bal" 'BEGIN { exit !(g <= w) }' ||
	pw_session_fail "an output the guard did not know got the hard limit $got"
play_wait
record_stop
kill -CONT "$_daemon_pid"
e2e_check_switch "$d/sine.wav" "$se" "$hard_se" "$f_sw"

# the daemon puts its decision back (it sees a ceiling above it)
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $se + 0.01"
echo "ok"
