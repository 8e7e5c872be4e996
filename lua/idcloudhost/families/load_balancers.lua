--- Network load balancers: client.load_balancers and balancer objects (elastis edition).  Every
-- body is JSON.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.load_balancers
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local json = lazy "idcloudhost.json"
local resource = require "idcloudhost.families.kit.resource"

local U = { uuid = "uuid!" }
local LB_ANSWER = "object:uuid"

local E = resource.endpoints("load_balancer", {
  list            = { "GET",    "network/load_balancers", loc = true, answer = "list:uuid" },
  get             = { "GET",    "network/load_balancers/{uuid}", loc = true, path = U, answer = LB_ANSWER },
  create          = { "POST",   "network/load_balancers", loc = true, billed = true, answer = LB_ANSWER, json = {
    display_name = "string", billing_account_id = "integer", network_uuid = "uuid",
    reserve_public_ip = "boolean", rules = "array", targets = "array",
  } },
  rename          = { "PATCH",  "network/load_balancers/{uuid}", loc = true, path = U, answer = LB_ANSWER,
    json = { display_name = "string!" } },
  delete          = { "DELETE", "network/load_balancers/{uuid}", loc = true, path = U, answer = "success" },
  add_target      = { "POST",   "network/load_balancers/{uuid}/targets", loc = true, path = U,
    answer = "object:target_uuid", json = { target_uuid = "uuid!", target_type = "string!" } },
  remove_target   = { "DELETE", "network/load_balancers/{uuid}/targets/{target_uuid}", loc = true,
    path = { uuid = "uuid!", target_uuid = "uuid!" }, answer = "success" },
  add_rule        = { "POST",   "network/load_balancers/{uuid}/forwarding_rules", loc = true, path = U,
    answer = "object|success", json = { source_port = "integer!", target_port = "integer!" } },
  remove_rule     = { "DELETE", "network/load_balancers/{uuid}/forwarding_rules/{rule_uuid}", loc = true,
    path = { uuid = "uuid!", rule_uuid = "uuid!" }, answer = "success" },
  billing_account = { "PUT",    "network/load_balancers/{uuid}/billing_account", loc = true, path = U,
    answer = LB_ANSWER, json = { set_id = "integer!" } },
})

local function count(t)
  return type(t) == "table" and #t or 0
end

local function summary(lb)
  local r, t = count(lb.forwarding_rules), count(lb.targets)
  return string.format("%s %q %s (%d rule%s, %d target%s)", tostring(lb.uuid), tostring(lb.display_name),
    tostring(lb.private_address), r, r == 1 and "" or "s", t, t == 1 and "" or "s")
end

local LB = resource.model { name = "load_balancer", key = "uuid", get = E.get, summary = summary }

-- ---------------------------------------------------------------------------------------------
-- Rules and targets as the caller gives them, checked and made into what the platform takes.

-- {source_port=, target_port=}: both whole numbers from 1 to 65535, nothing else.
local function rule_of(what, rule)
  if type(rule) ~= "table" then
    return nil, errors.invalid(what .. ": a rule is a table {source_port = ..., target_port = ...}", "rules")
  end
  for k in pairs(rule) do
    if k ~= "source_port" and k ~= "target_port" then
      return nil, errors.invalid(what .. ": unknown rule field '" .. tostring(k) .. "'", tostring(k))
    end
  end
  local out = {}
  for _, k in ipairs { "source_port", "target_port" } do
    local v, err = check.value(what, k, "integer!", rule[k])
    if v == nil then return nil, err end
    if v < 1 or v > 65535 then
      return nil, errors.invalid(what .. ": " .. k .. " must be a port from 1 to 65535, got " .. v, k)
    end
    out[k] = v
  end
  return out
end

