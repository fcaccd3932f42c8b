#!/bin/bash
# SPDX-License-Identifier: MIT
# dacguardctl measure against a private PipeWire:
#  (a) through the guard of a null USB sink, captured from its monitor: no crosstalk, so
#      every reading is below the floor; the gain is the guard's ceiling; the expectation
#      comes from a database entry matched on the sink's USB properties;
#  (b) through a filter-chain sink that mixes L into R at -60 dB in front of the null sink:
#      L->R reads -60 +-1 dB at every frequency, R->L stays below the floor;
#  (c) a capture that never sees the stimulus fails with exit 1 in bounded time;
#  (d) bad arguments exit 2 with one line;
#  (e) SIGINT ends a run at once with exit 1 and leaves no stream behind.
. "$(dirname "$0")/common.sh"

CTL=${DG_DACGUARDCTL:?DG_DACGUARDCTL not set}
command -v jq >/dev/null || pw_session_skip "jq not installed"

# (d) first: no session needed
bad_args()
{
	local out rc=0
	out=$("$CTL" measure "$@" 2>&1 >/dev/null) || rc=$?
	[ "$rc" = 2 ] || pw_session_fail "measure $* exited $rc, not 2: $out"
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] ||
		pw_session_fail "measure $*: not one line: $out"
	echo "# measure $*: $out" >&2
}
bad_args --bogus
bad_args --level
bad_args --level 3
bad_args --level loud
bad_args --rate 1000
bad_args --rate 48000.5
bad_args --frequencies 100,,1000
bad_args --frequencies 10
bad_args --frequencies 30000
bad_args --rate 44100 --frequencies 21000
bad_args --target a --target b
bad_args --target ''
bad_args extra

LEAK_GAIN=0.001 # -60 dB
pw_session_add_sink "$DAC" "$DAC_DESC" usb \
	device.vendor.id='"0x1234"' device.product.id='"0x5678"' \
	device.product.name='"Loopback DAC"'
