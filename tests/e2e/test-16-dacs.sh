#!/bin/bash
# SPDX-License-Identifier: MIT
# Sixteen USB DACs plugged in at once: the recorded K3 (port 1, card 1) and fifteen
# units made from its recording here, each on its own USB port (3 to 17; port 2 is the
# decoy sink's bus path), card (2 to 16), device nodes and minors, serial number and
# product string ("K3 unit NN"), all hotplugged back to back; then their sinks appear, as
# WirePlumber makes them. A drop-in of dacguard.conf gives each unit its own
# single-ended ceiling (-30 - NN dB, below what the HD 600 allows), so that a guard
# holding another card's ceiling shows. Checks: sixteen guards, one per sink, each at
# its card's decided ceiling (dacguardctl list), linked to its own sink and to no other;
# sixteen guard hosts; no guard for the decoy; the daemon alive with no sanitizer
# report; full-scale audio (a sine and +12 dBFS float overs) through the first and the
# last guard reaching their DACs at their ceilings, whole. Prints the time from the
# first uevent to the sixteenth guard at its ceiling, linked (a figure: the only
# timeout is the generous one of the wait).
. "$(dirname "$0")/common.sh"

PW_AUDIO_RT=1
UNITS=16
# ports of units 2..16 (unit 1 is the K3 on port 1)
port_of() { echo $(($1 + 1)); }
sink_of() { printf 'alsa_output.usb-FiiO_K3_%02d-00.analog-stereo' "$1"; }
ceiling_of() { echo $((-30 - $1)); }

# k3_unit N: the K3's recording as unit N: USB port N + 1 (device N + 2), card N, serial
# FiiO_K3_NN, product "K3 unit NN"
k3_unit()
{
	local n=$1 port card serial dev
	port=$(port_of "$n")
	card=$n
	serial=$(printf 'FiiO_K3_%02d' "$n")
	dev=$(printf '%03d' $((port + 1)))
	sed -e "s|usb1/1-1|usb1/1-$port|g" -e "s|/1-1:1\\.|/1-$port:1.|g" \
		-e "s|usb-0:1:1\\.0|usb-0:$port:1.0|g" -e "s|usb-0_1_1_0|usb-0_${port}_1_0|g" \
		-e "s|^E: ID_PATH=pci-0000:00:14\\.0-usb-0:1\$|E: ID_PATH=pci-0000:00:14.0-usb-0:$port|" \
		-e "s|^E: ID_PATH_TAG=pci-0000_00_14_0-usb-0_1\$|E: ID_PATH_TAG=pci-0000_00_14_0-usb-0_$port|" \
		-e "s|card1|card$card|g" -e "s|controlC1|controlC$card|g" -e "s|pcmC1D|pcmC${card}D|g" \
		-e "s|^A: number=1\\\\n\$|A: number=$card\\\\n|" \
		-e "s|^E: MINOR=32\$|E: MINOR=$((32 * card))|" \
		-e "s|^A: dev=116:32\\\\n\$|A: dev=116:$((32 * card))\\\\n|" \
		-e "s|^E: MINOR=48\$|E: MINOR=$((32 * card + 16))|" \
		-e "s|^A: dev=116:48\\\\n\$|A: dev=116:$((32 * card + 16))\\\\n|" \
		-e "s|bus/usb/001/002|bus/usb/001/$dev|g" -e "s|^E: DEVNUM=002\$|E: DEVNUM=$dev|" \
		-e "s|^E: MINOR=1\$|E: MINOR=$port|" -e "s|^A: dev=189:1\\\\n\$|A: dev=189:$port\\\\n|" \
		-e "s|^A: devnum=2\\\\n\$|A: devnum=$((port + 1))\\\\n|" \
		-e "s|^A: devpath=1\\\\n\$|A: devpath=$port\\\\n|" \
		-e "s|^E: ID_SERIAL=FiiO_K3\$|E: ID_SERIAL=$serial|" \
		-e "s|usb-FiiO_K3-00|usb-$serial-00|g" \
		-e "s|^A: product=K3\\\\n\$|A: product=K3 unit $(printf '%02d' "$n")\\\\n|" \
		"$K3_FILE"
}

