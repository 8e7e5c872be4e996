-- The idcloudhost / elastis.id platform simulator.
--   lua5.3 sim/main.lua   (from the repo root; needs lua-http, lua-cjson, cqueues)
-- Environment:
--   PORT                port to listen on (default 8090; 0 = any free port)
--   HOST                address to bind (default 127.0.0.1)
--   APIKEYS             accepted api keys, comma separated (default demo-key)
--   SIM_LATENCY         seconds every write takes (default 0.01)
--   SIM_CREATE_LATENCY  seconds a VM create/clone takes (default SIM_LATENCY)
--   SIM_SETTLE          seconds until a transitional VM status settles (default 0)
-- Prints "listening on http://127.0.0.1:<port>" once bound; stops on SIGTERM/SIGINT.
local dir = (arg and arg[0] or ""):match("^(.*)[/\\][^/\\]*$") or "."
package.path = dir .. "/../?.lua;" .. package.path
-- Debian installs some pure-Lua dependencies of lua-http (fifo, lpeg_patterns,
-- basexx) for Lua 5.1/5.2 only; they work unchanged on 5.3: look there last.
package.path = package.path .. ";/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua"

local cqueues = require "cqueues"
local signal = require "cqueues.signal"

local config = require "sim.config"
local server = require "sim.server"

local function number_env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  local n = tonumber(v)
  if not n or n < 0 then
    io.stderr:write("sim: ", name, " must be a number >= 0, got '", v, "'\n")
    os.exit(2)
  end
  return n
end

local function main()
  local port = math.tointeger(number_env("PORT", 8090))
  local host = os.getenv("HOST")
  if host == nil or host == "" then host = "127.0.0.1" end
  config.latency = number_env("SIM_LATENCY", 0.01)
  config.create_latency = number_env("SIM_CREATE_LATENCY", nil)
  config.settle = number_env("SIM_SETTLE", 0)
  local keys = {}
  for k in (os.getenv("APIKEYS") or "demo-key"):gmatch("[^,%s]+") do keys[#keys + 1] = k end
  config.set_apikeys(keys)

  signal.block(signal.SIGTERM, signal.SIGINT)
  local cq = cqueues.new()
  local srv, bound = server.listen({ host = host, port = port, cq = cq })
  if not srv then
    io.stderr:write("sim: cannot listen on ", host, ":", tostring(port), ": ", tostring(bound), "\n")
    os.exit(1)
  end
  local shown = (host == "0.0.0.0" or host == "::") and "127.0.0.1" or host
  if shown:find(":") then shown = "[" .. shown .. "]" end
  io.stdout:write(string.format("listening on http://%s:%d\n", shown, bound))
  io.stdout:flush()

  local signals = signal.listen(signal.SIGTERM, signal.SIGINT)
  cq:wrap(function()
    signals:wait()
    srv:close()
    os.exit(0)
  end)
  while true do
    local ok, err = cq:loop()
    if ok then break end
    io.stderr:write("sim: ", tostring(err), "\n")
  end
end

main()
