#!/bin/bash
# SPDX-License-Identifier: MIT
# Desktop clients through pipewire-pulse, as on a desktop: paplay plays float
# sines (full scale and +6 dBFS overs) into the guard sink and the DAC gets the
# ceiling, never more. The guard sink's own volume sits before the guard's DSP,
# so raising it above 100% (pactl 150%, wpctl 1.5) leaves nothing above the
# ceiling, and lowering it (pactl 50%) lowers the output by the cubic mapping
# both tools use: 0.5^3, -18.06 dB.
. "$(dirname "$0")/common.sh"

ceiling=-20
PW_SESSION_PULSE=1
start_with_guard "dacguard.ceiling-db = $ceiling"
d=$PW_SESSION_DIR

idx=$(pw_wait_pulse_index sinks "$GUARD")
echo "# the guard sink is pactl sink #$idx, wpctl id $GUARD_ID" >&2

# "peak-db X samples N over M" -> X
peak_db()
{
	"$DG_WAV_PEAK" "$1" | sed -n 's/^peak-db \([-0-9.]*\) .*/\1/p'
}

# record_window FILE: records the DAC for 300 ms of audio from now
record_window()
{
	record_start "$DAC" "$1"
	record_more 300
	record_stop
}

make_wav "$d/sine.wav" synth 2 sine 997 gain -n 0
"$DG_WAV_PEAK" --scale 6 "$d/sine.wav" "$d/sine+6.wav"
record_start "$DAC" "$d/rec-sine.wav"
paplay_fg "$d/sine.wav"
record_stop
check_wav "$d/rec-sine.wav" --max-db $ceiling --expect-db $ceiling --tolerance 1
record_start "$DAC" "$d/rec-sine+6.wav"
paplay_bg "$d/sine+6.wav"
paplay_wait
record_stop
check_wav "$d/rec-sine+6.wav" --max-db $ceiling --expect-db $ceiling --tolerance 1

make_wav "$d/long.wav" synth 20 sine 997 gain -n 0
paplay_bg "$d/long.wav"
pw_wait_prop "$GUARD_ID" dacguard.peak-db "> $((ceiling - 1))"
record_window "$d/rec-100.wav"
check_wav "$d/rec-100.wav" --max-db $ceiling --expect-db $ceiling --tolerance 1
full=$(peak_db "$d/rec-100.wav")

pactl set-sink-volume "$GUARD" 150% || pw_session_fail "pactl set-sink-volume 150% failed"
pw_wait_channel_volume "$GUARD_ID" '> 3.37'   # 1.5^3
# the guard's DSP gets +10.6 dBFS (20 log10 1.5^3): its limiter takes that much off
pw_wait_prop "$GUARD_ID" dacguard.gain-reduction-db '> 10.4' '< 10.7'
record_window "$d/rec-pactl-150.wav"
check_wav "$d/rec-pactl-150.wav" --max-db $ceiling --expect-db $ceiling --tolerance 1

pactl set-sink-volume "$GUARD" 100% || pw_session_fail "pactl set-sink-volume 100% failed"
pw_wait_channel_volume "$GUARD_ID" '< 1.001'
pw_wait_props "$GUARD_ID" "dacguard.peak-db > $ceiling - 0.1" 'dacguard.gain-reduction-db == 0'
wpctl set-volume "$GUARD_ID" 1.5 || pw_session_fail "wpctl set-volume 1.5 failed"
pw_wait_channel_volume "$GUARD_ID" '> 3.37'
pw_wait_prop "$GUARD_ID" dacguard.gain-reduction-db '> 10.4' '< 10.7'
record_window "$d/rec-wpctl-1.5.wav"
check_wav "$d/rec-wpctl-1.5.wav" --max-db $ceiling --expect-db $ceiling --tolerance 1

pactl set-sink-volume "$GUARD" 50% || pw_session_fail "pactl set-sink-volume 50% failed"
pw_wait_channel_volume "$GUARD_ID" '< 0.126'  # 0.5^3
record_window "$d/rec-pactl-50.wav"
want=$(awk -v p="$full" 'BEGIN { printf "%.2f", p + 60 * log(0.5) / log(10) }')
check_wav "$d/rec-pactl-50.wav" --max-db $ceiling --expect-db "$want" --tolerance 0.2
echo "# 50%: $(peak_db "$d/rec-pactl-50.wav") dBFS against $full at 100%" >&2

kill "$_paplay_pid" 2>/dev/null || true
wait "$_paplay_pid" 2>/dev/null || true
echo "ok"
