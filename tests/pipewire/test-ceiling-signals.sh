#!/bin/bash
# SPDX-License-Identifier: MIT
# Full-scale and over-full-scale signals through a guard at -20 dBFS: the DAC
# sink's monitor never carries a sample above -20 dBFS, and the audio arrives
# (its peak is near -20: the gain cap maps full scale to the ceiling), all of it:
# sample for sample the played file at -20 dB, the limiter's work aside. The guard's
# meters say so too: peak at the ceiling, no gain reduction for what the gain cap
# alone brings to the ceiling, and the over's size for the float overs.
. "$(dirname "$0")/common.sh"

start_with_guard 'dacguard.ceiling-db = -20'
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db '== -20'

d=$PW_SESSION_DIR
make_wav "$d/sine.wav" synth 2 sine 997 gain -n 0
make_wav "$d/square.wav" synth 2 square 441 gain -n 0
make_wav "$d/noise.wav" synth 2 whitenoise gain -n 0
"$DG_WAV_PEAK" --scale 12 "$d/sine.wav" "$d/sine+12.wav"   # +12 dBFS float overs
"$DG_WAV_PEAK" --scale 30 "$d/square.wav" "$d/square+30.wav"

# SIGNAL:GAIN REDUCTION (dB) the limiter reports while it plays
for case in sine:0 square:0 noise:0 sine+12:12 square+30:30; do
	sig=${case%:*} gr=${case#*:}
	record_start "$DAC" "$d/rec-$sig.wav"
	play_bg "$d/$sig.wav"
	# one window of the meters while it plays (silence windows follow it): a window
	# at the ceiling that needed no limiter reads 0, not a float's rounding more
	pw_wait_props "$GUARD_ID" 'dacguard.peak-db > -21' \
		"dacguard.gain-reduction-db >= $gr - 0.1" "dacguard.gain-reduction-db <= $gr + 0.1"
	play_wait
	record_stop
	check_wav "$d/rec-$sig.wav" --max-db -20 --expect-db -20 --tolerance 1
	check_intact "$d/$sig.wav" "$d/rec-$sig.wav" --gain-db -20
	pw_wait_prop "$GUARD_ID" dacguard.peak-db '<= -20'
done
echo "ok"
