#!/bin/bash
# SPDX-License-Identifier: MIT
# The guard in the graph, next to PipeWire's own filter-chain running a look-ahead
# limiter (swh fastLookaheadLimiter, LADSPA), both measured in the same run, in the
# same graph, on the same audio. Printed, never asserted (timing targets live here).
#
# One player feeds three paths at once (its ports linked to each by hand, so they
# get the same samples in the same cycles):
#   guard:        dacguard.<DAC-A> -> its DSP node -> DAC-A
#   direct:       DAC-B
#   filter-chain: a filter-chain sink with the limiter -> DAC-C
# and one 4-channel recorder takes the three DACs' monitors in one stream.
#   added latency   the lag of DAC-A and of DAC-C behind DAC-B (cross-correlation of
#                   a click train), in frames, ms and graph cycles
#   in-graph cost   the mean busy time per cycle of each path's nodes, from the
#                   profiler (pw-profiler), with pink noise playing at quantum 256
#                   (BENCH_QUANTUM); the guard's against the filter-chain's
# Set-up as the 'pipewire' suite (tests/lib/pw-session.sh). A sanitizer build carries
# ASan's cost in the module: read a release build.
set -eu
. "$DG_SOURCE_DIR/tests/lib/pw-session.sh"
. "$DG_SOURCE_DIR/tests/lib/pw-audio.sh"

PW_SESSION_MODULE_DIRS=$DG_MODULE_DIR
QUANTUM=${BENCH_QUANTUM:-256}
SECONDS_PROFILED=${BENCH_PROFILE_SECONDS:-8}
LADSPA_PLUGIN=${DG_LADSPA_DIR:-/usr/lib/ladspa}/fast_lookahead_limiter_1913.so
A=bench-dac-a
B=bench-dac-b
C=bench-dac-c
GUARD=dacguard.$A
FC=bench-fc-limiter
CEILING=-20

# none of the sinks drives (a driver consumes what it was given a cycle later than its
# followers do, which would show as latency of whichever path it ends): the session's
# dummy driver does
for s in $A $B $C; do
	pw_session_add_sink "$s" "$s" usb node.driver=false node.group='"pipewire.dummy"'
done
pw_session_add_module libpipewire-module-dacguard \
	"{ target.object = \"$A\" dacguard.ceiling-db = $CEILING }"
