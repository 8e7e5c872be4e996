-- The desired state of `idcloudhost plan|apply FILE.lua`: a Lua file returning the table of
-- idcloudhost.plan (ops/plan.lua), run with no globals but string, table and math (a data file,
-- not a script: it cannot reach os or io).
local desired = {}

--- The table FILE returns, or nil, err (kind usage).
function desired.load(path, what)
  local cli = require "idcloudhost.cli"
  local f = io.open(path, "rb")
  if not f then return nil, cli.error("usage", what .. ": cannot read " .. path) end
  local src = f:read("*a")
  f:close()
  local env = { string = string, table = table, math = math, ipairs = ipairs, pairs = pairs, tostring = tostring,
    tonumber = tonumber, os = { getenv = os.getenv } }
  local load_text = rawget(_G, "setfenv") and function(s, name)
    local fn, err = loadstring(s, name) -- luacheck: ignore 113 (Lua 5.1)
    if fn then setfenv(fn, env) end -- luacheck: ignore 113 (Lua 5.1)
    return fn, err
  end or function(s, name) return load(s, name, "t", env) end
  local fn, err = load_text(src, "@" .. path)
  if not fn then return nil, cli.error("usage", what .. ": " .. tostring(err)) end
  local ok, value = pcall(fn)
  if not ok then return nil, cli.error("usage", what .. ": " .. path .. ": " .. tostring(value)) end
  if type(value) ~= "table" then
    return nil, cli.error("usage", what .. ": " .. path .. " must return a table {owner =, locations = {...}}")
  end
  return value
end

return desired
