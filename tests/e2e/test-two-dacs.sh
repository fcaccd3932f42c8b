#!/bin/bash
# SPDX-License-Identifier: MIT
# Two DACs of the same model at once: the recorded K3 on USB port 1 (card 1) and the
# same recording on port 3 (card 2, its own bus path and device nodes, the same
# VID:PID, the same ID_SERIAL, as two units without a serial number are), with the sink
# WirePlumber makes for a second device of the same name (".2"). Each gets a guard of
# its own (one node and one host each), in front of its own sink and of no other;
# dacguardctl list decides for both. A client's write of dacguard.output on the second
# guard moves it alone to the balanced ceiling: the first keeps the single-ended one.
# Full-scale audio (a sine and +12 dBFS float overs) played into each guard reaches its
# own DAC at that guard's ceiling, whole, and nothing of it the other DAC. The second
# unplugged (USB device removed, its sink destroyed as WirePlumber does): its guard and
# host go, the first guard stays as it was and still plays at its ceiling.
. "$(dirname "$0")/common.sh"

# the player and the recorder SCHED_FIFO (pw-audio.sh), as a desktop's audio clients are
PW_AUDIO_RT=1

DAC2=$DAC.2
GUARD2=dacguard.$DAC2
K3_USB=${K3_CARD%/1-1:1.0/sound/card1}
K3_2_USB=${K3_USB%/1-1}/1-3
K3_2_BUS_PATH=pci-0000:00:14.0-usb-0:3:1.0

# k3_on_port3: the K3's recording as the same model on port 3 (usb1/1-3, device 3) and
# card 2 (controlC2, pcmC2D0p and their minors)
k3_on_port3()
{
	sed -e 's|usb1/1-1|usb1/1-3|g' -e 's|/1-1:1\.|/1-3:1.|g' \
		-e 's|usb-0:1:1\.0|usb-0:3:1.0|g' -e 's|usb-0_1_1_0|usb-0_3_1_0|g' \
		-e 's|^E: ID_PATH=pci-0000:00:14\.0-usb-0:1$|E: ID_PATH=pci-0000:00:14.0-usb-0:3|' \
		-e 's|^E: ID_PATH_TAG=pci-0000_00_14_0-usb-0_1$|E: ID_PATH_TAG=pci-0000_00_14_0-usb-0_3|' \
		-e 's|card1|card2|g' -e 's|controlC1|controlC2|g' -e 's|pcmC1D|pcmC2D|g' \
		-e 's|^A: number=1\\n$|A: number=2\\n|' \
		-e 's|^E: MINOR=32$|E: MINOR=64|' -e 's|^A: dev=116:32\\n$|A: dev=116:64\\n|' \
		-e 's|^E: MINOR=48$|E: MINOR=80|' -e 's|^A: dev=116:48\\n$|A: dev=116:80\\n|' \
		-e 's|bus/usb/001/002|bus/usb/001/003|g' -e 's|^E: DEVNUM=002$|E: DEVNUM=003|' \
		-e 's|^E: MINOR=1$|E: MINOR=2|' -e 's|^A: dev=189:1\\n$|A: dev=189:2\\n|' \
		-e 's|^A: devnum=2\\n$|A: devnum=3\\n|' -e 's|^A: devpath=1\\n$|A: devpath=3\\n|' \
		"$K3_FILE"
}

# node_state NAME: the state of the node named NAME (pw-dump)
node_state()
{
	_pw_dump | jq -r --arg n "$1" '.[] | select(.type == "PipeWire:Interface:Node")
		| select(.info.props["node.name"] == $n) | .info.state'
}

# the second K3's sink, as WirePlumber names a second device of a name (priority below
# the first's, so the first stays the default)
pw_session_add_sink "$DAC2" "K3 Analog Stereo" usb api.alsa.card=2 alsa.card=2 \
	api.alsa.path='"front:2"' device.bus-path="\"$K3_2_BUS_PATH\"" \
	device.serial='"FiiO_K3"' priority.session=800 "${E2E_HOLD[@]}"
e2e_start
d=$PW_SESSION_DIR
se=$(e2e_expected se-3.5)
bal=$(e2e_expected bal-2.5)
k3_on_port3 >"$d/fiio-k3-port3.umockdev"
grep -q 'usb1/1-1\|card1\|controlC1' "$d/fiio-k3-port3.umockdev" &&
	pw_session_fail "the port-3 recording still names port 1 or card 1"
e2e_make_signals

