--- The client: what idcloudhost.new returns.  It holds the checked options and the state its
-- clients for other locations share (client:at), and hands out the resource families on first
-- use (client.vms, ...).  Requests go through idcloudhost.pipeline; batches and walking every
-- location through idcloudhost.batch.  docs/endpoints.md maps every endpoint to its method.
-- @module idcloudhost.client
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"
local options = require "idcloudhost.options"
local pipeline = lazy "idcloudhost.call.pipeline"
local secrets = require "idcloudhost.call.secrets"
local transport = lazy "idcloudhost.transport"

local Client = {}
local mt = { __name = "idcloudhost.client" }

--- A client of one location: `idcloudhost.new(opts)`, or `client:at(slug)` for another one.
-- `tostring(client)` names its base URL and location, never the api key.
-- @type client

--- What a client holds: its base URL and location, and the resource families, each made on
-- first use.
-- @table fields
-- @tfield string base_url "https://api.idcloudhost.com", or another host given to new
-- @tfield[opt] string location the location slug, or nil for the account's default location
-- @tfield client.vms vms virtual machines of the location
-- @tfield client.disks disks block storage disks of the location (elastis edition)
-- @tfield client.networks networks private networks of the location
-- @tfield client.floating_ips floating_ips floating (public) IP addresses of the location
-- @tfield client.load_balancers load_balancers load balancers of the location (elastis edition)
-- @tfield client.firewalls firewalls firewalls of the location (2025-12 edition)
-- @tfield client.ssh_keys ssh_keys SSH public keys of the account (2025-12 edition)
-- @tfield client.services services managed service (database) packages of the account (2025-12 edition)
-- @tfield client.s3 s3 the object storage API's address and keys
-- @tfield client.buckets buckets object storage buckets (in no location)
-- @tfield client.user user the user the api key belongs to
-- @tfield client.tokens tokens API tokens
-- @tfield client.locations locations the platform's locations
-- @tfield client.catalog catalog what can be created: VM parameters and images
-- @tfield client.pricing pricing the pricing policy
-- @tfield client.payments payments payment-wide calls
-- @tfield client.billing_accounts billing_accounts billing accounts (cards, credit, invoices hang off one)
-- @tfield client.cards cards payment methods, by id
-- @tfield client.invoices invoices invoices, by id

-- client.<name> -> the module of that family (each returns {new = fn(client)}).
local FAMILIES = {
  vms = "idcloudhost.families.vms",
  disks = "idcloudhost.families.disks", s3 = "idcloudhost.families.s3", buckets = "idcloudhost.families.buckets",
  networks = "idcloudhost.families.networks", floating_ips = "idcloudhost.families.floating_ips",
  load_balancers = "idcloudhost.families.load_balancers",
  firewalls = "idcloudhost.families.firewalls", ssh_keys = "idcloudhost.families.ssh_keys",
  services = "idcloudhost.families.services",
  user = "idcloudhost.families.user", tokens = "idcloudhost.families.tokens", locations = "idcloudhost.families.locations",
  catalog = "idcloudhost.families.catalog", billing_accounts = "idcloudhost.families.billing_accounts",
  cards = "idcloudhost.families.cards", invoices = "idcloudhost.families.invoices", pricing = "idcloudhost.families.pricing",
  payments = "idcloudhost.families.payments",
}

if lazy.strict then -- IDCLOUDHOST_STRICT=1: every family now (idcloudhost.lazy)
  for _, name in pairs(FAMILIES) do require(name) end
end

function mt.__index(self, k)
  local m = Client[k]
  if m ~= nil then return m end
  local modname = FAMILIES[k]
  if modname then
    local family = require(modname).new(self)
    if type(family) == "table" and rawget(family, "family") == nil then rawset(family, "family", k) end
    rawset(self, k, family)
    return family
  end
end

function mt.__tostring(self)
  return string.format("idcloudhost.client (%s%s)", self.base_url,
    self.location and (", location " .. self.location) or "")
end

-- The request headers of each body kind.  They hold the key, so they live in a closure: no
-- pairs(), dump or log of the client reaches them.
local function header_sets(apikey, cfg)
  local sets = {}
  for kind, ctype in pairs { none = false, form = "application/x-www-form-urlencoded", json = "application/json" } do
    sets[kind] = { apikey = apikey, Accept = "application/json", ["User-Agent"] = cfg.user_agent,
      ["Content-Type"] = ctype or nil }
  end
  return function(kind) return sets[kind] end
end

local function make(shared, location)
  return setmetatable({ base_url = shared.cfg.base_url, location = location, _shared = shared }, mt)
end

-- idcloudhost.new(opts): a client, or nil, err (documented in idcloudhost).
function Client.new(opts)
  local cfg, apikey = options.read(opts)
  if not cfg then return nil, apikey end
  local shared = { cfg = cfg, transports = {}, redact = secrets.redactor(apikey),
    headers = header_sets(apikey, cfg) }
  return make(shared, cfg.location)
end

