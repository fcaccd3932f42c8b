#!/bin/bash
# SPDX-License-Identifier: MIT
# wav-intact on synthetic recordings: what the core's guard makes of a test signal
# (wav-fixture), intact, then broken the ways a guard module can break it. Each
# intact case must pass and report what it found (offset, transition frames); each
# broken one must fail, for its own reason.
#   wav-intact-selftest.sh WAV_INTACT WAV_FIXTURE
# Every case runs; the failures are counted and the script fails at the end.
set -u

intact=$1
fixture=$2
d=$(mktemp -d "${TMPDIR:-/tmp}/wav-intact-selftest.XXXXXX")
trap 'rm -rf "$d"' EXIT
failures=0

# Frames at 48 kHz. The guard delays by its 1 ms lookahead (48 frames); DELAY is the
# silence the "recorder" adds in front.
D=48
DELAY=1000

fail()
{
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# run NAME WANT_STATUS PLAYED RECORDED ARGS...: wav-intact's output in $d/NAME.out
# (stdout) and $d/NAME.err, its status checked
run()
{
	local name=$1 want=$2 rc=0
	shift 2
	"$intact" "$@" >"$d/$name.out" 2>"$d/$name.err" || rc=$?
	echo "# $name: $(head -n1 "$d/$name.out") (exit $rc)"
	if [ "$rc" != "$want" ]; then
		fail "$name: exit $rc, expected $want"
		sed 's/^/#   /' "$d/$name.out" "$d/$name.err" >&2
		return 1
	fi
}

# has NAME REGEX: the output of case NAME (stdout and stderr) matches
has()
{
	grep -Eq -- "$2" "$d/$1.out" "$d/$1.err" || fail "$1: no /$2/ in its output"
}

# fx ARGS...: wav-fixture ARGS; a fixture that cannot be made ends the test
fx()
{
	"$fixture" "$@" || { echo "FAIL: wav-fixture $*" >&2; exit 1; }
}

# edit OUT OPS...: the played signal edited into OUT
edit()
{
	local out=$1
	shift
	fx edit "$d/played.wav" "$d/$out" "$@"
}

fx synth "$d/played.wav" 2
fx synth "$d/mono.wav" 1 1
fx edit "$d/played.wav" "$d/hot.wav" --gain 12   # float overs: the limiter acts

# intact: the guard at -20 dB, the recorder's delay before and silence after
edit rec.wav --guard -20 --delay $DELAY --pad 4800
if run copy 0 "$d/played.wav" "$d/rec.wav" --gain-db -20; then
	has copy "^intact: offset $((DELAY + D)) frames \\(21\\.8 ms\\), 96000 frames, 0 differ, 0 dropouts \\(longest zero run 0\\), length ok$"
fi

# the 1.4 failure: every other graph cycle of 2048 frames lost
edit rec-gaps.wav --guard -20 --delay $DELAY --pad 4800 --zero $((DELAY + 2048)) 2048 4096
if run gaps 1 "$d/played.wav" "$d/rec-gaps.wav" --gain-db -20; then
	has gaps "offset $((DELAY + D)) frames"
	has gaps " 2[0-9] dropouts \\(longest zero run 2048\\)"
	has gaps "^dropout: 2048 zero frames from recorded frame $((DELAY + 2048)) "
fi

# the end is missing (the recording stopped 100 ms early: the guard's output is the
# played frames and, at its end, its lookahead flushed, so 4800 played frames)
edit rec-cut.wav --guard -20 --delay $DELAY --cut 4800
run cut 1 "$d/played.wav" "$d/rec-cut.wav" --gain-db -20 &&
	has cut "length short \\(0 frames missing at the start, 4800 at the end\\)"
# ... which is fine for a recording made while it played
run cut-partial 0 "$d/played.wav" "$d/rec-cut.wav" --gain-db -20 --partial &&
	has cut-partial "partial \\(played frames 0\\.\\.91199\\)"
# ... but not with its first cycle lost: it started before the playback
fx edit "$d/rec-cut.wav" "$d/rec-cut-late.wav" --zero $((DELAY + D)) 2048 1000000
run cut-late 1 "$d/played.wav" "$d/rec-cut-late.wav" --gain-db -20 --partial &&
	has cut-late " 1 dropouts \\(longest zero run 2048\\)"
# both ends gone, no silence around it: aligned all the same
edit rec-mid.wav --guard -20 --cut-start 30000 --cut 30000
run mid-partial 0 "$d/played.wav" "$d/rec-mid.wav" --gain-db -20 --partial &&
	has mid-partial "offset -$((30000 - D)) frames"
run mid 1 "$d/played.wav" "$d/rec-mid.wav" --gain-db -20 &&
	has mid "length short"
# ... and the recorder's first cycle empty, as a capture stream joining a running sink
# has it, and one channel later than the other; but not every other cycle
fx edit "$d/rec-mid.wav" "$d/rec-mid-late.wav" --zero 0 2048 1000000 --mute 2048 952 0
fx edit "$d/rec-mid.wav" "$d/rec-mid-gap.wav" --zero 0 2048 4096
run mid-late 0 "$d/played.wav" "$d/rec-mid-late.wav" --gain-db -20 --partial &&
	has mid-late "partial \\(played frames $((30000 - D + 3000))\\.\\.65999\\)"
run mid-gap 1 "$d/played.wav" "$d/rec-mid-gap.wav" --gain-db -20 --partial &&
	has mid-gap " 8 dropouts \\(longest zero run 2048\\)"

# one sample changed by 0.1 dB
edit rec-one.wav --guard -20 --delay $DELAY --pad 4800 --set 50000 1 0.05
run one 1 "$d/played.wav" "$d/rec-one.wav" --gain-db -20 &&
	has one ", 1 differ, " && has one "^differ: recorded frame 50000 \\(played $((50000 - DELAY - D))\\) ch 1"

# audio after the played signal (a repeated buffer)
edit rec-extra.wav --guard -20 --delay $DELAY --pad 4800 --set $((DELAY + 96000 + 1000)) 0 0.01
run extra 1 "$d/played.wav" "$d/rec-extra.wav" --gain-db -20 && has extra ", 1 extra"

# the wrong gain, and the right one known only to 0.001 dB
run wrong-gain 1 "$d/played.wav" "$d/rec.wav" --gain-db -26 && has wrong-gain ", 96000 differ,"
edit rec-rounded.wav --guard -20.0004 --delay $DELAY --pad 4800
run rounded 1 "$d/played.wav" "$d/rec-rounded.wav" --gain-db -20
run rounded-slack 0 "$d/played.wav" "$d/rec-rounded.wav" --gain-db -20 --gain-slack 0.001
run wrong-gain-slack 1 "$d/played.wav" "$d/rec.wav" --gain-db -20.01 --gain-slack 0.001

# a lower ceiling from input frame 50000: output frame 50000 already has it, and
# that is played frame 50000 - D
edit rec-lower.wav --guard -20,50000:-26 --delay $DELAY --pad 4800
if run lower 0 "$d/played.wav" "$d/rec-lower.wav" --gain-db -20 --gain-db -26; then
	has lower ", 1 of 1 gain steps$"
	has lower "^transition 1 at recorded frame $((DELAY + 50000)), played frame $((50000 - D)) \\(-20\\.000 -> -26\\.000 dB\\)$"
fi
# no step, or the wrong one: fail
run lower-missing 1 "$d/played.wav" "$d/rec.wav" --gain-db -20 --gain-db -26 &&
	has lower-missing "0 of 1 gain steps"
run lower-wrong 1 "$d/played.wav" "$d/rec-lower.wav" --gain-db -20 --gain-db -30
run lower-none 1 "$d/played.wav" "$d/rec-lower.wav" --gain-db -20
# a raise ramps (50 ms) from the same frame
edit rec-raise.wav --guard -26,50000:-20 --delay $DELAY --pad 4800
if run raise 0 "$d/played.wav" "$d/rec-raise.wav" --gain-db -26 --gain-db -20; then
	has raise "^transition 1 at recorded frame $((DELAY + 50000)), played frame $((50000 - D)) \\(-26\\.000 -> -20\\.000 dB, ramp 2[34][0-9]{2} frames\\)$"
fi
# a raise that jumps (no ramp), and one that ramps too long (raised again mid-ramp)
edit rec-low.wav --guard -26 --delay $DELAY --pad 4800
edit rec-high.wav --guard -20 --delay $DELAY --pad 4800
fx edit "$d/rec-low.wav" "$d/rec-jump.wav" --splice "$d/rec-high.wav" $((DELAY + 50000))
run jump 1 "$d/played.wav" "$d/rec-jump.wav" --gain-db -26 --gain-db -20 &&
	has jump "^ramp: the raise to -20\.0000 dB at recorded frame $((DELAY + 50000)) took 0 frames"
edit rec-slow.wav --guard -26,50000:-23,51000:-20 --delay $DELAY --pad 4800
run slow 1 "$d/played.wav" "$d/rec-slow.wav" --gain-db -26 --gain-db -20 &&
	has slow "^ramp: the raise to -20\.0000 dB at recorded frame $((DELAY + 50000)) took 3[0-9]{3} frames"
# two steps, each where it was made
edit rec-two.wav --guard -20,30000:-30,60000:-25 --delay $DELAY --pad 4800
if run two 0 "$d/played.wav" "$d/rec-two.wav" --gain-db -20 --gain-db -30 --gain-db -25; then
	has two "^transition 1 at recorded frame $((DELAY + 30000)), played frame $((30000 - D)) "
	has two "^transition 2 at recorded frame $((DELAY + 60000)), played frame $((60000 - D)) "
fi
run two-order 1 "$d/played.wav" "$d/rec-two.wav" --gain-db -20 --gain-db -25 --gain-db -30

# the limiter at work: +12 dB overs through the guard are exact outside its reach;
# inside it never above the ceiling, and every frame the played one at the limiter's
# gain, which moves smoothly: a gap, a sample above the ceiling, a dip of one sample
# by 3 dB fail
edit rec-hot.wav --gain 12 --guard -20 --delay $DELAY --pad 4800
fx edit "$d/rec-hot.wav" "$d/rec-hot-gaps.wav" --zero $((DELAY + 20000)) 1024 20000
fx edit "$d/rec-hot.wav" "$d/rec-hot-over.wav" --set $((DELAY + 30000)) 0 0.2
fx edit "$d/rec-hot.wav" "$d/rec-hot-dip.wav" --mul $((DELAY + 40000)) 1 0.7
if run hot 0 "$d/hot.wav" "$d/rec-hot.wav" --gain-db -20; then
	has hot "offset $((DELAY + D)) frames"
	has hot ", limiter 96000 frames \\(0 over, 0 unscaled\\)$"
fi
run hot-gaps 1 "$d/hot.wav" "$d/rec-hot-gaps.wav" --gain-db -20 &&
	has hot-gaps " 4 dropouts \\(longest zero run 1024\\).*\\(0 over, 4096 unscaled\\)"
run hot-over 1 "$d/hot.wav" "$d/rec-hot-over.wav" --gain-db -20 &&
	has hot-over "\\(1 over, 1 unscaled\\)"
run hot-dip 1 "$d/hot.wav" "$d/rec-hot-dip.wav" --gain-db -20 &&
	has hot-dip "\\(0 over, 1 unscaled\\)" &&
	has hot-dip "^limiter: recorded frame $((DELAY + 40000)) \\(played $((40000 - D))\\) is not"
# music with plucks 6 dB over: deep, sudden limiting
fx music "$d/music.wav" 3
fx edit "$d/music.wav" "$d/rec-music.wav" --guard -29,70000:-35 --delay $DELAY --pad 4800
if run music 0 "$d/music.wav" "$d/rec-music.wav" --gain-db -29 --gain-db -35; then
	has music ", limiter [0-9]+ frames \\(0 over, 0 unscaled\\), 1 of 1 gain steps$"
	has music "^transition 1 at recorded frame $((DELAY + 70000)), played frame $((70000 - D)) "
fi
# ... the step in the limiter's reach of the pluck at 2 s: found all the same
fx edit "$d/music.wav" "$d/rec-music-lim.wav" --guard -29,97000:-35 --delay $DELAY --pad 4800
if run music-lim 0 "$d/music.wav" "$d/rec-music-lim.wav" --gain-db -29 --gain-db -35; then
	has music-lim "^transition 1 at recorded frame $((DELAY + 97000)), played frame $((97000 - D)) "
fi
run music-wrong 1 "$d/music.wav" "$d/rec-music-lim.wav" --gain-db -29 --gain-db -36

# a storm of writes (--varying): after 12000 frames at -12 dB the ceiling moves every 40
# to 56 frames to anything from -60 to -12 dB, but holds -50 from 48000 to 52000 (its
# ramp there ends by 51000)
spec=-12
r=20251
for ((f = 12000; f < 90000; f += 40 + r % 17)); do
	r=$(((r * 1103515245 + 12345) % 2147483648))
	[ "$f" -lt 48000 ] || [ "$f" -ge 52000 ] || continue
	[ "$f" -lt 52000 ] || [ "${hold:-}" ] || { spec+=",48000:-50"; hold=1; }
	m=$((12000 + r % 48001))
	spec+=",$f:-$((m / 1000)).$(printf '%03d' $((m % 1000)))"
done
edit rec-storm.wav --guard "$spec" --delay $DELAY --pad 4800
if run varying 0 "$d/played.wav" "$d/rec-storm.wav" --gain-db -12 --varying -60; then
	has varying "^intact: offset $((DELAY + D)) frames .* length ok, gain -(5[0-9]|60)\.[0-9]{3}\.\.-12\.000 dB$"
fi
# ... a gap, a raise that jumps, buffers lost, a gain over the top or under the floor: fail
fx edit "$d/rec-storm.wav" "$d/rec-storm-gap.wav" --zero $((DELAY + 60000)) 1024 1000000
run varying-gap 1 "$d/played.wav" "$d/rec-storm-gap.wav" --gain-db -12 --varying -60 &&
	has varying-gap " 1 dropouts \\(longest zero run 1024\\)"
edit rec-storm-high.wav --guard -12 --delay $DELAY --pad 4800
fx edit "$d/rec-storm.wav" "$d/rec-storm-jump.wav" --splice "$d/rec-storm-high.wav" $((DELAY + 51000))
run varying-jump 1 "$d/played.wav" "$d/rec-storm-jump.wav" --gain-db -12 --varying -60 &&
	has varying-jump "^ramp: at recorded frame $((DELAY + 51000)) \\(played $((51000 - D))\\) the gain rose from -50\\.0000 to -12\\.0000 dB in 1 frames"
fx edit "$d/rec-storm.wav" "$d/rec-storm-ahead.wav" --cut-start 1000
fx edit "$d/rec-storm.wav" "$d/rec-storm-skip.wav" --splice "$d/rec-storm-ahead.wav" $((DELAY + 70000))
run varying-skip 1 "$d/played.wav" "$d/rec-storm-skip.wav" --gain-db -12 --varying -60 &&
	has varying-skip "^differ: recorded frame $((DELAY + 70000)) "
run varying-over 1 "$d/played.wav" "$d/rec-storm.wav" --gain-db -13 --varying -60 &&
	has varying-over "^differ: recorded frame "
run varying-floor 1 "$d/played.wav" "$d/rec-storm.wav" --gain-db -12 --varying -40 &&
	has varying-floor "^differ: recorded frame "
run varying-steps 2 "$d/played.wav" "$d/rec-storm.wav" --gain-db -12 --gain-db -20 --varying -60
run varying-above 2 "$d/played.wav" "$d/rec-storm.wav" --gain-db -12 --varying -10

# not float-exact (16-bit PCM): within a tolerance of one step
edit rec-s16.wav --guard -20 --delay $DELAY --pad 4800 --s16
run s16-exact 1 "$d/played.wav" "$d/rec-s16.wav" --gain-db -20
run s16 0 "$d/played.wav" "$d/rec-s16.wav" --gain-db -20 --tolerance 0.00002
# ... and noise beyond it fails (in the silence around it too)
edit rec-noisy.wav --guard -20 --delay $DELAY --pad 4800 --noise 0.00009
run noisy 1 "$d/played.wav" "$d/rec-noisy.wav" --gain-db -20 --tolerance 0.00002 &&
	has noisy " extra$"
run noisy-ok 0 "$d/played.wav" "$d/rec-noisy.wav" --gain-db -20 --tolerance 0.0001

# a steady tone matches itself every 48 frames: the silence before it tells where it is
fx tone "$d/tone.wav" 2 1000
fx edit "$d/tone.wav" "$d/rec-tone.wav" --guard -20 --delay 30000 --pad 4800
run tone 0 "$d/tone.wav" "$d/rec-tone.wav" --gain-db -20 &&
	has tone "^intact: offset $((30000 + D)) frames .* length ok$"

# one channel
fx edit "$d/mono.wav" "$d/rec-mono.wav" --guard -10 --delay 7
run mono 0 "$d/mono.wav" "$d/rec-mono.wav" --gain-db -10 && has mono "offset $((7 + D)) frames"

# nothing arrived; files that do not fit; bad arguments
fx edit "$d/played.wav" "$d/silence.wav" --gain -200
run silence 1 "$d/played.wav" "$d/silence.wav" && has silence "no alignment"
run channels 2 "$d/played.wav" "$d/rec-mono.wav"
run missing 2 "$d/played.wav" "$d/nonexistent.wav"
run bad-gain 2 "$d/played.wav" "$d/rec.wav" --gain-db 3
run no-step 2 "$d/played.wav" "$d/rec.wav" --gain-db -20 --gain-db -20
run bad-option 2 "$d/played.wav" "$d/rec.wav" --frobnicate 1

if [ "$failures" -gt 0 ]; then
	echo "$failures failures"
	exit 1
fi
echo "ok"
