#!/bin/bash
# SPDX-License-Identifier: MIT
# The DAC sink's own volume applies after the guard; on a real USB sink anything
# above 1.0 is software gain. A full-scale sine plays through a guard at -12 dBFS, so
# the DAC gets exactly the ceiling, and every way a client has to raise the DAC
# sink's volume is tried while it plays: pw-cli Props (volume, channelVolumes,
# softVolumes), wpctl set-volume, pactl set-sink-volume through pipewire-pulse, and
# the converter's channelmix params.
# What the DAC gets is recorded after its converter: the "DAC" here is a recorder that
# is a sink (pw-record with media.class Audio/Sink and a USB sink's properties), whose
# converter applies the sink's volume, channel and soft volumes and limit as a USB
# sink's does, and whose file is what such a sink would play (a null sink's monitor
# carries only its channel volumes: a master or soft volume would not show).
# The guard keeps the sink at unity gain at most (libpw/sink-volume.h): where the
# converter has channelmix.max-volume (PipeWire 0.3.72 and later) the guard sets it
# to 1.0 and the DAC must get no sample above the ceiling, ever; on older PipeWire
# the guard can only put each volume back after the fact, so there the test asks
# that it is put back and the DAC is at the ceiling again within a second, and
# prints how much got through before. A write that raises the limit itself
# (channelmix.max-volume = 10 with the volume in the same write) is put back on
# every version, and reported the same way.
. "$(dirname "$0")/common.sh"

ceiling=-12
PW_SESSION_PULSE=1
pw_session_add_module libpipewire-module-dacguard \
	"{ target.object = \"$DAC\" dacguard.ceiling-db = $ceiling }"
pw_session_start
d=$PW_SESSION_DIR
failed=()
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# the DAC: what its converter lets through, in dac.wav until dac_stop
pw-record --format f32 --rate 48000 --channels 2 -P "{ node.name = \"$DAC\"
	node.description = \"$DAC_DESC\" media.class = Audio/Sink node.autoconnect = false
	device.bus = usb device.api = alsa api.alsa.card = 1 alsa.card = 1
	audio.position = [ FL FR ] }" "$d/dac.wav" >"$d/dac.log" 2>&1 &
dac_pid=$!
dac_stop()
{
	kill -INT "$dac_pid" 2>/dev/null || true
	wait "$dac_pid" 2>/dev/null || true
}
DAC_ID=$(pw_wait_node "$DAC")
GUARD_ID=$(pw_wait_node "$GUARD")
pw_wait_linked "$GUARD" "$GUARD.output"
pw_wait_linked "$GUARD.output" "$DAC"
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "== $ceiling"

max_volume() { pw_param "$DAC_ID" channelmix.max-volume; }
if [ -n "$(max_volume)" ]; then
	limit=1
	pw_wait_for "the guard to set the DAC sink's channelmix.max-volume to 1.0" \
		eval 'awk -v v="$(max_volume)" "BEGIN { exit !(v <= 1.0) }"'
	echo "# channelmix.max-volume of the DAC sink: $(max_volume)" >&2
else
	limit=0
	echo "# no channelmix.max-volume (PipeWire $(pipewire --version | sed -n 's/^Linked with libpipewire \([0-9.]*\).*/\1/p')):" \
		"volumes are put back after the fact" >&2
fi

# over FILE: samples above the ceiling in FILE (wav-peak's count)
over()
{
	local out
	out=$("$DG_WAV_PEAK" "$1" --max-db $ceiling 2>&1) || true
	sed -n 's/^FAIL: \([0-9]*\) samples above.*/\1/p' <<<"$out" | grep . || echo 0
}

