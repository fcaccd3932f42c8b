#!/bin/bash
# SPDX-License-Identifier: MIT
# A USB DAC the database does not know (the K3's recording made into another
# device: VID:PID 1209:dac0, "Acme" "Mystery DAC", on another port as card2)
# is hotplugged with a sink of its own: its guard appears with the configured
# fallback ceiling (dacguard.fallback-ceiling-db of the test config), and
# full-scale sine, square and +12 dBFS float overs through it peak at that
# ceiling with zero samples above it.
. "$(dirname "$0")/common.sh"

UNK_SINK=alsa_output.usb-Acme_Mystery_DAC-00.analog-stereo
UNK_GUARD=dacguard.$UNK_SINK

# make_unknown OUT: the K3 recording as usb1/1-3 (card2, bus 001 device 004) with
# another identity; the shared parents (root hub, controller) stay as they are
make_unknown()
{
	sed -e 's#usb1/1-1#usb1/1-3#g; s#1-1:1\.#1-3:1.#g' \
		-e 's#card1#card2#g; s#controlC1#controlC2#g; s#pcmC1D0p#pcmC2D0p#g' \
		-e 's#^A: number=1\\n$#A: number=2\\n#; s#^A: id=K3\\n$#A: id=Mystery\\n#' \
		-e 's#^A: devpath=1\\n$#A: devpath=3\\n#; s#^A: devnum=2\\n$#A: devnum=4\\n#' \
		-e 's#001/002#001/004#g; s#^E: DEVNUM=002$#E: DEVNUM=004#' \
		-e 's#usb-0:1:1\.0#usb-0:3:1.0#g; s#usb-0_1_1_0#usb-0_3_1_0#g' \
		-e 's#^A: idVendor=2972\\n$#A: idVendor=1209\\n#' \
		-e 's#^A: idProduct=0047\\n$#A: idProduct=dac0\\n#' \
		-e 's#^A: manufacturer=FiiO\\n$#A: manufacturer=Acme\\n#' \
		-e 's#^A: product=K3\\n$#A: product=Mystery DAC\\n#' \
		-e 's#^E: PRODUCT=2972/47/#E: PRODUCT=1209/dac0/#' \
		-e 's#^E: ID_VENDOR_ID=2972$#E: ID_VENDOR_ID=1209#' \
		-e 's#^E: ID_MODEL_ID=0047$#E: ID_MODEL_ID=dac0#' \
		-e 's#usb:v2972p0047#usb:v1209pDAC0#; s#^A: interface=K3\\n$#A: interface=Mystery DAC\\n#' \
		-e 's#^A: interface=FiiO DFU\\n$#A: interface=Acme DFU\\n#' \
		-e 's#FiiO_K3#Acme_Mystery_DAC#g; s#^E: ID_MODEL\(_ENC\)\{0,1\}=K3$#E: ID_MODEL\1=Mystery_DAC#' \
		-e 's#^E: ID_VENDOR\(_ENC\)\{0,1\}=FiiO$#E: ID_VENDOR\1=Acme#' \
		-e '/^E: ID_VENDOR_FROM_DATABASE=FiiO/d' \
		-e 's#^\(H: descriptors=.\{16\}\)72294700#\10912C0DA#' \
		"$K3_FILE" >"$1"
	grep -q 'idVendor=1209' "$1" && ! grep -Eq '2972|FiiO|K3\\n' "$1" ||
		pw_session_fail "the unknown device still looks like the K3"
}

# the sink WirePlumber's ALSA monitor would make for it
pw_session_add_sink "$UNK_SINK" "Mystery DAC Analog Stereo" usb \
	api.alsa.card=2 alsa.card=2 api.alsa.path='"front:2"' \
	device.bus-path='"pci-0000:00:14.0-usb-0:3:1.0"' device.serial='"Acme_Mystery_DAC"' \
	priority.session=800 "${E2E_HOLD[@]}"
e2e_start
d=$PW_SESSION_DIR
fallback=$(sed -n 's/^dacguard\.fallback-ceiling-db = \([-0-9.]*\)$/\1/p' "$E2E_CONF/dacguard.conf")
[ -n "$fallback" ] || pw_session_fail "no fallback ceiling in the test config"
make_unknown "$d/unknown-dac.umockdev"
daemon_start

t0=$(e2e_now_ms)
tb_cmd hotplug "$d/unknown-dac.umockdev"
id=$(pw_wait_node "$UNK_GUARD")
pw_wait_prop "$id" dacguard.ceiling-db "<= $fallback + 0.1"
pw_wait_prop "$id" dacguard.ceiling-db ">= $fallback - 0.1"
echo "# unknown device hotplug to guard at the fallback $fallback dBFS:" \
	"$(($(e2e_now_ms) - t0)) ms" >&2
e2e_check_list "the unknown card2 at the fallback ceiling" "card(2) | (.known | not)
	and .vendor_id == \"1209\" and .product_id == \"dac0\" and .mode == \"unknown\"
	and .limited_by == \"fallback\" and near(.ceiling_db; $fallback)"
pw_check_props "$id" 'dacguard.mode == "unknown"'
pw_check "the K3's sink has no guard" eval '[ -z "$(pw_node_id "$GUARD")" ]'
pw_wait_linked "$UNK_GUARD.output" "$UNK_SINK"

e2e_make_signals
E2E_SINK=$UNK_SINK E2E_TARGET=$UNK_GUARD e2e_check_signals "$fallback" sine square sine+12
echo "ok"
