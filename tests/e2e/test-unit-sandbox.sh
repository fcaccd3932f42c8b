#!/bin/bash
# SPDX-License-Identifier: MIT
# The shipped unit's sandbox leaves dacguardd working: the unit as built
# (daemon/dacguardd.service, every sandboxing line of it) runs under a systemd user
# manager of an unprivileged user, the daemon in the umockdev testbed. The sandbox is
# in force (no new privileges, a seccomp filter, on the daemon and on its guard host);
# the K3 is detected and its guard host started at the ceiling; full scale through
# the guard peaks at the ceiling; a restart adopts the host and keeps the guard (with
# PrivateUsers= it went: doc/hardening.md); a stop leaves the host and its pid file
# (KillMode=process). When the test user can be given RLIMIT_RTPRIO, the host's data
# thread must run SCHED_FIFO (no RestrictRealtime=); without, that is not checked.
#
# Run as root, it makes what a login would: a test user (in a private /etc/passwd), a
# delegated cgroup, /run/user/UID, and what PID 1 keeps in /run/systemd (system/, the
# mark of a system booted with systemd, without which systemd --user does not start;
# unit-root/, where a sandboxed unit's namespace is put together), in a mount
# namespace of its own; then it runs the rest of this script as that user. Not root:
# skipped.

