-- The fake, release 0.2.0: made from idcloudhost-fake-scm-1.rockspec by `make rockspecs`.
rockspec_format = "3.0"
package = "idcloudhost-fake"
version = "0.2.0-1"
source = {
  url = "git+https://github.com/idcloudhost/idcloudhost-lua.git",
  tag = "v0.2.0",
}
description = {
  summary = "The idcloudhost.com / elastis.id platform in-process, for tests of automation",
  detailed = [[
    idcloudhost.fake: the simulator's engine (the platform's state and rules, its control
    API, faults, editions) as a transport for the idcloudhost SDK, inside the process: no
    server, no lua-http, no cqueues.  Runs wherever the SDK runs (Lua 5.1 to 5.4, LuaJIT,
    OpenResty, Neovim), with a virtual clock that makes the platform's settle times and the
    SDK's waits pass in no real time, and expectations checked against the SDK's endpoint
    declarations.  The HTTP simulator (idcloudhost-sim) serves the same engine over HTTP.
  ]],
  homepage = "https://github.com/idcloudhost/idcloudhost-lua",
  issues_url = "https://github.com/idcloudhost/idcloudhost-lua/issues",
  license = "MIT",
  labels = { "cloud", "testing", "fake", "mock" },
}
dependencies = {
  "lua >= 5.1, < 5.5",
  "idcloudhost == 0.2.0",
}
-- Installed by the list below: idcloudhost.fake and the engine's modules of sim/lua/ (all but the
-- HTTP server and the control client, which are the idcloudhost-sim rock's; docs/testing.md says
-- why a rock of its own; spec/packaging/rockspec_spec.lua checks the lists).
build = {
  type = "none",
  install = {
    lua = {
      ["idcloudhost.fake"] = "sim/lua/idcloudhost/fake.lua",
      ["idcloudhost.sim.account"] = "sim/lua/idcloudhost/sim/account.lua",
      ["idcloudhost.sim.billing"] = "sim/lua/idcloudhost/sim/billing.lua",
      ["idcloudhost.sim.billing_account"] = "sim/lua/idcloudhost/sim/billing_account.lua",
      ["idcloudhost.sim.billing_card"] = "sim/lua/idcloudhost/sim/billing_card.lua",
      ["idcloudhost.sim.billing_credit"] = "sim/lua/idcloudhost/sim/billing_credit.lua",
      ["idcloudhost.sim.billing_invoice"] = "sim/lua/idcloudhost/sim/billing_invoice.lua",
      ["idcloudhost.sim.billing_payment"] = "sim/lua/idcloudhost/sim/billing_payment.lua",
      ["idcloudhost.sim.billing_usage"] = "sim/lua/idcloudhost/sim/billing_usage.lua",
      ["idcloudhost.sim.block_storage"] = "sim/lua/idcloudhost/sim/block_storage.lua",
      ["idcloudhost.sim.boot_media"] = "sim/lua/idcloudhost/sim/boot_media.lua",
      ["idcloudhost.sim.bucket"] = "sim/lua/idcloudhost/sim/bucket.lua",
      ["idcloudhost.sim.catalog"] = "sim/lua/idcloudhost/sim/catalog.lua",
      ["idcloudhost.sim.cidr"] = "sim/lua/idcloudhost/sim/cidr.lua",
      ["idcloudhost.sim.clock"] = "sim/lua/idcloudhost/sim/clock.lua",
      ["idcloudhost.sim.compat"] = "sim/lua/idcloudhost/sim/compat.lua",
      ["idcloudhost.sim.config"] = "sim/lua/idcloudhost/sim/config.lua",
      ["idcloudhost.sim.control"] = "sim/lua/idcloudhost/sim/control.lua",
      ["idcloudhost.sim.disk"] = "sim/lua/idcloudhost/sim/disk.lua",
      ["idcloudhost.sim.engine"] = "sim/lua/idcloudhost/sim/engine.lua",
      ["idcloudhost.sim.families"] = "sim/lua/idcloudhost/sim/families.lua",
      ["idcloudhost.sim.faults"] = "sim/lua/idcloudhost/sim/faults.lua",
      ["idcloudhost.sim.firewall"] = "sim/lua/idcloudhost/sim/firewall.lua",
      ["idcloudhost.sim.floating_ip"] = "sim/lua/idcloudhost/sim/floating_ip.lua",
      ["idcloudhost.sim.ids"] = "sim/lua/idcloudhost/sim/ids.lua",
      ["idcloudhost.sim.ip_assign"] = "sim/lua/idcloudhost/sim/ip_assign.lua",
      ["idcloudhost.sim.json"] = "sim/lua/idcloudhost/sim/json.lua",
      ["idcloudhost.sim.load_balancer"] = "sim/lua/idcloudhost/sim/load_balancer.lua",
      ["idcloudhost.sim.log"] = "sim/lua/idcloudhost/sim/log.lua",
      ["idcloudhost.sim.machine"] = "sim/lua/idcloudhost/sim/machine.lua",
      ["idcloudhost.sim.network"] = "sim/lua/idcloudhost/sim/network.lua",
      ["idcloudhost.sim.params"] = "sim/lua/idcloudhost/sim/params.lua",
      ["idcloudhost.sim.replica"] = "sim/lua/idcloudhost/sim/replica.lua",
      ["idcloudhost.sim.reply"] = "sim/lua/idcloudhost/sim/reply.lua",
      ["idcloudhost.sim.router"] = "sim/lua/idcloudhost/sim/router.lua",
      ["idcloudhost.sim.service"] = "sim/lua/idcloudhost/sim/service.lua",
      ["idcloudhost.sim.service_record"] = "sim/lua/idcloudhost/sim/service_record.lua",
      ["idcloudhost.sim.ssh_key"] = "sim/lua/idcloudhost/sim/ssh_key.lua",
      ["idcloudhost.sim.state"] = "sim/lua/idcloudhost/sim/state.lua",
      ["idcloudhost.sim.vm"] = "sim/lua/idcloudhost/sim/vm.lua",
      ["idcloudhost.sim.vm_action"] = "sim/lua/idcloudhost/sim/vm_action.lua",
      ["idcloudhost.sim.vm_disk"] = "sim/lua/idcloudhost/sim/vm_disk.lua",
    },
  },
}
