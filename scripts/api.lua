-- The public API, found by walking it: what `require "idcloudhost"` returns, a client's methods
-- and families (client.lua's FAMILIES), each family collection's methods, and the methods of
-- every model (each module's `model`, with the ones every object inherits).  Names starting
-- with "_" are private, but for _VERSION.  The reference (make doc) and the LuaCATS file
-- (types/idcloudhost.lua) are checked against this list.
--   local api = dofile("scripts/api.lua")
--   for _, e in ipairs(api.walk()) do print(e.name, e.kind) end
-- Entries: {name = "idcloudhost.new" | "client:at" | "client.vms:list" | "vm:stop", kind =
-- "function" | "field" | "method", owner = "idcloudhost" | "client" | "client.vms" | "vm",
-- member = "new" | "at" | ...}.  Needs lua/ on package.path.
local M = {}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function public(k)
  return type(k) == "string" and (k:sub(1, 1) ~= "_" or k == "_VERSION")
end

--- family name -> module name, from client.lua's FAMILIES table.
function M.families()
  local block = assert(read("lua/idcloudhost/client.lua"):match("local FAMILIES = (%b{})"), "client.lua: no FAMILIES")
  local out = {}
  for fam, mod in block:gmatch('([%w_]+) = "([%w_.]+)"') do out[fam] = mod end
  assert(next(out), "client.lua: FAMILIES names no family")
  return out
end

--- The models of the SDK: {kind = methods table}, every family module's `model`.
function M.models()
  local resource = require "idcloudhost.families.kit.resource"
  local out = {}
  local p = assert(io.popen("ls lua/idcloudhost/families/*.lua"))
  for file in p:lines() do
    local name = file:match("^lua/idcloudhost/families/([%w_]+)%.lua$")
    if name then
      local m = require("idcloudhost.families." .. name)
      if type(m) == "table" and type(m.model) == "table" then
        out[resource.meta(m.model).kind] = m.model
      end
    end
  end
  p:close()
  return out
end

local function add(out, owner, sep, member, kind)
  out[#out + 1] = { name = owner .. sep .. member, owner = owner, member = member, kind = kind }
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do if public(k) then keys[#keys + 1] = k end end
  table.sort(keys)
  return keys
end

--- Every public name, sorted within each owner.
function M.walk()
  local out = {}
  local idcloudhost = require "idcloudhost"
  local json = idcloudhost.json -- (a field set when first read: json loads when it is needed)
  for _, k in ipairs(sorted_keys(idcloudhost)) do
    add(out, "idcloudhost", ".", k, type(idcloudhost[k]) == "function" and "function" or "field")
  end
  for _, k in ipairs(sorted_keys(json)) do
    add(out, "idcloudhost.json", ".", k, type(json[k]) == "function" and "function" or "field")
  end

  local Client = require "idcloudhost.client"
  for _, k in ipairs(sorted_keys(Client)) do
    if k ~= "new" and type(Client[k]) == "function" then add(out, "client", ":", k, "method") end
  end
  -- A client that never sends anything: the walk only reads tables.
  local client = assert(idcloudhost.new { apikey = "walk", base_url = "http://127.0.0.1:9" })
  local fams = M.families()
  local names = {}
  for fam in pairs(fams) do names[#names + 1] = fam end
  table.sort(names)
  for _, fam in ipairs(names) do
    add(out, "client", ".", fam, "field")
    local coll = client[fam]
    local methods = getmetatable(coll).__index
    for _, k in ipairs(sorted_keys(methods)) do
      if type(methods[k]) == "function" then add(out, "client." .. fam, ":", k, "method") end
    end
  end
  client:close()

  local models = M.models()
  local kinds = sorted_keys(models)
  for _, kind in ipairs(kinds) do
    local methods, seen = models[kind], {}
    local _ = methods[" "] -- (a model whose methods another module adds loads them at a lookup that misses)
    local t = methods
    while t do -- the model's methods, then what every object inherits (resource.lua's Base)
      for _, k in ipairs(sorted_keys(t)) do
        if type(t[k]) == "function" and not seen[k] then
          seen[k] = true
          add(out, kind, ":", k, "method")
        end
      end
      local mt = getmetatable(t)
      t = mt and type(mt.__index) == "table" and mt.__index or nil
    end
  end
  return out
end

return M
