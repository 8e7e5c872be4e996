-- idcloudhost.fake inside nginx (spec/nginx/locations.conf: /fake/<clock>): the shared scenario
-- (spec/fixtures/scenario.lua) against a fake made in the handler, with no lua-http, no cqueues
-- and no Lua 5.3 (nginx's LuaJIT; lua-http and cqueues cannot even load here).  Answers JSON that
-- spec/nginx/fake_ngx.lua checks.
-- luacheck: globals ngx
local prefix = ngx.config.prefix()
if not package.path:find(prefix .. "sim/lua/", 1, true) then
  package.path = prefix .. "sim/lua/?.lua;" .. prefix .. "?.lua;" .. package.path
end
for _, name in ipairs { "http.server", "http.headers", "http.request", "cqueues" } do
  package.preload[name] = function() error(name .. " is not allowed in this nginx", 0) end
end

local fake = require "idcloudhost.fake"
local json = require "idcloudhost.json"
local scenario = require "spec.fixtures.scenario"

local clock = ngx.var.uri:match("^/fake/(%a+)$")
ngx.update_time()
local t0 = ngx.now()
local f = fake.new { clock = clock, settle = clock == "virtual" and 30 or 0.2 }
local ok, report = pcall(scenario.run, assert(f:client { location = "cyc01" }), function() return f:state() end,
  { interval = clock == "virtual" and 1 or 0.1 })
ngx.update_time()
local loaded = {}
for name in pairs(package.loaded) do
  if name:find("^http%.") or name:find("^cqueues") then loaded[#loaded + 1] = name end
end
ngx.header["Content-Type"] = "application/json"
ngx.say(json.encode {
  ok = ok, error = not ok and tostring(report) or json.null, left = ok and json.array(report.left) or json.null,
  simulated = f:now(), real = ngx.now() - t0, version = _VERSION, jit = rawget(_G, "jit") and jit.version or json.null,
  backend = f._require("idcloudhost.sim.json").backend, loaded = json.array(loaded), stops = #f:calls("vms.stop"),
})
