-- The storage families: disks of VMs and block storage (sim/disk.lua), replicas and rebuild
-- (sim/replica.lua), object storage (sim/bucket.lua), and the deprecated public IP calls of a
-- VM (here): POST and DELETE /v1/[{slug}/]user-resource/vm/ip/public.
--
-- Public IPs: a VM's public IPv4 is a floating IP assigned to it (sim/floating_ip.lua, when
-- that family is loaded). Reserve gives a VM without one a new address; release unassigns it,
-- and the address stays reserved for the user (a floating IP of the account), as the docs
-- say. Both answer the VM, which does not show the address (the docs' VM object has no
-- public IPv4 field). A VM that has one already cannot reserve another, one without cannot
-- release: 400 {"errors": {"Error": ...}}.
local clock = require "sim.clock"
local reply = require "sim.reply"
local state = require "sim.state"
local vm = require "sim.vm"

local storage = {}

local function floating_ips()
  local ok, fip = pcall(require, "sim.floating_ip")
  if ok and type(fip) == "table" and fip.new and fip.assign and fip.unassign then return fip end
end

-- The floating IP records assigned to the VM (when that family is there).
local function assigned(slug, vm_rec)
  local out = {}
  if not floating_ips() then return out end
  for _, rec in pairs(state.collection(slug, "floating_ips")) do
    if rec.assigned_to == vm_rec.uuid then out[#out + 1] = rec end
  end
  table.sort(out, function(a, b) return (a.id or 0) < (b.id or 0) end)
  return out
end

-- With the floating IP family, its assignments are the truth (they change through its calls).
local function has_public_ip(slug, vm_rec)
  if floating_ips() then return #assigned(slug, vm_rec) > 0 end
  return vm_rec.sim.public_ipv4 ~= nil
end

-- An address from the pool VMs get theirs from (without the floating IP family).
local function allocate(slug)
  return vm.public_ipv4(slug, state.next_id("ip:" .. slug))
end

function storage.reserve_public_ip(req)
  local vm_rec, err = vm.lookup_idle(req)
  if not vm_rec then return err end
  local fip = floating_ips()
  if has_public_ip(req.loc, vm_rec) then
    return reply.error("Virtual machine " .. vm_rec.uuid .. " already has a public IP address")
  end
  if fip then
    local rec = fip.new(req.loc, { name = vm_rec.name, billing_account_id = vm_rec.billing_account })
    fip.assign(rec, vm_rec.uuid, "virtual_machine", vm_rec.private_ipv4)
    vm_rec.sim.public_ipv4 = rec.address
  else
    vm_rec.sim.public_ipv4 = allocate(req.loc)
  end
  vm_rec.sim.reserve_public_ip = true
  vm_rec.updated_at = clock.timestamp()
  return reply.ok(vm.view(vm_rec))
end

function storage.release_public_ip(req)
  local vm_rec, err = vm.lookup_idle(req)
  if not vm_rec then return err end
  local list = assigned(req.loc, vm_rec)
  if not has_public_ip(req.loc, vm_rec) then
    return reply.error("Virtual machine " .. vm_rec.uuid .. " has no public IP address")
  end
  local fip = floating_ips()
  for _, rec in ipairs(list) do fip.unassign(rec) end
  state.emit("public_ip_released", req.loc, vm_rec, vm_rec.sim.public_ipv4)
  vm_rec.sim.public_ipv4 = nil
  vm_rec.sim.reserve_public_ip = false
  vm_rec.updated_at = clock.timestamp()
  return reply.ok(vm.view(vm_rec))
end

function storage.register(router)
  require("sim.disk").register(router)
  require("sim.replica").register(router)
  require("sim.bucket").register(router)
  local L = { loc = true }
  router.add("POST", "/v1/user-resource/vm/ip/public", storage.reserve_public_ip, L)
  router.add("DELETE", "/v1/user-resource/vm/ip/public", storage.release_public_ip, L)
end

return storage
