-- dacguard, for WirePlumber 0.4 (0.5 reads wireplumber.conf.d/51-dacguard-hold.conf).
--
-- Every USB DAC's sink is made silent, its converter's volume at 0, and marked so
-- that its guard (libpipewire-module-dacguard, started by dacguardd) sets that volume
-- to 1.0 once the guard alone plays into it. Without this, a stream already playing
-- when a DAC is plugged in, or back, reaches the new sink before its guard can exist:
-- 100-250 ms at full scale. Desktop sliders, pactl and restored route volumes set the
-- sink's channel volumes, which this leaves alone.
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
