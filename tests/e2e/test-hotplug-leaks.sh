#!/bin/bash
# SPDX-License-Identifier: MIT
# The K3 hotplugged and removed 1,000 times (E2E_LEAK_CYCLES) under dacguardd,
# connected to PipeWire: each add decided, each removal handled, on the engine's side
# and on the PipeWire side (the card's record, its udev ids, the clients judged again).
# The K3 has no sink here, so no guard host is started: the replug case counts those.
# dacguardd's VmRSS is read every 100 cycles: after the first 100 it must stay within
# RSS_SLACK_KB. At the end dacguardd is stopped as systemd stops it and must exit 0
# with no sanitizer report; in an ASan build LeakSanitizer reports there what it
# leaked. Prints the RSS series.
. "$(dirname "$0")/common.sh"

CYCLES=${E2E_LEAK_CYCLES:-1000}
# What the RSS may grow by from cycle 100 to the last. Without sanitizers dacguardd's
# RSS does not move by a page over 1,000 cycles (measured on PipeWire 0.3.65 and 1.4):
# 256 kB. With ASan its runtime's own memory grows with the churn, by itself: 336 kB
# (clang 14, Debian 12) and 2.4 MB (clang 19, Debian 13) from cycle 100 to 1,000, while
# what dacguardd holds does not grow (LeakSanitizer's list of every block after 300
# cycles, dacguardd left without freeing anything: 1,351 blocks, ALSA's parsed
# configuration the most of them, no group of one per cycle): 4 MB. A record kept per
# cycle is at least a struct card (13 kB with its decision), 11 MB over 900 cycles (a
# free() left out, the card kept reachable: 1.7 MB per 100 cycles).
if e2e_asan; then
	RSS_SLACK_KB=4096
else
	RSS_SLACK_KB=256
fi

# the daemon's log, line by line as it is written
log_follow()
{
	mkfifo "$PW_SESSION_DIR/log.fifo"
	tail -n 0 -F "$_daemon_log" >"$PW_SESSION_DIR/log.fifo" 2>/dev/null &
	E2E_PIDS+=($!)
	exec {log_fd}<"$PW_SESSION_DIR/log.fifo"
}

# log_wait WHAT PATTERN: returns once the daemon logs a line matching PATTERN (glob)
log_wait()
{
	local line deadline=$((SECONDS + PW_SESSION_TIMEOUT))
	while [ "$SECONDS" -lt "$deadline" ]; do
		read -r -t 1 -u "$log_fd" line || continue
		# shellcheck disable=SC2053
		[[ $line == $2 ]] && return 0
	done
	pw_session_fail "cycle $i: timed out waiting for dacguardd to log $1"
}

rss_kb()
{
	local k v _
	while read -r k v _; do
		[ "$k" = VmRSS: ] && echo "$v" && return 0
	done <"/proc/$_daemon_pid/status"
	pw_session_fail "no VmRSS for dacguardd ($_daemon_pid)"
}

e2e_start
# no sink for the K3: no guard host at each add (the replug case counts those)
pw-cli destroy "$(pw_wait_node "$DAC")" >/dev/null || pw_session_fail "pw-cli destroy $DAC"
pw_wait_node_gone "$DAC"
if e2e_asan; then
	ASAN_OPTIONS=$E2E_LEAK_CHECK daemon_start "${E2E_NO_CTL[@]}"
else
	echo "# dacguardd built without ASan: its leaks are not looked for, only its RSS" >&2
	daemon_start "${E2E_NO_CTL[@]}"
fi
log_follow

rss=()
t0=$SECONDS
for ((i = 1; i <= CYCLES; i++)); do
	tb_cmd hotplug "$K3_FILE"
	log_wait "the K3's decision" 'card1 "FiiO K3 (2019)" 2972:0047 known * ceiling *'
	tb_cmd remove "$K3_USB"
	log_wait "the K3's removal" 'card1 "K3" 2972:0047 removed'
	[ $((i % 100)) != 0 ] || rss+=("$(rss_kb)")
done
echo "# $CYCLES hotplug cycles in $((SECONDS - t0)) s; dacguardd's VmRSS every 100 (kB):" \
	"${rss[*]}" >&2

growth=0
for r in "${rss[@]:1}"; do
	[ $((r - rss[0])) -le "$growth" ] || growth=$((r - rss[0]))
done
# a leak's report says more than the RSS: first
daemon_stop_clean
pw_check "dacguardd's RSS grew by $growth kB after cycle 100, more than $RSS_SLACK_KB kB" \
	[ "$growth" -le "$RSS_SLACK_KB" ]
pw_figure "hotplug cycles" "$CYCLES"
pw_figure "RSS growth" "$growth kB from cycle 100 to $CYCLES (bound $RSS_SLACK_KB kB)"
if e2e_asan; then
	pw_figure "leaks" "0 (LeakSanitizer, dacguardd stopped after $CYCLES cycles)"
fi
echo "ok"
