#!/bin/sh
# SPDX-License-Identifier: MIT
# dacguardctl ceiling against vectors worked by hand (doc/level-math.md), and its
# refusal of bad arguments: exit 2 with exactly one line on stderr, never a crash.
# Usage: test-dacguardctl-ceiling.sh PATH/TO/dacguardctl
set -u

CTL=${1:?usage: $0 PATH/TO/dacguardctl}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# No user or system headphone files may change the answers below.
export DACGUARD_CONFIG_DIR="$TMP/empty"
mkdir -p "$DACGUARD_CONFIG_DIR"

failures=0
checks=0

fail() {
	failures=$((failures + 1))
	echo "FAIL: $*" >&2
}

# expect_json "ARGS" 'python expression over d' : runs ceiling --json ARGS and checks
# that stdout is one JSON object for which every assertion holds.
expect_json() {
	args=$1
	shift
	checks=$((checks + 1))
	# shellcheck disable=SC2086
	"$CTL" ceiling $args --json >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "ceiling $args: exit $rc: $(cat "$TMP/err")"
		return
	fi
	if [ -s "$TMP/err" ]; then
		fail "ceiling $args: unexpected stderr: $(cat "$TMP/err")"
	fi
	python3 - "$TMP/out" "$@" <<'PY' || fail "ceiling $args: $(cat "$TMP/out")"
import json, sys
text = open(sys.argv[1]).read()
d = json.loads(text)  # exactly one object: trailing data raises
assert isinstance(d, dict), "not an object"
assert text.count("\n") == 1, "not one line"
def near(key, want, tol=0.01):
    got = d[key]
    assert isinstance(got, (int, float)), f"{key} is {got!r}"
    assert abs(got - want) <= tol, f"{key} = {got}, expected {want}"
    return True
for expr in sys.argv[2:]:
    assert eval(expr), expr
PY
}

# expect_usage_error "ARGS" : exit 2, nothing on stdout, one line on stderr.
expect_usage_error() {
	checks=$((checks + 1))
	# shellcheck disable=SC2086
	"$CTL" ceiling "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	lines=$(wc -l <"$TMP/err")
	if [ $rc -ne 2 ]; then
		fail "ceiling $*: exit $rc, expected 2"
	elif [ "$lines" -ne 1 ]; then
		fail "ceiling $*: $lines lines on stderr, expected 1: $(cat "$TMP/err")"
	elif [ -s "$TMP/out" ]; then
		fail "ceiling $*: unexpected stdout: $(cat "$TMP/out")"
	fi
}

# 32 ohm, 103.69 dB/mW: S_V = 103.69 + 10*log10(1000/32) = 118.6385 dB/V.
# 2 Vrms, Zout 1 ohm: V = 2*32/33 = 1.9394 V; SPL = 118.6385 + 5.7533 = 124.3918;
# ceiling = 85 - 124.3918 = -39.3918.
expect_json "--vout 2 --zout 1 --impedance 32 --sensitivity 103.69dB/mW --max-spl 85" \
	'near("sensitivity_db_per_v", 118.6385)' 'near("v_load", 1.9394, 0.0001)' \
	'near("spl_at_0dbfs", 124.3918)' 'near("ceiling_db", -39.3918)' \
	'd["limited_by"] == "voltage"'
# The same headphone given per volt gives the same ceiling; "=" form of options.
expect_json "--vout=2 --zout=1 --impedance=32 --sensitivity=118.6385dB/V --max-spl=85" \
	'near("ceiling_db", -39.3918)' 'near("sensitivity_db_per_v", 118.6385)'
# Zout unknown = 0 (loud case): V = 2; SPL = 118.6385 + 6.0206 = 124.6591; ceiling -39.6591.
expect_json "--vout 2 --impedance 32 --sensitivity 103.69dB/mW --max-spl 85" \
	'near("v_load", 2.0, 0.0001)' 'near("ceiling_db", -39.6591)'
# Power cap at the same load: 100 mW @ 32 ohm -> sqrt(3.2) = 1.7889 V;
# SPL = 103.69 + 20 = 123.69; ceiling -38.69.
expect_json "--vout 5 --power 100@32 --impedance 32 --sensitivity 103.69dB/mW --max-spl 85" \
	'near("v_load", 1.7889, 0.0001)' 'near("spl_at_0dbfs", 123.69)' \
	'near("ceiling_db", -38.69)' 'd["limited_by"] == "power"'
# A rating at another load (16 ohm) is not used: V = 5; SPL = 118.6385 + 13.9794 = 132.6179.
expect_json "--vout 5 --power 100@16 --impedance 32 --sensitivity 103.69dB/mW --max-spl 85" \
	'near("v_load", 5.0, 0.0001)' 'near("ceiling_db", -47.6179)' \
	'd["limited_by"] == "voltage"'
HP_103="--impedance 32 --sensitivity 103.69dB/mW"
# Several ratings: only the one at 32 ohm counts.
expect_json "--vout 5 --power 300@16 --power 100@32 $HP_103 --max-spl 85" \
	'near("ceiling_db", -38.69)' 'd["limited_by"] == "power"'
# Full scale: 600 ohm, 96 dB/mW -> 98.2185 dB/V; 0.2 V -> 84.2391 dB SPL < 85: ceiling 0.
expect_json "--vout 0.2 --impedance 600 --sensitivity 96dB/mW --max-spl 85" \
	'near("spl_at_0dbfs", 84.2391)' 'd["ceiling_db"] == 0' 'd["limited_by"] == "full-scale"'
