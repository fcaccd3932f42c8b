#!/bin/bash
# SPDX-License-Identifier: MIT
# Faults of the files dacguardd reads, while it runs with the K3's guard in place and
# full-scale audio playing through it: dacguard.conf, a dacguard.conf.d drop-in (it
# lowers the SPL limit to 80 dB), the K3's database file (devices/30-fiio.conf) and
# the HD 600's headphone profile file (headphones/30-sennheiser.conf), each replaced in
# turn by garbage (its gzip), by an empty file, by a 10 MB one (itself padded with a
# comment), deleted, and made unreadable in the three ways root cannot read through (a
# directory, a symbolic link to nothing, a FIFO, which must not hang the reader).
#
# What each must give (doc/formats.md):
# - garbage, 10 MB, unreadable: rejected, with an error naming the file (and line:col
#   where there is one); the last good state stays, the guard's ceiling with it.
# - empty or deleted dacguard.conf: a valid configuration, the defaults (and the
#   drop-ins): the decision dacguardctl list makes from the files, lower than the
#   HD 600's.
# - empty or deleted drop-in: valid, its setting gone: the ceiling of dacguard.conf
#   alone (it rises by the drop-in's 5 dB, to no more than that).
# - empty or deleted database file: valid, the K3 unknown: the fallback, -30 dBFS.
# - empty or deleted headphone file: dacguard.conf names a headphone that is not there:
#   rejected (the error names dacguard.conf:line:col), the last good state stays.
# After each: the daemon lives and has read the change (its decision or its rejection
# is in the log); the guard holds the ceiling the outcome gives; the recording of the
# DAC, made across the fault while a full-scale sweep plays into the guard, is the part
# of the sweep played then, whole, at the ceiling before and then at the one after,
# nothing above the higher of the two. A recording in which the busy machine lost or
# repeated a cycle (an xrun: wav-intact's dropouts and shifts) is made again, up to
# three times; a sample above a ceiling fails at once. Then the file is restored and
# the first ceiling comes back (after a replug where the fault lowered a hard limit:
# restored() says why). The daemon is stopped (SIGSTOP) while a fault or a restore is
# written, so it reads each as one change, as it would an editor's rename.
. "$(dirname "$0")/common.sh"

# the player and the recorder SCHED_FIFO (pw-audio.sh): 28 recordings on a busy machine
PW_AUDIO_RT=1

# log_count ERE: lines of the daemon's log matching it
log_count()
{
	grep -cE "$1" "$_daemon_log" || true
}

# the daemon's word after a reload: a decision for the K3, or a rejection
outcomes()
{
	log_count '^card1 "|^dacguardd: error: configuration rejected'
}

rejections()
{
	log_count '^dacguardd: error: configuration rejected'
}

# an ERE matching STRING as it is
ere()
{
	sed 's/[.*^$+?(){}|[]/\\&/g' <<<"$1"
}

hwm_kb()
{
	awk '/^VmHWM:/ { print $2 }' "/proc/$_daemon_pid/status"
}

# the ceiling dacguardctl list decides for the K3 from the files as they are now
list_ceiling()
{
	e2e_list | jq -r '.[] | select(.card == 1) | .ceiling_db'
}

# with_daemon_stopped CMD...: CMD runs while the daemon cannot read a half-made change
with_daemon_stopped()
{
	kill -STOP "$_daemon_pid"
	"$@"
	kill -CONT "$_daemon_pid"
}

# make_fault FILE FAULT
make_fault()
{
	local f=$1 orig=$d/orig/${1##*/}
	case $2 in
	garbage) gzip -n -9 -c "$orig" >"$f" ;;
	empty) : >"$f" ;;
	10mb) { cat "$orig"; yes '# padding to 10 MB' | head -c 10485760; } >"$f" ;;
	deleted) rm "$f" ;;
	directory) rm "$f" && mkdir "$f" ;;
	dangling) rm "$f" && ln -s "$f.gone" "$f" ;;
	fifo) rm "$f" && mkfifo "$f" ;;
	*) pw_session_fail "no fault $2" ;;
	esac
}

