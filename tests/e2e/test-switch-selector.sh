#!/bin/bash
# SPDX-License-Identifier: MIT
# A mode switch by an ALSA control event, end to end: the K3's entry in a local
# database file (devices/50-local.conf, read after the shipped 30-fiio.conf)
# names an "Output Select" selector, and the daemon reads the card's controls
# through the udev suite's test control plugin (dacguardd --ctl dgtest, its
# state in a file). During full-scale playback the selector goes from SE to BAL:
# the guard goes to the balanced ceiling and, counted from the instant the
# control changed, no sample above it reaches the DAC sink once the cycles
# already on their way (MARGIN) are through. Before the switch the recording is
# at the single-ended ceiling, about 6 dB above the balanced one, so a switch not
# applied (or applied late) leaves samples over it.
. "$(dirname "$0")/common.sh"

# small graph cycles (256 frames, 5.3 ms), as in test-switch-user.sh
PW_AUDIO_LATENCY=256
# what may still carry the old ceiling after the control changed: the plugin's
# inotify and the daemon's decision and Props write (a few ms), the trip through
# the server to the guard host and the cycles in flight to the recorder's file.
# Measured: the last sample over the balanced ceiling at +506 to +762 frames
# (two or three 256-frame cycles), also with the CPUs busy; 2048 frames (43 ms)
# here, counted from the control change, not from the guard's answer
MARGIN=2048

BUILD_DIR=${DG_DACGUARDD%/daemon/dacguardd}
CTL_LIB=$BUILD_DIR/tests/udev/libasound_module_ctl_dgtest.so

# wav_overs FILE DB: "<samples over DB> <frame of the last one, -1: none>"
wav_overs()
{
	sox "$1" -t dat - | awk -v lim="$(awk -v db="$2" 'BEGIN { print 10^(db / 20) * (1 + 1e-6) }')" '
		/^;/ { next }
		{ for (i = 2; i <= NF; i++) if ($i > lim || -$i > lim) { n++; last = f } f++ }
		END { print n + 0, (n ? last : -1) }'
}

# ctl_select ITEM: the dgtest control device's "Output Select" to ITEM (a rename,
# as the plugin expects: it watches for the file moved into place)
ctl_select()
{
	printf 'jack=0\nselect=%s\n' "$1" >"$PW_SESSION_DIR/ctl-state.tmp"
	mv "$PW_SESSION_DIR/ctl-state.tmp" "$PW_SESSION_DIR/ctl-state"
}

[ -f "$CTL_LIB" ] || pw_session_fail "no $CTL_LIB (built with the udev suite)"
e2e_start
se=$(e2e_expected se-3.5)
bal=$(e2e_expected bal-2.5)
d=$PW_SESSION_DIR

# the K3 entry again, with the selector; the figures are the shipped ones, so
# e2e_expected still holds
cat >"$E2E_CONF/devices/50-local.conf" <<'CONF'
devices = [
    {
        vendor = "FiiO"
        model  = "K3 (local, with its output selector)"
        match  = { usb = "2972:0047" product = "*K3*" }
        source = "tests/e2e/test-switch-selector.sh: conf/devices/30-fiio.conf plus a selector"
        selectors = [ { control = "Output Select" items = { "SE" = "se-3.5" "BAL" = "bal-2.5" } } ]
        outputs = [
            {
                id        = "se-3.5"
                vout-vrms = 1.96
                power     = [ { mw = 120 ohm = 32 } { mw = 220 ohm = 16 } ]
                source    = "conf/devices/30-fiio.conf"
            }
            {
                id        = "bal-2.5"
                vout-vrms = 3.92
                source    = "conf/devices/30-fiio.conf"
            }
        ]
    }
]
CONF
# ALSA finds ctl.dgtest and its plugin through this file alone (as in tests/udev)
ctl_select SE
cat >"$d/asound.conf" <<CONF
ctl_type.dgtest { lib "$CTL_LIB" }
ctl.dgtest { type dgtest state "$d/ctl-state" }
CONF
export ALSA_CONFIG_PATH=$d/asound.conf

daemon_start --ctl dgtest
e2e_hotplug_k3 "$se"
daemon_wait_log '^card1 .* mode=single-ended\(selector\) \[Output Select=SE\] se-3\.5:'
pw_wait_linked "$GUARD.output" "$DAC"

e2e_play_sine_at "$se"

# the instant of the control change, as a position in the recording
f_sw=$(wav_frames "$d/rec.wav")
t_sw=$(e2e_now_ms)
ctl_select BAL
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db "<= $bal + 0.1"
ms=$(($(e2e_now_ms) - t_sw))
pw_wait_prop "$GUARD_ID" dacguard.ceiling-db ">= $bal - 0.1"
daemon_wait_log '^card1 .* mode=balanced\(selector\) \[Output Select=BAL\] bal-2\.5:'
[ "$(pw_param "$GUARD_ID" dacguard.output)" = bal-2.5 ] ||
	pw_session_fail "output is '$(pw_param "$GUARD_ID" dacguard.output)'"
[ "$(pw_param "$GUARD_ID" dacguard.mode)" = balanced ] ||
	pw_session_fail "mode is '$(pw_param "$GUARD_ID" dacguard.mode)'"
play_wait
record_stop

sox "$d/rec.wav" "$d/before.wav" trim 0 "$((f_sw > 4800 ? f_sw - 4800 : 1))s"
sox "$d/rec.wav" "$d/after-switch.wav" trim "${f_sw}s"
sox "$d/rec.wav" "$d/after.wav" trim "$((f_sw + MARGIN))s"
read -r n_over last_over < <(wav_overs "$d/after-switch.wav" "$bal")
echo "# selector SE -> BAL to the balanced ceiling $bal shown: $ms ms;" \
	"$n_over samples over it after the switch, the last at +$last_over frames" \
	"(margin $MARGIN)" >&2
check_wav "$d/before.wav" --max-db "$se" --expect-db "$se" --tolerance 1
check_wav "$d/after.wav" --max-db "$bal" --expect-db "$bal" --tolerance 1
# the whole recording, sample for sample: the sine at the single-ended ceiling, then
# at the balanced one from a frame between the control change and MARGIN after it
check_intact "$d/sine.wav" "$d/rec.wav" --gain-db "$se" --gain-db "$bal" --gain-slack 0.001
read -r f_step _ < <(intact_transition 1)
echo "# the balanced ceiling from recorded frame $f_step:" \
	"control change +$((f_step - f_sw)) frames" >&2
[ "$f_step" -ge "$f_sw" ] && [ "$f_step" -le $((f_sw + MARGIN)) ] ||
	pw_session_fail "the step to the balanced ceiling at recorded frame $f_step," \
		"not within $f_sw..$((f_sw + MARGIN)) (the control change and MARGIN after it)"
echo "ok"
