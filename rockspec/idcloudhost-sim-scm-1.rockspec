-- The simulator.  rockspec/idcloudhost-sim-<version>-1.rockspec is made from this file by
-- `make rockspecs` (scripts/rockspecs.lua); spec/packaging/rockspec_spec.lua checks both.
rockspec_format = "3.0"
package = "idcloudhost-sim"
version = "scm-1"
source = {
  url = "git+https://github.com/idcloudhost/idcloudhost-lua.git",
}
description = {
  summary = "A local simulator of the idcloudhost.com / elastis.id cloud API, for tests",
  detailed = [[
    A stateful HTTP server that behaves like the idcloudhost.com / elastis.id platform: the
    same paths, bodies, errors and rules, with the API docs' example account, plus a control
    API (/__sim/) to reset it, read its request log and inject faults.  It serves the engine of
    the idcloudhost-fake rock over HTTP.  The idcloudhost-sim
    command runs it; idcloudhost.sim.client drives it from tests.  The server runs on Lua 5.3
    (on lua-http and cqueues; Debian packages lua-http for Lua 5.1 to 5.3 only, and the
    simulator needs 5.3's integers).
  ]],
  homepage = "https://github.com/idcloudhost/idcloudhost-lua",
  issues_url = "https://github.com/idcloudhost/idcloudhost-lua/issues",
  license = "MIT",
  labels = { "cloud", "testing", "simulator" },
}
dependencies = {
  "lua ~> 5.3",
  "idcloudhost",
  "idcloudhost-fake",
  "http >= 0.3",
  "cqueues",
  "lua-cjson >= 2.1.0",
}
-- Installed by the list below: the HTTP shell and the control client of sim/lua/; the engine
-- they serve is the idcloudhost-fake rock's, the SDK's lua/ the idcloudhost rock's
-- (spec/packaging/rockspec_spec.lua checks the lists).
build = {
  type = "none",
  install = {
    lua = {
      ["idcloudhost.sim.client"] = "sim/lua/idcloudhost/sim/client.lua",
      ["idcloudhost.sim.server"] = "sim/lua/idcloudhost/sim/server.lua",
      ["idcloudhost.simulator"] = "sim/lua/idcloudhost/simulator.lua",
    },
    bin = { ["idcloudhost-sim"] = "bin/idcloudhost-sim" },
  },
  copy_directories = { "sim" },
}