restore_file()
{
	rm -rf "$1"
	cp "$d/orig/${1##*/}" "$1"
}

# the message the daemon logs about FILE with FAULT, when the fault is rejected
fault_message()
{
	local f
	f=$(ere "$1")
	case $2 in
	garbage) echo "^dacguardd: error: $f:[0-9]+:[0-9]+: " ;;
	10mb) echo "^dacguardd: error: $f: cannot read: larger than 4 MiB" ;;
	directory) echo "^dacguardd: error: $f: cannot read: a directory" ;;
	dangling) echo "^dacguardd: error: $f: cannot read: a symbolic link to nothing" ;;
	fifo) echo "^dacguardd: error: $f: cannot read: not a regular file" ;;
	# a headphone profile gone: dacguard.conf names it
	empty | deleted) echo "^dacguardd: error: $(ere "$conf"):[0-9]+:[0-9]+: .*unknown headphone" ;;
	esac
}

# intact_or_retry TRY ARGS...: check_intact ARGS, except that before the last TRY a
# recording in which a cycle was lost or repeated (wav-intact's dropouts and shifts: the
# graph's xruns on a busy machine, which no limit causes) returns 1, said with the
# report, to be made again; any other fault fails at once
intact_or_retry()
{
	local err=$d/intact.err try=$1 args
	shift
	if [ "$try" = "$TRIES" ]; then
		check_intact "$@"
		return
	fi
	if ! INTACT_OUT=$("$DG_WAV_INTACT" "$@" 2>"$err"); then
		echo "$INTACT_OUT" | sed 's/^/#   /' >&2
		sed 's/^/#   /' "$err" | head -n 12 >&2
		if grep -Eq ' [1-9][0-9]* dropouts' <<<"$INTACT_OUT" || grep -q '^shift:' "$err"; then
			return 1
		fi
		check_intact "$@"
	fi
	args=${*//"$d/"/}
	echo "# wav-intact $args: $(head -n1 <<<"$INTACT_OUT")" >&2
	pw_check_made "wav-intact $*"
}

# peak_bound CEILING: the highest peak a recording of the DAC may show at CEILING dBFS:
# the ceiling and half a step of the 2^-24 grid the recorded samples lie on (the
# guard's float output is rounded to it on the way to the recorder: its full-scale
# peak at -66.866 dBFS is recorded as -66.8656)
peak_bound()
{
	awk -v c="$1" 'BEGIN { printf "%.6f", 20 * log(10 ^ (c / 20) + 2 ^ -25) / log(10) }'
}

# check_recording BEFORE AFTER TRY: rec.wav holds the sweep at BEFORE dBFS, then (when
# AFTER differs) at AFTER, whole, in order, and nothing above the higher of the two.
# A recording with an xrun before the last TRY returns 1 (intact_or_retry), to be made
# again; a sample above the ceiling fails at once.
check_recording()
{
	local before=$1 after=$2 try=$3 f_step
	check_wav "$d/rec.wav" --max-db "$(peak_bound "$(awk -v a="$before" -v b="$after" \
		'BEGIN { print (a > b ? a : b) }')")"
	if [ "$before" = "$after" ]; then
		intact_or_retry "$try" "$d/sweep.wav" "$d/rec.wav" --partial --gain-db "$before" \
			--gain-slack 0.001 || return 1
		check_wav "$d/rec.wav" --max-db "$(peak_bound "$before")" --expect-db "$before" \
			--tolerance 1
		return
	fi
	intact_or_retry "$try" "$d/sweep.wav" "$d/rec.wav" --partial --gain-db "$before" \
		--gain-db "$after" --gain-slack 0.001 || return 1
	read -r f_step _ < <(intact_transition 1)
	[ -n "$f_step" ] || pw_session_fail "no step from $before to $after dBFS in the recording"
	sox -V1 "$d/rec.wav" "$d/before.wav" trim 0 "${f_step}s"
	sox -V1 "$d/rec.wav" "$d/after.wav" trim "${f_step}s"
	check_wav "$d/before.wav" --max-db "$(peak_bound "$before")" --expect-db "$before" \
		--tolerance 1
	check_wav "$d/after.wav" --max-db "$(peak_bound "$after")" --expect-db "$after" \
		--tolerance 1
}

# fault_once TRY FILE FAULT OUTCOME [WHAT FILTER]: FAULT made to FILE with the sweep
# playing (TRY of $TRIES); the OUTCOME is "keep" (rejected, the ceiling stays) or "list"
# (accepted: the guard takes the ceiling dacguardctl list decides, whose JSON satisfies
# the e2e_check_list FILTER, WHAT in words); then FILE restored and the first ceiling back.
# The recording starts once the sweep plays, so it holds a part of it and not the
# player's start. Returns 1 when the recording had an xrun and TRY was not the last.
fault_once()
{
	local try=$1 file=$2 what=$3 outcome=$4 name=${2#"$E2E_CONF"/} before after n r m msg
	local t0 ms hwm0 hwm1 intact=0 again=
	shift
	[ "$try" = 1 ] || again=" (again: the recording before had an xrun)"
	echo "# --- $name: $what$again" >&2
	before=$(pw_param "$GUARD_ID" dacguard.ceiling-db)
	play_bg "$d/sweep.wav"
	record_start "$DAC" "$d/rec.wav"
	record_more 200
	n=$(outcomes)
	r=$(rejections)
	hwm0=$(hwm_kb)
	t0=$(e2e_now_ms)
	with_daemon_stopped make_fault "$file" "$what"
	pw_wait_for "dacguardd to read the $what $name" eval '[ "$(outcomes)" -gt '"$n"' ]'
	ms=$(($(e2e_now_ms) - t0))
	# a new ceiling in force before the recording ends, to be heard in it
	[ "$outcome" = keep ] || pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "!= $before"
	record_more 300
	record_stop
	kill -TERM "$_play_pid" 2>/dev/null || true
	wait "$_play_pid" 2>/dev/null || true

	pw_check "dacguardd lives after the $what $name" kill -0 "$_daemon_pid"
	case $outcome in
	keep)
		msg=$(fault_message "$file" "$what")
		pw_check_eq "rejections of the $what $name" "$(rejections)" $((r + 1))
		pw_check "dacguardd's error about the $what $name" daemon_log_has "$msg"
		grep -E "$msg" "$_daemon_log" | tail -n 1 | sed 's/^/# logged: /' >&2
		pw_check_props "$GUARD_ID" "dacguard.ceiling-db == $before"
		after=$before
		;;
	list)
		pw_check_eq "rejections of the $what $name" "$(rejections)" "$r"
		e2e_check_list "$4" "$5"
		m=$(list_ceiling)
		pw_check_props "$GUARD_ID" "dacguard.ceiling-db <= $m + 0.001" \
			"dacguard.ceiling-db >= $m - 0.001"
		after=$(pw_param "$GUARD_ID" dacguard.ceiling-db)
		;;
	esac
	if [ "$what" = 10mb ]; then
		hwm1=$(hwm_kb)
		echo "# 10 MB $name: dacguardd's peak RSS $hwm0 -> $hwm1 kB" >&2
		# read, the file would be in memory whole: the peak would grow by its size
		# (a reload alone adds a few MB under ASan, whose quarantine keeps what is freed)
		pw_check "dacguardd did not read the 10 MB $name" \
			eval '[ $((hwm1 - hwm0)) -lt 10240 ]'
	fi
	check_recording "$before" "$after" "$try" || intact=1
	echo "# $what $name: ceiling $before -> $after dBFS, read in $ms ms" >&2

	n=$(outcomes)
	r=$(rejections)
	with_daemon_stopped restore_file "$file"
	pw_wait_for "dacguardd to read the restored $name" eval '[ "$(outcomes)" -gt '"$n"' ]'
	pw_check_eq "rejections after $name was restored" "$(rejections)" "$r"
	restored
	return $intact
}

