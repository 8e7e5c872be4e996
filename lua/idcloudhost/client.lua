-- The client: what idcloudhost.new returns.  It holds the checked options and the state its
-- clients for other locations share (client:at), and hands out the resource families on first
-- use (client.vms, ...).  Requests go through idcloudhost.pipeline; batches and walking every
-- location through idcloudhost.batch.
local errors = require "idcloudhost.errors"
local options = require "idcloudhost.options"
local pipeline = require "idcloudhost.pipeline"
local secrets = require "idcloudhost.secrets"
local transport = require "idcloudhost.transport"

local Client = {}
local mt = { __name = "idcloudhost.client" }

-- client.<name> -> the module of that family (each returns {new = fn(client)}).
local FAMILIES = {
  vms = "idcloudhost.vms",
  disks = "idcloudhost.disks", s3 = "idcloudhost.s3", buckets = "idcloudhost.buckets",
  networks = "idcloudhost.networks", floating_ips = "idcloudhost.floating_ips",
  load_balancers = "idcloudhost.load_balancers",
  user = "idcloudhost.user", tokens = "idcloudhost.tokens", locations = "idcloudhost.locations",
  catalog = "idcloudhost.catalog", billing_accounts = "idcloudhost.billing_accounts",
  cards = "idcloudhost.cards", invoices = "idcloudhost.invoices", pricing = "idcloudhost.pricing",
  payments = "idcloudhost.payments",
}

function mt.__index(self, k)
  local m = Client[k]
  if m ~= nil then return m end
  local modname = FAMILIES[k]
  if modname then
    local family = require(modname).new(self)
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

--- idcloudhost.new(opts): a client, or nil, err.
function Client.new(opts)
  local cfg, apikey = options.read(opts)
  if not cfg then return nil, apikey end
  local shared = { cfg = cfg, transports = {}, redact = secrets.redactor(apikey),
    headers = header_sets(apikey, cfg) }
  return make(shared, cfg.location)
end

--- A client for another location, sharing this one's connection pool and settings.
function Client:at(slug)
  if slug == nil then return nil, errors.invalid("client:at(slug): slug is required", "location") end
  local ok, err = options.slug(slug, "client:at: slug")
  if not ok then return nil, err end
  return make(self._shared, slug)
end

--- Frees the connection pool now, rather than at garbage collection.  Calls made afterwards
-- return an "invalid" error; close is idempotent.
function Client:close()
  local shared = self._shared
  if shared.closed then return end
  shared.closed = true
  transport.close(shared)
end

--- Runs a declared endpoint (see idcloudhost.resource) with the caller's params.
function Client:call(ep, params, opts)
  return pipeline.call(self, ep, params, opts)
end

--- The escape hatch for any endpoint: client:request("GET", "/v1/user-resource/vm/list").
-- params travel in the query string for GET/HEAD (or opts.query), else as a form; opts.json =
-- true sends a JSON body; opts.location = true inserts the client's slug after /v1/.
function Client:request(method, path, params, opts)
  return pipeline.request(self, method, path, params, opts)
end

--- Runs fn(item, client) for every item, up to opts.concurrency (8) at once; see batch.run.
function Client:batch(items, fn, opts)
  return require("idcloudhost.batch").run(self, items, fn, opts) -- (loaded when first needed)
end

--- Runs fn(location_client, location) for every location of the platform, concurrently.
function Client:each_location(fn, opts)
  return require("idcloudhost.batch").each_location(self, fn, opts)
end

function Client:leftovers(opts) return require("idcloudhost.leftovers").find(self, opts) end -- idcloudhost.leftovers

--- Every location's answer of client.<family>:list(), concatenated, each tagged with `location`.
function Client:collect_locations(family)
  return require("idcloudhost.batch").collect(self, family)
end

return Client
