-- Network load balancers (location-specific, elastis edition):
-- /v1/[{slug}/]network/load_balancers...
--
-- Why one file of over 300 lines: it is one family's one route table (ten calls on one
-- record), and all that is here serves only those calls: the balancer's view, the checks of
-- its forwarding rules and targets, the handlers. The one call from outside is drop_target
-- (vm.lua). Split, each part would be used by the other alone.
--
-- Records live in state.collection(slug, "load_balancers")[uuid]. Rules and
-- choices where the docs are silent:
--   * network_uuid: a network of the location (else 400 {"message": "Network
--     UUID is invalid."}); without it the default network (created if need
--     be). The balancer takes an address in it (private_address) and counts
--     as one of its resources (the network cannot be deleted meanwhile);
--   * targets are VMs (target_type "vm") that exist in the location and sit
--     in the balancer's network; a VM is a target once; deleting a VM drops it
--     from every balancer;
--   * a forwarding rule needs source_port and target_port (1-65535; numbers or
--     numeric strings); one rule per source_port; protocol TCP, settings as in
--     the docs; adding a rule answers {source_port, target_port} only (no uuid);
--   * reserve_public_ip (default false): a floating IP is reserved and assigned
--     to the balancer; deleting the balancer leaves it reserved, unassigned;
--   * billing_account_id / set_id: billing.account_for (0 or absent on create: a
--     restricted token's account; a global token must name one);
--   * unknown balancer, target or rule: 404 {"message": "... was not found."};
--   * delete, remove target, remove rule: 200 with an empty body.
--
-- From the field:
--   * a create without a `targets` key answers 500 in the elastis edition
--     (thanet-s/inspace-cloud-kube-modules, modules/client/types.go: "its API currently
--     returns HTTP 500 when the key is omitted"); clients send "targets": [];
--   * a deleted balancer reads back 200 with is_deleted true, and GET .../load_balancers?all=true
--     lists it, for a while (the tombstone setting; WarrenCloudPlatform/terraform-provider-warren,
--     vendor/gitlab.com/warrenio/library/go-client/warren/load_balancer.go, ListLoadBalancers).
local billing = require "idcloudhost.sim.billing"
local clock = require "idcloudhost.sim.clock"
local config = require "idcloudhost.sim.config"
local fip = require "idcloudhost.sim.floating_ip"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local machine = require "idcloudhost.sim.machine"
local network = require "idcloudhost.sim.network"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local lb = {}

local A = json.array

local function lbs(slug)
  return state.collection(slug, "load_balancers")
end

local function vms(slug)
  return machine.all(slug)
end

function lb.view(rec)
  local rules = A()
  for i, f in ipairs(rec.rules) do
    rules[i] = {
      uuid = f.uuid,
      protocol = "TCP",
      created_at = f.created_at,
      source_port = f.source_port,
      target_port = f.target_port,
      settings = { connection_limit = 10000, session_persistence = "SOURCE_IP" },
    }
  end
  local targets = A()
  for i, t in ipairs(rec.targets) do
    targets[i] = {
      created_at = t.created_at,
      target_uuid = t.target_uuid,
      target_type = t.target_type,
      target_ip_address = t.target_ip_address,
    }
  end
  return {
    uuid = rec.uuid,
    display_name = rec.display_name,
    network_uuid = rec.network_uuid,
    user_id = state.user.id,
    billing_account_id = rec.billing_account_id,
    created_at = rec.created_at,
    updated_at = rec.updated_at,
    is_deleted = rec.is_deleted or false,
    private_address = rec.private_address,
    forwarding_rules = rules,
    targets = targets,
  }
end

---------------------------------------------------------------------------
-- Checks
---------------------------------------------------------------------------

local function port(v)
  local n = params.to_int(v)
  if n and n >= 1 and n <= 65535 then return n end
end

-- A rule from {source_port=, target_port=}; nil and a message when bad.
local function read_rule(t)
  if type(t) ~= "table" then return nil, "a rule is an object {source_port, target_port}" end
  local s, d = port(t.source_port), port(t.target_port)
  if t.source_port == nil or t.target_port == nil then return nil, "source_port and target_port are required" end
  if not s or not d then return nil, "ports are whole numbers from 1 to 65535" end
  return { source_port = s, target_port = d }
end

-- A JSON list parameter (a JSON array, or its text in a form); nil when absent.
local function read_list(r, name)
  local v = r:raw(name)
  if v == nil then return nil end
  if type(v) == "string" then
    local decoded = json.decode(v)
    if type(decoded) ~= "table" then return r:fail(name, "Must be a JSON list") end
    v = decoded
  end
  if type(v) ~= "table" or (next(v) ~= nil and #v == 0) then return r:fail(name, "Must be a JSON list") end
  return v
end

-- A target from {target_uuid, target_type}: the target record, or nil and a reply.
local function read_target(slug, rec, t, now)
  if type(t) ~= "table" or t.target_uuid == nil or t.target_type == nil then
    return nil, reply.errors { targets = "a target is an object {target_uuid, target_type}" }
  end
  if t.target_type ~= "vm" then
    return nil, reply.message(400, "Unsupported target_type '" .. tostring(t.target_type) .. "': only vm")
  end
  local uuid = params.to_uuid(t.target_uuid)
  local vm = uuid and vms(slug)[uuid]
  if not vm then
    return nil, reply.message(400, "Target virtual machine " .. tostring(t.target_uuid) .. " was not found.")
  end
  if vm.sim.network_uuid ~= rec.network_uuid then
    return nil, reply.message(400, "Target virtual machine " .. vm.uuid
      .. " is not in the load balancer's network " .. rec.network_uuid .. ".")
  end
  for _, x in ipairs(rec.targets) do
    if x.target_uuid == vm.uuid then
      return nil, reply.message(400, "Virtual machine " .. vm.uuid .. " is already a target of this load balancer.")
    end
  end
  return { created_at = now, target_uuid = vm.uuid, target_type = "vm", target_ip_address = vm.private_ipv4 }
end

local function add_rule(rec, rule, now)
  for _, f in ipairs(rec.rules) do
    if f.source_port == rule.source_port then
      return nil, reply.message(400, "A forwarding rule for source port " .. rule.source_port .. " already exists.")
    end
  end
  rule.uuid, rule.created_at = ids.uuid4(), now
  rec.rules[#rec.rules + 1] = rule
  return rule
end

-- The balancer of the path; with tombstones, a deleted one too (reads only).
local function lookup(req, tombstones)
  local uuid = params.to_uuid(req.vars.uuid)
  local rec = uuid and (lbs(req.loc)[uuid] or (tombstones and state.tombstone(req.loc, "load_balancer", uuid)))
  if not rec then return nil, reply.message(404, "Load balancer " .. req.vars.uuid .. " was not found.") end
  return rec
end

local function touch(rec)
  rec.updated_at = clock.timestamp()
end

-- Takes the entry whose `field` is the uuid `raw` (any form) out of the balancer's list
-- (targets, rules): true when there was one.
local function remove(rec, list, field, raw)
  local uuid = params.to_uuid(raw)
  for i, x in ipairs(list) do
    if x[field] == uuid then
      table.remove(list, i)
      touch(rec)
      return true
    end
  end
  return false
end

---------------------------------------------------------------------------
-- Handlers
---------------------------------------------------------------------------

-- ?all=true lists the deleted balancers too.
function lb.list(req)
  local r = params.reader(req.params)
  local all = r:bool("all", false)
  if r:failed() then return reply.errors(r.errors) end
  local out = state.list(req.loc, "load_balancers")
  if all then
    for _, rec in ipairs(state.tombstones(req.loc, "load_balancer")) do out[#out + 1] = rec end
    out = state.by_id(out)
  end
  for i, rec in ipairs(out) do out[i] = lb.view(rec) end
  return reply.ok(out)
end

function lb.get(req)
  local rec, err = lookup(req, true)
  if not rec then return err end
  return reply.ok(lb.view(rec))
end

function lb.create(req)
  local r = params.reader(req.params)
  local name = r:str("display_name", false, "")
  local ba_id = r:int("billing_account_id")
  local net_uuid = r:str("network_uuid")
  local reserve = r:bool("reserve_public_ip", false)
  local rules = read_list(r, "rules")
  local targets = read_list(r, "targets")
  local checked = {}
  for i, t in ipairs(rules or {}) do
    local rule, msg = read_rule(t)
    if not rule then
      r:fail("rules", "rule " .. i .. ": " .. msg)
      break
    end
    checked[i] = rule
  end
  if r:failed() then return reply.errors(r.errors) end
  if targets == nil and config.elastis() then
    return reply.message(500, "An unexpected error occurred")
  end

  local ba, err = billing.account_for(req, ba_id, "message")
  if not ba then return err end
  local net
  if net_uuid == nil or net_uuid == "" then
    net = network.default(req.loc, true)
  else
    net = network.find(req.loc, net_uuid)
    if not net then return reply.message(400, network.INVALID) end
  end
  local now = clock.timestamp()
  local rec = {
    id = state.next_id("load_balancer"),
    uuid = ids.uuid4(),
    display_name = name,
    network_uuid = net.uuid,
    billing_account_id = ba.id,
    created_at = now,
    updated_at = now,
    rules = {},
    targets = {},
  }
  for _, rule in ipairs(checked) do
    local ok, rerr = add_rule(rec, rule, now)
    if not ok then return rerr end
  end
  for _, t in ipairs(targets or {}) do
    local target, terr = read_target(req.loc, rec, t, now)
    if not target then return terr end
    rec.targets[#rec.targets + 1] = target
  end
  -- Every check passed: the balancer exists from here on.
  rec.private_address = network.allocate(net)
  network.attach(net, rec.uuid)
  lbs(req.loc)[rec.uuid] = rec
  if reserve then
    local ip = fip.new(req.loc, { name = name, billing_account_id = ba.id })
    fip.assign(ip, rec.uuid, "load_balancer", rec.private_address)
  end
  return reply.ok(lb.view(rec))
end

function lb.rename(req)
  local r = params.reader(req.params)
  local name = r:str("display_name", true)
  if r:failed() then return reply.errors(r.errors) end
  local rec, err = lookup(req)
  if not rec then return err end
  rec.display_name = name
  touch(rec)
  return reply.ok(lb.view(rec))
end

function lb.delete(req)
  local rec, err = lookup(req)
  if not rec then return err end
  lbs(req.loc)[rec.uuid] = nil
  network.detach(req.loc, rec.network_uuid, rec.uuid)
  fip.release_from(req.loc, rec.uuid)
  rec.is_deleted = true
  touch(rec)
  state.bury(req.loc, "load_balancer", rec.uuid, rec)
  return reply.empty(200)
end

function lb.add_target(req)
  local r = params.reader(req.params)
  local t = { target_uuid = r:str("target_uuid", true), target_type = r:str("target_type", true) }
  if r:failed() then return reply.errors(r.errors) end
  local rec, err = lookup(req)
  if not rec then return err end
  local target, terr = read_target(req.loc, rec, t, clock.timestamp())
  if not target then return terr end
  rec.targets[#rec.targets + 1] = target
  touch(rec)
  return reply.ok(target)
end

function lb.remove_target(req)
  local rec, err = lookup(req)
  if not rec then return err end
  if remove(rec, rec.targets, "target_uuid", req.vars.target_uuid) then return reply.empty(200) end
  return reply.message(404, "Target " .. req.vars.target_uuid .. " was not found.")
end

function lb.add_forwarding_rule(req)
  local r = params.reader(req.params)
  local s, d = r:raw("source_port", true), r:raw("target_port", true)
  if r:failed() then return reply.errors(r.errors) end
  local rule, msg = read_rule { source_port = s, target_port = d }
  if not rule then return reply.errors { source_port = msg } end
  local rec, err = lookup(req)
  if not rec then return err end
  local ok, rerr = add_rule(rec, rule, clock.timestamp())
  if not ok then return rerr end
  touch(rec)
  return reply.ok { source_port = rule.source_port, target_port = rule.target_port }
end

function lb.remove_forwarding_rule(req)
  local rec, err = lookup(req)
  if not rec then return err end
  if remove(rec, rec.rules, "uuid", req.vars.rule_uuid) then return reply.empty(200) end
  return reply.message(404, "Forwarding rule " .. req.vars.rule_uuid .. " was not found.")
end

function lb.set_billing_account(req)
  local r = params.reader(req.params)
  local id = r:int("set_id", true)
  if r:failed() then return reply.errors(r.errors) end
  local rec, err = lookup(req)
  if not rec then return err end
  local ba, berr = billing.account_for(req, id, "message")
  if not ba then return berr end
  rec.billing_account_id = ba.id
  touch(rec)
  return reply.ok(lb.view(rec))
end

function lb.register(router)
  local L = { loc = true }
  local P = "/v1/network/load_balancers"
  router.add("GET", P, lb.list, L)
  router.add("POST", P, lb.create, L)
  router.add("GET", P .. "/{uuid}", lb.get, L)
  router.add("PATCH", P .. "/{uuid}", lb.rename, L)
  router.add("DELETE", P .. "/{uuid}", lb.delete, L)
  router.add("POST", P .. "/{uuid}/targets", lb.add_target, L)
  router.add("DELETE", P .. "/{uuid}/targets/{target_uuid}", lb.remove_target, L)
  router.add("POST", P .. "/{uuid}/forwarding_rules", lb.add_forwarding_rule, L)
  router.add("DELETE", P .. "/{uuid}/forwarding_rules/{rule_uuid}", lb.remove_forwarding_rule, L)
  router.add("PUT", P .. "/{uuid}/billing_account", lb.set_billing_account, L)
end

--- The live balancer with that uuid (any form Python's uuid.UUID takes), or nil (ip_assign.lua).
function lb.find(slug, uuid)
  local u = params.to_uuid(uuid)
  return u and lbs(slug)[u] or nil
end

--- A deleted VM stops being a target anywhere (vm.lua calls this).
function lb.drop_target(slug, vm_uuid)
  for _, rec in pairs(lbs(slug)) do
    for i = #rec.targets, 1, -1 do
      if rec.targets[i].target_uuid == vm_uuid then table.remove(rec.targets, i) end
    end
  end
end

state.dumpers.load_balancers = function(slug)
  return state.list(slug, "load_balancers", lb.view)
end

return lb
