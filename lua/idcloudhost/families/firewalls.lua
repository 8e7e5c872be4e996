--- Firewalls: client.firewalls and firewall objects (2025-12 edition).  Every body is JSON.
--
-- Where the docs contradict themselves, the SDK follows what live clients send and reads both
-- forms: create sends `display_name`, update sends `name` (and `description`); an answer's
-- `display_name` is read, or its `name` when it has none (the list shows `name`).  The platform
-- has no call that reads one firewall (a GET by uuid answers 405): `get` and `reload` find it in
-- the list.  An update is a PUT of the whole firewall: the SDK sends every field, those not given
-- as this object last saw them.  Rules are checked before anything is sent.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.firewalls

-- (Long, on purpose: the rules' checks (ports, protocols, prefixes) and the whole-PUT update belong
-- with the family.)
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local json = lazy "idcloudhost.json"
local resource = require "idcloudhost.families.kit.resource"
local listed = require "idcloudhost.families.kit.listed"

local U = { uuid = "uuid!" }
local FW = "object:uuid"

local E = resource.endpoints("firewall", {
  list     = { "GET",    "network/firewalls", loc = true, answer = "list:uuid" },
  create   = { "POST",   "network/firewalls", loc = true, billed = true, answer = FW,
    json = { display_name = "string!", billing_account_id = "integer", description = "string", rules = "array" } },
  -- The whole firewall: fields left out would be emptied.
  update   = { "PUT",    "network/firewalls/{uuid}", loc = true, path = U, answer = FW,
    json = { name = "string!", description = "string", rules = "array!" } },
  -- Answers 204.
  delete   = { "DELETE", "network/firewalls/{uuid}", loc = true, path = U, answer = "success|object:uuid" },
  -- Answers the resources the firewall now guards: [{resource_type = "vm", resource_uuid =}].
  assign   = { "POST",   "network/firewalls/{uuid}/vms", loc = true, path = U, query = { vm_uuid = "uuid!" },
    answer = "list:resource_uuid|object:uuid" },
  -- Answers no content (the docs).
  unassign = { "DELETE", "network/firewalls/{uuid}/vms", loc = true, path = U, query = { vm_uuid = "uuid!" },
    answer = "success|list:resource_uuid|object:uuid" },
})

local function count(t)
  return type(t) == "table" and #t or 0
end

local function summary(fw)
  local r, a = count(fw.rules), count(fw.resources_assigned)
  return string.format("%s %q (%d rule%s, %d resource%s)", tostring(fw.uuid), tostring(fw.display_name),
    r, r == 1 and "" or "s", a, a == 1 and "" or "s")
end

-- Both names read: display_name (create and update answers), name (the list).
local function prepare(fw)
  if fw.display_name == nil and type(fw.name) == "string" then fw.display_name = fw.name end
end

-- Owner marks: in the description, after the user's own text (ops/marks.lua).
local Firewall = resource.model { name = "firewall", key = "uuid", summary = summary, prepare = prepare,
  mark = { text = "description" }, name_field = "display_name" }

-- ---------------------------------------------------------------------------------------------
-- Rules: checked as the docs' "Representation and validation" states, before anything is sent.

local DIRECTIONS = { inbound = true, outbound = true }
local PROTOCOLS = { tcp = true, udp = true, icmp = true, any = true }
local SPEC_TYPES = { any = true, ip_prefixes = true }
local RULE_FIELDS = { uuid = true, protocol = true, direction = true, port_start = true, port_end = true,
  endpoint_spec_type = true, endpoint_spec = true }

local function bad(what, field, message)
  return nil, errors.invalid(what .. ": " .. message, field)
end

local function is_null(v)
  return v == nil or v == json.null
end

-- A port (1-65535) or nil; field names it in the message.
local function port(what, field, v)
  if is_null(v) then return nil end
  if type(v) ~= "number" or v ~= math.floor(v) or v < 1 or v > 65535 then
    return false, errors.invalid(string.format("%s: %s must be a port from 1 to 65535, got %s", what, field,
      type(v) == "number" and tostring(v) or type(v)), field)
  end
  return math.tointeger and math.tointeger(v) or v
