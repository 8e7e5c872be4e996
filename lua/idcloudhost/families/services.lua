--- Managed services (database packages): client.services and service objects (2025-12 edition).
-- Billed.  Every body is JSON but the whitelist's, a form.  The packages belong to the account
-- (their calls carry no location slug); their address whitelists live in the service's location.
--
-- Where the docs contradict themselves: the update example says `-X GET`, its "HTTP Request"
-- says PATCH: the SDK sends PATCH.  The whitelist calls send `ip_address` as a form (the docs'
-- curl; a live report names the field without the encoding) to the location's route (the docs tag
-- only those three location-specific); the package calls carry no slug.
--
-- A service's secrets (its database password) never appear in an error, a hook record, the
-- debug log or a `tostring`: `svc:secrets()` returns them in a table whose `tostring` names the
-- fields only, and they are never kept on the service object.
-- docs/endpoints.md maps its endpoints to these methods.
-- @module idcloudhost.families.services
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local json = lazy "idcloudhost.json"
local resource = require "idcloudhost.families.kit.resource"

local U = { uuid = "uuid!" }
local SVC = "object:uuid"
local PACKAGE = "user-resource/service/package/{uuid}"
local WHITELIST = PACKAGE .. "/whitelist_addresses"

local E = resource.endpoints("service", {
  list      = { "GET",    "user-resource/service/packages", answer = "list:uuid" },
  get       = { "GET",    PACKAGE, path = U, answer = SVC },
  create    = { "POST",   "user-resource/service/package", billed = true, answer = SVC, json = {
    billing_account_id = "integer", service = "string!", version = "string!", display_name = "string!",
    vm_cpu = "integer!", vm_ram = "integer!", vm_disk_gb = "integer!",
    -- JSON typed, sent as JSON text (the docs' example): a table is encoded.
    package_parameters = "json", is_multi_node = "boolean",
  } },
  update    = { "PATCH",  PACKAGE, path = U, answer = SVC,
    json = { billing_account_id = "integer", display_name = "string" } },
  -- The answer is all secret: never shown in hooks or the debug log; errors are scrubbed here.
  secrets   = { "GET",    PACKAGE .. "/secrets", path = U, answer = "object", secret = true },
  -- Answers the package, is_deleted = true, status "deleted".
  delete    = { "DELETE", PACKAGE, path = U, answer = "object:uuid|success" },
  -- A list of addresses and CIDR prefixes; an empty whitelist lets every address in.
  whitelist = { "GET",    WHITELIST, loc = true, path = U, answer = "any" },
  allow     = { "POST",   WHITELIST, loc = true, path = U, form = { ip_address = "prefix!" }, answer = "any" },
  disallow  = { "DELETE", WHITELIST, loc = true, path = U, form = { ip_address = "prefix!" }, answer = "any" },
})

local function summary(svc)
  return string.format("%s %q %s %s %s", tostring(svc.uuid), tostring(svc.display_name), tostring(svc.service),
    tostring(svc.version), tostring(svc.status))
end

-- Owner marks: a package has no free text, so the name convention (ops/marks.lua) keeps one.
local Service = resource.model { name = "service", key = "uuid", get = E.get, list = E.list, summary = summary,
  mark = { name = "display_name" }, name_field = "display_name",
  statuses = resource.statuses { "active", "creating", "pending", "provisioning", "updating", "starting",
    "stopping", "stopped", "suspended", "deleting", "deleted", "error", "failed" } }

-- ---------------------------------------------------------------------------------------------
-- Secrets and whitelists: what the answers must be

-- The secrets as the caller gets them: tostring names the fields, never a value.
local Secrets = { __name = "idcloudhost.service_secrets" }
function Secrets.__tostring(t)
  local names = {}
  for k in pairs(t) do names[#names + 1] = tostring(k) end
  table.sort(names)
  return "service secrets (" .. table.concat(names, ", ") .. ": values not shown)"
end

-- An error of the secrets call with nothing of the answer in it: a server may echo the secrets in
-- an error or in a malformed answer.
local function scrubbed(what, err)
  if err.kind == "invalid" or err.kind == "network" or err.kind == "timeout" then return err end
  err.body = nil
  err.code = nil
  err.message = what .. ": " .. (err.kind == "api"
    and ("the platform refused (HTTP " .. tostring(err.status) .. ")")
    or "the answer is not an object of secrets") .. "; its text is not shown: it may hold the secrets"
  return err
end

-- A whitelist answer: a list of address strings, else a decode error (uncertain for a write:
-- the change may have been made).
local function whitelist_of(what, data, err, write)
  if data == nil then return nil, err end
  if json.is_array(data) then
    local ok = true
    for i = 1, #data do
      if type(data[i]) ~= "string" then ok = false end
    end
    if ok then return data end
  end
  return nil, errors.decode(what .. ": the answer is not a list of addresses (" .. (data == true and "an empty answer"
    or type(data)) .. ")" .. (write and ": the request was accepted, check the whitelist before sending it again" or ""),
    { uncertain = write or nil })
end

-- ---------------------------------------------------------------------------------------------
-- client.services

--- client.services: the managed service packages of the account (2025-12 edition).  Billed.
-- @type client.services

local Services = {}

--- All service packages of the account.
-- @function client.services:list
-- @treturn {service,...} the services
-- @errors invalid, api, network, timeout, decode
Services.list = resource.lister(Service, E.list)

--- One service package by uuid.
-- @function client.services:get
-- @tparam string uuid the service's uuid
-- @treturn service the service
-- @errors invalid, api (not_found), network, timeout, decode
Services.get = resource.getter(Service, E.get)

--- Creates a managed service package (billed): {service = "postgresql", version = "14.0",
-- display_name =, vm_cpu =, vm_ram = (MB), vm_disk_gb =, package_parameters = (a table, sent as
-- JSON text), is_multi_node =, billing_account_id =}.  Which services and versions exist is not
-- listed by the platform (live: postgresql 14.0).  Never retried once sent.
-- @function client.services:create
-- @tparam table params
-- @tparam string params.service the service, "postgresql"
-- @tparam string params.version its version, "14.0"
-- @tparam string params.display_name its name
-- @tparam integer params.vm_cpu virtual CPUs of each node
-- @tparam integer params.vm_ram RAM of each node in MB
-- @tparam integer params.vm_disk_gb disk of each node in GB
-- @tparam[opt] table|string params.package_parameters service settings (a table is sent as JSON text)
-- @tparam[opt] boolean params.is_multi_node several nodes (where the service offers it)
-- @tparam[opt] integer params.billing_account_id default: the account's default billing account
-- @treturn service the new service
-- @errors invalid, api, network, timeout (err.uncertain: the service may exist), decode
function Services:create(params)
  local p, err = resource.marked(Service, params, E.create)
  if err then return nil, err end
  return resource.wrap(Service, self.client, self:_call(E.create, p))
end

-- ---------------------------------------------------------------------------------------------
-- Service objects

--- A managed service package: its nodes (VMs) and virtual IP in `resources`, how to reach it in
-- `properties`.  `tostring(svc)` is `service 71cddf54-... "db" postgresql 14.0 active`.
-- @type service

--- A service's fields, as the platform sends them (GET user-resource/service/package/{uuid}).
-- @tfield string uuid the service's id
-- @tfield string display_name its name
-- @tfield string service "postgresql"
-- @tfield string version "14.0"
-- @tfield string status "active", ... "deleted"
-- @tfield boolean is_multi_node
-- @tfield boolean is_deleted
-- @tfield table properties `{service_ip, location, sql_user, port}`: how to reach it (the password is
-- in svc:secrets())
-- @tfield table resources a list of `{resource_type ("vm", "virtual_ip"), resource_id, resource_location,
-- resource_allocation}`
-- @tfield table prices a list of `{resourceType, serviceNameInUptime, priceMultiplier}`
-- @tfield integer billing_account_id the billing account it is billed to
-- @tfield integer user_id the owner's user id
-- @tfield string created_at "2022-01-04 14:05:25"
-- @tfield string updated_at
-- @tfield[opt] string deleted_at
-- @tfield[opt] boolean deleted set by the SDK: it reads back deleted, or svc:delete() succeeded
-- @table fields

--- Fetches the service again and updates this object in place.
-- @function service:reload
-- @treturn service the service
-- @errors invalid, api (not_found), network, timeout, decode

--- Changes the service's metadata {display_name =, billing_account_id =}; answers the service,
-- updated in place.
-- @function service:update
-- @tparam table params at least one of:
-- @tparam[opt] string params.display_name
-- @tparam[opt] integer params.billing_account_id
-- @treturn service the service, updated in place
-- @errors invalid, api, network, timeout, decode
function Service:update(params)
  if type(params) ~= "table" or next(params) == nil then
    return nil, errors.invalid("service:update: give at least one of display_name, billing_account_id")
  end
  if type(params.display_name) == "string" then -- a new name keeps the owner mark
    local p = {}
    for k, v in pairs(params) do p[k] = v end
    p.display_name = resource.remarked(self, params.display_name)
    params = p
  end
  return self:_apply(self:_call(E.update, params))
end

--- The service's secrets, `{sql_pass = "..."}`.  They appear in no error, hook record, debug log
-- line or `tostring` (the table's `tostring` names the fields only), and the service object does
-- not keep them.
-- @function service:secrets
-- @treturn table the secrets, by name
-- @errors invalid, api, network, timeout, decode (their messages never hold the answer)
function Service:secrets()
  local data, err = self:_call(E.secrets)
  if data == nil then return nil, scrubbed("service:secrets", err) end
  if json.is_array(data) then
    return nil, scrubbed("service:secrets", errors.decode("not an object"))
  end
  return setmetatable(data, Secrets)
end

--- The addresses allowed to connect: a list of addresses and CIDR prefixes.  An empty whitelist
-- lets every address in.
-- @function service:whitelist
-- @treturn {string,...} the whitelist
-- @errors invalid, api, network, timeout, decode
function Service:whitelist()
  return whitelist_of("service:whitelist", self:_call(E.whitelist))
end

--- Allows an address or a CIDR prefix to connect; answers the whole whitelist after the change.
-- Sent as the form field `ip_address` (the only name the platform takes).
-- @function service:allow
-- @tparam string address "203.0.113.7" or "10.0.0.0/24"
-- @treturn {string,...} the whitelist
-- @errors invalid, api, network, timeout (err.uncertain), decode
function Service:allow(address)
  local data, err = self:_call(E.allow, nil, { ip_address = address })
  return whitelist_of("service:allow", data, err, true)
end

--- Takes an address or a CIDR prefix off the whitelist; answers the whole whitelist after the
-- change (empty: every address may connect again).
-- @function service:disallow
-- @tparam string address as it stands in the whitelist
-- @treturn {string,...} the whitelist
-- @errors invalid, api, network, timeout (err.uncertain), decode
function Service:disallow(address)
  local data, err = self:_call(E.disallow, nil, { ip_address = address })
  return whitelist_of("service:disallow", data, err, true)
end

--- Deletes the service, its nodes and its address.  Returns true.
-- @function service:delete
-- @treturn boolean true; svc.deleted is then true
-- @errors invalid, api, network, timeout, decode
function Service:delete(opts)
  local data, err = self:_call(E.delete, opts)
  if data == nil then return nil, err end
  if type(data) == "table" then self:_update(data) end
  self.deleted = true
  return true
end

--- svc:wait(target, opts): polls until the service's status is target ("active", a list of
-- statuses, or a function of the service); as vm:wait.
-- @function service:wait
-- @tparam string|table|function target a status, a list of them, or `function(svc)`
-- @tparam[opt] table opts as for vm:wait
-- @treturn service the service, updated
-- @errors invalid (an unknown status), timeout (err.last_status), api, network, decode
function Service:wait(target, opts) return require("idcloudhost.ops.wait").status(self, target, opts) end

return {
  new = resource.collection(Services),
  model = Service,
  endpoints = E,
}
