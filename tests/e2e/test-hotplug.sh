#!/bin/bash
# SPDX-License-Identifier: MIT
# Hotplug of the FiiO K3 with PipeWire and dacguardd running: within 500 ms the
# guard dacguard.<K3 sink> exists, holds the ceiling lib/level computes for the
# single-ended output and the HD 600, names the output, mode and headphone, is
# the default sink, and the decoy sink of another card gets no guard.
. "$(dirname "$0")/common.sh"

e2e_start
want=$(e2e_expected se-3.5)
daemon_start
e2e_hotplug_k3 "$want"
echo "# hotplug to guard at $want dBFS: $E2E_HOTPLUG_MS ms" >&2
[ "$E2E_HOTPLUG_MS" -le 500 ] || pw_session_fail "guard took $E2E_HOTPLUG_MS ms (> 500)"

[ "$(pw_param "$GUARD_ID" dacguard.output)" = se-3.5 ] ||
	pw_session_fail "output is '$(pw_param "$GUARD_ID" dacguard.output)'"
[ "$(pw_param "$GUARD_ID" dacguard.mode)" = single-ended ] ||
	pw_session_fail "mode is '$(pw_param "$GUARD_ID" dacguard.mode)'"
[ "$(pw_param "$GUARD_ID" dacguard.headphone)" = "$HEADPHONE" ] ||
	pw_session_fail "headphone is '$(pw_param "$GUARD_ID" dacguard.headphone)'"
pw_wait_linked "$GUARD.output" "$DAC"

# the K3 sink was the default: now its guard is
_default_is_guard()
{
	pw-metadata -n default 0 default.configured.audio.sink 2>/dev/null | grep -q "$GUARD"
}
pw_wait_for "the guard to be the default sink" _default_is_guard

[ -z "$(pw_node_id "dacguard.$DECOY")" ] || pw_session_fail "the decoy sink got a guard"
daemon_log_has "dacguard.$DECOY" && pw_session_fail "the daemon acted on the decoy sink"
echo "ok"
