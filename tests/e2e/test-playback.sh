#!/bin/bash
# SPDX-License-Identifier: MIT
# Full-scale sine, square and +12 dBFS float overs played into the guard after a
# hotplug: the DAC sink's monitor never carries a sample above the ceiling the
# daemon decided, and the audio arrives at it (gain cap: full scale -> ceiling).
# The daemon writes the guard's Props once: the meters the guard publishes while
# playing (about 10 Hz) are no reason to write them again.
. "$(dirname "$0")/common.sh"

# an IEM on the balanced output this time (the other cases use the HD 600 on the
# single-ended one): a ceiling near -48.9 dB, which a float holds only to 1.3e-6 dB
HEADPHONE=moondrop-aria
e2e_start balanced
want=$(e2e_expected bal-2.5)
daemon_start
e2e_hotplug_k3 "$want"
pw_wait_linked "$GUARD.output" "$DAC"

e2e_make_signals
e2e_check_signals "$want" sine square sine+12
# A second write of the same values changes no state (Props, pw-dump): the
# daemon's log of its writes is the only place the count shows.
writes=$(grep -c "^pw: $GUARD (id [0-9]*): ceiling" "$_daemon_log" || true)
pw_check_eq "the daemon's writes of the guard's Props" "$writes" 1
echo "ok"
