-- log_by_lua of /t/logphase: no cosockets here.  The default transport blocks on the C core
-- (or is refused without it); transport = "ngx" is refused; the answers are kept for
-- /t/logphase-result (same worker).
-- luacheck: globals ngx
local idcloudhost = require "idcloudhost"

local function err_of(err)
  return err and { kind = err.kind, message = tostring(err) } or nil
end

local auto = assert(idcloudhost.new { retries = 0, timeout = 5, location = "cyc01" })
local vms, err = auto.vms:list()
auto:close()
local forced = assert(idcloudhost.new { retries = 0, timeout = 5, transport = "ngx", location = "cyc01" })
local fvms, ferr = forced.vms:list()
package.loaded["idcloudhost.spec.logphase"] = { phase = ngx.get_phase(), auto_ok = vms ~= nil,
  auto_error = err_of(err), ngx_ok = fvms ~= nil, ngx_error = err_of(ferr) }
