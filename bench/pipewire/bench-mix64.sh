#!/bin/bash
# SPDX-License-Identifier: MIT
# 64 streams mixed into one guard at quantum 64 / 48 kHz for 60 s, next to the same 64
# streams into a sink without a guard and into a filter-chain that only copies (the
# same two nodes in front of a sink as a guard), in the same session and run, taken in
# turns so that a busy spell of the machine hits all alike.
# Printed, never asserted (timing figures live here, not in tests).
#
# One client (dg-streams) plays a sine of its own frequency at -24 dBFS on each stream,
# the graph forced to 64-frame cycles (settings metadata, clock.force-quantum). The
# server's profiler (dg-profile: pw-top's source, which has a batch mode only from
# PipeWire 1.0) gives, per node, how often a cycle ended with it not done and how long
# it ran:
#   baseline  64 streams -> a plain sink
#   copy      64 streams -> a filter-chain sink (builtin copy) -> its playback -> a sink
#   guard     64 streams -> dacguard.<DAC> -> its DSP node -> the DAC, the DAC recorded
# in BENCH_MIX_ROUNDS (3) rounds of the three phases, BENCH_MIX_SECONDS (60) of each in
# all; the figures add up the rounds (busy p99: the highest round's).
# A cycle that ends with a node "triggered" (its inputs in, not run) or "awake" (still
# running) is that node's xrun in PipeWire 1.x's count; "waiting" ones wait for a late
# input. The guard's nodes run on the server's data thread, the thread that also runs
# the driver: found triggered, the thread had not got to them (a late stream or the
# machine); they cannot be found awake. What the guard itself costs is its busy time
# against the cycle's period; that the guard causes no xrun shows as the graph doing as
# well with it as with the copy, whose two hops cost the same scheduling (the ratios). Then the DAC's recording: samples over the
# ceiling. Set-up as the 'pipewire' suite (tests/lib/pw-session.sh); a sanitizer build
# carries ASan's cost in the client and the module: read a release build.
set -eu
. "$DG_SOURCE_DIR/tests/lib/pw-session.sh"
. "$DG_SOURCE_DIR/tests/lib/pw-audio.sh"

PW_SESSION_MODULE_DIRS=$DG_MODULE_DIR
N=${BENCH_MIX_STREAMS:-64}
SECS=${BENCH_MIX_SECONDS:-60}
ROUNDS=${BENCH_MIX_ROUNDS:-3}
QUANTUM=${BENCH_QUANTUM:-64}
CEILING=-20
DAC=bench-dac
PLAIN=bench-dac-plain
COPY_DAC=bench-dac-copy
COPY=bench-copy
GUARD=dacguard.$DAC
PW_AUDIO_NAME=bench
PW_AUDIO_RT=1
PW_AUDIO_LATENCY=$QUANTUM

pw_session_add_sink "$DAC" "$DAC" usb
pw_session_add_sink "$PLAIN" "$PLAIN" usb
pw_session_add_sink "$COPY_DAC" "$COPY_DAC" usb
pw_session_add_module libpipewire-module-dacguard \
	"{ target.object = \"$DAC\" dacguard.ceiling-db = $CEILING }"
pw_session_add_module libpipewire-module-filter-chain "{
	node.description = \"bench copy\"
	media.name = \"bench copy\"
	filter.graph = { nodes = [ { type = builtin name = copy label = copy } ] }
	audio.channels = 2 audio.position = [ FL FR ]
	capture.props = { node.name = \"$COPY\" media.class = Audio/Sink }
	playback.props = { node.name = \"$COPY.output\" target.object = \"$COPY_DAC\"
			   node.passive = true node.dont-reconnect = true }
}"
pw_session_start
pw_wait_linked "$GUARD.output" "$DAC"
pw_wait_linked "$COPY.output" "$COPY_DAC"
pw-metadata -n settings 0 clock.force-quantum "$QUANTUM" >/dev/null
d=$PW_SESSION_DIR

# phase LABEL TARGET SECONDS: the streams into TARGET, profiled for SECONDS once they
# all stream, into $d/LABEL.prof
phase()
{
	local label=$1 target=$2 secs=$3 pid
	"$DG_STREAMS" "$target" "$N" $((secs + 3)) -24 "$QUANTUM" "mix-$label" \
		>"$d/$label.streams" 2>&1 &
	pid=$!
	PW_SESSION_TIMEOUT=180 pw_wait_for "$N streams" grep -q "^streaming $N\$" \
		"$d/$label.streams"
	"$DG_PROFILE" "$secs" >"$d/$label.prof" 2>&1 || true
	wait "$pid" || true
}

record_start "$DAC" "$d/rec.wav"
for ((r = 1; r <= ROUNDS; r++)); do
	phase "baseline-$r" "$PLAIN" $((SECS / ROUNDS))
	phase "copy-$r" "$COPY" $((SECS / ROUNDS))
	phase "guard-$r" "$GUARD" $((SECS / ROUNDS))
done
record_stop

