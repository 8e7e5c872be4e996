-- The SDK.  rockspec/idcloudhost-<version>-1.rockspec is made from this file by
-- `make rockspecs` (scripts/rockspecs.lua); spec/packaging/rockspec_spec.lua checks both.
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
    retries, concurrent batches over the curl multi interface.  Needs libcurl's development
    files (Debian: libcurl4-openssl-dev).  The local simulator of the platform is the
    idcloudhost-sim rock.
  ]],
  homepage = "https://github.com/idcloudhost/idcloudhost-lua",
  issues_url = "https://github.com/idcloudhost/idcloudhost-lua/issues",
  license = "MIT",
  labels = { "cloud", "sdk", "http", "libcurl" },
}
dependencies = {
  "lua >= 5.1, < 5.5",
  "lua-cjson >= 2.1.0",
}
-- Only the library is looked for: LuaRocks (3.8) looks for headers in <prefix>/include alone,
-- and Debian and Ubuntu keep curl/curl.h in /usr/include/<multiarch>/, where the compiler finds
-- it but LuaRocks does not.  CURL_INCDIR is then <prefix>/include of the prefix the library was
-- found under; CURL_DIR=... or CURL_INCDIR=... on the command line still override it.
external_dependencies = {
  CURL = { library = "curl" },
  ZLIB = { library = "z" },
}
-- Built by the Makefile (target `rock`, the C core with LuaRocks' compiler and the paths it
-- found), installed by the list below: every module of lua/, the SDK's folder, taken whole
-- (spec/packaging/rockspec_spec.lua checks the list against the folder), and the command.
build = {
  type = "make",
  build_target = "rock",
  build_variables = {
    CC = "$(CC)", CFLAGS = "$(CFLAGS)", LIBFLAG = "$(LIBFLAG)", LUA_INCDIR = "$(LUA_INCDIR)",
    CURL_INCDIR = "$(CURL_INCDIR)", CURL_LIBDIR = "$(CURL_LIBDIR)", ZLIB_LIBDIR = "$(ZLIB_LIBDIR)",
  },
  install_pass = false,
  install = {
    lua = {
      ["idcloudhost"] = "lua/idcloudhost/init.lua",
      ["idcloudhost.call.answer"] = "lua/idcloudhost/call/answer.lua",
      ["idcloudhost.call.billing"] = "lua/idcloudhost/call/billing.lua",
      ["idcloudhost.call.check"] = "lua/idcloudhost/call/check.lua",
      ["idcloudhost.call.encode"] = "lua/idcloudhost/call/encode.lua",
      ["idcloudhost.call.endpoint"] = "lua/idcloudhost/call/endpoint.lua",
      ["idcloudhost.call.errors"] = "lua/idcloudhost/call/errors.lua",
      ["idcloudhost.call.observe"] = "lua/idcloudhost/call/observe.lua",
      ["idcloudhost.call.pipeline"] = "lua/idcloudhost/call/pipeline.lua",
      ["idcloudhost.call.rate"] = "lua/idcloudhost/call/rate.lua",
      ["idcloudhost.call.secrets"] = "lua/idcloudhost/call/secrets.lua",
      ["idcloudhost.cli"] = "lua/idcloudhost/cli/init.lua",
      ["idcloudhost.cli.args"] = "lua/idcloudhost/cli/args.lua",
      ["idcloudhost.cli.commands.account"] = "lua/idcloudhost/cli/commands/account.lua",
      ["idcloudhost.cli.commands.apply"] = "lua/idcloudhost/cli/commands/apply.lua",
      ["idcloudhost.cli.commands.bill"] = "lua/idcloudhost/cli/commands/bill.lua",
      ["idcloudhost.cli.commands.bucket"] = "lua/idcloudhost/cli/commands/bucket.lua",
      ["idcloudhost.cli.commands.completion"] = "lua/idcloudhost/cli/commands/completion.lua",
      ["idcloudhost.cli.commands.disk"] = "lua/idcloudhost/cli/commands/disk.lua",
      ["idcloudhost.cli.commands.fw"] = "lua/idcloudhost/cli/commands/fw.lua",
      ["idcloudhost.cli.commands.image"] = "lua/idcloudhost/cli/commands/image.lua",
      ["idcloudhost.cli.commands.ip"] = "lua/idcloudhost/cli/commands/ip.lua",
      ["idcloudhost.cli.commands.lb"] = "lua/idcloudhost/cli/commands/lb.lua",
      ["idcloudhost.cli.commands.leftovers"] = "lua/idcloudhost/cli/commands/leftovers.lua",
      ["idcloudhost.cli.commands.location"] = "lua/idcloudhost/cli/commands/location.lua",
      ["idcloudhost.cli.commands.network"] = "lua/idcloudhost/cli/commands/network.lua",
      ["idcloudhost.cli.commands.plan"] = "lua/idcloudhost/cli/commands/plan.lua",
      ["idcloudhost.cli.commands.sim"] = "lua/idcloudhost/cli/commands/sim.lua",
      ["idcloudhost.cli.commands.ssh_key"] = "lua/idcloudhost/cli/commands/ssh_key.lua",
      ["idcloudhost.cli.commands.vm"] = "lua/idcloudhost/cli/commands/vm.lua",
      ["idcloudhost.cli.commands.wait"] = "lua/idcloudhost/cli/commands/wait.lua",
      ["idcloudhost.cli.desired"] = "lua/idcloudhost/cli/desired.lua",
      ["idcloudhost.cli.family"] = "lua/idcloudhost/cli/family.lua",
      ["idcloudhost.cli.output"] = "lua/idcloudhost/cli/output.lua",
      ["idcloudhost.cli.progress"] = "lua/idcloudhost/cli/progress.lua",
      ["idcloudhost.client"] = "lua/idcloudhost/client.lua",
      ["idcloudhost.families.billing_accounts"] = "lua/idcloudhost/families/billing_accounts.lua",
      ["idcloudhost.families.buckets"] = "lua/idcloudhost/families/buckets.lua",
      ["idcloudhost.families.cards"] = "lua/idcloudhost/families/cards.lua",
      ["idcloudhost.families.catalog"] = "lua/idcloudhost/families/catalog.lua",
      ["idcloudhost.families.disks"] = "lua/idcloudhost/families/disks.lua",
      ["idcloudhost.families.firewalls"] = "lua/idcloudhost/families/firewalls.lua",
      ["idcloudhost.families.floating_ips"] = "lua/idcloudhost/families/floating_ips.lua",
      ["idcloudhost.families.invoices"] = "lua/idcloudhost/families/invoices.lua",
      ["idcloudhost.families.kit.listed"] = "lua/idcloudhost/families/kit/listed.lua",
      ["idcloudhost.families.kit.marked"] = "lua/idcloudhost/families/kit/marked.lua",
      ["idcloudhost.families.kit.nested"] = "lua/idcloudhost/families/kit/nested.lua",
      ["idcloudhost.families.kit.resource"] = "lua/idcloudhost/families/kit/resource.lua",
      ["idcloudhost.families.load_balancers"] = "lua/idcloudhost/families/load_balancers.lua",
      ["idcloudhost.families.locations"] = "lua/idcloudhost/families/locations.lua",
      ["idcloudhost.families.networks"] = "lua/idcloudhost/families/networks.lua",
      ["idcloudhost.families.payments"] = "lua/idcloudhost/families/payments.lua",
      ["idcloudhost.families.pricing"] = "lua/idcloudhost/families/pricing.lua",
      ["idcloudhost.families.replicas"] = "lua/idcloudhost/families/replicas.lua",
      ["idcloudhost.families.s3"] = "lua/idcloudhost/families/s3.lua",
      ["idcloudhost.families.services"] = "lua/idcloudhost/families/services.lua",
      ["idcloudhost.families.ssh_keys"] = "lua/idcloudhost/families/ssh_keys.lua",
      ["idcloudhost.families.tokens"] = "lua/idcloudhost/families/tokens.lua",
      ["idcloudhost.families.user"] = "lua/idcloudhost/families/user.lua",
      ["idcloudhost.families.vm_actions"] = "lua/idcloudhost/families/vm_actions.lua",
      ["idcloudhost.families.vm_storage"] = "lua/idcloudhost/families/vm_storage.lua",
      ["idcloudhost.families.vms"] = "lua/idcloudhost/families/vms.lua",
      ["idcloudhost.health"] = "lua/idcloudhost/health.lua",
      ["idcloudhost.json"] = "lua/idcloudhost/json.lua",
      ["idcloudhost.lazy"] = "lua/idcloudhost/lazy.lua",
      ["idcloudhost.leftovers"] = "lua/idcloudhost/leftovers.lua",
      ["idcloudhost.native"] = "lua/idcloudhost/native.lua",
      ["idcloudhost.ops.batch"] = "lua/idcloudhost/ops/batch.lua",
      ["idcloudhost.ops.bill"] = "lua/idcloudhost/ops/bill.lua",
      ["idcloudhost.ops.ensure"] = "lua/idcloudhost/ops/ensure.lua",
      ["idcloudhost.ops.find"] = "lua/idcloudhost/ops/find.lua",
      ["idcloudhost.ops.leftovers"] = "lua/idcloudhost/ops/leftovers.lua",
      ["idcloudhost.ops.marks"] = "lua/idcloudhost/ops/marks.lua",
      ["idcloudhost.ops.plan"] = "lua/idcloudhost/ops/plan.lua",
      ["idcloudhost.ops.plan.apply"] = "lua/idcloudhost/ops/plan/apply.lua",
      ["idcloudhost.ops.plan.change"] = "lua/idcloudhost/ops/plan/change.lua",
      ["idcloudhost.ops.plan.kinds"] = "lua/idcloudhost/ops/plan/kinds.lua",
      ["idcloudhost.ops.wait"] = "lua/idcloudhost/ops/wait.lua",
      ["idcloudhost.options"] = "lua/idcloudhost/options.lua",
      ["idcloudhost.pipeline"] = "lua/idcloudhost/pipeline.lua",
      ["idcloudhost.profile"] = "lua/idcloudhost/profile.lua",
      ["idcloudhost.runtime"] = "lua/idcloudhost/runtime/init.lua",
      ["idcloudhost.runtime.ngx"] = "lua/idcloudhost/runtime/ngx.lua",
      ["idcloudhost.runtime.nvim"] = "lua/idcloudhost/runtime/nvim/init.lua",
      ["idcloudhost.runtime.nvim.async"] = "lua/idcloudhost/runtime/nvim/async.lua",
      ["idcloudhost.runtime.nvim.health"] = "lua/idcloudhost/runtime/nvim/health.lua",
      ["idcloudhost.runtime.sched"] = "lua/idcloudhost/runtime/sched.lua",
      ["idcloudhost.transport"] = "lua/idcloudhost/transport/init.lua",
      ["idcloudhost.transport.codes"] = "lua/idcloudhost/transport/codes.lua",
      ["idcloudhost.transport.curl"] = "lua/idcloudhost/transport/curl.lua",
      ["idcloudhost.transport.ngx"] = "lua/idcloudhost/transport/ngx.lua",
      ["idcloudhost.transport.spawn"] = "lua/idcloudhost/transport/spawn.lua",
      ["idcloudhost.url"] = "lua/idcloudhost/url.lua",
      ["idcloudhost.version"] = "lua/idcloudhost/version.lua",
    },
    lib = {
      ["idcloudhost.core"] = "build/rock/idcloudhost/core.so",
    },
    -- The command line tool (idcloudhost.cli): LuaRocks wraps it for the Lua it installs for.
    bin = { idcloudhost = "bin/idcloudhost" },
  },
  -- Beside the modules, in the rock's directory (`luarocks show --rock-dir idcloudhost`): the
  -- docs and the LuaCATS definitions for lua-language-server (types/idcloudhost.lua).
  copy_directories = { "docs", "types" },
}
-- The specs that need no simulator (a scripted transport stands in for the platform).
test_dependencies = { "busted >= 2.0" }
test = {
  type = "busted",
  flags = { "spec/unit" },
}
