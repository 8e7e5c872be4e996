-- Assigning a floating IP: POST /v1/[{slug}/]network/ip_addresses/{address}/assign. Its own
-- family because it reaches the three kinds an address is assigned to (VMs, load balancers,
-- managed services), two of which require floating_ip.lua themselves.
--
-- The docs send {"vm_uuid": ...} (and no parameter table), yet their own answer reads
-- assigned_to_resource_type "service"; live clients send {"assigned_to": ...,
-- "assigned_to_resource_type": "virtual_machine" | "load_balancer" | "service"}
-- (zorgatia/terraform-provider-cloudaxion docs/api-notes.md section 21, verified live 2026-08-27,
-- for a service; thanet-s/inspace-cloud-kube-modules modules/client/floatingip.go for all three;
-- shared/api/endpoints-2025.md (c) 7). Both forms work; `assigned_to` without a type is a VM.
-- Another type: 400 {"errors": {"assigned_to_resource_type": ...}}. The resource must exist
-- (a VM, a balancer or a live service package of the location), else 400 {"message": "<Kind> <uuid> was
-- not found."}. assigned_to_private_ip: the VM's private address, the balancer's, the service_ip.
local fip = require "idcloudhost.sim.floating_ip"
local lb = require "idcloudhost.sim.load_balancer"
local machine = require "idcloudhost.sim.machine"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local service = require "idcloudhost.sim.service_record"

local assign = {}

-- Per resource type: its name in messages, and its record's uuid and private address (or nil).
local KINDS = {
  virtual_machine = { name = "Virtual machine", find = function(slug, uuid)
    local vm = machine.all(slug)[uuid]
    if vm then return vm.uuid, vm.private_ipv4 end
  end },
  load_balancer = { name = "Load balancer", find = function(slug, uuid)
    local rec = lb.find(slug, uuid)
    if rec then return rec.uuid, rec.private_address end
  end },
  service = { name = "Service", find = function(slug, uuid)
    local rec = service.find(uuid)
    if rec and rec.location == slug then return rec.uuid, rec.service_ip end
  end },
}

function assign.handle(req)
  local r = params.reader(req.params)
  local field = r:present("vm_uuid") and "vm_uuid" or (r:present("assigned_to") and "assigned_to") or nil
  local uuid = r:uuid(field or "vm_uuid", true)
  local kind = field == "assigned_to" and r:str("assigned_to_resource_type") or nil
  kind = kind or "virtual_machine"
  if not KINDS[kind] then
    r:fail("assigned_to_resource_type", "Must be one of: virtual_machine, load_balancer, service")
  end
  if r:failed() then return reply.errors(r.errors) end
  local rec, err = fip.lookup(req)
  if not rec then return err end
  local id, private_ip = KINDS[kind].find(req.loc, uuid)
  if not id then return reply.message(400, KINDS[kind].name .. " " .. uuid .. " was not found.") end
  fip.assign(rec, id, kind, private_ip)
  return reply.ok(fip.view(rec))
end

function assign.register(router)
  router.add("POST", "/v1/network/ip_addresses/{address}/assign", assign.handle, { loc = true })
end

return assign
