-- A client for the simulator's control API (/__sim/), for the specs and for tests of your own
-- scripts. It speaks through the SDK's public API (idcloudhost.new, client:request), so it runs
-- wherever the SDK runs (any Lua the SDK supports; the simulator itself runs on Lua 5.3).
--
--   local sim = require("idcloudhost.sim.client").connect("http://127.0.0.1:8090")
--   sim:reset()
--   sim:fault { path = "/v1/user-resource/vm/list", kind = "status", status = 503 }
--   print(#sim:log())
--
-- Every method returns the decoded answer, or raises: a broken test set-up is not a value.
local idcloudhost = require "idcloudhost"

local Client = {}
Client.__index = Client

--- Calls the control API: path "reset" or "/__sim/reset"; body a table sent as JSON.
function Client:call(method, path, body)
  if path:sub(1, 1) ~= "/" then path = "/__sim/" .. path end
  local res, err = self.api:request(method, path, body, { json = true })
  if res == nil then
    error(string.format("simulator %s %s: %s", method, path, tostring(err and err.message or err)), 2)
  end
  return res
end

--- State back to the start; faults and log cleared.
function Client:reset() return self:call("POST", "reset") end

--- Every API request so far: {method, path, query, params, status, ...}; never the api key.
function Client:log() return self:call("GET", "log") end

function Client:clear_log() return self:call("DELETE", "log") end

--- Queues a fault (or a list of them) for the next requests of a route (see sim/README.md).
function Client:fault(f) return self:call("POST", "faults", f) end

--- Changes latency, create_latency, settle, tombstone, edition, apikeys; answers the new settings.
function Client:config(c)
  if c == nil then return self:call("GET", "config") end
  return self:call("PUT", "config", c)
end

--- The whole state: user, billing accounts, counters, each location's resources.
function Client:state() return self:call("GET", "state") end

local M = {}

--- A control client for the simulator at url (default $IDCLOUDHOST_SIM_URL).
function M.connect(url)
  url = url or os.getenv("IDCLOUDHOST_SIM_URL")
  if not url or url == "" then error("simulator URL: pass it or set IDCLOUDHOST_SIM_URL", 2) end
  -- The control API takes no api key; the SDK wants one, so it gets a name that says so.  Its
  -- calls block wherever they are made (a test inside Neovim included: blocking = true).
  local api = assert(idcloudhost.new { base_url = url:gsub("/+$", ""), apikey = "sim-control", retries = 0,
    blocking = true })
  return setmetatable({ url = api.base_url, api = api }, Client)
end

return M
