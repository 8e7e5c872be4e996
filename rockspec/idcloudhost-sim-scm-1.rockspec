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
    API (/__sim/) to reset it, read its request log and inject faults.  The idcloudhost-sim
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
  "http >= 0.3",
  "cqueues",
  "lua-cjson >= 2.1.0",
}
-- Installed by the list below: every module of sim/lua/, the simulator's folder (the SDK's
-- lua/ is the idcloudhost rock's; spec/packaging/rockspec_spec.lua checks both lists).
build = {
  type = "none",
  install = {
    lua = {
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
      ["idcloudhost.sim.client"] = "sim/lua/idcloudhost/sim/client.lua",
      ["idcloudhost.sim.clock"] = "sim/lua/idcloudhost/sim/clock.lua",
      ["idcloudhost.sim.config"] = "sim/lua/idcloudhost/sim/config.lua",
      ["idcloudhost.sim.control"] = "sim/lua/idcloudhost/sim/control.lua",
      ["idcloudhost.sim.disk"] = "sim/lua/idcloudhost/sim/disk.lua",
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
      ["idcloudhost.sim.server"] = "sim/lua/idcloudhost/sim/server.lua",
      ["idcloudhost.sim.service"] = "sim/lua/idcloudhost/sim/service.lua",
      ["idcloudhost.sim.service_record"] = "sim/lua/idcloudhost/sim/service_record.lua",
      ["idcloudhost.sim.ssh_key"] = "sim/lua/idcloudhost/sim/ssh_key.lua",
      ["idcloudhost.sim.state"] = "sim/lua/idcloudhost/sim/state.lua",
      ["idcloudhost.sim.vm"] = "sim/lua/idcloudhost/sim/vm.lua",
      ["idcloudhost.sim.vm_action"] = "sim/lua/idcloudhost/sim/vm_action.lua",
      ["idcloudhost.sim.vm_disk"] = "sim/lua/idcloudhost/sim/vm_disk.lua",
      ["idcloudhost.simulator"] = "sim/lua/idcloudhost/simulator.lua",
    },
    bin = { ["idcloudhost-sim"] = "bin/idcloudhost-sim" },
  },
  copy_directories = { "sim" },
}