end

--- A rule as the caller gives it, checked and made into what the platform takes:
-- {direction =, protocol =, port_start =, port_end =, endpoint_spec_type =, endpoint_spec =}.
-- endpoint_spec_type defaults to "ip_prefixes" when endpoint_spec is given, else "any"; a
-- port_start left out means every port, a port_end left out means port_start.
local function rule_of(what, rule)
  if type(rule) ~= "table" or json.is_array(rule) then
    return bad(what, "rules", "a rule is a table {direction =, protocol =, port_start =, ...}")
  end
  local rerr
  rule, rerr = check.plain(what, rule, RULE_FIELDS)
  if rerr then return nil, rerr end
  for k in pairs(rule) do
    if not RULE_FIELDS[k] then return bad(what, tostring(k), "unknown rule field '" .. tostring(k) .. "'") end
  end
  local out = {}
  if rule.uuid ~= nil then
    local uuid, err = check.value(what, "uuid", "uuid!", rule.uuid)
    if not uuid then return nil, err end
    out.uuid = uuid
  end
  if not DIRECTIONS[rule.direction] then
    return bad(what, "direction", "direction must be \"inbound\" or \"outbound\", got " .. tostring(rule.direction))
  end
  out.direction = rule.direction
  local proto = type(rule.protocol) == "string" and rule.protocol:lower()
  if not PROTOCOLS[proto] then
    return bad(what, "protocol", "protocol must be \"tcp\", \"udp\", \"icmp\" or \"any\", got " .. tostring(rule.protocol))
  end
  out.protocol = proto
  local from, err = port(what, "port_start", rule.port_start)
  if from == false then return nil, err end
  local to
  to, err = port(what, "port_end", rule.port_end)
  if to == false then return nil, err end
  if to and not from then
    return bad(what, "port_end", "port_end needs a port_start (no port_start means every port)")
  end
  if from and to and to < from then
    return bad(what, "port_end", string.format("port_end (%d) is below port_start (%d)", to, from))
  end
  out.port_start, out.port_end = from, to
  local kind = rule.endpoint_spec_type
  if kind == nil then kind = is_null(rule.endpoint_spec) and "any" or "ip_prefixes" end
  if not SPEC_TYPES[kind] then
    return bad(what, "endpoint_spec_type", "endpoint_spec_type must be \"any\" or \"ip_prefixes\", got " .. tostring(kind))
  end
  out.endpoint_spec_type = kind
  local spec = rule.endpoint_spec
  if type(spec) == "table" then
    local serr
    spec, serr = check.plain(what, spec)
    if serr then return nil, serr end
  end
  if kind == "ip_prefixes" then
    if type(spec) ~= "table" or #spec == 0 or (next(spec) ~= nil and not spec[1]) then
      return bad(what, "endpoint_spec", "ip_prefixes needs endpoint_spec: a list of addresses or CIDR prefixes")
    end
    local n = 0
    for _ in pairs(spec) do n = n + 1 end
    if n ~= #spec then return bad(what, "endpoint_spec", "endpoint_spec must be a list") end
    out.endpoint_spec = json.array()
    for i, p in ipairs(spec) do
      if not check.is_prefix(p) then
        return bad(what, "endpoint_spec", string.format("endpoint_spec[%d] is no IP address or CIDR prefix: %s", i,
          type(p) == "string" and string.format("%q", p) or type(p)))
      end
      out.endpoint_spec[i] = p
    end
  elseif not is_null(spec) and not (type(spec) == "table" and next(spec) == nil) then
    return bad(what, "endpoint_spec", "endpoint_spec goes with endpoint_spec_type \"ip_prefixes\", not \"any\"")
  end
  return out
end

