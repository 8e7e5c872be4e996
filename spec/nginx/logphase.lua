-- log_by_lua of /t/logphase: no cosockets here.  The default transport is refused at once (it
-- would block the worker: the spec stalls the simulator's answer), with or without the C core;
-- transport = "ngx" is refused; transport = "curl", asked for, blocks on the core (or is
-- refused without it).  The answers are kept for /t/logphase-result (same worker).
-- luacheck: globals ngx
local idcloudhost = require "idcloudhost"

local function err_of(err)
  return err and { kind = err.kind, message = tostring(err) } or nil
end

local function timed(c)
  ngx.update_time()
  local t0 = ngx.now()
  local vms, err = c.vms:list()
  c:close()
  ngx.update_time()
  return vms, err, ngx.now() - t0
end

local vms, err, seconds = timed(assert(idcloudhost.new { retries = 0, timeout = 5, location = "cyc01" }))
local fvms, ferr = timed(assert(idcloudhost.new { retries = 0, timeout = 5, transport = "ngx", location = "cyc01" }))
local cvms, cerr, cseconds = timed(assert(idcloudhost.new { retries = 0, timeout = 5, transport = "curl",
  location = "cyc01" }))
package.loaded["idcloudhost.spec.logphase"] = { phase = ngx.get_phase(), auto_ok = vms ~= nil,
  auto_error = err_of(err), auto_seconds = seconds, ngx_ok = fvms ~= nil, ngx_error = err_of(ferr),
  curl_ok = cvms ~= nil, curl_error = err_of(cerr), curl_seconds = cseconds }