# the guard's hard limit for the output in force (dacguard.hard-ceilings)
guard_hard()
{
	local out
	out=$(pw_param "$GUARD_ID" dacguard.output)
	pw_param "$GUARD_ID" dacguard.hard-ceilings | jq -r --arg o "$out" '.[$o] // empty'
}

# restored: the files as they were, the guard comes back to the first ceiling. A fault
# that was a valid configuration with lower hard limits (the defaults: no headphone
# assigned; the K3 unknown) lowered the guard's hard-ceilings, which nothing raises in a
# running guard (doc/formats.md): then the ceiling comes back to that hard limit, and to
# the first one when the K3 is plugged in again and has a new guard.
restored()
{
	local hard want
	hard=$(guard_hard)
	want=$(awk -v b="$base" -v h="${hard:-0}" 'BEGIN { print (h < b ? h : b) }')
	pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $want + 0.001" ">= $want - 0.001"
	[ "$want" != "$base" ] || return 0
	echo "# restored: ceiling $(pw_param "$GUARD_ID" dacguard.ceiling-db), the hard limit" \
		"the fault lowered; the K3 plugged in again" >&2
	tb_cmd remove "${K3_CARD%/1-1:1.0/sound/card1}"
	pw_wait_node_gone "$GUARD"
	e2e_hotplug_k3 "$base"
	pw_wait_linked "$GUARD.output" "$DAC"
	pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "== $base"
}