if [ -z "${DG_SANDBOX_CGROUP:-}" ]; then
	set -eu
	skip()
	{
		echo "SKIP: $*" >&2
		exit 77
	}
	[ "$(id -u)" = 0 ] || skip "needs root (mount namespace, cgroup, test user)"
	systemd=
	for f in /usr/lib/systemd/systemd /lib/systemd/systemd; do
		[ -x "$f" ] && { systemd=$f; break; }
	done
	[ -n "$systemd" ] || skip "no systemd (scripts/deps.sh installs it)"
	for cmd in systemctl unshare setpriv findmnt mount mountpoint umockdev-wrapper; do
		command -v "$cmd" >/dev/null || skip "$cmd not installed"
	done
	[ -d /run/systemd ] || skip "no /run/systemd to cover"
	# a uid no one has (a login would have one: 1000 and up may be taken)
	uid=$((62000 + $$ % 1000))
	while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do
		uid=$((uid + 1))
	done
	setpriv --reuid="$uid" --regid="$uid" --clear-groups test -r "$DG_DACGUARDD" ||
		skip "user $uid cannot read the build ($DG_DACGUARDD)"

	# a cgroup of cgroup v2 under ours, delegated to the user (as user@.service is)
	cg2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
	[ -n "$cg2" ] || skip "no cgroup v2 hierarchy"
	rel=$(sed -n 's/^0:://p' /proc/self/cgroup)
	rel=${rel%/}/dacguard-sandbox.$$
	mkdir "$cg2$rel" 2>/dev/null || skip "cannot make a cgroup in $cg2"
	work=$(mktemp -d)
	cleanup()
	{
		# what is left in the cgroup (a user manager or a guard host after a failure)
		# was started here
		if [ -e "$cg2$rel/cgroup.kill" ]; then
			echo 1 >"$cg2$rel/cgroup.kill" 2>/dev/null || true
		else
			find "$cg2$rel" -name cgroup.procs -exec cat {} + 2>/dev/null |
				while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
		fi
		for _ in $(seq 50); do
			[ -z "$(find "$cg2$rel" -name cgroup.procs -exec cat {} + 2>/dev/null)" ] && break
			sleep 0.1
		done
		find "$cg2$rel" -depth -type d -exec rmdir {} + 2>/dev/null || true
		rm -rf "$work"
	}
	trap cleanup EXIT
	mkdir "$cg2$rel/test"
	chown "$uid:$uid" "$cg2$rel" "$cg2$rel"/cgroup.{procs,threads,subtree_control} \
		"$cg2$rel/test" "$cg2$rel/test"/cgroup.{procs,threads,subtree_control}
	cp /etc/passwd "$work/passwd"
	cp /etc/group "$work/group"
	echo "dgsandbox:x:$uid:$uid:dacguard sandbox test:/run/user/$uid/home:/bin/sh" \
		>>"$work/passwd"
	echo "dgsandbox:x:$uid:" >>"$work/group"
	# RLIMIT_RTPRIO for the user, as PipeWire's limits.d file gives its group; this
	# root may lack CAP_SYS_RESOURCE to raise it (a container)
	rt=0
	if [ "$(ulimit -Hr)" = unlimited ] || [ "$(ulimit -Hr)" -ge 20 ] ||
		prlimit --pid $$ --rtprio=20:20 2>/dev/null; then
		ulimit -r 20 && rt=1
	fi

	rc=0
	# (in a chroot / is no mount point: its propagation cannot be changed, and is the
	# private one of the namespace the chroot was entered in)
	unshare --mount --propagation unchanged bash -c '
		set -eu
		uid=$1 rel=$2 work=$3
		shift 3
		if ! mount --make-rprivate / 2>/dev/null && mountpoint -q /; then
			echo "cannot make the mounts private" >&2
			exit 1
		fi
		# /run is a mount of its own on a booted system; where it is not (a
		# container, a chroot), a unit with MountAPIVFS= (ProtectKernelTunables=...)
		# would get an empty tmpfs there, with the PipeWire socket hidden under it
		mountpoint -q /run || mount --rbind /run /run
		mount -t tmpfs -o mode=755 tmpfs /run/systemd
		mkdir /run/systemd/system
		# where the namespace of a sandboxed unit is put together: PID 1 makes it for
		# its own services at boot, a user manager cannot
		mkdir -m 700 /run/systemd/unit-root
		mount -t tmpfs -o mode=755 tmpfs /run/user
		mkdir -m 700 /run/user/$uid
		mkdir -m 700 /run/user/$uid/home
		chown $uid:$uid /run/user/$uid /run/user/$uid/home
		mount --bind "$work/passwd" /etc/passwd
		mount --bind "$work/group" /etc/group
		# systemd reads the hierarchy at /sys/fs/cgroup: v2 alone, as on a unified
		# system (a hybrid one has v2 at /sys/fs/cgroup/unified)
		[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
			mount -t cgroup2 cgroup2 /sys/fs/cgroup
		echo $$ >"/sys/fs/cgroup$rel/test/cgroup.procs"
		exec setpriv --reuid=$uid --regid=$uid --clear-groups \
			env HOME=/run/user/$uid/home USER=dgsandbox LOGNAME=dgsandbox \
			TMPDIR=/run/user/$uid "$@"' sandbox "$uid" "$rel" "$work" \
		env DG_SANDBOX_CGROUP="/sys/fs/cgroup$rel" DG_SANDBOX_RT=$rt DG_SYSTEMD="$systemd" \
		bash "$0" || rc=$?
	exit $rc
fi

# As the test user, in the mount namespace.
. "$(dirname "$0")/common.sh"

e2e_start
want=$(e2e_expected se-3.5)
# The user's runtime directory is /run/user/UID, as a login makes it: the manager's
# sandboxing looks there. The session's sockets stay in its own (PIPEWIRE_RUNTIME_DIR,
# DBUS_SESSION_BUS_ADDRESS); the daemon's state and the hosts' pid files move here.
XDG_RUNTIME_DIR=/run/user/$(id -u)
export XDG_RUNTIME_DIR

# The unit as built, and a drop-in of what the test alone needs: the daemon in the
# testbed (umockdev's preload) with the test's configuration, and its output in a file
# (there is no journal). The unit's sandbox is left as it is.
units=$PW_SESSION_DIR/units
mkdir -p "$units/dacguardd.service.d"
cp "$DG_UNIT" "$units/dacguardd.service"
# the session's PipeWire is the test's, not one the manager would start
ln -s /dev/null "$units/pipewire.service"
printf '[Unit]\nDescription=the test session\n' >"$units/default.target"
log=$PW_SESSION_DIR/dacguardd.log
path=$PATH
if [ -n "${DG_HOST_PRELOAD:-}" ]; then
	# sanitizer build: the guard hosts need the runtime the module was built against
	mkdir -p "$PW_SESSION_DIR/host-bin"
	printf '#!/bin/sh\nLD_PRELOAD=%s exec %s "$@"\n' "$DG_HOST_PRELOAD" \
		"$(command -v pipewire)" >"$PW_SESSION_DIR/host-bin/pipewire"
	chmod +x "$PW_SESSION_DIR/host-bin/pipewire"
	path=$PW_SESSION_DIR/host-bin:$PATH
fi
cat >"$units/dacguardd.service.d/test.conf" <<UNIT
[Service]
ExecStart=
ExecStart=$(command -v umockdev-wrapper) $DG_DACGUARDD --verbose
Environment="PATH=$path" "UMOCKDEV_DIR=$E2E_UMOCKDEV_DIR"
Environment="DACGUARD_CONFIG_DIR=$DACGUARD_CONFIG_DIR" "PIPEWIRE_MODULE_DIR=$PIPEWIRE_MODULE_DIR"
Environment="PIPEWIRE_RUNTIME_DIR=$PIPEWIRE_RUNTIME_DIR" "PIPEWIRE_REMOTE=$PIPEWIRE_REMOTE"
Environment="ASAN_OPTIONS=${ASAN_OPTIONS:-}" "UBSAN_OPTIONS=${UBSAN_OPTIONS:-}"
StandardOutput=append:$log
StandardError=inherit
UNIT
# DG_SANDBOX_PRIVATE_USERS=1 (test-unit-sandbox-userns.sh): the unit in a user
# namespace of its own, where the daemon cannot read other processes' executables
if [ "${DG_SANDBOX_PRIVATE_USERS:-0}" = 1 ]; then
	printf '[Service]\nPrivateUsers=yes\n' >"$units/dacguardd.service.d/userns.conf"
fi

mkdir "$DG_SANDBOX_CGROUP/manager"
(
	echo "$BASHPID" >"$DG_SANDBOX_CGROUP/manager/cgroup.procs"
	exec env SYSTEMD_UNIT_PATH="$units:/usr/lib/systemd/user" "$DG_SYSTEMD" --user
) >"$PW_SESSION_DIR/systemd.log" 2>&1 &
E2E_PIDS+=($!)
pw_wait_for "the user manager" systemctl --user show -p Version
if ! systemctl --user start dacguardd.service; then
	status=$(systemctl --user status dacguardd.service 2>&1) || true
	# systemd 257 and later in the stacks' chroot cannot make the unit's user namespace
	if [ "${DG_SANDBOX_PRIVATE_USERS:-0}" = 1 ] && [[ $status == *217/USER* ]]; then
		pw_session_skip "this user manager cannot set up PrivateUsers= here (217/USER)"
	fi
	pw_session_fail "systemctl --user start dacguardd.service failed: $status"
fi
pw_wait_for "dacguardd to watch the cards" grep -q "watching sound cards" "$log"
pw_wait_for "dacguardd to connect to PipeWire" grep -q "connected to PipeWire" "$log"
daemon=$(systemctl --user show -p MainPID --value dacguardd.service)
[ "${daemon:-0}" -gt 0 ] || pw_session_fail "no MainPID for dacguardd.service"

# sandboxed PID WHAT: the kernel shows the unit's restrictions on process PID
sandboxed()
{
	pw_check "$2 has no new privileges" grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$1/status"
	pw_check "$2 has a seccomp filter" grep -q '^Seccomp:[[:space:]]*2$' "/proc/$1/status"
}
sandboxed "$daemon" "the daemon"

e2e_hotplug_k3 "$want"
pw_wait_linked "$GUARD.output" "$DAC"
pidfile=$XDG_RUNTIME_DIR/dacguard/guard-$DAC.pid
host=$(cat "$pidfile")
sandboxed "$host" "the guard host"
e2e_make_signals
e2e_check_signals "$want" sine+12

# The data thread (data-loop.0) is real-time when the user may have it.
if [ "$DG_SANDBOX_RT" = 1 ]; then
	rt_thread()
	{
		local t
		for t in /proc/"$host"/task/*; do
			[ "$(cat "$t/comm")" = data-loop.0 ] || continue
			# field 41 of stat: the policy (1: SCHED_FIFO, 2: SCHED_RR)
			awk '{ sub(/.*\) /, ""); exit !($39 == 1 || $39 == 2) }' "$t/stat" && return 0
		done
		return 1
	}
	pw_check "the guard host's data thread runs real-time" rt_thread
else
	echo "# not checked: real-time scheduling of the guard host (no RLIMIT_RTPRIO to give)" >&2
fi

# a restart: the new daemon, sandboxed too, adopts the host
# (its takeover writes what the guard holds already: its log line is the readiness)
lines=$(wc -l <"$log")
took_over()
{
	tail -n +"$((lines + 1))" "$log" | grep -q "$GUARD (id $GUARD_ID): ceiling"
}
systemctl --user restart dacguardd.service
daemon=$(systemctl --user show -p MainPID --value dacguardd.service)
sandboxed "$daemon" "the restarted daemon"
pw_wait_for "the restarted daemon to take the guard over" took_over
pw_check_eq "the guard host's pid" "$(cat "$pidfile")" "$host"
pw_check_eq "the nodes named $GUARD" "$(e2e_node_count "$GUARD")" 1

# a stop: the host, its guard and its state stay
systemctl --user stop dacguardd.service
pw_check "guard host $host still runs after a stop" kill -0 "$host"
pw_check "the host's pid file is kept after a stop" test -f "$pidfile"
pw_check_props "$GUARD_ID" "dacguard.ceiling-db <= $want + 0.1"
echo "ok"