# the sink WirePlumber makes for unit N, as pw-cli create-node adapter takes it (no "#" in
# it: pw-cli reads the rest of its line as a comment, object.linger with it, and the sink
# goes with pw-cli)
k3_unit_sink()
{
	local n=$1 port args
	port=$(port_of "$n")
	args=$(pw_session_sink_args "$(sink_of "$n")" "K3 unit $n Analog Stereo" usb \
		api.alsa.card="$n" alsa.card="$n" api.alsa.path="\"front:$n\"" \
		device.bus-path="\"pci-0000:00:14.0-usb-0:$port:1.0\"" \
		device.serial="\"$(printf 'FiiO_K3_%02d' "$n")\"" priority.session=$((900 - n)) \
		"${E2E_HOLD[@]}")
	echo "${args//$'\n'/ }"
}

# "sink<TAB>want" of every unit, unit 1 first
units()
{
	local n
	printf '%s\t%s\n' "$DAC" "$se"
	for ((n = 2; n <= UNITS; n++)); do
		printf '%s\t%s\n' "$(sink_of "$n")" "$(ceiling_of "$n")"
	done
}

# the units that do not have, in one pw-dump, a guard at their ceiling (+-0.1 dB) whose
# DSP node is linked to their sink: "sink (ceiling C, linked L)" a line
units_not_ready()
{
	_pw_dump | jq -r --argjson units "$units_json" '
		def props: [.info.params.Props // [] | .[] | .params // [] | . as $p
			| range(0; length; 2) | [$p[.], $p[. + 1]]];
		([.[] | select(.type == "PipeWire:Interface:Node")]) as $nodes
		| ($nodes | map({(.info.props["node.name"]): .}) | add) as $by_name
		| [.[] | select(.type == "PipeWire:Interface:Link")
		       | [.info["output-node-id"], .info["input-node-id"]]] as $links
		| $units[] | . as $u
		| $by_name["dacguard." + $u.sink] as $g
		| ($g | if . == null then null
			 else [props[] | select(.[0] == "dacguard.ceiling-db") | .[1]] | last
			 end) as $c
		| (any($links[]; .[0] == $by_name["dacguard." + $u.sink + ".output"].id
			and .[1] == $by_name[$u.sink].id)) as $linked
		| select(($c != null and ($c - $u.want) * ($c - $u.want) <= 0.01 and $linked)
			 | not)
		| "\($u.sink) (want \($u.want), guard ceiling \($c // "none"), linked \($linked))"'
}

# waits until every unit is ready; the time limit is only there to end a test that broke
wait_units_ready()
{
	local deadline=$((SECONDS + 180)) left
	while left=$(units_not_ready) && [ -n "$left" ]; do
		[ "$SECONDS" -lt "$deadline" ] ||
			pw_session_fail "after 180 s, not every guard at its ceiling, linked:"$'\n'"$left"
		_pw_session_check_alive
		sleep 0.2
	done
}

# the sinks the DSP node of each guard is linked to, "guard<TAB>sink,sink..." a line
guard_targets()
{
	_pw_dump | jq -r '
		([.[] | select(.type == "PipeWire:Interface:Node")]
		 | map({(.id | tostring): .info.props["node.name"]}) | add) as $names
		| [.[] | select(.type == "PipeWire:Interface:Link")
		       | [$names[.info["output-node-id"] | tostring],
			  $names[.info["input-node-id"] | tostring]]
		       | select(.[0] | startswith("dacguard.") and endswith(".output"))]
		| group_by(.[0])[] | "\(.[0][0])\t\([.[][1]] | unique | join(","))"'
}

e2e_start
d=$PW_SESSION_DIR
se=$(e2e_expected se-3.5)
units_json=$(units | jq -R -s 'split("\n") | map(select(. != "") | split("\t")
	| {sink: .[0], want: (.[1] | tonumber)})')