# fault FILE FAULT OUTCOME [WHAT FILTER]: fault_once, again while its recording has an
# xrun, up to $TRIES times
TRIES=3
fault()
{
	local try
	for ((try = 1; try <= TRIES; try++)); do
		fault_once "$try" "$@" && { nfaults=$((nfaults + 1)); return; }
	done
}

e2e_start
d=$PW_SESSION_DIR
nfaults=0
conf=$E2E_CONF/dacguard.conf
dropin=$E2E_CONF/dacguard.conf.d/50-quieter.conf
dbfile=$E2E_CONF/devices/30-fiio.conf
hpfile=$E2E_CONF/headphones/30-sennheiser.conf
se=$(e2e_expected se-3.5)
quiet=$("$DG_DACGUARDCTL" ceiling --vout 1.96 --power 120@32 --power 220@16 \
	--headphone "$HEADPHONE" --max-spl 80 --json | jq -r .ceiling_db)
mkdir -p "$E2E_CONF/dacguard.conf.d" "$d/orig"
# the harness's exemptions (common.sh) in a drop-in of their own too, so that they
# outlive the faults of dacguard.conf
grep -E '^dacguard\.hide-raw-sink' "$conf" >"$E2E_CONF/dacguard.conf.d/10-harness.conf"
echo 'dacguard.max-spl-db = 80.0' >"$dropin"
for f in "$conf" "$dropin" "$dbfile" "$hpfile"; do
	cp "$f" "$d/orig/"
done
# a sweep: a recording of a part of it has one place in it (a steady sine repeats)
make_wav "$d/sweep.wav" synth 20 sine 200:2000 gain -n 0

daemon_start
e2e_hotplug_k3 "$quiet"
pw_wait_linked "$GUARD.output" "$DAC"
base=$(pw_param "$GUARD_ID" dacguard.ceiling-db)
echo "# the K3 with the HD 600 at 80 dB SPL: $base dBFS (at 85 dB: $se)" >&2

for f in "$conf" "$dropin" "$dbfile" "$hpfile"; do
	for what in garbage 10mb directory dangling fifo; do
		fault "$f" "$what" keep
	done
done
for what in empty deleted; do
	fault "$conf" "$what" list "the defaults' decision, lower than the HD 600's" \
		"card(1) | .known and .ceiling_db < $quiet - 1"
	fault "$dropin" "$what" list "dacguard.conf's decision, without the drop-in" \
		"card(1) | .known and near(.ceiling_db; $se)"
	fault "$dbfile" "$what" list "the K3 unknown, at the fallback ceiling" \
		'card(1) | (.known | not) and .limited_by == "fallback" and near(.ceiling_db; -30)'
	fault "$hpfile" "$what" keep
done

pw_check "dacguardd's log shows no crash" \
	eval '! daemon_log_has "AddressSanitizer|runtime error|Segmentation|Aborted|assert"'
pw_figure "faults survived" "$nfaults (dacguard.conf, a drop-in, a database and a profile file broken)"
echo "ok"
