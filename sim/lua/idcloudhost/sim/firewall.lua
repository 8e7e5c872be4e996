-- Firewalls (location-specific): /v1/[{slug}/]network/firewalls[/{uuid}[/vms?vm_uuid=]], routes
-- 106-111 of the 2025-12 idcloudhost text (shared/api/endpoints-2025.md (a), (c) 1-5).
--
-- Records live in state.collection(slug, "firewalls")[uuid]. A firewall as the API shows it:
-- {uuid, created_at, deleted_at, display_name, user_id, billing_account_id, rules,
-- resources_assigned} (the create and update answers of the docs), plus `description` once one
-- was set. A rule: {uuid, direction, protocol, port_start, port_end, endpoint_spec_type,
-- endpoint_spec}.
--
-- Rules of the docs ("Representation and validation"): direction inbound or outbound;
-- endpoint_spec_type any or ip_prefixes; with ip_prefixes, endpoint_spec a list of addresses or
-- CIDR prefixes; ports 1-65535, port_start null meaning all ports, port_end null meaning
-- port_start; port_start not above port_end. A bad rule: 400 {"errors": {"rules": "rule <n>:
-- ..."}}, and nothing changes. Delete answers 204 (the docs; CloudAxion notes section 12,
-- verified live); assign answers the firewall's assignments [{resource_type: "vm",
-- resource_uuid}]; unassign answers 204, empty ("No content").
--
-- From the field and the clients (endpoints-2025.md (c)):
--   * there is no GET of one firewall: 405 (thanet-s/inspace-cloud-kube-modules
--     modules/client/firewall.go: "it returns 405"); clients read one from the list;
--   * reads show display_name (CloudAxion notes "Firewalls"; bapung/idcloudhost-go-client-library
--     31a3979 decodes display_name): the docs' list shows name/description instead, which the
--     simulator does not; create takes display_name, update takes name (or display_name);
--   * endpoint_spec is null for an `any` rule, an omitted port_end is stored equal to port_start
--     (CloudAxion notes section 14, verified live); rules come back in the API's order, not the
--     order sent (section 20, verified live): here, by rule uuid;
--   * protocols: tcp, udp, icmp (the docs' examples) and any (bapung 31a3979); others are
--     refused (the docs list no protocol rule).
-- Update is a PUT of the whole firewall: `rules` is required and replaces every rule (a rule
-- left out is deleted; a rule sent with the uuid of one of the firewall's rules keeps that
-- uuid, any other gets a new one); name and description replace theirs when sent and stay when
-- not (bapung 31a3979 sends only rules on update, from "empirical testing").
-- Deleting a VM takes it out of every firewall (vm.lua calls firewall.drop_vm). Billing:
-- billing_account_id through billing.account_for (the network service's {"message"} shape);
-- the pricing policy has no firewall price, so firewalls are not in the usage.
local billing = require "idcloudhost.sim.billing"
local cidr = require "idcloudhost.sim.cidr"
local clock = require "idcloudhost.sim.clock"
local ids = require "idcloudhost.sim.ids"
local json = require "idcloudhost.sim.json"
local machine = require "idcloudhost.sim.machine"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local firewall = {}

local A = json.array
local null = json.null

local DIRECTIONS = { inbound = true, outbound = true }
local PROTOCOLS = { tcp = true, udp = true, icmp = true, any = true }
local SPEC_TYPES = { any = true, ip_prefixes = true }

firewall.NOT_ALLOWED = "The method is not allowed for the requested URL."

local function fws(slug)
  return state.collection(slug, "firewalls")
end

---------------------------------------------------------------------------
-- Rules
---------------------------------------------------------------------------

local function absent(v) return v == nil or v == null end

-- A decoded JSON array (cjson marks none): a table whose keys are exactly 1..n.
local function is_list(t)
  if type(t) ~= "table" then return false end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n == #t
end

-- A port: the number, or nil and false when it is not a whole number 1-65535.
local function port(v)
  local n = params.to_int(v)
  if n and n >= 1 and n <= 65535 then return n end
  return nil
end

--- A rule from what a client sent: the rule, or nil and a message.
function firewall.read_rule(t)
  if type(t) ~= "table" or (#t > 0 and is_list(t)) then return nil, "a rule is an object" end
  if not DIRECTIONS[t.direction] then return nil, "direction must be one of: inbound, outbound" end
  if not PROTOCOLS[t.protocol] then return nil, "protocol must be one of: tcp, udp, icmp, any" end
  if not SPEC_TYPES[t.endpoint_spec_type] then return nil, "endpoint_spec_type must be one of: any, ip_prefixes" end
  local rule = { direction = t.direction, protocol = t.protocol, endpoint_spec_type = t.endpoint_spec_type }
  if absent(t.port_start) then
    if not absent(t.port_end) then return nil, "port_end needs a port_start (a null port_start means all ports)" end
  else
    rule.port_start = port(t.port_start)
    if not rule.port_start then return nil, "port_start must be between 1 and 65535" end
    if absent(t.port_end) then
      rule.port_end = rule.port_start
    else
      rule.port_end = port(t.port_end)
      if not rule.port_end then return nil, "port_end must be between 1 and 65535" end
    end
    if rule.port_start > rule.port_end then return nil, "port_start cannot be greater than port_end" end
  end
  if rule.endpoint_spec_type == "ip_prefixes" then
    local spec = t.endpoint_spec
    if not is_list(spec) or #spec == 0 then
      return nil, "endpoint_spec must be a list of IP addresses or CIDR prefixes"
    end
    local list = A()
    for i, p in ipairs(spec) do
      if not cidr.valid(p) then return nil, "endpoint_spec: '" .. tostring(p) .. "' is not an IP address or CIDR prefix" end
      list[i] = p
    end
    rule.endpoint_spec = list
  end
  if type(t.uuid) == "string" then rule.sent_uuid = params.to_uuid(t.uuid) end
  return rule
end

-- A JSON list parameter (a JSON array, or its text in a form): the list, or nil (error in r).
local function read_list(r, name, required)
  local v = r:raw(name, required)
  if v == nil then return nil end
  if type(v) == "string" then v = json.decode(v) end
  if not is_list(v) then return r:fail(name, "Must be a JSON list") end
  return v
end

-- The rules parameter, each checked: the rules, or nil (the first bad rule's error in r).
local function read_rules(r, required)
  local list = read_list(r, "rules", required)
  if list == nil then return nil end
  local out = {}
  for i, t in ipairs(list) do
    local rule, msg = firewall.read_rule(t)
    if not rule then return r:fail("rules", "rule " .. i .. ": " .. msg) end
    out[i] = rule
  end
  return out
end

-- The checked rules as the firewall's: the uuids of its own rules kept, new ones for the rest;
-- ordered by uuid (the API's order, not the order sent).
local function install(rec, rules)
  local own = {}
  for _, x in ipairs(rec.rules or {}) do own[x.uuid] = true end
  for _, rule in ipairs(rules) do
    rule.uuid = (rule.sent_uuid and own[rule.sent_uuid]) and rule.sent_uuid or ids.uuid4()
    own[rule.uuid] = nil -- a uuid sent twice: the second rule is a new one
    rule.sent_uuid = nil
  end
  table.sort(rules, function(a, b) return a.uuid < b.uuid end)
  rec.rules = rules
end

---------------------------------------------------------------------------
-- Views
---------------------------------------------------------------------------

local function rule_view(x)
  return {
    uuid = x.uuid,
    direction = x.direction,
    protocol = x.protocol,
    port_start = x.port_start or null,
    port_end = x.port_end or null,
    endpoint_spec_type = x.endpoint_spec_type,
    endpoint_spec = x.endpoint_spec or null,
  }
end

local function assigned_view(rec)
  local out = A()
  for i, uuid in ipairs(rec.vms) do out[i] = { resource_type = "vm", resource_uuid = uuid } end
  return out
end

function firewall.view(rec)
  local rules = A()
  for i, x in ipairs(rec.rules) do rules[i] = rule_view(x) end
  return {
    uuid = rec.uuid,
    created_at = rec.created_at,
    deleted_at = null,
    display_name = rec.display_name,
    description = rec.description,
    user_id = state.user.id,
    billing_account_id = rec.billing_account_id,
    rules = rules,
    resources_assigned = assigned_view(rec),
  }
end

---------------------------------------------------------------------------
-- Handlers
---------------------------------------------------------------------------

local function lookup(req)
  local uuid = params.to_uuid(req.vars.uuid)
  local rec = uuid and fws(req.loc)[uuid]
  if not rec then return nil, reply.message(404, "Firewall " .. req.vars.uuid .. " was not found.") end
  return rec
end

-- The name a client sends: display_name (create, the docs) or name (update, the docs).
local function read_name(r, required)
  local field = r:present("display_name") and "display_name" or (r:present("name") and "name") or "display_name"
  local v = r:str(field, required)
  if v == "" then return r:fail(field, "Must not be empty") end
  return v
end

function firewall.list(req)
  return reply.ok(state.list(req.loc, "firewalls", firewall.view))
end

function firewall.get_refused()
  return reply.message(405, firewall.NOT_ALLOWED)
end

function firewall.create(req)
  local r = params.reader(req.params)
  local name = read_name(r, true)
  local description = r:str("description")
  local ba_id = r:int("billing_account_id")
  local rules = read_rules(r, false)
  if r:failed() then return reply.errors(r.errors) end
  local ba, err = billing.account_for(req, ba_id, "message")
  if not ba then return err end
  local rec = {
    id = state.next_id("firewall"),
    uuid = ids.uuid4(),
    display_name = name,
    description = description,
    billing_account_id = ba.id,
    created_at = clock.timestamp(),
    vms = {},
  }
  install(rec, rules or {})
  fws(req.loc)[rec.uuid] = rec
  return reply.ok(firewall.view(rec))
end

-- PUT: the whole firewall (see the top of this file).
function firewall.update(req)
  local r = params.reader(req.params)
  local name = read_name(r, false)
  local description = r:str("description")
  local rules = read_rules(r, true)
  if r:failed() then return reply.errors(r.errors) end
  local rec, err = lookup(req)
  if not rec then return err end
  install(rec, rules)
  rec.display_name = name or rec.display_name
  rec.description = description or rec.description
  return reply.ok(firewall.view(rec))
end

function firewall.delete(req)
  local rec, err = lookup(req)
  if not rec then return err end
  fws(req.loc)[rec.uuid] = nil
  return reply.empty(204)
end

local function vm_param(req)
  local r = params.reader(req.params)
  local uuid = r:uuid("vm_uuid", true)
  if r:failed() then return nil, reply.errors(r.errors) end
  return uuid
end

function firewall.assign(req)
  local uuid, perr = vm_param(req)
  if not uuid then return perr end
  local rec, err = lookup(req)
  if not rec then return err end
  if not machine.all(req.loc)[uuid] then return reply.message(400, "Virtual machine " .. uuid .. " was not found.") end
  local there = false
  for _, u in ipairs(rec.vms) do there = there or u == uuid end
  if not there then rec.vms[#rec.vms + 1] = uuid end
  return reply.ok(assigned_view(rec))
end

-- Unassigning a VM the firewall does not have is no change (204 all the same).
function firewall.unassign(req)
  local uuid, perr = vm_param(req)
  if not uuid then return perr end
  local rec, err = lookup(req)
  if not rec then return err end
  for i = #rec.vms, 1, -1 do
    if rec.vms[i] == uuid then table.remove(rec.vms, i) end
  end
  return reply.empty(204)
end

--- A deleted VM is assigned to no firewall (vm.lua calls this).
function firewall.drop_vm(slug, vm_uuid)
  for _, rec in pairs(fws(slug)) do
    for i = #rec.vms, 1, -1 do
      if rec.vms[i] == vm_uuid then table.remove(rec.vms, i) end
    end
  end
end

function firewall.register(router)
  local L = { loc = true }
  local P = "/v1/network/firewalls"
  router.add("GET", P, firewall.list, L)
  router.add("POST", P, firewall.create, L)
  router.add("GET", P .. "/{uuid}", firewall.get_refused, L)
  router.add("PUT", P .. "/{uuid}", firewall.update, L)
  router.add("DELETE", P .. "/{uuid}", firewall.delete, L)
  router.add("POST", P .. "/{uuid}/vms", firewall.assign, L)
  router.add("DELETE", P .. "/{uuid}/vms", firewall.unassign, L)
end

state.dumpers.firewalls = function(slug)
  return state.list(slug, "firewalls", firewall.view)
end

return firewall
