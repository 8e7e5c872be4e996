-- One variant of bench/call.lua's calls, n times, for callgrind: bench/limit.sh runs it twice
-- (n and 3n) under valgrind --tool=callgrind and prints the instructions per call, the figure
-- that stays put on a busy machine.
--   usage: lua bench/instr.lua BASE_URL limit|core|sdk N [LIST_SIZE]
local idcloudhost = require "idcloudhost"
local core = require "idcloudhost.core"
local json = require "idcloudhost.json"
local cjson = require "cjson"
local limit = require "bench_limit"

local BASE, variant, n, size = arg[1], arg[2], tonumber(arg[3]), arg[4]
local KEY = "0123456789abcdef0123456789abcdef"
local UA = "idcloudhost-lua/" .. idcloudhost._VERSION
local UUID = "00000000-0000-4000-8000-000000000000"
local url = size and (BASE .. "/v1/l" .. size .. "/user-resource/vm/list") or (BASE .. "/v1/user-resource/vm?uuid=" .. UUID)

local fn
if variant == "limit" then
  local h = limit.new(KEY, UA)
  fn = function()
    local status, body = h:get(url)
    assert(status == 200, body)
    return cjson.decode(body)
  end
elseif variant == "core" then
  local s = core.session { connect_timeout = 10, max_body = 64 * 2 ^ 20 }
  local req = { method = "GET", url = url, timeout = 30,
    headers = { apikey = KEY, Accept = "application/json", ["User-Agent"] = UA } }
  fn = function() return json.decode(assert(s:request(req)).body) end
else
  local client = assert(idcloudhost.new { apikey = KEY, base_url = BASE })
  local vms = size and assert(client:at("l" .. size)).vms or client.vms
  fn = size and function() return assert(vms:list()) end or function() return assert(vms:get(UUID)) end
end
fn()
for _ = 1, n do fn() end
