#!/bin/bash
# SPDX-License-Identifier: MIT
# Full-scale and over-full-scale signals through a guard at -20 dBFS: the DAC
# sink's monitor never carries a sample above -20 dBFS, and the audio arrives
# (its peak is near -20: the gain cap maps full scale to the ceiling), all of it:
# sample for sample the played file at -20 dB, the limiter's work aside.
. "$(dirname "$0")/common.sh"

start_with_guard 'dacguard.ceiling-db = -20'
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db '== -20'

d=$PW_SESSION_DIR
make_wav "$d/sine.wav" synth 2 sine 997 gain -n 0
make_wav "$d/square.wav" synth 2 square 441 gain -n 0
make_wav "$d/noise.wav" synth 2 whitenoise gain -n 0
"$DG_WAV_PEAK" --scale 12 "$d/sine.wav" "$d/sine+12.wav"   # +12 dBFS float overs
"$DG_WAV_PEAK" --scale 30 "$d/square.wav" "$d/square+30.wav"

for sig in sine square noise sine+12 square+30; do
	record_start "$DAC" "$d/rec-$sig.wav"
	play_bg "$d/$sig.wav"
	# the peak meter of the guard sees it while it plays (after, silence windows follow)
	pw_wait_prop "$GUARD_ID" dacguard.peak-db '> -21'
	play_wait
	record_stop
	check_wav "$d/rec-$sig.wav" --max-db -20 --expect-db -20 --tolerance 1
	check_intact "$d/$sig.wav" "$d/rec-$sig.wav" --gain-db -20
	pw_wait_prop "$GUARD_ID" dacguard.peak-db '<= -20'
done
# over-full-scale input needs the limiter: it reports gain reduction
echo "ok"
