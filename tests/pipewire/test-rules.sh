#!/bin/bash
# SPDX-License-Identifier: MIT
# Rules mode: a guard for every USB sink, none for others nor for the guards
# themselves; a sink that appears later gets one, and loses it when it goes.
# The DAC matches the first and the last rule: the first decides. null matches
# an absent key only, so the PCI sink (device.bus = pci) matches no rule.
. "$(dirname "$0")/common.sh"

PCI=alsa_output.pci-0000_00_1f.3.analog-stereo
pw_session_add_sink "$PCI" "Built-in Audio Analog Stereo" pci
pw_session_add_sink "$DAC" "$DAC_DESC" usb
pw_session_add_module libpipewire-module-dacguard '{
    dacguard.hard-ceiling-db = -3
    dacguard.rules = [
        {   matches = [ { device.bus = "usb" media.class = "Audio/Sink" } ]
            actions = { create-guard = { dacguard.ceiling-db = -24 } }
        }
        {   matches = [ { node.name = "~^alsa_output\\.usb-FiiO_.*" } ]
            actions = { create-guard = { } }
        }
        {   matches = [ { node.name = "~^alsa_output\\.pci-" device.bus = null } ]
            actions = { create-guard = { } }
        }
        {   matches = [ { node.name = "~Topping" } ]
            actions = { create-guard = { dacguard.ceiling-db = -12 } }
        }
    ]
}'
pw_session_start

id=$(pw_wait_node "$GUARD")
[ "$(pw_node_prop "$GUARD" node.description)" = "$DAC_DESC (dacguard)" ] ||
	pw_session_fail "wrong description: $(pw_node_prop "$GUARD" node.description)"
pw_wait_prop "$id" dacguard.ceiling-db '== -24'
pw_wait_prop "$id" dacguard.hard-ceiling-db '== -3'
pw_wait_linked "$GUARD.output" "$DAC"

# A later USB sink; by the time its guard exists, the module has judged every
# sink before it, so the PCI sink's absence below is a real "no".
LATE=alsa_output.usb-FiiO_K3-00.analog-stereo
pw-cli create-node adapter "{ factory.name = support.null-audio-sink node.name = \"$LATE\"
    media.class = Audio/Sink device.bus = pci object.linger = true
    audio.channels = 2 audio.position = [ FL FR ] }" >/dev/null
late_guard=$(pw_wait_node "dacguard.$LATE")
# matched by the regex rule (device.bus is not usb here): default ceiling
pw_wait_prop "$late_guard" dacguard.ceiling-db '== -30'
[ "$(pw_node_prop "dacguard.$LATE" node.description)" = "$LATE (dacguard)" ] ||
	pw_session_fail "fallback description: $(pw_node_prop "dacguard.$LATE" node.description)"

[ -z "$(pw_node_id "dacguard.$PCI")" ] || pw_session_fail "the PCI sink got a guard"
[ -z "$(pw_node_id "dacguard.$GUARD")" ] || pw_session_fail "a guard got a guard"

pw-cli destroy "$(pw_node_id "$LATE")" >/dev/null
pw_wait_node_gone "dacguard.$LATE"
pw_wait_node_gone "dacguard.$LATE.output"
# the others stay
[ -n "$(pw_node_id "$GUARD")" ] || pw_session_fail "the first guard went too"
echo "ok"