# Balanced, same stage: twice the voltage, 6.02 dB lower ceiling than 1 V (-33.6385).
expect_json "--vout 1 --impedance 32 --sensitivity 103.69dB/mW --max-spl 85" \
	'near("ceiling_db", -33.6385)'
expect_json "--vout 2 --impedance 32 --sensitivity 103.69dB/mW --max-spl 85" \
	'near("ceiling_db", -33.6385 - 6.0206)'

# A profile from the headphone database (DACGUARD_CONFIG_DIR): 300 ohm, 97 dB/V on
# 2 V / 1 ohm: V = 2*300/301 = 1.9934; SPL = 97 + 5.9917 = 102.9917; ceiling -17.9917.
mkdir -p "$DACGUARD_CONFIG_DIR/headphones"
cat >"$DACGUARD_CONFIG_DIR/headphones/50-test.conf" <<'CONF'
headphones = [
    {
        id = "test-open-300" name = "Test Open 300" type = "over-ear open dynamic"
        impedance-ohm = 300 sensitivity = "97dB/V" confidence = "high" source = "test vector"
    }
    {
        id = "test-iem-16" name = "Test IEM 16" type = "iem"
        impedance-ohm = 16 sensitivity = "110dB/mW" confidence = "high" source = "test vector"
    }
]
CONF
expect_json "--vout 2 --zout 1 --headphone test-open-300 --max-spl 85" \
	'd["headphone"] == "test-open-300"' 'near("v_load", 1.9934, 0.0001)' \
	'near("sensitivity_db_per_v", 97.0)' 'near("ceiling_db", -17.9917)'
# By name, case-insensitive. 16 ohm, 110 dB/mW: S_V = 110 + 10*log10(62.5) = 127.9588;
# 1 V, Zout 2: V = 16/18 = 0.8889; SPL = 127.9588 - 1.0231 = 126.9357; ceiling -41.9357.
expect_json "--vout 1 --zout 2 --headphone test-iem-16 --max-spl 85" \
	'near("sensitivity_db_per_v", 127.9588)' 'near("ceiling_db", -41.9357)' \
	'd["headphone"] == "test-iem-16"'
checks=$((checks + 1))
"$CTL" ceiling --vout 1 --zout 2 --headphone "test iem 16" --max-spl 85 --json >"$TMP/out" 2>&1 ||
	fail "lookup by name: $(cat "$TMP/out")"

# Human output: the figures are there.
checks=$((checks + 1))
"$CTL" ceiling --vout 2 --zout 1 --impedance 32 --sensitivity 103.69dB/mW --max-spl 85 \
	>"$TMP/out" 2>"$TMP/err"
if [ $? -ne 0 ] || ! grep -q -- "-39.39" "$TMP/out" || ! grep -q "124.39" "$TMP/out" ||
	! grep -q "voltage" "$TMP/out"; then
	fail "human output: $(cat "$TMP/out" "$TMP/err")"
fi

HP="--impedance 32 --sensitivity 100dB/mW"
expect_usage_error
expect_usage_error --vout
expect_usage_error --vout 2 $HP --max-spl
expect_usage_error --vout abc $HP --max-spl 85
expect_usage_error --vout 2V $HP --max-spl 85
expect_usage_error --vout "" $HP --max-spl 85
expect_usage_error --vout nan $HP --max-spl 85
expect_usage_error --vout inf $HP --max-spl 85
expect_usage_error --vout 1e999 $HP --max-spl 85
expect_usage_error --vout -2 $HP --max-spl 85
expect_usage_error --vout 0 $HP --max-spl 85
expect_usage_error --vout 2 --zout -1 $HP --max-spl 85
expect_usage_error --vout 2 --impedance -32 --sensitivity 100dB/mW --max-spl 85
expect_usage_error --vout 2 --impedance 0 --sensitivity 100dB/mW --max-spl 85
expect_usage_error --vout 2 --impedance 32 --sensitivity loud --max-spl 85
expect_usage_error --vout 2 --impedance 32 --sensitivity 100 --max-spl 85
expect_usage_error --vout 2 --impedance 32 --max-spl 85
expect_usage_error --vout 2 --sensitivity 100dB/mW --max-spl 85
expect_usage_error --vout 2 $HP --max-spl NaN
expect_usage_error --vout 2 $HP --max-spl -inf
expect_usage_error --vout 2 $HP
expect_usage_error $HP --max-spl 85
expect_usage_error --vout 2 $HP --max-spl 85 --bogus
expect_usage_error --vout 2 $HP --max-spl 85 stray
expect_usage_error --vout 2 --vout 3 $HP --max-spl 85
expect_usage_error --vout 2 $HP --headphone sennheiser-hd600 --max-spl 85
expect_usage_error --vout 2 --headphone no-such-headphone --max-spl 85
expect_usage_error --vout 2 --power 100 $HP --max-spl 85
expect_usage_error --vout 2 --power 100@ $HP --max-spl 85
expect_usage_error --vout 2 --power @32 $HP --max-spl 85
expect_usage_error --vout 2 --power -100@32 $HP --max-spl 85
expect_usage_error --vout 2 --power 100@nan $HP --max-spl 85
expect_usage_error --vout 2 --power 1@32 --power 2@32 --power 3@32 --power 4@32 --power 5@32 \
	$HP --max-spl 85

echo "test-dacguardctl-ceiling: $checks checks, $failures failed"
# a run that checked nothing tested nothing
[ "$checks" -gt 0 ] && [ "$failures" -eq 0 ]