--- A client for another location, sharing this one's connection pool and settings.
-- @function client:at
-- @tparam string slug the location's slug, like "bus02"
-- @treturn client the client of that location
-- @errors invalid (a missing or malformed slug)
function Client:at(slug)
  if slug == nil then return nil, errors.invalid("client:at(slug): slug is required", "location") end
  local ok, err = options.slug(slug, "client:at: slug")
  if not ok then return nil, err end
  return make(self._shared, slug)
end

--- Frees the connection pool now, rather than at garbage collection.  Calls made afterwards
-- (on this client and those of client:at) return an "invalid" error; close is idempotent.
-- @function client:close
function Client:close()
  local shared = self._shared
  if shared.closed then return end
  shared.closed = true
  transport.close(shared)
end

--- Runs a declared endpoint (an idcloudhost.resource endpoint: the families' `endpoints`
-- tables) with the caller's params; its answer, decoded and checked.
-- @function client:call
-- @tparam table ep the endpoint
-- @tparam[opt] table params
-- @tparam[opt] table opts
-- @return the decoded answer
-- @errors invalid, api, network, timeout, decode
function Client:call(ep, params, opts)
  return pipeline.call(self, ep, params, opts)
end

--- The escape hatch for any endpoint: client:request("GET", "/v1/user-resource/vm/list").
-- params travel in the query string for GET/HEAD (or opts.query), else as a form; opts.json =
-- true sends a JSON body; opts.location = true inserts the client's slug after /v1/.  The same
-- encoding, retries, answer checks and errors as every other call.
-- @function client:request
-- @tparam string method "GET", "POST", "PUT", "PATCH", "DELETE" or "HEAD"
-- @tparam string path "/v1/..."
-- @tparam[opt] table params
-- @tparam[opt] table opts
-- @tparam[opt] boolean opts.json send params as a JSON body
-- @tparam[opt] boolean opts.query send params in the query string whatever the method
-- @tparam[opt] boolean opts.location insert the client's location slug after /v1/
-- @tparam[opt] number opts.timeout seconds for one attempt (default: the client's timeout or write_timeout)
-- @return the decoded answer (a table, or true for an empty 2xx)
-- @errors invalid, api, network, timeout, decode
function Client:request(method, path, params, opts)
  return pipeline.request(self, method, path, params, opts)
end

--- Runs fn(item, client) for every item, up to opts.concurrency (8) at once, through the curl
-- multi interface (light threads inside nginx): a wait or backoff inside an item yields to the
-- others.  One failure never stops the rest.
-- @function client:batch
-- @tparam table items a list
-- @tparam function fn `function(item, client)` returning a value or `nil, err`
-- @tparam[opt] table opts
-- @tparam[opt=8] integer opts.concurrency items running at once
-- @tparam[opt] function opts.on_progress `function(done, total, item, result)` as each item ends
-- @treturn {table,...} results in item order, each `{ok = boolean, value = fn's value, err = error}`;
-- a Lua error in an item is `err.kind == "error"`
-- @errors invalid
function Client:batch(items, fn, opts)
  return require("idcloudhost.ops.batch").run(self, items, fn, opts) -- (loaded when first needed)
end

--- Runs fn(location_client, location) for every location of the platform, concurrently.
-- @function client:each_location
-- @tparam function fn `function(client, location)`: a client of that location, the location object
-- @tparam[opt] table opts those of client:batch
-- @treturn {table,...} results in the order of the locations, as client:batch's, each with `location` (the slug)
-- @errors invalid, or the error of listing the locations
function Client:each_location(fn, opts)
  return require("idcloudhost.ops.batch").each_location(self, fn, opts)
end

--- What is billed and serves nothing, in every location (idcloudhost.leftovers).
-- @function client:leftovers
-- @tparam[opt] table opts
-- @tparam[opt] number opts.stopped_for seconds: also VMs stopped that long
-- @tparam[opt] table opts.prices `{floating_ip =, load_balancer =}`
-- @tparam[opt] number opts.now seconds since the epoch the ages count from
-- @treturn table `{items, totals, rates, hours_per_month, errors, complete}`
-- @errors invalid, or the error of listing the locations
function Client:leftovers(opts)
  return require("idcloudhost.ops.leftovers").find(self, opts)
end

--- Every billed thing of the account now, priced, per billing account and location, in the item
-- shape of client:leftovers() (ops/bill.lua).
-- @function client:bill
-- @tparam[opt] table opts all_locations (true; false: the client's location), prices
-- ({floating_ip =, load_balancer =}: monthly prices the policy lacks), concurrency, usage (false:
-- price VMs from the policy, not from the accounts' usage)
-- @treturn table {items, totals, by_location, total, rates, errors, complete}
-- @errors invalid, api, network, timeout, decode
function Client:bill(opts)
  return require("idcloudhost.ops.bill").find(self, opts)
end

--- Every location's answer of client.<family>:list(), concatenated, each tagged with `location`.
-- Fails as a whole when one location fails (a partial list would mislead).
-- @function client:collect_locations
-- @tparam string family "vms", "disks", "networks", ...
-- @treturn {table,...} the objects of every location, each with `location` (its slug)
-- @errors invalid, api, network, timeout, decode
function Client:collect_locations(family)
  return require("idcloudhost.ops.batch").collect(self, family)
end

return Client
