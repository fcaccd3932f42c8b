#!/bin/bash
# SPDX-License-Identifier: MIT
# The configuration is reloaded when its files change, with no signal (inotify,
# daemon/config-watch.c): dacguard.conf rewritten as editors save it (a temp
# file renamed over it) from single-ended to balanced moves the guard to the
# balanced ceiling, with one reload; a broken dacguard.conf is rejected with
# file:line:column and the guard and the decision stay as they were; the fixed
# file applies again; a drop-in written into dacguard.conf.d/, a directory that
# did not exist when the daemon started, is picked up too, and so is a whole
# configuration directory that did not exist when the daemon started.
. "$(dirname "$0")/common.sh"

# conf_save FILE: stdin to FILE the way editors save (write a temp file, rename it)
conf_save()
{
	cat >"$1.dg-tmp"
	mv "$1.dg-tmp" "$1"
}

# conf_k3 MODE [LINE2]: the test's dacguard.conf with MODE for the K3; LINE2
# replaces the second line (the fallback ceiling)
conf_k3()
{
	sed -e "s/^\(        mode = \)\"[a-z-]*\"/\1\"$1\"/" \
		${2:+-e "2s/.*/$2/"} "$E2E_CONF/dacguard.conf.orig"
}

# How many reloads the daemon made: a reload that changes nothing leaves no state
# behind, so its log is the only place to count them.
reloads()
{
	grep -c '^configuration files changed, reloading' "$_daemon_log" || true
}

e2e_start
se=$(e2e_expected se-3.5)
bal=$(e2e_expected bal-2.5)
conf=$E2E_CONF/dacguard.conf
cp "$conf" "$conf.orig"
[ ! -e "$E2E_CONF/dacguard.conf.d" ] || pw_session_fail "dacguard.conf.d exists already"
daemon_start
e2e_hotplug_k3 "$se"

# 1. an editor's save: single-ended -> balanced, no signal
t0=$(e2e_now_ms)
conf_k3 balanced | conf_save "$conf"
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $bal + 0.1"
ms=$(($(e2e_now_ms) - t0))
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $bal - 0.1"
e2e_check_k3 bal-2.5 balanced config
echo "# dacguard.conf saved (temp + rename) to the balanced ceiling $bal in force: $ms ms" >&2

# 2. a broken file (a string for a number on line 2, column 32, and a mode that
# would lower nothing but change the decision): rejected whole. The error message,
# file:line:column and key, is the daemon's log (the user's only word of it); the
# last good state stays in force, as the guard's Props show.
conf_k3 single-ended 'dacguard.fallback-ceiling-db = "quiet"' | conf_save "$conf"
daemon_wait_log "^dacguardd: error: $conf:2:32: dacguard.fallback-ceiling-db: "
daemon_wait_log "configuration rejected"
grep "^dacguardd: error: $conf:2:32: " "$_daemon_log" | sed 's/^/# logged: /' >&2
pw_check_props "$GUARD_ID" 'dacguard.output == "bal-2.5"' 'dacguard.mode == "balanced"' \
	"dacguard.ceiling-db <= $bal + 0.1" "dacguard.ceiling-db >= $bal - 0.1"
# one reload per save: the rename of step 1 and the one of step 2, and no SIGHUP's
pw_check_eq "the reloads for 2 saves" "$(reloads)" 2
pw_check "no SIGHUP reload" eval '! daemon_log_has "^reloading configuration"'

# 3. the fixed file applies again (single-ended)
t0=$(e2e_now_ms)
conf_k3 single-ended | conf_save "$conf"
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $se - 0.1"
ms=$(($(e2e_now_ms) - t0))
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $se + 0.1"
e2e_check_k3 se-3.5 single-ended config
echo "# fixed dacguard.conf to the single-ended ceiling $se in force: $ms ms" >&2

# 4. a drop-in in a directory made now (its creation is a reload of its own; the
# file comes after it, so only a watch on the new directory sees it): max SPL
# 80 dB lowers the ceiling by 5 dB
low=$(awk -v c="$se" 'BEGIN { printf "%.2f", c - 5 }')
n=$(reloads)
mkdir "$E2E_CONF/dacguard.conf.d"
pw_wait_for "the reload for the new directory" eval '[ "$(reloads)" -gt '"$n"' ]'
t0=$(e2e_now_ms)
echo 'dacguard.max-spl-db = 80.0' >"$E2E_CONF/dacguard.conf.d/50-quieter.conf"
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $low + 0.1"
ms=$(($(e2e_now_ms) - t0))
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $low - 0.1"
echo "# drop-in in a new dacguard.conf.d/ to the ceiling $low in force: $ms ms" >&2
echo "# $(reloads) reloads in all" >&2

# 5. a configuration directory that does not exist at all yet (two levels
# missing): a new daemon watches the nearest parent that exists and decides with
# the defaults (no database: the K3 is unknown, the fallback ceiling -30 dB);
# the directory made and filled later applies
kill -TERM "$_daemon_pid"
wait "$_daemon_pid" 2>/dev/null || true
_daemon_pid=
rm "$E2E_CONF/dacguard.conf.d/50-quieter.conf"
export DACGUARD_CONFIG_DIR=$PW_SESSION_DIR/later/dacguard
daemon_start
e2e_wait_guard -30
e2e_check_list "the K3 unknown, at the fallback ceiling" 'card(1) | (.known | not)
	and .limited_by == "fallback" and near(.ceiling_db; -30)'
t0=$(e2e_now_ms)
mkdir -p "$PW_SESSION_DIR/later"
cp -r "$E2E_CONF" "$PW_SESSION_DIR/later/dacguard.tmp"
mv "$PW_SESSION_DIR/later/dacguard.tmp" "$DACGUARD_CONFIG_DIR"
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $se - 0.1"
ms=$(($(e2e_now_ms) - t0))
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $se + 0.1"
e2e_check_k3 se-3.5 single-ended config
echo "# configuration directory made later to the single-ended ceiling $se in force:" \
	"$ms ms" >&2
echo "ok"