have_fc=0
if [ -r "$LADSPA_PLUGIN" ]; then
	have_fc=1
	pw_session_add_module libpipewire-module-filter-chain "{
		node.description = \"filter-chain limiter\"
		media.name = \"filter-chain limiter\"
		filter.graph = {
			nodes = [ {
				type = ladspa name = lim plugin = \"$LADSPA_PLUGIN\"
				label = fastLookaheadLimiter
				control = { \"Input gain (dB)\" = 0.0 \"Limit (dB)\" = $CEILING
					    \"Release time (s)\" = 0.05 }
			} ]
			inputs = [ \"lim:Input 1\" \"lim:Input 2\" ]
			outputs = [ \"lim:Output 1\" \"lim:Output 2\" ]
		}
		audio.channels = 2 audio.position = [ FL FR ]
		capture.props = { node.name = \"$FC\" media.class = Audio/Sink }
		playback.props = { node.name = \"$FC.output\" target.object = \"$C\"
				   node.passive = true node.dont-reconnect = true }
	}"
fi
pw_session_start
pw_wait_linked "$GUARD.output" "$A"
[ "$have_fc" = 0 ] || pw_wait_linked "$FC.output" "$C"

d=$PW_SESSION_DIR
# "node port channel direction monitor" of every port, one dump
ports()
{
	_pw_dump | jq -r '
		(reduce (.[] | select(.type == "PipeWire:Interface:Node"))
			as $n ({}; .[$n.id | tostring] = $n.info.props["node.name"])) as $names
		| .[] | select(.type == "PipeWire:Interface:Port")
		| "\($names[.info.props["node.id"] | tostring]) \(.id) \(.info.props["audio.channel"])" +
		  " \(.info.direction) \((.info.props["port.monitor"] // false) | tostring)"' | sort -u
}
has_ports()
{
	[ "$(ports | awk -v n="$1" '$1 == n' | wc -l)" -ge 2 ]
}
# links (by hand, lingering) from the ports of NODE given as "NODE KIND CHANNEL
# TO-NODE TO-CHANNEL" lines on stdin; KIND is output or monitor; one dump for all
link_all()
{
	local all from kind ch to tch op ip
	all=$(ports)
	while read -r from kind ch to tch; do
		op=$(echo "$all" | awk -v n="$from" -v c="$ch" -v k="$kind" '$1 == n && $3 == c &&
			$4 == "output" && (($5 == "true") == (k == "monitor")) { print $2; exit }')
		ip=$(echo "$all" | awk -v n="$to" -v c="$tch" '$1 == n && $3 == c && $4 == "input" {
			print $2; exit }')
		[ -n "$op" ] && [ -n "$ip" ] || pw_session_fail "no ports to link $from:$ch -> $to:$tch"
		pw-cli create-link "$from" "$op" "$to" "$ip" '{ object.linger = true }' >/dev/null ||
			pw_session_fail "pw-cli create-link $from:$ch -> $to:$tch failed"
	done
}

# a player on no sink, then on all three paths; its file starts with a second of
# silence, more than linking takes
play_all()
{
	pw-cat --playback --latency "$QUANTUM" -P '{ node.name = bench-play node.autoconnect = false }' \
		"$1" >"$d/play.log" 2>&1 &
	_play_pid=$!
	pw_wait_for "the player's ports" has_ports bench-play
	for ch in FL FR; do
		echo "bench-play output $ch $GUARD $ch"
		echo "bench-play output $ch $B $ch"
		[ "$have_fc" = 0 ] || echo "bench-play output $ch $FC $ch"
	done | link_all
}

# ---- added latency: a click every 100 ms at -12 dBFS, under every limit ----
python3 - "$d/clicks.wav" <<'PY'
import struct, sys
rate, frames = 48000, 48000 * 4
samples = [0.0] * (frames * 2)
for k in range(48000, frames - 9600, 4800):
    samples[2 * k] = samples[2 * k + 1] = 0.25
data = struct.pack("<%df" % len(samples), *samples)
hdr = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack(
    "<IHHIIHH", 16, 3, 2, rate, rate * 8, 8, 32) + b"data" + struct.pack("<I", len(data))
open(sys.argv[1], "wb").write(hdr + data)
PY
pw-record --format f32 --rate 48000 --channels 4 --latency "$QUANTUM" \
	-P '{ node.name = bench-record node.autoconnect = false audio.position = [ FL FR RL RR ] }' \
	"$d/rec.wav" >"$d/record.log" 2>&1 &
rec_pid=$!
pw_wait_for "the recorder's ports" has_ports bench-record
{
	echo "$A monitor FL bench-record FL"
	echo "$B monitor FL bench-record FR"
	[ "$have_fc" = 0 ] || echo "$C monitor FL bench-record RL"
} | link_all
play_all "$d/clicks.wav"
wait "$_play_pid"
sleep 0.3
kill -INT "$rec_pid"
wait "$rec_pid" || true

python3 - "$d/rec.wav" "$QUANTUM" "$have_fc" >"$d/latency.txt" <<'PY'
import struct, sys
path, quantum, have_fc = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
data = open(path, "rb").read()
i = data.find(b"data")
raw = data[i + 8:]
n = len(raw) // 16
s = struct.unpack("<%df" % (n * 4), raw[: n * 16])
ch = [s[k::4] for k in range(4)]

def onsets(x):
    peak = max(abs(v) for v in x) or 1.0
    out, last = [], -10**9
    for k, v in enumerate(x):
        if abs(v) > 0.25 * peak and k - last > 2400:
            out.append(k)
            last = k
    return out

def lag(a, b):
    """a's delay behind b: each click of b paired with the first of a within 100 ms"""
    oa, ob = onsets(a), onsets(b)
    lags = []
    for x in ob:
        later = [y - x for y in oa if 0 <= y - x < 4800]
        if later:
            lags.append(later[0])
    if len(lags) < len(ob) // 2 or not lags:
        return None
    lags.sort()
    return lags[len(lags) // 2], lags[0], lags[-1], len(lags)

for name, k in (("guard", 0), ("filter-chain", 2)):
    if k == 2 and not have_fc:
        print("%s skipped" % name)
        continue
    r = lag(ch[k], ch[1])
    if r is None:
        print("%s unmeasured" % name)
        continue
    med, lo, hi, clicks = r
    print("%s %d %d %d %d %.3f %.3f" % (name, med, lo, hi, clicks, med / 48.0, med / quantum))
PY

# ---- in-graph cost: pink noise through all three paths, profiled ----
sox -q -n -r 48000 -c 2 -e floating-point -b 32 "$d/noise.wav" \
	synth $((SECONDS_PROFILED + 4)) pinknoise gain -n -6 pad 1 0
play_all "$d/noise.wav"
_pw_dump | jq -r '.[] | select(.type == "PipeWire:Interface:Node")
	| "\(.id) \(.info.props["node.name"])"' >"$d/nodes.txt"
sleep 1.5
(cd "$d" && timeout -s INT "$SECONDS_PROFILED" pw-profiler -o "$d/profile.log" >"$d/profiler.out" 2>&1) || true
wait "$_play_pid" || true

# pw-profiler's log: per line 4 driver columns, then 8 per follower: node id, signal,
# awake, finish, wait, busy (us), status, 0
python3 - "$d/profile.log" "$d/nodes.txt" "$GUARD" "$FC" >"$d/cost.txt" <<'PY'
import sys
log, nodes, guard, fc = sys.argv[1:5]
names = {}
for line in open(nodes):
    fid, _, name = line.rstrip("\n").partition(" ")
    names[fid] = name
busy = {}
for line in open(log, errors="replace"):
    cols = line.rstrip("\n").split("\t")
    for f in range(4, len(cols) - 7, 8):
        fid = cols[f].strip()
        if not fid or fid not in names:
            continue
        try:
            b = float(cols[f + 5])
        except ValueError:
            continue
        busy.setdefault(names[fid], []).append(b)
def mean(v):
    return sum(v) / len(v) if v else float("nan")
for label, nodes in (("guard", [guard, guard + ".output"]), ("filter-chain", [fc, fc + ".output"])):
    got = [n for n in nodes if n in busy]
    if not got:
        print("%s unmeasured" % label)
        continue
    total = sum(mean(busy[n]) for n in got)
    cycles = min(len(busy[n]) for n in got)
    print("%s %.3f %d %s" % (label, total, cycles,
          " ".join("%s=%.3f" % (n, mean(busy[n])) for n in got)))
PY

echo
echo "bench-graph: PipeWire $(pipewire --version | sed -n 's/.*libpipewire \([0-9.]*\).*/\1/p' | head -n1), quantum $QUANTUM at 48 kHz"
echo "  added latency behind the direct path (DAC-B), median of the clicks:"
while read -r name med lo hi clicks ms cycles; do
	case $med in
	skipped | unmeasured) printf '    %-13s %s\n' "$name" "$med" ;;
	*) printf '    %-13s %4d frames (%.3f ms, %.3f graph cycles; %d..%d over %d clicks)\n' \
		"$name" "$med" "$ms" "$cycles" "$lo" "$hi" "$clicks" ;;
	esac
done <"$d/latency.txt"
echo "  in-graph cost, mean busy time per cycle of each path's nodes (pw-profiler):"
g=""
f=""
while read -r name total cycles detail; do
	case $total in
	unmeasured) printf '    %-13s unmeasured\n' "$name" ;;
	*)
		printf '    %-13s %7.3f us over %d cycles (%s)\n' "$name" "$total" "$cycles" "$detail"
		[ "$name" = guard ] && g=$total
		[ "$name" = filter-chain ] && f=$total
		;;
	esac
done <"$d/cost.txt"
if [ -n "$g" ] && [ -n "$f" ]; then
	awk -v g="$g" -v f="$f" 'BEGIN { if (f > 0) printf "  guard / filter-chain limiter: %.2f\n", g / f }'
fi
exit 0
