#!/bin/bash
# SPDX-License-Identifier: MIT
# The checks of tests/lib/pw-session.sh tried on small scripts that source it: with
# PW_SESSION_REQUIRE_CHECKS=1 a script that ends well having made no check fails (also
# one that exits early), checks made in a command substitution count, a failed check
# fails with its description; without it (benchmarks, the demo) nothing is required.
# No session is started: the rule needs none.
#   pw-session-selftest.sh PW-SESSION.SH
set -u

lib=$1
d=$(mktemp -d "${TMPDIR:-/tmp}/pw-session-selftest.XXXXXX")
trap 'rm -rf "$d"' EXIT
failures=0
checks=0

# run NAME REQUIRE WANT_RC REGEX BODY: a script sourcing the harness and running BODY,
# with PW_SESSION_REQUIRE_CHECKS=REQUIRE, exits WANT_RC and prints a line matching
# REGEX
run()
{
	local name=$1 require=$2 want=$3 regex=$4 body=$5 rc=0
	checks=$((checks + 1))
	printf '. "%s"\nset -eu\n%s\n' "$lib" "$body" >"$d/$name.sh"
	PW_SESSION_REQUIRE_CHECKS=$require bash "$d/$name.sh" >"$d/$name.out" 2>&1 || rc=$?
	echo "# $name: exit $rc, $(tail -n1 "$d/$name.out")"
	if [ "$rc" != "$want" ] || ! grep -Eq -- "$regex" "$d/$name.out"; then
		echo "FAIL: $name: exit $rc (expected $want), output (expected /$regex/):" >&2
		sed 's/^/#   /' "$d/$name.out" >&2
		failures=$((failures + 1))
	fi
}

run no-checks 1 1 '^FAIL: the test made no checks$' 'echo "# did nothing"'
run early-exit 1 1 '^FAIL: the test made no checks$' 'exit 0
pw_check "never reached" true'
run one-check 1 0 '^ok: 1 checks$' 'pw_check "one is one" [ 1 = 1 ]'
run failed-check 1 1 '^FAIL: two is one$' 'pw_check "two is one" [ 2 = 1 ]'
run check-eq 1 1 "^FAIL: colour is 'red', expected 'blue'$" 'pw_check_eq colour red blue'
# a check in a command substitution (a subshell) counts once a session dir exists
run subshell 1 0 '^ok: 2 checks$' 'PW_SESSION_DIR=$(mktemp -d)
x=$(pw_check_eq one 1 1; echo done)
pw_check_eq "the subshell" "$x" done'
run helper 1 0 '^ok: 1 checks$' 'pw_check_made "a check of my own"'
run skip 1 77 '^SKIP: no such thing$' 'pw_session_skip "no such thing"'
run other-failure 1 3 '.' 'echo "# failing"; exit 3'
run not-required 0 0 '^# nothing required$' 'echo "# nothing required"'

echo "pw-session-selftest: $checks checks, $failures failed"
[ "$checks" -gt 0 ] && [ "$failures" -eq 0 ]
