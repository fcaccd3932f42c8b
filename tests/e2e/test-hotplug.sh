#!/bin/bash
# SPDX-License-Identifier: MIT
# Hotplug of the FiiO K3 with PipeWire and dacguardd running: the guard
# dacguard.<K3 sink> appears, holds the ceiling lib/level computes for the
# single-ended output and the HD 600, names the output, mode and headphone; a stream
# for the default sink plays through it (WirePlumber 0.4: the guard is the default
# sink; 0.5: the K3 stays the default and its streams go through the guard); the
# decoy sink of another card gets no guard. (The time it takes is bench-e2e's.)
. "$(dirname "$0")/common.sh"

e2e_start
want=$(e2e_expected se-3.5)
daemon_start
e2e_hotplug_k3 "$want"
echo "# hotplug to guard at $want dBFS: $E2E_HOTPLUG_MS ms" >&2

e2e_check_k3 se-3.5 single-ended config
pw_check_props "$GUARD_ID" "dacguard.headphone == \"$HEADPHONE\""
# every figure dacguardctl list prints for the K3's outputs: the database's, and
# what lib/level makes of them (at 85 dB SPL, SPL at 0 dBFS = 85 - ceiling; the HD 600's
# 300 ohm draw less than the rated power at 16 or 32 ohm: the voltage limits)
bal=$(e2e_expected bal-2.5)
e2e_check_list "the K3's outputs and their figures" "card(1) | .known
	and .vendor_id == \"2972\" and .product_id == \"0047\" and .product == \"K3\"
	and .model == \"K3 (2019)\" and .limited_by == \"voltage\"
	and [.outputs[].id] == [\"se-3.5\", \"bal-2.5\"]
	and (.outputs[0] | .balanced == false and near(.vout_vrms; 1.96)
		and .power == [{mw: 120, ohm: 32}, {mw: 220, ohm: 16}]
		and near(.ceiling_db; $want) and near(.spl_at_0dbfs; 85 - ($want))
		and .limited_by == \"voltage\" and .headphone == \"$HEADPHONE\" and .candidate)
	and (.outputs[1] | .balanced and near(.vout_vrms; 3.92) and .power == []
		and near(.ceiling_db; $bal) and near(.spl_at_0dbfs; 85 - ($bal))
		and .limited_by == \"voltage\" and .headphone == \"$HEADPHONE\"
		and (.candidate | not))"
# ... and the database and the profile those come from, as db list and headphones print
# them (the figures e2e_expected hands to dacguardctl ceiling)
pw_check "dacguardctl db list shows the K3's ratings" eval '"$DG_DACGUARDCTL" db list --json |
	jq -e ".[] | select(.model == \"K3 (2019)\") | .match.usb == \"2972:0047\"
		and ([.outputs[] | [.id, .balanced, .\"vout-vrms\", .power]]
		== [[\"se-3.5\", false, 1.96, [{mw: 120, ohm: 32}, {mw: 220, ohm: 16}]],
		    [\"bal-2.5\", true, 3.92, []]])" >/dev/null'
pw_check "dacguardctl headphones shows the HD 600's figures" eval '"$DG_DACGUARDCTL" headphones \
	--json | jq -e ".[] | select(.id == \"$HEADPHONE\") | .\"impedance-ohm\" == 300
		and .\"sensitivity-db\" == 97 and .\"sensitivity-unit\" == \"dB/mW\"" >/dev/null'
pw_wait_linked "$GUARD.output" "$DAC"

# a stream for the default sink, with no target of its own, plays through the guard
e2e_wait_routing
echo "# routing: $E2E_ROUTING, default sink $(e2e_default_sink default.audio.sink)" >&2
if [ "$E2E_ROUTING" = smart-filter ]; then
	pw_wait_for "the K3 to be the default sink" \
		eval '[ "$(e2e_default_sink default.audio.sink)" = "$DAC" ]'
fi
make_wav "$PW_SESSION_DIR/sine.wav" synth 3 sine 997 gain -n -6
pw-cat --playback -P "{ node.name = $PW_AUDIO_NAME-play }" "$PW_SESSION_DIR/sine.wav" \
	>"$PW_SESSION_DIR/play.log" 2>&1 &
_play_pid=$!
pw_wait_linked "$PW_AUDIO_NAME-play" "$GUARD"
_pw_linked "$PW_AUDIO_NAME-play" "$DAC" && pw_session_fail "the stream is linked to the raw sink"
kill "$_play_pid"

pw_check "the decoy sink has no guard" eval '[ -z "$(pw_node_id "dacguard.$DECOY")" ]'
echo "ok"
