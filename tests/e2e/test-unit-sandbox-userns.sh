#!/bin/bash
# SPDX-License-Identifier: MIT
# test-unit-sandbox.sh with PrivateUsers=yes added to the unit: in a user namespace
# of its own the daemon cannot read /proc/PID/exe of any client, and must still tell
# its guard hosts from ordinary clients (by their pid files) and hide nothing from a
# client it knows nothing of yet, or a restart hides the raw sink from the guard host
# and the guard goes (daemon/pw-permissions.c).
export DG_SANDBOX_PRIVATE_USERS=1
exec bash "$(dirname "$0")/test-unit-sandbox.sh" "$@"
