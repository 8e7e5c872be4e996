-- bench/ngx_peer.sh's handler, inside nginx (ngx_lua): client.vms:get(uuid) on the ngx transport
-- against lua-resty-http's request_uri + cjson.decode of the same answer, both on keep-alive to
-- bench/limit.sh's static nginx.  GET /bench?n=N&variant=sdk|peer answers the worker's CPU
-- seconds (os.clock: this process) and wall seconds for N calls of that variant.
-- luacheck: globals ngx
local idcloudhost = require "idcloudhost"
-- lua-resty-http's http_connect.lua requires resty.string (OpenResty's lua-resty-string, not in
-- Debian) for to_hex, used only for a client certificate's hash behind a proxy: never here.
if not pcall(require, "resty.string") then
  package.loaded["resty.string"] = { to_hex = function(s)
    return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
  end }
end
local http = require "resty.http"
local cjson = require "cjson"

local BASE = os.getenv("BENCH_BASE")
local KEY = "0123456789abcdef0123456789abcdef"
local UUID = "00000000-0000-4000-8000-000000000000"
local URL = BASE .. "/v1/user-resource/vm?uuid=" .. UUID
local HEADERS = { apikey = KEY, Accept = "application/json", ["User-Agent"] = "idcloudhost-lua/" .. idcloudhost._VERSION }

local client = assert(idcloudhost.new { apikey = KEY, base_url = BASE })

local VARIANTS = {
  sdk = function()
    local vm = idcloudhost.assert(client.vms:get(UUID))
    return vm.uuid
  end,
  peer = function()
    local httpc = http.new()
    local res = assert(httpc:request_uri(URL, { headers = HEADERS, keepalive_timeout = 30000, keepalive_pool = 32 }))
    assert(res.status == 200, res.status)
    return cjson.decode(res.body).uuid
  end,
}

local args = ngx.req.get_uri_args()
local fn = assert(VARIANTS[args.variant], "variant: sdk or peer")
local n = tonumber(args.n) or 1000
fn()  -- (warm: connection, JIT)
collectgarbage()
ngx.update_time()
local w0, c0 = ngx.now(), os.clock()
for _ = 1, n do fn() end
local c1 = os.clock()
ngx.update_time()
ngx.say(string.format('{"cpu":%.6f,"wall":%.6f,"n":%d}', c1 - c0, ngx.now() - w0, n))