# "incomplete% late% cycles profiles speed xruns" of the graph of DRIVER in the FILEs
# (rounds added up), the streams' late share (triggered or awake at a cycle's end) of
# their stream-cycles
graph_figures()
{
	local drv=$1
	shift
	awk -v drv="$drv" '
		$1 == "driver" && $3 == drv {
			for (i = 4; i < NF; i += 2) g[$i] = $(i + 1)
			prof += g["profiles"]; inc += g["incomplete"]; cyc += g["cycles"]
			xr += g["xruns"]; speed += g["speed"]; n++
		}
		$1 == "node" && $3 ~ /^mix-/ { late += $11 + $13; sc += $5 }
		END {
			if (n == 0) { print "unmeasured"; exit }
			printf "%.2f %.2f %d %d %.3f %d\n", prof ? 100 * inc / prof : 0,
				sc ? 100 * late / sc : 0, cyc, prof, speed / n, xr
		}' "$@"
}

# the figures of node NAME in the FILEs (rounds added up) as "key value" pairs
node_figures()
{
	local name=$1
	shift
	awk -v n="$name" '$1 == "node" && $3 == n {
		c += $5; tr += $11; aw += $13; it += $15
		if ($17 == "-") own = "-"; else if (own != "-") own += $17
		bsum += $22 * $5; if ($23 > bp) bp = $23; if ($24 > bm) bm = $24
		wsum += $19 * $5; if ($20 > wm) wm = $20; found = 1
	}
	END {
		if (!found) exit
		printf "busy %.1f %d %d wait %.1f %d triggered %d awake %d in-time %d own-xruns %s cycles %d\n",
			c ? bsum / c : 0, bp, bm, c ? wsum / c : 0, wm, tr, aw, it, own == "" ? 0 : own, c
	}' "$@"
}

period=$(awk -v drv="$DAC" '$1 == "driver" && $3 == drv { print $9; exit }' "$d"/guard-*.prof)
version=$(pipewire --version | sed -n 's/.*libpipewire \([0-9.]*\).*/\1/p' | head -n1)
echo
echo "bench-mix64: PipeWire $version, $N streams from one client, quantum $QUANTUM at" \
	"48 kHz (${period:-?} us a cycle), $ROUNDS rounds"
for phase in baseline copy guard; do
	case $phase in
	baseline) drv=$PLAIN into=$PLAIN ;;
	copy) drv=$COPY_DAC into=$COPY ;;
	guard) drv=$DAC into=$GUARD ;;
	esac
	read -r inc late cycles profiles speed xruns < <(graph_figures "$drv" "$d/$phase"-*.prof)
	if [ "$inc" = unmeasured ]; then
		echo "  $phase: unmeasured ($(head -qn1 "$d/$phase"-*.prof | sort -u | head -n1))"
		continue
	fi
	printf '  %-8s (%s s, into %s): %d cycles at %.3f of real time, %d profiled; %.2f%%' \
		"$phase" "$SECS" "$into" "$cycles" "$speed" "$profiles" "$inc"
	printf ' of them incomplete; streams late at %.2f%% of their cycles; driver xruns %d\n' \
		"$late" "$xruns"
	eval "${phase}_inc=$inc ${phase}_late=$late"
	echo "    dg-streams: $(cat "$d/$phase"-*.streams | grep '^played' | sort -n -k2 | head -n1)"
done
echo "  the guard's nodes, the copy's and the sinks, per cycle in us (busy mean p99 max," \
	"wait mean max):"
for n in "$GUARD" "$GUARD.output" "$DAC" "$COPY" "$COPY.output" "$COPY_DAC"; do
	case $n in
	"$COPY"*|"$COPY_DAC") files=("$d"/copy-*.prof) ;;
	*) files=("$d"/guard-*.prof) ;;
	esac
	# shellcheck disable=SC2046
	set -- $(node_figures "$n" "${files[@]}")
	if [ $# -lt 17 ]; then
		printf '    %-44s unmeasured\n' "$n"
		continue
	fi
	printf '    %-44s busy %6.1f %5s %5s (max %.1f%% of the cycle), wait %5.1f %5s;' \
		"$n" "$2" "$3" "$4" "$(awk -v b="$4" -v p="${period:-0}" \
		'BEGIN { print (p > 0 ? 100 * b / p : 0) }')" "$6" "$7"
	printf ' at a cycle'"'"'s end triggered %s (%s with time to spare), awake %s;' \
		"${9}" "${13}" "${11}"
	printf ' own xruns %s\n' "${15}"
done
# ratio LABEL A B: "LABEL A% / B% (A/Bx)"
ratio()
{
	awk -v l="$1" -v a="$2" -v b="$3" 'BEGIN {
		if (a == "" || b == "") { printf "%s unmeasured", l; exit }
		printf "%s %.2f%% / %.2f%%", l, a, b
		if (b > 0) printf " (%.2fx)", a / b
	}'
}
echo "  the guard against the copy: $(ratio "incomplete cycles" "${guard_inc:-}" \
	"${copy_inc:-}"), $(ratio "streams late" "${guard_late:-}" "${copy_late:-}")"
echo "  the guard against no filter: $(ratio "incomplete cycles" "${guard_inc:-}" \
	"${baseline_inc:-}"), $(ratio "streams late" "${guard_late:-}" "${baseline_late:-}")"
over=$("$DG_WAV_PEAK" "$d/rec.wav" --max-db "$CEILING" 2>/dev/null | head -n1 || true)
echo "  at the DAC, ceiling $CEILING dBFS: $over"
exit 0
