#!/bin/bash
# SPDX-License-Identifier: MIT
# End-to-end figures of dacguardd + the guard, printed, never asserted:
#   hotplug to configured guard (ms), mode event to new ceiling in force (ms, as
#   pw-dump shows it: includes one pw-dump poll, ~20-50 ms), the daemon's RSS
#   (kB, /proc) and its wakeups while idle over 10 s (voluntary context switches
#   of all its threads, /proc/<pid>/task/*/status, before and after).
# Same session as the 'e2e' suite (tests/e2e/common.sh).
. "$DG_SOURCE_DIR/tests/e2e/common.sh"

ctx_switches()
{
	awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }' /proc/"$1"/task/*/status
}

e2e_start
se=$(e2e_expected se-3.5)
bal=$(e2e_expected bal-2.5)
daemon_start
e2e_hotplug_k3 "$se"
echo "hotplug to configured guard: $E2E_HOTPLUG_MS ms"

# mode events: config + SIGHUP, then a client's write of dacguard.output
times=()
for i in 1 2 3; do
	for mode in balanced single-ended; do
		[ $mode = balanced ] && want=$bal || want=$se
		t0=$(e2e_now_ms)
		e2e_write_config "$mode"
		kill -HUP "$_daemon_pid"
		pw_wait_node_prop "$GUARD" dacguard.ceiling-db "<= $want + 0.01" \
			">= $want - 0.01" >/dev/null
		times+=($(($(e2e_now_ms) - t0)))
	done
done
echo "mode event (config, SIGHUP) to new ceiling in force: ${times[*]} ms"
times=()
for i in 1 2 3; do
	for out in bal-2.5 se-3.5; do
		[ $out = bal-2.5 ] && want=$bal || want=$se
		t0=$(e2e_now_ms)
		pw-cli set-param "$GUARD_ID" Props "{ params = [ \"dacguard.output\" \"$out\" ] }" \
			>/dev/null
		pw_wait_node_prop "$GUARD" dacguard.ceiling-db "<= $want + 0.01" \
			">= $want - 0.01" >/dev/null
		times+=($(($(e2e_now_ms) - t0)))
	done
done
echo "mode event (pw-cli dacguard.output) to new ceiling in force: ${times[*]} ms"

echo "daemon RSS: $(awk '/^VmRSS/ { print $2 }' /proc/"$_daemon_pid"/status) kB" \
	"(peak $(awk '/^VmHWM/ { print $2 }' /proc/"$_daemon_pid"/status) kB)"

# idle: nothing plays, nothing changes
before=$(ctx_switches "$_daemon_pid")
sleep 10 # the measurement interval itself, not a readiness wait
after=$(ctx_switches "$_daemon_pid")
echo "daemon wakeups while idle over 10 s: $((after - before)) (voluntary context switches)"
echo "ok"