pw_session_add_sink silent "Silent" usb
pw_session_add_module libpipewire-module-dacguard "{ target.object = \"$DAC\" }"
pw_session_add_module libpipewire-module-filter-chain "{
        node.description = \"Leaky\"
        audio.channels = 2
        audio.position = [ FL FR ]
        filter.graph = {
            nodes = [
                { type = builtin name = copyL label = copy }
                { type = builtin name = mixL label = mixer control = { \"Gain 1\" = 1.0 } }
                { type = builtin name = mixR label = mixer
                  control = { \"Gain 1\" = 1.0 \"Gain 2\" = $LEAK_GAIN } }
            ]
            links = [
                { output = \"copyL:Out\" input = \"mixL:In 1\" }
                { output = \"copyL:Out\" input = \"mixR:In 2\" }
            ]
            inputs = [ \"copyL:In\" \"mixR:In 1\" ]
            outputs = [ \"mixL:Out\" \"mixR:Out\" ]
        }
        capture.props = { node.name = leaky media.class = Audio/Sink }
        playback.props = { node.name = leaky.output node.passive = true
                           node.autoconnect = false }
    }"
pw_session_start
GUARD_ID=$(pw_wait_node "$GUARD")
pw_wait_linked "$GUARD.output" "$DAC"
pw_wait_node leaky >/dev/null
# straight to the DAC: WirePlumber 0.5 would route a stream bound for it through its guard
pw_link_channels leaky.output out "$DAC"
# A database that knows the "DAC" (matched on the USB properties the sink carries) with a
# crosstalk figure for its balanced output and one for single-ended.
confdir=$PW_SESSION_DIR/dacguard-conf
mkdir -p "$confdir/devices"
cp "$DG_SOURCE_DIR/tests/pipewire/devices/50-loopback-dac.conf" "$confdir/devices/50-test.conf"
export DACGUARD_CONFIG_DIR=$confdir

set_props "$GUARD_ID" '"dacguard.output" "bal-4.4" "dacguard.mode" "balanced"'
pw_wait_prop "$GUARD_ID" dacguard.mode '== "balanced"'

d=$PW_SESSION_DIR

# measure ARGS...: runs it with --json, output in $d/out.json; fails unless it exits $want.
measure()
{
	local want=$1 rc=0 t0=$SECONDS
	shift
	"$CTL" measure --json "$@" >"$d/out.json" 2>"$d/err.txt" || rc=$?
	echo "# measure $* -> exit $rc in $((SECONDS - t0)) s" >&2
	if [ "$rc" != "$want" ]; then
		cat "$d/out.json" "$d/err.txt" >&2
		pw_session_fail "measure $* exited $rc, not $want"
	fi
}

# check 'JQ-EXPRESSION' DESCRIPTION: the expression must be true of $d/out.json.
check()
{
	jq -e "$1" "$d/out.json" >/dev/null ||
		{ jq . "$d/out.json" >&2; pw_session_fail "$2"; }
}

# (a) through the guard, its monitor: perfect, and the database's expectation
measure 0 --target "$DAC"
check '.guard == "'"$GUARD"'" and .played_into == .guard and .monitor' \
	"not played through the guard"
check '[.measurements[]] | length == 6' "not 6 readings (3 frequencies x 2 directions)"
check '[.measurements[] | select(.status == "below-floor" and .crosstalk_db == null
                                 and .below_db <= -100)] | length == 6' \
	"a perfect sink did not read below the floor"
# the guard's ceiling with no daemon is its hard ceiling: the gain shows it on both sides
ceiling=$(pw_param "$GUARD_ID" dacguard.ceiling-db)
check '[.measurements[] | select((.gain_db - ('"$ceiling"')) | fabs < 0.1)] | length == 6' \
	"the gain is not the guard's ceiling ($ceiling dB)"
check '.expectation.device == "Test Loopback DAC" and .expectation.output == "bal-4.4"
       and .expectation.mode == "balanced" and .expectation.database_crosstalk_db == -100
       and .expectation.single_ended_db == -70 and .expectation.rule_verdict == "beats"
       and .expectation.verdict == "meets"' "wrong expectation"
jq -c '.measurements[] | [.frequency_hz, .direction, .status, .below_db, .gain_db]' \
	"$d/out.json" | sed 's/^/# /' >&2

# the human form says the same
"$CTL" measure --target "$DAC" --frequencies 1000 >"$d/out.txt" ||
	pw_session_fail "measure (human) failed"
cat "$d/out.txt" | sed 's/^/# /' >&2
grep -q 'L->R  below the measurement floor, < -1[0-9][0-9].[0-9] dB' "$d/out.txt" ||
	pw_session_fail "human output lacks the below-the-floor line"
grep -q 'database: crosstalk -100.0 dB' "$d/out.txt" ||
	pw_session_fail "human output lacks the database figure"

# (b) a known -60 dB leak of L into R
measure 0 --target leaky --source "$DAC" --frequencies 100,1000,10000,15000
check '.guard == null and .captured_from == "'"$DAC"'"' "wrong nodes"
check '[.measurements[] | select(.direction == "L->R" and .status == "ok"
                                 and (.crosstalk_db + 60 | fabs) <= 1)] | length == 4' \
	"L->R is not -60 +-1 dB at every frequency"
check '[.measurements[] | select(.direction == "R->L" and .status == "below-floor")]
       | length == 4' "R->L is not below the floor"
check '[.measurements[] | select(.gain_db | fabs < 0.1)] | length == 8' "the gain is not 0 dB"
jq -c '.measurements[] | [.frequency_hz, .direction, .status, .crosstalk_db, .below_db]' \
	"$d/out.json" | sed 's/^/# /' >&2

# with no --target: the default sink (made the leaky one here)
pw-metadata 0 default.configured.audio.sink '{ "name": "leaky" }' Spa:String:JSON >/dev/null
pw_wait_for "leaky to be the default sink" \
	sh -c 'pw-metadata 0 default.audio.sink | grep -q "\"name\":\"leaky\""'
measure 0 --source "$DAC" --frequencies 1000
check '.sink == "leaky" and ([.measurements[] | select(.direction == "L->R")
                                                  | .crosstalk_db + 60 | fabs <= 1] == [true])' \
	"no --target did not measure the default sink"

# the same at 96 kHz, PipeWire resampling both streams to the graph's 48 kHz
measure 0 --target leaky --source "$DAC" --rate 96000 --frequencies 1000
check '[.measurements[] | select(.direction == "L->R" and .status == "ok"
                                 and (.crosstalk_db + 60 | fabs) <= 1)] | length == 1' \
	"L->R is not -60 +-1 dB at 96 kHz"

# (c) the stimulus never reaches the capture: exit 1 within the onset timeout
t0=$SECONDS
measure 1 --target leaky --source silent --frequencies 1000
[ $((SECONDS - t0)) -le 10 ] || pw_session_fail "a failed measurement took $((SECONDS - t0)) s"
check '.error | test("no stimulus captured")' "no 'no stimulus captured' error"
grep -q 'no stimulus captured' "$d/err.txt" || pw_session_fail "no error on stderr"

# (e) SIGINT mid-run: the tone fades out, exit 1 at once, no stream left behind
"$CTL" measure --target "$DAC" --frequencies 100,200,300,400,500,600,700,800 \
	>"$d/int.txt" 2>&1 &
pid=$!
pw_wait_node dacguardctl-measure-play >/dev/null
t0=$SECONDS
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 1 ] || pw_session_fail "measure exited $rc after SIGINT, not 1: $(cat "$d/int.txt")"
grep -q 'interrupted' "$d/int.txt" || pw_session_fail "no 'interrupted' after SIGINT"
[ $((SECONDS - t0)) -le 2 ] || pw_session_fail "SIGINT took $((SECONDS - t0)) s"
pw_wait_node_gone dacguardctl-measure-play
pw_wait_node_gone dacguardctl-measure-capture
echo "ok"
