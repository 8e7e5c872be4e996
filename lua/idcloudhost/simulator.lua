-- A client for the simulator's control API (/__sim/), for tests of your own scripts:
--
--   local sim = require("idcloudhost.simulator").connect("http://127.0.0.1:8090")
--   sim:reset()
--   sim:fault { path = "/v1/user-resource/vm/list", kind = "status", status = 503 }
--   print(#sim:log())
local idcloudhost = require "idcloudhost"

local Simulator = {}
Simulator.__index = Simulator

--- Calls /__sim/<path>; returns the decoded answer, or raises (a broken test set-up is not a value).
function Simulator:call(method, path, body)
  local data, err = self.client:request(method, "/__sim/" .. path, body, { json = body ~= nil })
  if data == nil then error("simulator " .. method .. " /__sim/" .. path .. ": " .. tostring(err), 2) end
  return data
end

--- State back to the start; faults and log cleared.
function Simulator:reset() return self:call("POST", "reset") end

--- Every API request so far: {method, path, query, params, status, ...}; never the api key.
function Simulator:log() return self:call("GET", "log") end

function Simulator:clear_log() return self:call("DELETE", "log") end

--- Queues a fault for the next requests of a route (see sim/README.md).
function Simulator:fault(f) return self:call("POST", "faults", f) end

--- Changes latency, create_latency, settle, apikeys.
function Simulator:config(c) return self:call("PUT", "config", c) end

local M = {}

--- A control client for the simulator at url (default $IDCLOUDHOST_SIM_URL).
function M.connect(url)
  url = url or os.getenv("IDCLOUDHOST_SIM_URL")
  assert(url, "simulator URL: pass it or set IDCLOUDHOST_SIM_URL")
  local client = assert(idcloudhost.new { base_url = url, apikey = "sim-control", retries = 0, timeout = 10 })
  return setmetatable({ url = client.base_url, client = client }, Simulator)
end

return M
