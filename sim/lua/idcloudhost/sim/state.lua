-- Account state shared by the resource families.
--
-- Static: the user (id 8, user@example.com) and the two locations of the docs.
-- Resettable (state.reset()): billing accounts, id counters and per-location
-- collections. A family keeps its objects in state.collection(slug, name),
-- e.g. state.collection("cyc01", "vms")[uuid] = vm, and may register
-- state.on_reset(fn) to seed its own data after every reset.
-- Families reach each other by require only (see families.lua), never through here.
local clock = require "idcloudhost.sim.clock"
local config = require "idcloudhost.sim.config"
local json = require "idcloudhost.sim.json"

local state = {}

state.user = { id = 8, email = "user@example.com" }

-- GET /v1/config/locations, as in the docs plus is_published, which live locations carry
-- (zorgatia/terraform-provider-cloudaxion docs/api-notes.md, section 7, verified live).
state.locations = {
  {
    display_name = "Cycletown",
    is_default = true,
    is_preferred = false,
    description = "The original location",
    order_nr = 1,
    slug = "cyc01",
    country_code = "est",
    is_published = true,
  },
  {
    display_name = "Busburg",
    is_default = false,
    is_preferred = true,
    description = "Secondary location",
    order_nr = 2,
    slug = "bus02",
    country_code = "est",
    is_published = true,
  },
}

local reset_hooks = {}

-- fn runs after every reset (and right away, so the current state has it too).
function state.on_reset(fn)
  reset_hooks[#reset_hooks + 1] = fn
  if state.data then fn() end
end

function state.is_location(slug)
  for _, l in ipairs(state.locations) do
    if l.slug == slug then return true end
  end
  return false
end

-- The location's place in state.locations (1, 2, ...; 9 for an unknown slug): part of the
-- addresses the families hand out.
function state.location_index(slug)
  for i, l in ipairs(state.locations) do
    if l.slug == slug then return i end
  end
  return 9
end

function state.default_location()
  for _, l in ipairs(state.locations) do
    if l.is_default then return l.slug end
  end
  return state.locations[1].slug
end

-- Per-location collection (a table created on first use).
function state.collection(slug, name)
  local loc = state.data.locations[slug]
  assert(loc, "unknown location " .. tostring(slug))
  local c = loc[name]
  if c == nil then
    c = {}
    loc[name] = c
  end
  return c
end

-- A collection that belongs to no location (SSH keys, managed services): a table created on
-- first use, reset with the rest; /__sim/state shows it under `globals` (through
-- state.dumpers[name](nil, col) when the family registers one).
function state.global(name)
  local g = state.data.globals
  local c = g[name]
  if c == nil then
    c = {}
    g[name] = c
  end
  return c
end

local function older(a, b) return a.id < b.id end
local function newer(a, b) return a.id > b.id end

-- The records of t (a map or a list) that keep(rec) accepts (all of them without keep), as a
-- JSON array by id: oldest first, newest first with newest_first. Every list of records goes
-- through here, so they all order alike.
function state.by_id(t, keep, newest_first)
  local out = json.array()
  for _, rec in pairs(t) do
    if keep == nil or keep(rec) then out[#out + 1] = rec end
  end
  table.sort(out, newest_first and newer or older)
  return out
end

-- The records of a per-location collection, oldest first (by id), as a JSON array of
-- view(record) (of the records themselves without view).
function state.list(slug, name, view)
  local out = state.by_id(state.collection(slug, name))
  if view then
    for i, rec in ipairs(out) do out[i] = view(rec) end
  end
  return out
end

-- Next id of a kind ("vm", "storage", ...), shared by all locations.
function state.next_id(kind)
  local n = (state.data.counters[kind] or 0) + 1
  state.data.counters[kind] = n
  return n
end

-- Tombstones: a deleted VM, disk or load balancer still reads back for config.tombstone
-- seconds, as on the platform. state.bury(slug, kind, key, rec) keeps it; state.tombstone(slug,
-- kind, key) is the record while it lasts, else nil; state.tombstones(slug, kind) lists them.
-- The age is checked when read, so a new setting applies to the tombstones there are.
function state.bury(slug, kind, key, rec)
  state.collection(slug, "tombstones:" .. kind)[key] = { rec = rec, at = clock.now() }
end

function state.tombstone(slug, kind, key)
  local col = state.collection(slug, "tombstones:" .. kind)
  local t = key ~= nil and col[key]
  if not t then return nil end
  if clock.now() - t.at >= (config.tombstone or 0) then
    col[key] = nil
    return nil
  end
  return t.rec
end

function state.tombstones(slug, kind)
  local out = {}
  for key in pairs(state.collection(slug, "tombstones:" .. kind)) do
    local rec = state.tombstone(slug, kind, key)
    if rec then out[#out + 1] = rec end
  end
  return out
end

function state.billing_account(id)
  return state.data.billing_accounts[id]
end

function state.default_billing_account()
  for _, ba in pairs(state.data.billing_accounts) do
    if ba.is_default then return ba end
  end
end

function state.reset()
  state.data = {
    counters = {},
    billing_accounts = {
      [6] = { id = 6, is_default = true, user_id = state.user.id },
    },
    locations = {},
    globals = {},
  }
  for _, l in ipairs(state.locations) do state.data.locations[l.slug] = {} end
  for _, fn in ipairs(reset_hooks) do fn() end
end

-- Everything, for GET /__sim/state (families may register a view function
-- per collection name in state.dumpers to show objects as the API would).
state.dumpers = {}

function state.dump()
  local locs = {}
  for slug, cols in pairs(state.data.locations) do
    local l = {}
    for name, col in pairs(cols) do
      local dumper = state.dumpers[name]
      if dumper then l[name] = dumper(slug, col) elseif not name:find(":") then l[name] = col end
    end
    locs[slug] = l
  end
  local globals = {}
  for name, col in pairs(state.data.globals) do
    local dumper = state.dumpers[name]
    globals[name] = dumper and dumper(nil, col) or state.by_id(col)
  end
  return {
    globals = globals,
    user = state.user,
    billing_accounts = state.by_id(state.data.billing_accounts),
    counters = state.data.counters,
    locations = locs,
  }
end

state.reset()

return state
