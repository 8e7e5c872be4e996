-- Shared by the C core's specs: the throwaway server (spec/core/server.lua),
-- test certificates, a monotonic clock, a multi-interface drain.  Depends on
-- the core only, never on lua/idcloudhost.

local core = require "idcloudhost.core"

local M = {}

local has_system, system = pcall(require, "system")  -- luasystem, a busted dependency
function M.now()
  if has_system and system.monotime then return system.monotime() end
  return core.now()
end

local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"

local function ok(r) return r == true or r == 0 end  -- os.execute, 5.1 and 5.2+

local function sh(cmd) return ok(os.execute(cmd .. " >/dev/null 2>&1")) end

-- The first of lua5.3, lua5.4 with cqueues (and luaossl when TLS is wanted).
local function server_lua(tls)
  local probe = tls and 'require("cqueues.socket"); require("openssl.ssl.context")'
                    or 'require("cqueues.socket")'
  for _, lua in ipairs{"lua5.3", "lua5.4"} do
    if sh(lua .. " -e '" .. probe .. "'") then return lua end
  end
end

-- Start the server; nil when no Lua with cqueues is installed.  h.url is the
-- plain HTTP base URL, h.port[name] every listener's port.
function M.start(tlsdir)
  local lua = server_lua(tlsdir)
  if not lua then return nil end
  local cmd = "echo $$; exec " .. lua .. " " .. here .. "server.lua"
  if tlsdir then cmd = cmd .. " " .. tlsdir end
  local p = io.popen(cmd, "r")
  local h = {pipe = p, pid = tonumber(p:read("*l") or ""), port = {}}
  for line in p:lines() do
    if line == "ready" then break end
    local name, port = line:match("^(%S+) (%d+)$")
    if name then h.port[name] = tonumber(port) end
  end
  if not (h.pid and h.port.http) then
    p:close()
    return nil
  end
  h.url = "http://127.0.0.1:" .. h.port.http
  return h
end

function M.stop(h)
  if not h then return end
  local s = core.session()
  s:request{method = "GET", url = h.url .. "/quit", timeout = 2}
  s:close()
  os.execute("kill " .. h.pid .. " 2>/dev/null")
  h.pipe:close()
end

-- A temporary directory with a CA and four server certificates made by the
-- openssl command: good (127.0.0.1, by the CA), other (other.example, by
-- the CA), expired (127.0.0.1, by the CA, ended yesterday), self (127.0.0.1,
-- self-signed).  nil when openssl is missing.
function M.certs()
  if not sh("openssl version") then return nil end
  local p = io.popen("mktemp -d")
  local dir = p:read("*l")
  p:close()
  local key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
  local function run(cmd)
    assert(sh("cd " .. dir .. " && openssl " .. cmd), "openssl " .. cmd)
  end
  local serial = 0
  local function leaf(name, cn, san, days)
    local f = assert(io.open(dir .. "/" .. name .. ".ext", "w"))
    f:write("subjectAltName=", san, "\n")
    f:close()
    run(("req %s -keyout %s.key -out %s.csr -subj /CN=%s"):format(key, name, name, cn))
    serial = serial + 1
    run(("x509 -req -in %s.csr -CA ca.pem -CAkey ca.key -set_serial %d -days %d "
         .. "-extfile %s.ext -out %s.pem"):format(name, serial, days, name, name))
  end
  run(("req -x509 %s -keyout ca.key -out ca.pem -days 3 -subj /CN=idcloudhost-test-CA")
      :format(key))
  leaf("good", "127.0.0.1", "IP:127.0.0.1,DNS:localhost", 3)
  leaf("other", "other.example", "DNS:other.example", 3)
  leaf("expired", "127.0.0.1", "IP:127.0.0.1", -1)
  run(("req -x509 %s -keyout self.key -out self.pem -days 3 -subj /CN=127.0.0.1 "
       .. "-addext subjectAltName=IP:127.0.0.1"):format(key))
  return dir
end

function M.rmdir(dir)
  if dir and dir:match("^/tmp/") then os.execute("rm -rf '" .. dir .. "'") end
end

-- Run the multi interface until nothing is pending: {id = {res, msg, name}}.
function M.drain(s, limit)
  local got, deadline = {}, M.now() + (limit or 15)
  while s:pending() > 0 do
    for _, id in ipairs(s:perform(1)) do
      assert(got[id] == nil, "transfer " .. tostring(id) .. " named twice")
      got[id] = {s:result(id)}
    end
    assert(M.now() < deadline, "transfers did not finish in time")
  end
  return got
end

-- An outcome as a table to compare two paths with: numbers in a message
-- (milliseconds taken, ports) and the X-Conn serial are left out.
function M.outcome(res, msg, name)
  if res then res.headers["x-conn"] = nil end
  return {res, msg and (msg:gsub("%d+", "#")), name}
end

-- A req with the defaults the specs use.
function M.req(url, t)
  local r = {method = "GET", url = url, timeout = 10}
  for k, v in pairs(t or {}) do r[k] = v end
  return r
end

-- The peak resident memory of this process in kB (Linux), or nil.
function M.peak_kb()
  local f = io.open("/proc/self/status")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return tonumber(s:match("VmHWM:%s*(%d+)"))
end

return M
