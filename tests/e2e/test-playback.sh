#!/bin/bash
# SPDX-License-Identifier: MIT
# Full-scale sine, square and +12 dBFS float overs played into the guard after a
# hotplug: the DAC sink's monitor never carries a sample above the ceiling the
# daemon decided, and the audio arrives at it (gain cap: full scale -> ceiling).
# The daemon writes the guard's Props once: the meters the guard publishes while
# playing (about 10 Hz) are no reason to write them again.
. "$(dirname "$0")/common.sh"

# an IEM on the balanced output this time (the other cases use the HD 600 on the
# single-ended one): a ceiling near -48.9 dB, which a float holds only to 1.3e-6 dB
HEADPHONE=moondrop-aria
e2e_start balanced
want=$(e2e_expected bal-2.5)
daemon_start
e2e_hotplug_k3 "$want"
pw_wait_linked "$GUARD.output" "$DAC"

d=$PW_SESSION_DIR
make_wav "$d/sine.wav" synth 1.5 sine 997 gain -n 0
make_wav "$d/square.wav" synth 1.5 square 441 gain -n 0
"$DG_WAV_PEAK" --scale 12 "$d/sine.wav" "$d/sine+12.wav"
for sig in sine square sine+12; do
	t0=$(e2e_now_ms)
	record_start "$DAC" "$d/rec-$sig.wav"
	play "$d/$sig.wav"
	record_stop
	check_wav "$d/rec-$sig.wav" --max-db "$want" --expect-db "$want" --tolerance 1
	check_intact "$d/$sig.wav" "$d/rec-$sig.wav" --gain-db "$want" --gain-slack 0.001
	echo "# $sig: $(($(e2e_now_ms) - t0)) ms" >&2
done
writes=$(grep -c "^pw: $GUARD (id [0-9]*): ceiling" "$_daemon_log" || true)
[ "$writes" = 1 ] || pw_session_fail "the daemon wrote the guard's Props $writes times, not once"
echo "ok"