daemon_start
e2e_hotplug_k3 "$se"
GUARD1_ID=$GUARD_ID
t0=$(e2e_now_ms)
tb_cmd hotplug "$d/fiio-k3-port3.umockdev"
GUARD2_ID=$(pw_wait_node_prop "$GUARD2" dacguard.ceiling-db "<= $se + 0.1" ">= $se - 0.1")
echo "# second K3 plugged in to its guard at $se dBFS: $(($(e2e_now_ms) - t0)) ms" >&2
pw_wait_linked "$GUARD.output" "$DAC"
pw_wait_linked "$GUARD2.output" "$DAC2"

pw_check_eq "nodes named $GUARD" "$(e2e_node_count "$GUARD")" 1
pw_check_eq "nodes named $GUARD2" "$(e2e_node_count "$GUARD2")" 1
pw_check "no guard in front of the decoy" eval '[ "$(e2e_node_count "dacguard.$DECOY")" = 0 ]'
pw_check "the first guard is not linked to the second K3" eval '! _pw_linked "$GUARD.output" "$DAC2"'
pw_check "the second guard is not linked to the first K3" eval '! _pw_linked "$GUARD2.output" "$DAC"'
for s in "$DAC" "$DAC2"; do
	pw_check "a guard host for $s" eval \
		'kill -0 "$(cat "$XDG_RUNTIME_DIR/dacguard/guard-'"$s"'.pid")"'
done
e2e_check_list "both K3s, cards 1 and 2, known, at the single-ended ceiling" \
	"[card(1), card(2)] | length == 2 and all(.known and .output == \"se-3.5\"
	and near(.ceiling_db; $se))"

# the second to its balanced output by a client: that guard alone
pw-cli set-param "$GUARD2_ID" Props '{ params = [ "dacguard.output" "bal-2.5" ] }' \
	>/dev/null || pw_session_fail "pw-cli set-param failed"
pw_wait_props "$GUARD2_ID" "dacguard.ceiling-db <= $bal + 0.1" "dacguard.ceiling-db >= $bal - 0.1" \
	'dacguard.output == "bal-2.5"' 'dacguard.mode == "balanced"'
# the daemon's answer to the write (its own Props write for that card) is in
daemon_wait_log "^pw: $GUARD2 .*output bal-2.5"
pw_check_props "$GUARD1_ID" "dacguard.ceiling-db <= $se + 0.1" "dacguard.ceiling-db >= $se - 0.1" \
	'dacguard.output == "se-3.5"' 'dacguard.mode == "single-ended"'

# audio through each guard reaches its own DAC, at its own ceiling, and not the other
E2E_TARGET=$GUARD E2E_SINK=$DAC e2e_check_signals "$se" sine sine+12
E2E_TARGET=$GUARD2 E2E_SINK=$DAC2 e2e_check_signals "$bal" sine sine+12
record_start "$DAC2" "$d/rec-cross.wav"
play "$d/sine.wav" "$GUARD"
record_stop
check_wav "$d/rec-cross.wav" --max-db -120

# the second unplugged: its guard goes, the first stays as it was. Not within 5 s of its
# last playback: WirePlumber 0.4.13's suspend-node.lua suspends a node idle for 5 s
# and crashes (SIGSEGV in wp_node_send_command) when the node went in the meantime
pw_wait_for "the second K3's sink suspended" eval '[ "$(node_state "$DAC2")" = suspended ]'
tb_cmd remove "$K3_2_USB"
pw-cli destroy "$(pw_node_id "$DAC2")" >/dev/null || pw_session_fail "pw-cli destroy $DAC2 failed"
pw_wait_node_gone "$GUARD2"
pw_wait_for "dacguardd to drop the second guard host's pid file" \
	eval '[ ! -e "$XDG_RUNTIME_DIR/dacguard/guard-$DAC2.pid" ]'
e2e_check_list "the first K3 alone" '[card(2)] == [] and [card(1)] != []'
pw_check_eq "the first guard's node id" "$(pw_node_id "$GUARD")" "$GUARD1_ID"
pw_check_props "$GUARD1_ID" "dacguard.ceiling-db <= $se + 0.1" "dacguard.ceiling-db >= $se - 0.1" \
	'dacguard.output == "se-3.5"'
pw_check "the first guard is linked to its K3" _pw_linked "$GUARD.output" "$DAC"
E2E_TARGET=$GUARD E2E_SINK=$DAC e2e_check_signals "$se" sine

pw_check "dacguardd's log shows no crash" \
	eval '! daemon_log_has "AddressSanitizer|runtime error|Segmentation|Aborted|assert"'
pw_figure "faults survived" "1 (two DACs of one model at once)"
echo "ok"