-- A list of rules, each checked.
local function rules_of(what, list)
  if type(list) == "table" then
    local lerr
    list, lerr = check.plain(what, list)
    if lerr then return nil, lerr end
  end
  if type(list) ~= "table" or (next(list) ~= nil and #list == 0) then
    return bad(what, "rules", "rules must be a list")
  end
  local n = 0
  for _ in pairs(list) do n = n + 1 end
  if n ~= #list then return bad(what, "rules", "rules must be a list") end
  local out = json.array()
  for i, r in ipairs(list) do
    local rule, err = rule_of(what .. ": rule " .. i, r)
    if not rule then return nil, err end
    out[i] = rule
  end
  return out
end

-- A rule as the platform sent it, with only the fields a rule has (endpoint_spec null left out):
-- what an update sends back for the rules it keeps.
local function kept(rule)
  local out = {}
  for k in pairs(RULE_FIELDS) do
    local v = rule[k]
    if not is_null(v) then out[k] = v end
  end
  return out
end

-- ---------------------------------------------------------------------------------------------
-- client.firewalls

--- client.firewalls: the firewalls of the client's location (2025-12 edition).
-- @type client.firewalls

local Firewalls = {}

--- All firewalls of the client's location.
-- @function client.firewalls:list
-- @treturn {firewall,...} the firewalls
-- @errors invalid, api, network, timeout, decode
Firewalls.list = resource.lister(Firewall, E.list)

--- One firewall by uuid, found in the list (the platform has no call that reads one).
-- @function client.firewalls:get
-- @tparam string uuid the firewall's uuid
-- @treturn firewall the firewall
-- @errors invalid, api (not_found: the list does not hold it), network, timeout, decode
function Firewalls:get(uuid)
  return listed.get(self, Firewall, E.list, uuid)
end

--- Creates a firewall {display_name =, billing_account_id =, rules = {...}}.  Each rule is
-- `{direction = "inbound"|"outbound", protocol = "tcp"|"udp"|"icmp"|"any", port_start =, port_end =,
-- endpoint_spec_type = "any"|"ip_prefixes", endpoint_spec = {"10.0.0.0/24", "203.0.113.7", ...}}`:
-- ports 1-65535 (port_start left out: every port; port_end left out: port_start), port_end not
-- below port_start, every prefix an address or a CIDR prefix.  A bad rule is an `invalid` error
-- and nothing is sent.
-- @function client.firewalls:create
-- @tparam table params
-- @tparam string params.display_name its name
-- @tparam[opt] integer params.billing_account_id default: the account's default billing account
-- @tparam[opt] string params.description
-- @tparam[opt] table params.rules a list of rules (see above)
-- @treturn firewall the new firewall, its rules with their uuids
-- @errors invalid, api, network, timeout (err.uncertain), decode
function Firewalls:create(params)
  local what = "firewall:create"
  if type(params) ~= "table" then return nil, errors.invalid(what .. ": expected a table of parameters") end
  local p, err = resource.marked(Firewall, params, E.create)
  if err then return nil, err end
  if p == params then
    p = {}
    for k, v in pairs(params) do p[k] = v end
  end
  p.rules, err = rules_of(what, p.rules or {})
  if not p.rules then return nil, err end
  return resource.wrap(Firewall, self.client, self:_call(E.create, p))
end

-- ---------------------------------------------------------------------------------------------
-- Firewall objects

--- A firewall of a location: its rules and the VMs it guards.  `tostring(fw)` is
-- `firewall 2a874f44-... "web" (3 rules, 1 resource)`.
-- @type firewall

--- A firewall's fields, as the platform sends them (GET network/firewalls).
-- @table fields
-- @tfield string uuid the firewall's id
-- @tfield string display_name its name: the answer's `display_name`, or its `name` when it has
-- none (the list sends `name`, create and update answers `display_name`: both are read)
-- @tfield[opt] string name its name as the list sends it
-- @tfield[opt] string description
-- @tfield integer billing_account_id the billing account it is billed to
-- @tfield table rules a list of `{uuid, direction, protocol, port_start, port_end, endpoint_spec_type,
-- endpoint_spec}` (the platform's order, not the order sent; `port_end` filled in; `endpoint_spec`
-- null for "any")
-- @tfield table resources_assigned what it guards: a list of `{resource_type = "vm", resource_uuid}`
-- @tfield[opt] integer user_id the owner's user id
-- @tfield string created_at "2025-05-15 10:30:45"
-- @tfield[opt] string deleted_at
-- @tfield[opt] boolean deleted set by the SDK: fw:delete() succeeded

--- Fetches the firewall again (from the list) and updates this object in place.
-- @function firewall:reload
-- @treturn firewall the firewall
-- @errors invalid, api (not_found), network, timeout, decode
function Firewall:reload()
  return listed.reload(self, E.list)
end

local UPDATE = { display_name = true, description = true, rules = true }

-- The PUT of the whole firewall: the name and description given, else as this object last saw
-- them; rules (checked, or kept as the platform sent them) replace all of its rules.
local function put(self, ep, params, rules)
  local body = { name = params.display_name, description = params.description, rules = rules }
  if body.name == nil then body.name = self.display_name or self.name end
  if body.description == nil and type(self.description) == "string" then body.description = self.description end
  -- A description given keeps the owner mark the firewall carries (the PUT replaces the field).
  body.description = resource.remarked(self, body.description)
  return self:_apply(self:_call(ep, nil, body))
end

-- The rules this object holds, as an update sends them back (uuids kept).
local function held(self)
  local rules = json.array()
  for i, r in ipairs(type(self.rules) == "table" and self.rules or {}) do
    rules[i] = type(r) == "table" and kept(r) or r
  end
  return rules
end

--- Changes the firewall {display_name =, description =, rules = {...}}: a PUT of the whole
-- firewall, so the fields not given are sent as this object last saw them (reload it first when
-- something else may have changed it).  Rules given replace all of its rules; a rule keeps its
-- identity with its `uuid`.  Answers the firewall, updated in place.
-- @function firewall:update
-- @tparam table params at least one of:
-- @tparam[opt] string params.display_name the new name (sent as `name`)
-- @tparam[opt] string params.description
-- @tparam[opt] table params.rules the new list of rules (checked as for create)
-- @treturn firewall the firewall, updated in place
-- @errors invalid, api, network, timeout, decode
function Firewall:update(params)
  local what = "firewall:update"
  if type(params) ~= "table" then
    return nil, errors.invalid(what .. ": give at least one of display_name, description, rules")
  end
  local perr
  params, perr = check.plain(what, params, UPDATE)
  if perr then return nil, perr end
  if next(params) == nil then
    return nil, errors.invalid(what .. ": give at least one of display_name, description, rules")
  end
  for k in pairs(params) do
    if not UPDATE[k] then return nil, errors.invalid(what .. ": unknown parameter '" .. tostring(k) .. "'", k) end
  end
  local rules = held(self)
  if params.rules ~= nil then
    local err
    rules, err = rules_of(what, params.rules)
    if not rules then return nil, err end
  end
  return put(self, E.update, params, rules)
end

--- Adds a rule (checked as for create) by updating the whole firewall; answers the firewall,
-- updated in place (the new rule with its uuid among its rules).
-- @function firewall:add_rule
-- @tparam table rule `{direction =, protocol =, port_start =, port_end =, endpoint_spec_type =, endpoint_spec =}`
-- @treturn firewall the firewall, updated in place
-- @errors invalid, api, network, timeout, decode
function Firewall:add_rule(rule)
  local new, err = rule_of("firewall:add_rule", rule)
  if not new then return nil, err end
  -- the rules it holds go back as the platform sent them (not checked again: they are its own)
  local rules = held(self)
  rules[#rules + 1] = new
  return put(self, E.update, {}, rules)
end

--- Removes a rule (a rule of fw.rules, or its uuid) by updating the whole firewall; answers the
-- firewall, updated in place.  A rule this object does not hold is an `invalid` error.
-- @function firewall:remove_rule
-- @tparam table|string rule the rule, or its uuid
-- @treturn firewall the firewall, updated in place
-- @errors invalid, api, network, timeout, decode
function Firewall:remove_rule(rule)
  local what = "firewall:remove_rule"
  local uuid, err = check.uuid_of(what, "rule", rule)
  if not uuid then return nil, err end
  local rules, found = json.array(), false
  for _, r in ipairs(held(self)) do
    if type(r) == "table" and type(r.uuid) == "string" and r.uuid:lower() == uuid then
      found = true
    else
      rules[#rules + 1] = r
    end
  end
  if not found then
    return nil, errors.invalid(what .. ": firewall " .. tostring(self.uuid) .. " has no rule " .. uuid
      .. " (reload it if it changed)", "rule")
  end
  return put(self, E.update, {}, rules)
end

-- The firewall's resources_assigned after an assign or unassign answered data.
local function assigned(self, data, uuid, added)
  if json.is_array(data) then
    self.resources_assigned = data
  elseif type(data) == "table" then
    self:_update(data)
  else
    local list = json.array()
    for _, r in ipairs(type(self.resources_assigned) == "table" and self.resources_assigned or {}) do
      local id = type(r) == "table" and r.resource_uuid or r
      if tostring(id):lower() ~= uuid then list[#list + 1] = r end
    end
    if added then list[#list + 1] = { resource_type = "vm", resource_uuid = uuid } end
    self.resources_assigned = list
  end
  return self
end

--- Puts a VM (a VM object or its uuid) behind the firewall; answers the firewall, its
-- resources_assigned as the platform answered them.
-- @function firewall:assign
-- @tparam vm|string vm a VM or its uuid
-- @treturn firewall the firewall, updated in place
-- @errors invalid, api, network, timeout, decode
function Firewall:assign(vm)
  local uuid, err = check.uuid_of("firewall:assign", "vm", vm)
  if not uuid then return nil, err end
  local data
  data, err = self:_call(E.assign, nil, { vm_uuid = uuid })
  if data == nil then return nil, err end
  return assigned(self, data, uuid, true)
end

--- Takes a VM (a VM object or its uuid) from behind the firewall; answers the firewall.  Sent
-- to the curl example's `/v1/{slug}/network/firewalls/{uuid}/vms?vm_uuid=` (the docs' "HTTP
-- Request" line prints `/firewalls/{uuid}/vms`); no content (the docs), or the list of what it
-- still guards, are both read.
-- @function firewall:unassign
-- @tparam vm|string vm a VM or its uuid
-- @treturn firewall the firewall, updated in place
-- @errors invalid, api, network, timeout, decode
function Firewall:unassign(vm)
  local uuid, err = check.uuid_of("firewall:unassign", "vm", vm)
  if not uuid then return nil, err end
  local data
  data, err = self:_call(E.unassign, nil, { vm_uuid = uuid })
  if data == nil then return nil, err end
  return assigned(self, data, uuid, false)
end

--- Deletes the firewall (the platform answers 204).  Returns true.
-- @function firewall:delete
-- @treturn boolean true; fw.deleted is then true
-- @errors invalid, api, network, timeout, decode
function Firewall:delete(opts)
  local ok, err = resource.success(self:_call(E.delete, opts))
  if not ok then return nil, err end
  self.deleted = true
  return true
end

-- Does the firewall guard the VM with this uuid?  (resources_assigned holds objects or uuids)
local function guards(fw, uuid)
  for _, r in ipairs(type(fw.resources_assigned) == "table" and fw.resources_assigned or {}) do
    local id = type(r) == "table" and r.resource_uuid or r
    if type(id) == "string" and id:lower() == uuid then return true end
  end
  return false
end

return {
  new = resource.collection(Firewalls),
  model = Firewall,
  endpoints = E,
  rule = rule_of,
  guards = guards,
}
