-- JSON decode speed, in one process, in alternating rounds:
--   core        json.decode on the C core (src/json.c), what the SDK uses
--   cjson       cjson.decode alone: no null removal, no integers, no array marks
--   old         json.decode before the core decoded JSON: cjson, then a walk in Lua
--   fallback    json.decode on lua-cjson (the core hidden): cjson, [] marked in the text, a walk
-- on a VM object (the docs' example, ~1 KB) and a list of 2,500 VMs (the docs' list example of 5
-- VMs, 500 times).  Prints the median time of each; nothing is asserted.
--   usage: lua bench/json.lua [rounds]
local json = require "idcloudhost.json"
local cjson = require "cjson.safe"

local ROUNDS = tonumber(arg and arg[1]) or 7

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- json.lua as it was before core.json (commit 93d7ac3), decode only.
local old_decode
do
  local array_mt, null = {}, cjson.null
  local tointeger = math.tointeger or function(n)
    if n == math.floor(n) and n >= -2 ^ 53 and n <= 2 ^ 53 then return n end
  end
  local function clean(v, empty_is_array)
    if v == null then return nil end
    local tv = type(v)
    if tv == "number" then
      return tointeger(v) or v
    elseif tv ~= "table" then
      return v
    end
    local n = #v
    for k, x in pairs(v) do v[k] = clean(x, empty_is_array) end
    if n > 0 or (empty_is_array and next(v) == nil) then setmetatable(v, array_mt) end
    return v
  end
  old_decode = function(text)
    local v, err = cjson.decode(text)
    if v == nil and err then return nil, err end
    return clean(v, not text:find("{%s*}"))
  end
end

-- json.lua on lua-cjson: the core hidden from it.
local function fallback_json()
  local env = setmetatable({ require = function(name)
    if name == "idcloudhost.core" then error("hidden") end
    return require(name)
  end }, { __index = _G })
  local chunk = assert(loadfile("lua/idcloudhost/json.lua", "t", env))
  if setfenv then setfenv(chunk, env) end -- luacheck: ignore 113 (Lua 5.1)
  return chunk()
end
local fallback = fallback_json()

local one = read("fuzz/corpus/doc_idcloudhost_009.json")
local list5 = read("fuzz/corpus/doc_idcloudhost_017.json")
local items = {}
for i = 1, 500 do items[i] = assert(list5:match("^%s*%[(.*)%]%s*$")) end
local big = "[" .. table.concat(items, ",") .. "]"
assert(#json.decode(big) == 2500)

local decoders = {
  { "core", json.decode }, { "cjson", cjson.decode }, { "old", old_decode }, { "fallback", fallback.decode },
}
assert(json.backend == "core", "the C core is not built: make LUA=...")

local clock = os.clock
local function time(fn, text, n)
  collectgarbage()
  collectgarbage()
  local t0 = clock()
  for _ = 1, n do fn(text) end
  return (clock() - t0) / n
end

local function median(t)
  table.sort(t)
  return t[math.floor((#t + 1) / 2)]
end

local function run(label, text, n, unit, scale)
  local times = {}
  for _, d in ipairs(decoders) do times[d[1]] = {} end
  for _ = 1, ROUNDS do
    for _, d in ipairs(decoders) do
      local t = times[d[1]]
      t[#t + 1] = time(d[2], text, n)
    end
  end
  local core = median(times.core)
  local line = {}
  for _, d in ipairs(decoders) do
    local m = median(times[d[1]])
    line[#line + 1] = string.format("%s %.2f %s (%.2fx)", d[1], m * scale, unit, m / core)
  end
  print(string.format("json decode, %s (%d bytes), median of %d rounds: %s", label, #text, ROUNDS,
    table.concat(line, ", ")))
end

print(string.format("json: %s", _VERSION .. (rawget(_G, "jit") and (" / " .. jit.version) or "")))
run("one VM", one, 20000, "us", 1e6)
run("2,500 VMs", big, 5, "ms", 1e3)
