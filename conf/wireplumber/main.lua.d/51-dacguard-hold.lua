-- dacguard, for WirePlumber 0.4 (0.5 reads wireplumber.conf.d/51-dacguard-hold.conf).
--
-- Every USB DAC's sink is made silent, its converter's volume at 0, and marked so
-- that its guard (libpipewire-module-dacguard, started by dacguardd) sets that volume
-- to 1.0 once the guard alone plays into it. Without this, a stream already playing
-- when a DAC is plugged in, or back, reaches the new sink before its guard can exist:
-- 100-250 ms at full scale. Desktop sliders, pactl and restored route volumes set the
-- sink's channel volumes, which this leaves alone (a sink with no routes loses
-- the volume WirePlumber would restore for it: state.restore-props below).
--
-- A USB DAC stays silent while no guard is in front of it: with dacguardd stopped, or
-- for a sink it does not guard. To turn this off, put an empty file of the same name
-- in /etc/wireplumber/main.lua.d/ (or ~/.config/wireplumber/main.lua.d/).
-- See libpipewire-module-dacguard(7).

if alsa_monitor ~= nil and alsa_monitor.rules ~= nil then
  table.insert(alsa_monitor.rules, {
    matches = {
      {
        { "node.name", "matches", "alsa_output.usb-*" },
      },
    },
    apply_properties = {
      ["node.param.Props"] = "{ volume = 0.0 }",
      ["dacguard.hold-until-guarded"] = true,
    },
  })
end

-- The guard's 1.0 is not for restore-stream.lua to give the next sink of the same
-- name before its guard is there: it keeps the volumes of sinks that have no routes,
-- by name. (A node's own state.restore-props property is a string it does not read.)
if stream_defaults ~= nil and stream_defaults.rules ~= nil then
  table.insert(stream_defaults.rules, {
    matches = {
      {
        { "dacguard.hold-until-guarded", "equals", "true" },
      },
    },
    apply_properties = {
      ["state.restore-props"] = false,
    },
  })
end
