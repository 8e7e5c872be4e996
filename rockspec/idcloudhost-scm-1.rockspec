-- The SDK.  rockspec/idcloudhost-<version>-1.rockspec is made from this file by
-- `make rockspecs` (scripts/rockspecs.lua); spec/rockspec_spec.lua checks both.
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
-- found), installed by the lists below.  Not "builtin": builtin copies all of lua/ into the
-- tree, and lua/idcloudhost/sim/ (the simulator) belongs to the idcloudhost-sim rock.
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
      ["idcloudhost.invoices"] = "lua/idcloudhost/invoices.lua",
      ["idcloudhost.json"] = "lua/idcloudhost/json.lua",
      ["idcloudhost.lazy"] = "lua/idcloudhost/lazy.lua",
      ["idcloudhost.leftovers"] = "lua/idcloudhost/leftovers.lua",
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
      ["idcloudhost.runtime.ngx"] = "lua/idcloudhost/runtime/ngx.lua",
      ["idcloudhost.runtime.nvim"] = "lua/idcloudhost/runtime/nvim.lua",
      ["idcloudhost.s3"] = "lua/idcloudhost/s3.lua",
      ["idcloudhost.sched"] = "lua/idcloudhost/sched.lua",
      ["idcloudhost.secrets"] = "lua/idcloudhost/secrets.lua",
      ["idcloudhost.tokens"] = "lua/idcloudhost/tokens.lua",
      ["idcloudhost.transport"] = "lua/idcloudhost/transport.lua",
      ["idcloudhost.transport.curl"] = "lua/idcloudhost/transport/curl.lua",
      ["idcloudhost.transport.ngx"] = "lua/idcloudhost/transport/ngx.lua",
      ["idcloudhost.transport.spawn"] = "lua/idcloudhost/transport/spawn.lua",
      ["idcloudhost.user"] = "lua/idcloudhost/user.lua",
      ["idcloudhost.version"] = "lua/idcloudhost/version.lua",
      ["idcloudhost.vm_storage"] = "lua/idcloudhost/vm_storage.lua",
      ["idcloudhost.vms"] = "lua/idcloudhost/vms.lua",
      ["idcloudhost.wait"] = "lua/idcloudhost/wait.lua",
    },
    lib = {
      ["idcloudhost.core"] = "build/rock/idcloudhost/core.so",
    },
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
