# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# guard-host.sh: the configuration of a standalone guard, a `pipewire -c` process
# that loads only libpipewire-module-dacguard (as dacguardd's guard hosts do, and as
# filter-chain is often run).
#
#   guard_host_conf FILE TARGET CEILING [LOG_LEVEL]
#       writes FILE: a guard for the sink named TARGET at CEILING dBFS

guard_host_conf()
{
	cat >"$1" <<CONF
context.properties = { log.level = ${4:-2} }
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.*       = support/libspa-support
}
context.modules = [
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-dacguard
      args = { target.object = "$2" dacguard.ceiling-db = $3 } }
]
CONF
}
