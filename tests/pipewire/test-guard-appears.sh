#!/bin/bash
# SPDX-License-Identifier: MIT
# Loaded by the server with target.object: the guard node appears with its
# name, description and class, linked to the DAC, with the default Props.
. "$(dirname "$0")/common.sh"

start_with_guard

desc=$(pw_node_prop "$GUARD" node.description)
[ "$desc" = "$DAC_DESC (dacguard)" ] || pw_session_fail "node.description is '$desc'"
class=$(pw_node_prop "$GUARD" media.class)
[ "$class" = "Audio/Sink" ] || pw_session_fail "media.class is '$class'"
# the DSP node: internal, nothing lists it as an application or a device
[ -z "$(pw_node_prop "$GUARD.output" media.class)" ] ||
	pw_session_fail "the DSP node has a media.class"
[ "$(pw_node_prop "$GUARD.output" dacguard.guard)" = true ] ||
	pw_session_fail "the DSP node is not marked as the guard's"

pw_wait_prop "$GUARD_ID" dacguard.ceiling-db '== -30'
pw_wait_prop "$GUARD_ID" dacguard.hard-ceiling-db '== 0'
pw_wait_prop "$GUARD_ID" dacguard.mode '== "unknown"'
pw_wait_prop "$GUARD_ID" dacguard.dead-channel '== -1'
pw-cli enum-params "$GUARD_ID" PropInfo | grep -q '"dacguard.ceiling-db"' ||
	pw_session_fail "no PropInfo for dacguard.ceiling-db"
# every param the node publishes is well-formed: pw-dump prints valid JSON with it, and
# each PropInfo of ours has a name, a type and a description
pw-dump -N >"$PW_SESSION_DIR/dump.json"
jq empty "$PW_SESSION_DIR/dump.json" || pw_session_fail "pw-dump prints invalid JSON"
n=$(jq --argjson id "$GUARD_ID" '[.[] | select(.id == $id) | .info.params.PropInfo[]
	| select((.name // "") | startswith("dacguard."))
	| select(.type != null and .description != null)] | length' "$PW_SESSION_DIR/dump.json")
[ "$n" = 15 ] || pw_session_fail "$n of the 15 dacguard PropInfo are whole"
jq -e --argjson id "$GUARD_ID" '.[] | select(.id == $id) | .info.params.PropInfo[]
	| select(.name == "dacguard.mode") | .type == ""' "$PW_SESSION_DIR/dump.json" >/dev/null ||
	pw_session_fail "dacguard.mode's PropInfo is not a string"
# the guard never guards itself
[ -z "$(pw_node_id "dacguard.$GUARD")" ] || pw_session_fail "a guard of the guard exists"
echo "ok"
