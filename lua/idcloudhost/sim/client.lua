-- A client for the simulator's control API (/__sim/), for tests of your own scripts:
--
--   local sim = require("idcloudhost.simulator").connect("http://127.0.0.1:8090")
--   sim:reset()
--   sim:fault { path = "/v1/user-resource/vm/list", kind = "status", status = 503 }
--   print(#sim:log())
local json = require "idcloudhost.json"
local transport = require "idcloudhost.transport"

local Simulator = {}
Simulator.__index = Simulator

--- Calls /__sim/<path>; returns the decoded answer, or raises (a broken test set-up is not a value).
function Simulator:call(method, path, body)
  local text = body ~= nil and assert(json.encode(body)) or nil
  local status, answer = self.session:request(method, self.url .. "/__sim/" .. path,
    { ["Content-Type"] = "application/json" }, text)
  assert(status, answer)
  assert(status < 300, "simulator " .. method .. " /__sim/" .. path .. " answered " .. tostring(status) .. ": " .. tostring(answer))
  if answer == "" then return true end
  return json.decode(answer)
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
  assert(transport.core, "the C core idcloudhost.core is needed: run make")
  return setmetatable({ url = url:gsub("/+$", ""), session = transport.core.session { timeout = 10 } }, Simulator)
end

return M
