-- What an SDK call costs over its limit, measured side by side in one process against a local
-- nginx serving static JSON over keep-alive (bench/limit.sh starts it, serving bench/fixtures.lua's
-- answers).  The variants of each case alternate round by round (the order rotating), each round
-- after a full collection; medians of the rounds, per call, wall and this process's CPU:
--   limit  one reused libcurl easy handle (bench/limit.c) + cjson.decode of the body
--   core   the C core alone: session:request (a duplicate handle on a kept multi handle) +
--          json.decode (src/json.c): what the Lua pipeline adds to is this
--   sdk    client.vms:get(uuid), client:at(slug).vms:list(): the whole call
-- then the per-VM growth over the limit (least-squares slope over the list sizes), and a fresh
-- process's `require "idcloudhost"` + new + client.vms against `require "idcloudhost.core"`
-- (which loads libcurl).  Figures only: nothing is asserted but the answers' shapes.
--   usage: lua bench/call.lua BASE_URL [ROUNDS [CASES]]     CASES: "core,get,list,start" (default all)
local idcloudhost = require "idcloudhost"
local core = require "idcloudhost.core"
local json = require "idcloudhost.json"
local cjson = require "cjson"
local limit = require "bench_limit"

local BASE = assert(arg[1], "usage: call.lua BASE_URL [ROUNDS]")
local ROUNDS = tonumber(arg[2]) or 7
local KEY = "0123456789abcdef0123456789abcdef"
local UA = "idcloudhost-lua/" .. idcloudhost._VERSION
local UUID = "00000000-0000-4000-8000-000000000000"
local SIZES = { 100, 2500, 10000 }
local CASES = {}
for c in (arg[3] or "core,get,list,start"):gmatch("[^,]+") do CASES[c] = true end

local client = assert(idcloudhost.new { apikey = KEY, base_url = BASE })
local handle = limit.new(KEY, UA)
local session = core.session { connect_timeout = 10, max_body = 64 * 2 ^ 20 }
local HEADERS = { apikey = KEY, Accept = "application/json", ["User-Agent"] = UA }

local function limit_get(url)
  return function()
    local status, body = handle:get(url)
    assert(status == 200, body)
    return cjson.decode(body)
  end
end

local function core_get(url)
  local req = { method = "GET", url = url, headers = HEADERS, timeout = 30 }
  return function()
    local res = assert(session:request(req))
    return json.decode(res.body)
  end
end

