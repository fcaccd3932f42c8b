#!/bin/bash
# SPDX-License-Identifier: MIT
# The module in a separate `pipewire -c` process (a client of the server), as
# filter-chain is often run: the guard appears and goes with that process.
. "$(dirname "$0")/common.sh"
. "$DG_SOURCE_DIR/tests/lib/guard-host.sh"

pw_session_add_sink "$DAC" "$DAC_DESC" usb
pw_session_start

guard_host_conf "$PW_SESSION_DIR/standalone.conf" "$DAC" -18 3
LD_PRELOAD=${PW_SESSION_PRELOAD:-} pipewire -c "$PW_SESSION_DIR/standalone.conf" \
	>"$PW_SESSION_DIR/standalone.log" 2>&1 &
pid=$!
pw_session_own "$pid"
id=$(pw_wait_node "$GUARD")
pw_wait_prop "$id" dacguard.ceiling-db '== -18'
pw_wait_linked "$GUARD.output" "$DAC"
kill -TERM "$pid"
wait "$pid" || true
pw_wait_node_gone "$GUARD"
echo "ok"
