#!/bin/bash
# SPDX-License-Identifier: MIT
# The module in a separate `pipewire -c` process (a client of the server), as
# filter-chain is often run: the guard appears and goes with that process.
. "$(dirname "$0")/common.sh"

pw_session_add_sink "$DAC" "$DAC_DESC" usb
pw_session_start

cat >"$PW_SESSION_DIR/standalone.conf" <<CONF
context.properties = { log.level = 3 }
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.*       = support/libspa-support
}
context.modules = [
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-dacguard
      args = { target.object = "$DAC" dacguard.ceiling-db = -18 } }
]
CONF
LD_PRELOAD=${PW_SESSION_PRELOAD:-} pipewire -c "$PW_SESSION_DIR/standalone.conf" \
	>"$PW_SESSION_DIR/standalone.log" 2>&1 &
pid=$!
id=$(pw_wait_node "$GUARD")
pw_wait_prop "$id" dacguard.ceiling-db '== -18'
pw_wait_linked "$GUARD.output" "$DAC"
kill -TERM "$pid"
wait "$pid" || true
pw_wait_node_gone "$GUARD"
echo "ok"