# each unit its own ceiling: a drop-in, read after dacguard.conf, whose entries (a product
# glob, as the K3's there) win over its
mkdir -p "$E2E_CONF/dacguard.conf.d"
{
	echo "dacguard.devices = ["
	for ((n = 2; n <= UNITS; n++)); do
		cat <<CONF
    {
        match = { usb = "2972:0047" product = "K3 unit $(printf '%02d' "$n")" }
        mode = "single-ended"
        outputs = {
            "se-3.5"  = { headphone = "$HEADPHONE" ceiling-db = $(ceiling_of "$n") }
            "bal-2.5" = { headphone = "$HEADPHONE" }
        }
    }
CONF
	done
	echo "]"
} >"$E2E_CONF/dacguard.conf.d/50-units.conf"
for ((n = 2; n <= UNITS; n++)); do
	k3_unit "$n" >"$d/k3-unit-$n.umockdev"
	grep -q 'usb1/1-1/\|card1/\|controlC1$\|FiiO_K3$' "$d/k3-unit-$n.umockdev" &&
		pw_session_fail "unit $n's recording still names the K3's port, card or serial"
	k3_unit_sink "$n" >"$d/k3-unit-$n.sink"
done
e2e_make_signals

daemon_start
t0=$(e2e_now_ms)
tb_cmd hotplug "$K3_FILE"
for ((n = 2; n <= UNITS; n++)); do
	tb_cmd hotplug "$d/k3-unit-$n.umockdev"
done
t_plugged=$(e2e_now_ms)
for ((n = 2; n <= UNITS; n++)); do
	pw-cli create-node adapter "$(cat "$d/k3-unit-$n.sink")" >/dev/null ||
		pw_session_fail "pw-cli create-node for unit $n failed"
done
t_sinks=$(e2e_now_ms)
wait_units_ready
t_ready=$(e2e_now_ms)
echo "# $UNITS DACs: uevents sent in $((t_plugged - t0)) ms, sinks made by $((t_sinks - t0))" \
	"ms; all $UNITS guards at their ceilings and linked $((t_ready - t0)) ms after the first" \
	"uevent, $((t_ready - t_sinks)) ms after the last sink" >&2
pw_check_made "$UNITS guards at their ceilings, linked to their sinks"
pw_figure "DACs at once" "$UNITS, all guarded $((t_ready - t0)) ms after the first uevent"

while IFS=$'\t' read -r sink want; do
	pw_check_eq "nodes named dacguard.$sink" "$(e2e_node_count "dacguard.$sink")" 1
done < <(units)
targets=$(guard_targets)
while IFS=$'\t' read -r sink want; do
	pw_check_eq "the sinks dacguard.$sink.output feeds" \
		"$(awk -F'\t' -v g="dacguard.$sink.output" '$1 == g { print $2 }' <<<"$targets")" \
		"$sink"
done < <(units)
pw_check_eq "guards in all" "$(wc -l <<<"$targets")" "$UNITS"
pw_check "no guard in front of the decoy" eval '[ "$(e2e_node_count "dacguard.$DECOY")" = 0 ]'
hosts=0
while IFS=$'\t' read -r sink want; do
	kill -0 "$(cat "$XDG_RUNTIME_DIR/dacguard/guard-$sink.pid")" 2>/dev/null &&
		hosts=$((hosts + 1))
done < <(units)
pw_check_eq "guard hosts running" "$hosts" "$UNITS"
cards_want=$(units | awk -F'\t' '{ printf "%s[%d, %s]", (NR > 1 ? ", " : ""), NR, $2 }')
e2e_check_list "$UNITS K3s, cards 1 to $UNITS, each known at its single-ended ceiling" \
	". as \$all | ([.[] | select(.card >= 1 and .card <= $UNITS)] | length == $UNITS) and
	all([$cards_want][]; . as \$w | [\$all | card(\$w[0])] | length == 1 and
		(.[0] | .known and .output == \"se-3.5\" and near(.ceiling_db; \$w[1])))"

# full scale through the first and the last guard reaches their DACs at their ceilings
E2E_TARGET=$GUARD E2E_SINK=$DAC e2e_check_signals "$se" sine sine+12
last=$(sink_of "$UNITS")
E2E_TARGET=dacguard.$last E2E_SINK=$last e2e_check_signals "$(ceiling_of "$UNITS")" sine sine+12

pw_check "dacguardd still runs" kill -0 "$_daemon_pid"
pw_check "dacguardd's log shows no crash" \
	eval '! daemon_log_has "AddressSanitizer|runtime error|Segmentation|Aborted|assert"'
echo "ok"
