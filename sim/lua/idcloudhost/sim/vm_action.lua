-- The VM calls that act on one VM's record alone (location-specific): read it (GET /vm,
-- /vm/list), change it (PATCH /vm, PATCH /vm/user), power it (start, stop, rescue_start),
-- reinstall it, toggle its backups; and the resource pools (/user-resource/host_pool/list).
-- vm.lua, which makes and removes VMs, serves them in the VM family's route table.
--
-- Choices where the docs are silent (see also sim/README.md):
--   * start on a running VM and stop on a stopped VM answer the VM unchanged (idempotent);
--   * rescue_start works from any state and answers the VM "running";
--   * a VM in a transitional status (only with SIM_SETTLE > 0) refuses every action but
--     delete with 400 {"errors": {"Error": "... is busy ..."}};
--   * vcpu/ram changes are refused unless the VM is "stopped";
--   * PATCH /vm/user checks username and password like VM creation does.
-- From the field (sources in sim/README.md):
--   * PATCH /vm answers the VM (both editions: the old idcloudhost seed's {"success": true} is
--     superseded by the 2025-12 text);
--   * a PATCH that sends vcpu and ram unchanged is refused (bapung/idcloudhost-go-client-library,
--     idcloudhost/vm/vm.go: "workaround to idcloudhost API bug, cannot be set if none is changed");
--   * sizes are checked against the pool's guest_limits;
--   * a deleted VM reads back (GET /vm) with status "deleted" for the tombstone time.
local catalog = require "idcloudhost.sim.catalog"
local machine = require "idcloudhost.sim.machine"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local action = {}

-- GET ?uuid=: the VM; a deleted one reads back, status "deleted", for the tombstone time.
function action.get(req)
  local rec, err = machine.lookup(req, nil, true)
  if not rec then
    local uuid = req.params.uuid
    local dead = type(uuid) == "string" and state.tombstone(req.loc, "vm", params.to_uuid(uuid) or uuid)
    if dead then return reply.ok(machine.view(dead)) end
    return err
  end
  return reply.ok(machine.view(rec))
end

function action.list(req)
  local out = state.by_id(machine.all(req.loc), nil, true) -- newest first, like the docs
  for i, rec in ipairs(out) do out[i] = machine.view(rec) end
  return reply.ok(out)
end

function action.modify(req)
  local rec, err = machine.lookup_idle(req)
  if not rec then return err end
  local values, errors = catalog.validate(req.params, { only = { name = true } })
  local sizes, serrors = catalog.check_sizes(req.params,
    (machine.pool(rec.designated_pool_uuid) or machine.pool()).guest_limits, { only = { vcpu = true, ram = true } })
  errors = params.merge_errors(errors, serrors)
  if next(errors) then return reply.errors(errors) end
  local unchanged = (sizes.vcpu == nil or sizes.vcpu == rec.vcpu) and (sizes.ram == nil or sizes.ram == rec.memory)
  if (sizes.vcpu or sizes.ram) and unchanged then
    return reply.error("Nothing to change: vcpu and ram are the virtual machine's already")
  end
  if not unchanged and rec.status ~= "stopped" then
    return reply.error(string.format(
      "vcpu and ram can only be changed when the virtual machine is stopped (status: %s)", rec.status))
  end
  rec.name = values.name or rec.name
  rec.vcpu = sizes.vcpu or rec.vcpu
  rec.memory = sizes.ram or rec.memory
  machine.touch(rec)
  return reply.ok(machine.view(rec))
end

function action.start(req)
  local rec, err = machine.lookup_idle(req)
  if not rec then return err end
  if rec.status ~= "running" then
    rec.sim.rescue = false
    rec.sim.boot_media = nil -- boot_iso_media holds for one launch
    machine.set_status(rec, "starting", "running")
    machine.touch(rec)
  end
  return reply.ok(machine.view(rec))
end

function action.stop(req)
  local r = params.reader(req.params)
  local force = r:bool("force", false)
  local rec, err = machine.lookup_idle(req, r)
  if not rec then return err end
  if rec.status ~= "stopped" then
    rec.sim.rescue = false
    rec.sim.last_stop_forced = force
    machine.set_status(rec, "stopping", "stopped")
    machine.touch(rec)
  end
  return reply.ok(machine.view(rec))
end

function action.rescue_start(req)
  local rec, err = machine.lookup_idle(req)
  if not rec then return err end
  rec.sim.rescue = true
  machine.set_status(rec, "starting", "running")
  machine.touch(rec)
  return reply.ok(machine.view(rec))
end

function action.change_password(req)
  local r = params.reader(req.params)
  local uuid = r:uuid("uuid", true)
  local username = r:str("username", true)
  local password = r:str("password", true)
  local _, verrors = catalog.validate({ username = username, password = password },
    { only = { username = true, password = true } })
  local errors = params.merge_errors(r.errors, verrors)
  if next(errors) then return reply.errors(errors) end
  local rec, err = machine.find(req.loc, uuid, true)
  if not rec then return err end
  if rec.status ~= "running" then
    return reply.error(string.format(
      "Virtual machine must be running to change the password (status: %s)", rec.status))
  end
  rec.sim.password_changed_for = username
  machine.touch(rec)
  return reply.success()
end

function action.reinstall(req)
  local r = params.reader(req.params)
  local os_name = r:str("os_name")
  local os_version = r:str("os_version")
  local rec, err = machine.lookup_idle(req, r)
  if not rec then return err end
  if os_name == "" then os_name = nil end
  if os_version == "" then os_version = nil end
  local new_name = os_name or rec.os_name
  local new_version = os_version or rec.os_version
  local _, errors = catalog.validate({ os_name = new_name, os_version = new_version },
    { only = { os_name = true, os_version = true } })
  if next(errors) then return reply.errors(errors) end
  rec.os_name, rec.os_version = new_name, new_version
  rec.sim.rescue = false
  machine.set_status(rec, "reinstalling", "running")
  machine.touch(rec)
  return reply.ok(machine.view(rec))
end

function action.toggle_backup(req)
  local rec, err = machine.lookup_idle(req)
  if not rec then return err end
  rec.backup = not rec.backup
  machine.touch(rec)
  return reply.ok(machine.view(rec))
end

function action.host_pools()
  return reply.ok(machine.pools)
end

return action
