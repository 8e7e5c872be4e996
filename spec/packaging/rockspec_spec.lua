-- The rockspecs install what the repository has: every module and every C source in exactly one
-- of the three rocks (the SDK; the fake: the engine and idcloudhost.fake; the simulator: the HTTP
-- shell and its control client), and agree with version.lua and LICENSE.
local rockspecs = dofile("scripts/rockspecs.lua")

local function listing(cmd)
  local out = {}
  local p = assert(io.popen(cmd))
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  return out
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function load_rockspec(path)
  local env = {}
  local chunk = assert(loadfile(path, "t", env))
  if setfenv then setfenv(chunk, env) end -- luacheck: ignore 113 (Lua 5.1)
  chunk()
  return env
end

-- file -> module name, for every Lua module a rockspec installs (both rocks install lists:
-- LuaRocks' builtin type would copy all of lua/ into each).  The SDK's C core is built by the
-- Makefile (target rock) from every src/*.c.
local function modules_of(spec)
  assert.is_not.equal("builtin", spec.build.type)
  local listed = {}
  for name, file in pairs(spec.build.install.lua) do listed[file] = name end
  return listed
end

local VERSION = dofile("lua/idcloudhost/version.lua")
local SDK = "rockspec/idcloudhost-scm-1.rockspec"
local SIM = "rockspec/idcloudhost-sim-scm-1.rockspec"
local FAKE = "rockspec/idcloudhost-fake-scm-1.rockspec"

-- The simulator rock's files: what needs lua-http and cqueues, and the control client (HTTP).
local SIM_ONLY = { ["sim/lua/idcloudhost/sim/server.lua"] = true, ["sim/lua/idcloudhost/sim/client.lua"] = true,
  ["sim/lua/idcloudhost/simulator.lua"] = true }

describe("rockspecs", function()
  it("list every Lua module, each in one rock, and build the C core from every C source", function()
    local sdk, sim, fake = modules_of(load_rockspec(SDK)), modules_of(load_rockspec(SIM)), modules_of(load_rockspec(FAKE))
    local files = listing("find lua sim/lua -name '*.lua' | sort")
    assert.is_true(#files > 40)
    for _, f in ipairs(files) do
      -- The SDK's folder whole in its rock; of the simulator's, the HTTP side in its rock, the rest
      -- (the engine, idcloudhost.fake) in the fake's.
      local rock, other1, other2 = sdk, sim, fake
      if SIM_ONLY[f] then rock, other1, other2 = sim, sdk, fake
      elseif f:match("^sim/") then rock, other1, other2 = fake, sdk, sim end
      assert.is_truthy(rock[f], f .. " is not in its rockspec")
      assert.is_falsy(other1[f] or other2[f], f .. " is in two rockspecs")
      local want = f:match("^lua/(.*)%.lua$") or f:match("^sim/lua/(.*)%.lua$")
      if want then
        want = want:gsub("/init$", ""):gsub("/", ".")
        assert.equal(want, rock[f], f .. " is listed under another module name")
      end
    end
    for f in pairs(fake) do assert.is_truthy(io.open(f), f .. " is listed but missing") end
    for f in pairs(sdk) do assert.is_truthy(io.open(f), f .. " is listed but missing") end
    for f in pairs(sim) do assert.is_truthy(io.open(f), f .. " is listed but missing") end
    assert.equal("idcloudhost", sdk["lua/idcloudhost/init.lua"])
    local build = load_rockspec(SDK).build
    assert.equal("bin/idcloudhost", build.install.bin.idcloudhost) -- the command
    assert.equal("make", build.type)
    assert.equal("build/rock/idcloudhost/core.so", build.install.lib["idcloudhost.core"])
    local makefile = read("Makefile")
    assert.is_truthy(makefile:find("\nSRC +:= %$%(wildcard src/%*%.c%)\n"), "the Makefile compiles every src/*.c")
    assert.is_truthy(makefile:find("\n" .. build.build_target .. ":\n[^\n]*\n\t[^\n]*-o build/rock/idcloudhost/core%.so %$%(SRC%)"),
      "the Makefile's target " .. build.build_target .. " builds the core the rockspec installs")
  end)

  it("keep the simulator and its control client out of the SDK rock, lua-http out of the fake's", function()
    local sdk = modules_of(load_rockspec(SDK))
    for f, name in pairs(sdk) do
      assert.is_nil(name:match("^idcloudhost%.sim"), f)
      assert.is_not.equal("idcloudhost.simulator", name)
      assert.is_not.equal("idcloudhost.fake", name)
    end
    local sim = load_rockspec(SIM)
    assert.equal("bin/idcloudhost-sim", sim.build.install.bin["idcloudhost-sim"])
    local deps = table.concat(sim.dependencies, ",") .. ","
    assert.is_truthy(deps:find('"?idcloudhost,') or deps:find(",idcloudhost,", 1, true))
    assert.is_truthy(deps:find("idcloudhost-fake,", 1, true))
    assert.is_truthy(deps:find("http", 1, true))
    -- the fake: any Lua the SDK runs on, the SDK its only dependency, no module of it needing
    -- lua-http, cqueues or lua-cjson (the engine takes the SDK's JSON when cjson is absent)
    local fake = load_rockspec(FAKE)
    assert.same({ "lua >= 5.1, < 5.5", "idcloudhost" }, fake.dependencies)
    for f in pairs(modules_of(fake)) do
      local src = read(f)
      for _, mod in ipairs { "http%.", "cqueues", "cjson" } do
        assert.is_nil(src:match('require[ (]*"' .. mod), f .. " requires " .. mod)
      end
    end
  end)

  it("have a current release rockspec of version.lua's version", function()
    assert.is_truthy(VERSION:match("^%d+%.%d+%.%d+$"), VERSION)
    for path, text in pairs(rockspecs.expected()) do
      assert.equal(text, read(path), path .. " is not current: run `make rockspecs`")
      if path:find(VERSION .. "-1.rockspec", 1, true) then
        local spec = load_rockspec(path)
        assert.equal(VERSION .. "-1", spec.version)
        assert.equal("v" .. VERSION, spec.source.tag)
      else
        assert.is_truthy(path:find("scm-1.rockspec", 1, true), path)
      end
    end
    local files = listing("ls rockspec")
    table.sort(files)
    assert.same({ "idcloudhost-" .. VERSION .. "-1.rockspec", "idcloudhost-fake-" .. VERSION .. "-1.rockspec",
      "idcloudhost-fake-scm-1.rockspec", "idcloudhost-scm-1.rockspec",
      "idcloudhost-sim-" .. VERSION .. "-1.rockspec", "idcloudhost-sim-scm-1.rockspec" }, files)
  end)

  it("follow LuaRocks' conventions: license as in LICENSE, homepage, description, tests", function()
    assert.is_truthy(read("LICENSE"):match("^MIT License\n"))
    for _, path in ipairs { SDK, FAKE, SIM } do
      local spec = load_rockspec(path)
      assert.equal("3.0", spec.rockspec_format)
      assert.equal("MIT", spec.description.license)
      assert.is_truthy(spec.description.homepage:match("^https://"))
      assert.is_truthy(#spec.description.summary > 20 and #spec.description.summary < 100)
      assert.is_truthy(#spec.description.detailed > 100)
    end
    assert.equal("busted", load_rockspec(SDK).test.type)
  end)
end)