# gain_back: the DAC sink's published volumes all at 1.0 or below
gain_back()
{
	_pw_dump | jq -e --argjson id "$DAC_ID" '.[] | select(.id == $id)
		| .info.params.Props // [] | .[] | select(.volume != null)
		| ([.volume] + (.channelVolumes // []) + (.softVolumes // []))
		| all(. <= 1.0001)' >/dev/null
}

# marks: "LABEL FROM TO MS" per raise, frames of dac.wav, checked once it is closed
step=0
marks=()
# raise LABEL CMD...: runs CMD, waits for the put-back where there is one, and marks the
# DAC's recording from 100 ms before CMD to 700 ms after it
raise()
{
	local label=$1 from t0 ms=-
	shift
	from=$(($(wav_frames "$d/dac.wav") - 4800))
	t0=$(now_ms)
	"$@" >>"$d/steps.log" 2>&1 || failed+=("$label: '$*' failed")
	if [ $limit = 0 ]; then
		pw_wait_for "$label to be put back" gain_back
		ms=$(($(now_ms) - t0))
	elif [ "$label" = "max-volume 10" ]; then
		pw_wait_for "channelmix.max-volume to be 1.0 again" \
			eval 'awk -v v="$(max_volume)" "BEGIN { exit !(v <= 1.0) }"'
		ms=$(($(now_ms) - t0))
	fi
	record_more 700 "$d/dac.wav"
	marks+=("$((++step))|$label|$from|$(wav_frames "$d/dac.wav")|$ms")
}

# check_marks: each raise's stretch of the closed recording: samples above the ceiling
# (none allowed where the converter's limit holds), its last 300 ms at the ceiling
check_marks()
{
	local m n label from to ms f total=0
	for m in "${marks[@]}"; do
		IFS='|' read -r n label from to ms <<<"$m"
		f=$d/raise-$n.wav
		sox "$d/dac.wav" "$f" trim "${from}s" "=${to}s"
		n=$(over "$f")
		total=$((total + n))
		sox "$f" "$f.tail.wav" trim -0.3
		if ! "$DG_WAV_PEAK" "$f.tail.wav" --max-db $ceiling --expect-db $ceiling \
			--tolerance 0.1 >/dev/null 2>&1; then
			failed+=("$label: the DAC is not back at the ceiling ($("$DG_WAV_PEAK" "$f.tail.wav" 2>&1 | head -n 1))")
		fi
		if [ "$n" != 0 ] && { [ "$label" = "channelmix params" ] ||
			{ [ $limit = 1 ] && [ "$label" != "max-volume 10" ]; }; }; then
			failed+=("$label: $n samples above $ceiling dBFS at the DAC")
		fi
		if [ "$ms" = - ]; then
			echo "# $label: $n samples above the ceiling (the converter's limit held)" >&2
		else
			echo "# $label: $n samples above the ceiling, put back in $ms ms" >&2
		fi
	done
	total_over=$total
}

props() { pw-cli set-param "$DAC_ID" Props "$1" >/dev/null; }
reset() { props '{ volume = 1.0 channelVolumes = [ 1.0 1.0 ] softVolumes = [ 1.0 1.0 ] }'; }

make_wav "$d/sine.wav" synth 60 sine 997 gain -n 0
play_bg "$d/sine.wav"
pw_wait_prop "$GUARD_ID" dacguard.peak-db "> $ceiling - 1"
record_more 300 "$d/dac.wav"
base_from=$(wav_frames "$d/dac.wav")
record_more 300 "$d/dac.wav"
base_to=$(wav_frames "$d/dac.wav")

raise "pw-cli volume 1.5" props '{ volume = 1.5 }'
reset
raise "pw-cli channelVolumes 2.0" props '{ channelVolumes = [ 2.0 2.0 ] }'
reset
raise "pw-cli softVolumes 2.0" props '{ softVolumes = [ 2.0 2.0 ] }'
reset
raise "wpctl set-volume 1.5" wpctl set-volume "$DAC_ID" 1.5
reset
idx=$(pw_wait_pulse_index sinks "$DAC")
raise "pactl set-sink-volume 150%" pactl set-sink-volume "$idx" 150%
pactl set-sink-volume "$idx" 100%
reset
# the converter's mixing params: none of them may lift a stereo stream on a stereo
# sink (no fix is made for them: 0 samples over on every version)
raise "channelmix params" props '{ params = [ "channelmix.normalize" false
	"channelmix.upmix" true "channelmix.upmix-method" "psd" "channelmix.stereo-widen" 1.0
	"channelmix.mix-lfe" true "channelmix.lfe-cutoff" 150.0 "channelmix.fc-cutoff" 12000.0
	"channelmix.rear-delay" 12.0 "channelmix.disable" true ] }'
props '{ params = [ "channelmix.normalize" false "channelmix.upmix" false
	"channelmix.stereo-widen" 0.0 "channelmix.mix-lfe" false "channelmix.disable" false ] }'
if [ $limit = 1 ]; then
	raise "max-volume 10" props \
		'{ channelVolumes = [ 2.0 2.0 ] params = [ "channelmix.max-volume" 10.0 ] }'
	reset
fi

kill "$_play_pid" 2>/dev/null || true
wait "$_play_pid" 2>/dev/null || true
dac_stop
# before any raise: the DAC at the ceiling
sox "$d/dac.wav" "$d/base.wav" trim "${base_from}s" "=${base_to}s"
check_wav "$d/base.wav" --max-db $ceiling --expect-db $ceiling --tolerance 0.1
check_marks
pw_figure "raw sink samples over" "$total_over in $step raises ($([ $limit = 1 ] &&
	echo "converter limit" || echo "put back after the fact"))"
if [ "${#failed[@]}" -gt 0 ]; then
	pw_session_fail "$(printf '\n  %s' "${failed[@]}")"
fi
echo "ok"