local function median(t)
  local s = {}
  for i, v in ipairs(t) do s[i] = v end
  table.sort(s)
  return s[math.floor((#s + 1) / 2)]
end

-- variants: { {name, fn}, ... }; n calls of each a round, in SLICES slices taken in turn (a
-- load spike from elsewhere hits them all alike), the order rotating round by round.  A full
-- collection starts each round; within it the collector runs as it would in an application, so
-- each variant pays for the garbage it makes.  Returns name -> {wall = us, cpu = us}: medians.
local SLICES = 5
local function measure(variants, n)
  local wall, cpu = {}, {}
  for _, v in ipairs(variants) do
    v[2]()  -- connected, warmed, outside the clock
    wall[v[1]], cpu[v[1]] = {}, {}
  end
  local per = math.max(1, math.floor(n / SLICES))
  for r = 1, ROUNDS do
    collectgarbage()
    collectgarbage()
    local w, c = {}, {}
    for s = 1, SLICES do
      for k = 0, #variants - 1 do
        local v = variants[(r + s + k) % #variants + 1]
        local fn = v[2]
        local t0, c0 = core.now(), limit.cpu()
        for _ = 1, per do fn() end
        w[v[1]] = (w[v[1]] or 0) + core.now() - t0
        c[v[1]] = (c[v[1]] or 0) + limit.cpu() - c0
      end
    end
    for _, v in ipairs(variants) do
      table.insert(wall[v[1]], w[v[1]] / (per * SLICES) * 1e6)
      table.insert(cpu[v[1]], c[v[1]] / (per * SLICES) * 1e6)
    end
  end
  local out = {}
  for _, v in ipairs(variants) do out[v[1]] = { wall = median(wall[v[1]]), cpu = median(cpu[v[1]]) } end
  return out
end

local function line(label, m)
  local l = m.limit
  local function cell(name)
    local x = m[name]
    return string.format("%s %8.1f / %8.1f (%.2fx / %.2fx)", name, x.wall, x.cpu, x.wall / l.wall, x.cpu / l.cpu)
  end
  print(string.format("  %-22s limit %8.1f / %8.1f   %s   %s", label, l.wall, l.cpu, cell("core"), cell("sdk")))
end

local function size_of(url)
  local _, body = handle:get(url)
  return #body
end

print(string.format("call: %s, libcurl %s, nginx at %s (keep-alive); us per call wall / CPU, medians of %d rounds",
  rawget(_G, "jit") and jit.version or _VERSION, core.curl_version, BASE, ROUNDS))

-- vms:get
-- 1,000 uuids taken in turn (nginx answers the same VM for each): no variant gains from asking
-- for the same one again.
local function cycle(list)
  local i = 0
  return function()
    i = i % #list + 1
    return list[i]
  end
end

local function bench_get()
  local uuids, urls, reqs = {}, {}, {}
  for i = 1, 1000 do
    uuids[i] = string.format("%08x-%04x-4%03x-8%03x-%012x", i * 7919, i, i % 4096, i * 13 % 4096, i * 104729)
    urls[i] = BASE .. "/v1/user-resource/vm?uuid=" .. uuids[i]
    reqs[i] = { method = "GET", url = urls[i], headers = HEADERS, timeout = 30 }
  end
  local vms = client.vms
  assert(vms:get(UUID).uuid == UUID)
  local next_url, next_req, next_uuid = cycle(urls), cycle(reqs), cycle(uuids)
  local m = measure({
    { "limit", function()
      local status, body = handle:get(next_url())
      assert(status == 200, body)
      return cjson.decode(body)
    end },
    { "core", function() return json.decode(assert(session:request(next_req())).body) end },
    { "sdk", function() return vms:get(next_uuid()) end },
  }, 2000)
  local url = urls[1]
  line(string.format("vms:get (%d B)", size_of(url)), m)
  print(string.format("  vms:get over the limit: %.2fx wall, %.2fx CPU (target <= 1.15x)", m.sdk.wall / m.limit.wall,
    m.sdk.cpu / m.limit.cpu))
end

-- Least-squares slope of y over x.
local function slope(xs, ys)
  local n, sx, sy = #xs, 0, 0
  for i = 1, n do sx, sy = sx + xs[i], sy + ys[i] end
  local mx, my, num, den = sx / n, sy / n, 0, 0
  for i = 1, n do
    num = num + (xs[i] - mx) * (ys[i] - my)
    den = den + (xs[i] - mx) ^ 2
  end
  return num / den
end

-- vms:list, by size
local function bench_lists()
  local lists = {}
  for _, n in ipairs(SIZES) do
    local url = BASE .. "/v1/l" .. n .. "/user-resource/vm/list"
    local vms = assert(client:at("l" .. n)).vms
    local got = assert(vms:list())
    assert(#got == n and got[n].name == string.format("vm-%05d", n))
    lists[n] = measure({
      { "limit", limit_get(url) }, { "core", core_get(url) },
      { "sdk", function() return vms:list() end },
    }, math.max(2, math.floor(200000 / n)))
    line(string.format("vms:list %d (%.1f MB)", n, size_of(url) / 1e6), lists[n])
  end
  local function per_vm(name, what)
    local ys = {}
    for i, n in ipairs(SIZES) do ys[i] = lists[n][name][what] - lists[n].limit[what] end
    return slope(SIZES, ys)
  end
  local m = lists[2500]
  print(string.format("  vms:list 2500 over the limit: %.2fx wall, %.2fx CPU (target <= 1.2x)", m.sdk.wall / m.limit.wall,
    m.sdk.cpu / m.limit.cpu))
  print(string.format("  growth over the limit, %d to %d VMs (slope of a fit): sdk %+.2f us/VM wall, %+.2f us/VM CPU "
    .. "(target < +3); core %+.2f / %+.2f", SIZES[1], SIZES[#SIZES], per_vm("sdk", "wall"), per_vm("sdk", "cpu"),
    per_vm("core", "wall"), per_vm("core", "cpu")))
end

-- A process's start-up: fresh interpreters, the variants alternated.
local function bench_start()
  local lua
  local i = -1
  while arg[i - 1] do i = i - 1 end
  lua = arg[i]
  local RUNS = 40
  -- The files of the modules that step loads (a child's package.loaded, before and after): their
  -- parse alone (loadfile, nothing run) is what no lazier loading can take off that step.
  local SDK = 'local c = require("idcloudhost").new { apikey = "k" } local _ = c.vms'
  local files = {}
  local p = assert(io.popen(("%q -e %q"):format(lua, 'require "idcloudhost.core" local before = {} '
    .. 'for k in pairs(package.loaded) do before[k] = true end ' .. SDK
    .. ' for k in pairs(package.loaded) do if not before[k] then '
    .. 'local f = package.searchpath(k, package.path) if f then print(f) end end end')))
  for f in p:read("a"):gmatch("[^\n]+") do files[#files + 1] = ("assert(loadfile(%q))"):format(f) end
  p:close()
  local starts = {
    { "bare", { lua, "-e", "" } },
    { "core", { lua, "-e", 'require "idcloudhost.core"' } },
    -- (the SDK loads libcurl at its first call: loaded here first, so what is left is the SDK's own)
    { "sdk", { lua, "-e", 'require "idcloudhost.core" ' .. SDK } },
    { "parse", { lua, "-e", 'require "idcloudhost.core" ' .. table.concat(files, " ") } },
    -- the first call loads the request path (idcloudhost.lazy): what a one-call script pays
    { "call", { lua, "-e", ('require "idcloudhost.core" local c = require("idcloudhost").new { apikey = "k", base_url = %q } '
      .. 'assert(c.vms:get(%q))'):format(BASE, UUID) } },
  }
  local sw, sc = {}, {}
  for _, s in ipairs(starts) do sw[s[1]], sc[s[1]] = {}, {} end
  for r = 1, ROUNDS do
    for k = 0, #starts - 1 do
      local s = starts[(r + k - 1) % #starts + 1]
      local w, c = 0, 0
      for _ = 1, RUNS do
        local dw, dc = limit.run(s[2])
        w, c = w + dw, c + dc
      end
      table.insert(sw[s[1]], w / RUNS * 1e3)
      table.insert(sc[s[1]], c / RUNS * 1e3)
    end
  end
  local bw, bc = median(sw.bare), median(sc.bare)
  local cw, cc = median(sw.core), median(sc.core)
  local fw, fc = median(sw.sdk), median(sc.sdk)
  local pw, pc = median(sw.call), median(sc.call)
  local xw, xc = median(sw.parse), median(sc.parse)
  print(string.format("  start-up, ms per process wall / CPU: lua %.2f / %.2f; require \"idcloudhost.core\" "
    .. "(libcurl) %+.2f / %+.2f; then require \"idcloudhost\" + new + client.vms %+.2f / %+.2f (target < +1 ms), "
    .. "of which parsing its %d modules %+.2f / %+.2f; then a first vms:get (connection, transfer, the request "
    .. "path loaded) %+.2f / %+.2f",
    bw, bc, cw - bw, cc - bc, fw - cw, fc - cc, #files, xw - cw, xc - cc, pw - fw, pc - fc))
end

-- The core's transfer alone (what bench/core_bench.c measures in C), blocking and queued, on a
-- 1 KB answer.
local function bench_core()
  local url = BASE .. "/v1/vms.json"
  local req = { method = "GET", url = url, headers = HEADERS, timeout = 30 }
  local m = measure({
    { "limit", function() assert(handle:get(url) == 200) end },
    { "request", function() assert(session:request(req).status == 200) end },
    { "queued", function()
      local id = assert(session:send(req))
      repeat local ids = session:perform(1) until ids[1] == id
      assert(session:result(id).status == 200)
    end },
  }, 2000)
  local function cell(name)
    return string.format("%s %.1f / %.1f (%.2fx / %.2fx)", name, m[name].wall, m[name].cpu, m[name].wall / m.limit.wall,
      m[name].cpu / m.limit.cpu)
  end
  print(string.format("  %-22s limit %8.1f / %8.1f   core %s, %s", "transfer (1 KB)", m.limit.wall, m.limit.cpu,
    cell("request"), cell("queued")))
end

if CASES.core then bench_core() end
if CASES.get then bench_get() end
if CASES.list then bench_lists() end
if CASES.start then bench_start() end
