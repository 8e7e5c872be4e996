rockspec_format = "3.0"
package = "idcloudhost"
version = "scm-1"
source = {
  url = "git+https://github.com/idcloudhost/idcloudhost-lua.git",
}
description = {
  summary = "Lua SDK for the idcloudhost.com / elastis.id cloud, with a libcurl core",
  detailed = [[
    Virtual machines, storage, networks and billing of the idcloudhost.com and elastis.id
    platform from Lua 5.1 to 5.4 and LuaJIT: resource objects with methods, errors as values,
    retries, concurrent batches over the curl multi interface, and a local simulator.
  ]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.1, < 5.5",
  "lua-cjson >= 2.1.0",
}
external_dependencies = {
  CURL = { header = "curl/curl.h" },
}
build = {
  type = "builtin",
  modules = {
    ["idcloudhost.batch"] = "lua/idcloudhost/batch.lua",
    ["idcloudhost.billing_accounts"] = "lua/idcloudhost/billing_accounts.lua",
    ["idcloudhost.buckets"] = "lua/idcloudhost/buckets.lua",
    ["idcloudhost.cards"] = "lua/idcloudhost/cards.lua",
    ["idcloudhost.catalog"] = "lua/idcloudhost/catalog.lua",
    ["idcloudhost.check"] = "lua/idcloudhost/check.lua",
    ["idcloudhost.client"] = "lua/idcloudhost/client.lua",
    ["idcloudhost.disks"] = "lua/idcloudhost/disks.lua",
    ["idcloudhost.encode"] = "lua/idcloudhost/encode.lua",
    ["idcloudhost.errors"] = "lua/idcloudhost/errors.lua",
    ["idcloudhost.floating_ips"] = "lua/idcloudhost/floating_ips.lua",
    ["idcloudhost.health"] = "lua/idcloudhost/health.lua",
    ["idcloudhost"] = "lua/idcloudhost/init.lua",
    ["idcloudhost.invoices"] = "lua/idcloudhost/invoices.lua",
    ["idcloudhost.json"] = "lua/idcloudhost/json.lua",
    ["idcloudhost.load_balancers"] = "lua/idcloudhost/load_balancers.lua",
    ["idcloudhost.locations"] = "lua/idcloudhost/locations.lua",
    ["idcloudhost.nested"] = "lua/idcloudhost/nested.lua",
    ["idcloudhost.networks"] = "lua/idcloudhost/networks.lua",
    ["idcloudhost.nvim"] = "lua/idcloudhost/nvim.lua",
    ["idcloudhost.options"] = "lua/idcloudhost/options.lua",
    ["idcloudhost.payments"] = "lua/idcloudhost/payments.lua",
    ["idcloudhost.pipeline"] = "lua/idcloudhost/pipeline.lua",
    ["idcloudhost.pricing"] = "lua/idcloudhost/pricing.lua",
    ["idcloudhost.replicas"] = "lua/idcloudhost/replicas.lua",
    ["idcloudhost.resource"] = "lua/idcloudhost/resource.lua",
    ["idcloudhost.runtime"] = "lua/idcloudhost/runtime.lua",
    ["idcloudhost.runtime.nvim"] = "lua/idcloudhost/runtime/nvim.lua",
    ["idcloudhost.s3"] = "lua/idcloudhost/s3.lua",
    ["idcloudhost.sched"] = "lua/idcloudhost/sched.lua",
    ["idcloudhost.secrets"] = "lua/idcloudhost/secrets.lua",
    ["idcloudhost.simulator"] = "lua/idcloudhost/simulator.lua",
    ["idcloudhost.tokens"] = "lua/idcloudhost/tokens.lua",
    ["idcloudhost.transport"] = "lua/idcloudhost/transport.lua",
    ["idcloudhost.transport.curl"] = "lua/idcloudhost/transport/curl.lua",
    ["idcloudhost.transport.spawn"] = "lua/idcloudhost/transport/spawn.lua",
    ["idcloudhost.user"] = "lua/idcloudhost/user.lua",
    ["idcloudhost.version"] = "lua/idcloudhost/version.lua",
    ["idcloudhost.vm_storage"] = "lua/idcloudhost/vm_storage.lua",
    ["idcloudhost.vms"] = "lua/idcloudhost/vms.lua",
    ["idcloudhost.wait"] = "lua/idcloudhost/wait.lua",
    ["idcloudhost.core"] = {
      sources = { "src/buffer.c", "src/clock.c", "src/core.c", "src/multi.c", "src/session.c", "src/xfer.c" },
      libraries = { "curl" },
      incdirs = { "$(CURL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)" },
    },
  },
}