-- A VM object, a VM uuid, or a target table {target_uuid=, target_type= ("vm" by default)}.
local function target_of(what, v)
  if type(v) == "table" and v.target_uuid ~= nil then
    for k in pairs(v) do
      if k ~= "target_uuid" and k ~= "target_type" then
        return nil, errors.invalid(what .. ": unknown target field '" .. tostring(k) .. "'", tostring(k))
      end
    end
    local uuid, err = check.uuid_of(what, "target_uuid", v.target_uuid)
    if not uuid then return nil, err end
    local kind
    kind, err = check.value(what, "target_type", "string", v.target_type)
    if err then return nil, err end
    return { target_uuid = uuid, target_type = kind or "vm" }
  end
  local uuid, err = check.uuid_of(what, "target", v)
  if not uuid then return nil, err end
  return { target_uuid = uuid, target_type = "vm" }
end

-- rules/targets must be lists; each item goes through fn.
local function list_of(what, name, list, fn)
  if type(list) ~= "table" or (next(list) ~= nil and #list == 0) then
    return nil, errors.invalid(what .. ": " .. name .. " must be a list", name)
  end
  local out = json.array()
  for i, item in ipairs(list) do
    local v, err = fn(what, item)
    if not v then return nil, err end
    out[i] = v
  end
  return out
end

-- ---------------------------------------------------------------------------------------------
-- client.load_balancers

--- client.load_balancers: the network load balancers of the client's location (elastis
-- edition).  Every body is JSON.
-- @type client.load_balancers

local LBs = {}

--- A load balancer object holding only its uuid, made without a request (by the kit: resource.referrer): a call on it
-- (`client.load_balancers:ref(uuid):...`) is one request, and obj:reload() fetches the rest.
-- @function client.load_balancers:ref
-- @tparam string uuid the load balancer's uuid
-- @treturn load_balancer the object
-- @errors invalid (a malformed uuid)
LBs.ref = resource.referrer(LB)

