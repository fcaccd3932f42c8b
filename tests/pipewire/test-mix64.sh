#!/bin/bash
# SPDX-License-Identifier: MIT
# 64 streams mixed into one guard at quantum 64 / 48 kHz: one client (dg-streams) plays
# a sine of its own frequency at -24 dBFS on each of 64 streams into the guard (ceiling
# -20 dBFS) for 10 s (DG_MIX_STREAMS, DG_MIX_SECONDS), the graph forced to 64-frame
# cycles (the settings metadata's clock.force-quantum), the DAC recorded. Their sum
# goes far over full scale. Checks: every stream streams and is linked to the guard,
# the graph runs at quantum 64, nothing above -20 dBFS reaches the DAC and the mix
# arrives there at the ceiling (the limiter at work), the guard keeps its ceiling.
# What the profiler says of the guard's nodes is printed, not checked: how late a
# client is on a loaded machine is the machine's (bench-mix64 has the figures).
. "$(dirname "$0")/common.sh"

N=${DG_MIX_STREAMS:-64}
SECS=${DG_MIX_SECONDS:-10}
CEILING=-20
QUANTUM=64
PW_AUDIO_RT=1
PW_AUDIO_LATENCY=$QUANTUM

# links from the streams (dg-mix-NN) to NODE
links_from_streams()
{
	_pw_dump | jq --arg n "$1" '
		([.[] | select(.type == "PipeWire:Interface:Node")]
		 | map({(.id | tostring): .info.props["node.name"]}) | add) as $names
		| [.[] | select(.type == "PipeWire:Interface:Link")
		       | select(($names[.info["output-node-id"] | tostring] // "")
				| startswith("dg-mix-"))
		       | select($names[.info["input-node-id"] | tostring] == $n)] | length'
}

start_with_guard "dacguard.ceiling-db = $CEILING"
d=$PW_SESSION_DIR
pw-metadata -n settings 0 clock.force-quantum $QUANTUM >/dev/null ||
	pw_session_fail "pw-metadata could not force the quantum"

record_start "$DAC" "$d/rec.wav"
"$DG_STREAMS" "$GUARD" "$N" "$SECS" -24 $QUANTUM dg-mix >"$d/streams.out" 2>&1 &
streams_pid=$!
# 64 client nodes made and linked one by one: slow under a sanitizer
PW_SESSION_TIMEOUT=120 pw_wait_for "$N streams streaming" \
	grep -q "^streaming $N\$" "$d/streams.out"
pw_wait_for "$((2 * N)) links from the streams to the guard" \
	eval '[ "$(links_from_streams "$GUARD")" = $((2 * N)) ]'
pw_check_made "$N streams linked to the guard"
pw_check_eq "links from the streams to the DAC itself" "$(links_from_streams "$DAC")" 0

"$DG_PROFILE" 3 >"$d/profile.out" 2>&1 || pw_session_fail "dg-profile: $(cat "$d/profile.out")"
read -r quantum < <(awk -v n="$DAC" '$1 == "driver" && $3 == n { print $5 }' "$d/profile.out")
pw_check_eq "the quantum of the DAC's graph" "$quantum" $QUANTUM
grep -E "^driver|dacguard\." "$d/profile.out" | sed 's/^/# /' >&2
awk '$3 ~ /^dg-mix-/ { n++; late += $11 + $13; cycles += $5 }
	END { printf "# %d streams: late at %d of %d stream-cycles\n", n, late, cycles }' \
	"$d/profile.out" >&2

wait "$streams_pid" || pw_session_fail "dg-streams failed: $(cat "$d/streams.out")"
sed 's/^/# dg-streams: /' "$d/streams.out" >&2
record_stop
check_wav "$d/rec.wav" --max-db $CEILING --expect-db $CEILING --tolerance 1
pw_figure "streams" "$N at quantum $QUANTUM"
pw_figure "guard xruns" "$(awk '$1 == "node" && $3 ~ /^dacguard\./ {
	printf "%s%s %s", sep, $3, $17; sep = ", " }' "$d/profile.out")"
pw_check_props "$GUARD_ID" "dacguard.ceiling-db == $CEILING"
echo "ok"
