#!/bin/bash
# SPDX-License-Identifier: MIT
# The passive analyzer on the guard, each of its meters read while a stereo file made
# to show it plays: correlation and polarity (the same sine on both channels, then one
# inverted), imbalance (one channel 6 dB down), crosstalk (one channel a -60 dB copy of
# the other, as a leaky idle channel reads) and a dead channel (one channel silent).
# Each case's readings differ from every other case's, so a stale window cannot pass.
. "$(dirname "$0")/common.sh"

# meters_while FILE 'KEY OP VALUE'...: one reading of the guard's Props satisfies every
# comparison while FILE plays
meters_while()
{
	local file=$1
	shift
	play_bg "$file"
	pw_wait_props "$GUARD_ID" "$@"
	kill -TERM "$_play_pid"
	wait "$_play_pid" || true
}

# separation_wav NAME REMIX: the 440 Hz sine at -6 dBFS on the channels sox's remix
# REMIX makes of it
separation_wav()
{
	make_wav "$d/$1.wav" synth 6 sine 440 gain -n -6 remix $2
}

start_with_guard
d=$PW_SESSION_DIR
separation_wav mono '1 1'
separation_wav inverted '1 1v-1'
separation_wav right-6 '1 1v0.5'
separation_wav leak-60 '1 1v0.001'
separation_wav right-dead '1 0'
separation_wav left-dead '0 1'

# both sides active: no one-sided stretch, so no crosstalk estimate (0)
meters_while "$d/mono.wav" 'dacguard.correlation > 0.99' \
	'dacguard.polarity-inverted == "false"' 'dacguard.imbalance-db < 0.1' \
	'dacguard.imbalance-db > -0.1' 'dacguard.dead-channel == -1' 'dacguard.crosstalk-db == 0'
meters_while "$d/inverted.wav" 'dacguard.correlation < -0.99' \
	'dacguard.polarity-inverted == "true"' 'dacguard.imbalance-db < 0.1' \
	'dacguard.imbalance-db > -0.1' 'dacguard.dead-channel == -1'
# pw-cli shows the read-only Bool as a Bool, not only pw-dump
play_bg "$d/inverted.wav"
pw_wait_prop "$GUARD_ID" dacguard.polarity-inverted '== "true"'
pw_check "enum-params shows polarity-inverted true" eval \
	"pw-cli enum-params $GUARD_ID Props | grep -A1 '\"dacguard.polarity-inverted\"' |
	grep -q 'Bool true'"
kill -TERM "$_play_pid"
wait "$_play_pid" || true
# 20*log10(2) = 6.02 dB louder on the left
meters_while "$d/right-6.wav" 'dacguard.imbalance-db > 5.92' 'dacguard.imbalance-db < 6.12' \
	'dacguard.correlation > 0.99' 'dacguard.polarity-inverted == "false"' \
	'dacguard.dead-channel == -1'
# the right channel at -69 dBFS RMS is quiet enough to count as the idle side of a
# one-sided stretch but not dead (below -90)
meters_while "$d/leak-60.wav" 'dacguard.crosstalk-db > -60.5' 'dacguard.crosstalk-db < -59.5' \
	'dacguard.imbalance-db > 59.5' 'dacguard.dead-channel == -1'
# a perfectly silent idle side reads as the floor, -200
meters_while "$d/right-dead.wav" 'dacguard.dead-channel == 1' 'dacguard.crosstalk-db <= -199'
meters_while "$d/left-dead.wav" 'dacguard.dead-channel == 0' 'dacguard.crosstalk-db <= -199'
echo "ok"