--- Creates a load balancer: display_name, billing_account_id, network_uuid (a network or its
-- uuid), reserve_public_ip, rules {{source_port=, target_port=}, ...}, targets {vm_or_target, ...}.
-- @function client.load_balancers:create
-- @tparam[opt] table params
-- @tparam[opt] string params.display_name its name
-- @tparam[opt] integer params.billing_account_id default: the account's default billing account
-- @tparam[opt] network|string params.network_uuid a network or its uuid (default: the location's default network)
-- @tparam[opt] boolean params.reserve_public_ip give it a floating IP (billed)
-- @tparam[opt] table params.rules forwarding rules: a list of `{source_port =, target_port =}` (1-65535)
-- @tparam[opt] table params.targets a list of VMs, VM uuids or `{target_uuid =, target_type = "vm"}`
-- @treturn load_balancer the new load balancer
-- @errors invalid, api, network, timeout (err.uncertain), decode
function LBs:create(params)
  local what = "load_balancer:create"
  if params ~= nil and type(params) ~= "table" then
    return nil, errors.invalid(what .. ": expected a table of parameters")
  end
  local err
  params, err = check.plain(what, params, E.create.specs)
  if err then return nil, err end
  local p = {}
  for k, v in pairs(params or {}) do p[k] = v end
  if type(p.network_uuid) == "table" then
    p.network_uuid, err = check.uuid_of(what, "network_uuid", p.network_uuid)
    if not p.network_uuid then return nil, err end
  end
  if p.rules ~= nil then
    p.rules, err = list_of(what, "rules", p.rules, rule_of)
    if not p.rules then return nil, err end
  end
  -- Always sent: the platform answers 500 to a create without a targets key.
  p.targets, err = list_of(what, "targets", p.targets or json.array(), target_of)
  if not p.targets then return nil, err end
  return resource.wrap(LB, self.client, self:_call(E.create, p))
end

-- ---------------------------------------------------------------------------------------------
-- Load balancer objects

--- All load balancers of the client's location.
-- Made by `resource.lister` (families/kit/resource.lua) from this family's list endpoint.
-- @function client.load_balancers:list
-- @treturn {load_balancer,...} the load balancers
-- @errors invalid, api, network, timeout, decode
LBs.list = resource.lister(LB, E.list)

--- One load balancer by uuid.
-- Made by `resource.getter` (families/kit/resource.lua) from this family's get endpoint.
-- @function client.load_balancers:get
-- @tparam string uuid the load balancer's uuid
-- @treturn load_balancer the load balancer
-- @errors invalid, api (not_found), network, timeout, decode
LBs.get = resource.getter(LB, E.get)

--- A network load balancer (elastis edition).  `tostring(lb)` is
-- `load_balancer 438ac62f-... "web" 10.1.104.254 (1 rule, 2 targets)`.
-- @type load_balancer

--- A load balancer's fields, as the platform sends them (GET network/load_balancers/{uuid}).
-- @table fields
-- @tfield string uuid the load balancer's id
-- @tfield string display_name its name (the field sends it; the docs' examples do not show it)
-- @tfield string network_uuid its private network
-- @tfield string private_address its address in that network
-- @tfield table forwarding_rules a list of `{uuid, protocol ("TCP"), source_port, target_port,
-- settings = {connection_limit, session_persistence}, created_at}`
-- @tfield table targets a list of `{target_uuid, target_type ("vm"), target_ip_address, created_at}`
-- @tfield integer billing_account_id the billing account it is billed to
-- @tfield boolean is_deleted
-- @tfield integer user_id the owner's user id
-- @tfield string created_at "2022-07-12 14:21:06"
-- @tfield string updated_at
-- @tfield[opt] boolean deleted set by the SDK: it reads back deleted, or lb:delete() succeeded

--- Fetches the load balancer again and updates this object in place.
-- Made by the kit: `Base:reload` in families/kit/resource.lua (the model's `get` endpoint).
-- @function load_balancer:reload
-- @treturn load_balancer the load balancer
-- @errors invalid, api (not_found), network, timeout, decode

--- Renames the load balancer (display_name); answers it, updated in place.
-- @function load_balancer:rename
-- @tparam string name the new display_name
-- @treturn load_balancer the load balancer, updated in place
-- @errors invalid, api, network, timeout, decode
function LB:rename(name)
  return self:_apply(self:_call(E.rename, nil, { display_name = name }))
end

--- Moves the load balancer to another billing account; answers it, updated in place.
-- @function load_balancer:set_billing_account
-- @tparam integer id the billing account's id
-- @treturn load_balancer the load balancer, updated in place
-- @errors invalid, api, network, timeout, decode
function LB:set_billing_account(id)
  return self:_apply(self:_call(E.billing_account, nil, { set_id = id }))
end

local DELETE_OPTS = { release_ips = "boolean" }

--- Deletes the load balancer.  Returns true.  {release_ips = true} also deletes the floating IP
-- assigned to it (its public address, reserved by default at creation and billed until released).
-- @function load_balancer:delete
-- @tparam[opt] table opts
-- @tparam[opt] boolean opts.release_ips also delete its floating IP
-- @treturn boolean true; lb.deleted is then true
-- @errors invalid, api, network, timeout, decode; a failed release says the balancer is deleted
function LB:delete(opts)
  local o, err = check.params("load_balancer:delete", DELETE_OPTS, opts)
  if not o then return nil, err end
  local ips = {}
  if o.release_ips then
    local all
    all, err = self:_client().floating_ips:list()
    if not all then return nil, err end
    for _, ip in ipairs(all) do
      if ip.assigned_to == self.uuid then ips[#ips + 1] = ip end
    end
  end
  local ok
  ok, err = resource.success(self:_call(E.delete))
  if not ok then return nil, err end
  self.deleted = true
  for _, ip in ipairs(ips) do
    ok, err = ip:delete()
    if not ok then
      err.message = "the load balancer is deleted, but releasing floating IP " .. tostring(ip.address)
        .. " failed: " .. tostring(err.message)
      return nil, err
    end
  end
  return true
end

--- Adds a target (a VM object, its uuid, or {target_uuid=, target_type=}); returns the target
-- as the platform describes it, and adds it to this object's targets.
-- @function load_balancer:add_target
-- @tparam vm|string|table target a VM, its uuid, or `{target_uuid =, target_type =}`
-- @treturn table the target: `{target_uuid, target_type, target_ip_address, ...}`
-- @errors invalid, api, network, timeout, decode
function LB:add_target(v)
  local t, err = target_of("load_balancer:add_target", v)
  if not t then return nil, err end
  local target
  target, err = self:_call(E.add_target, nil, t)
  if target == nil then return nil, err end
  if type(self.targets) == "table" then self.targets[#self.targets + 1] = target end
  return target
end

-- Takes the item whose field equals value out of list (in this object's copy).
local function drop(list, field, value)
  if type(list) ~= "table" then return end
  for i = #list, 1, -1 do
    if type(list[i]) == "table" and list[i][field] == value then table.remove(list, i) end
  end
end

--- Removes a target by its uuid (the VM's uuid; a VM or target object works too).  Returns true.
-- @function load_balancer:remove_target
-- @tparam vm|string|table target a VM, its uuid, or a target table
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function LB:remove_target(v)
  if type(v) == "table" and v.target_uuid ~= nil then v = v.target_uuid end
  local uuid, err = check.uuid_of("load_balancer:remove_target", "target_uuid", v)
  if not uuid then return nil, err end
  local ok
  ok, err = resource.success(self:_call(E.remove_target, nil, { target_uuid = uuid }))
  if not ok then return nil, err end
  drop(self.targets, "target_uuid", uuid)
  return true
end

-- The rule of the re-read balancer that was just added: new, with these ports.
local function find_rule(rules, before, rule)
  local match
  for _, f in ipairs(type(rules) == "table" and rules or {}) do
    if tonumber(f.source_port) == rule.source_port and tonumber(f.target_port) == rule.target_port then
      if not before[f.uuid] then return f end
      match = match or f
    end
  end
  return match
end

--- Adds a forwarding rule {source_port=, target_port=}.  The platform does not answer the new
-- rule's uuid, so the balancer is re-read (this object is updated) and the new rule returned.
-- The rule was added once the platform accepted it: if the re-read fails or does not show it,
-- the rule comes back without its uuid (and the re-read's error as a second value), never as a
-- failure that a retry would turn into a second rule.
-- @function load_balancer:add_rule
-- @tparam table params
-- @tparam integer params.source_port 1-65535
-- @tparam integer params.target_port 1-65535
-- @treturn table the rule: `{uuid, source_port, target_port, protocol, settings, ...}`
-- @treturn[opt] error the re-read's error, when the rule came back without its uuid
-- @errors invalid, api, network, timeout (err.uncertain), decode
function LB:add_rule(params)
  local what = "load_balancer:add_rule"
  local rule, err = rule_of(what, params)
  if not rule then return nil, err end
  local before = {}
  for _, f in ipairs(type(self.forwarding_rules) == "table" and self.forwarding_rules or {}) do
    if type(f) == "table" and f.uuid then before[f.uuid] = true end
  end
  local ok
  ok, err = self:_call(E.add_rule, nil, rule)
  if ok == nil then return nil, err end
  ok, err = self:reload()
  local found = ok and find_rule(self.forwarding_rules, before, rule)
  if found then return found end
  if ok then
    err = errors.new { kind = "api", message = what .. ": the rule was added but the load balancer does not show it yet" }
  end
  return rule, err
end

--- Removes a forwarding rule by uuid (a rule table works too).  Returns true.
-- @function load_balancer:remove_rule
-- @tparam string|table rule the rule's uuid, or the rule
-- @treturn boolean true
-- @errors invalid, api, network, timeout, decode
function LB:remove_rule(v)
  if type(v) == "table" then v = v.uuid end
  local uuid, err = check.value("load_balancer:remove_rule", "rule_uuid", "uuid!", v)
  if not uuid then return nil, err end
  local ok
  ok, err = resource.success(self:_call(E.remove_rule, nil, { rule_uuid = uuid }))
  if not ok then return nil, err end
  drop(self.forwarding_rules, "uuid", uuid)
  return true
end

return {
  new = resource.collection(LBs),
  model = LB,
  endpoints = E,
}
