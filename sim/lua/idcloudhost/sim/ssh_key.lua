-- SSH keys (not location-specific): /v1/user-resource/ssh_keys[/{uuid}], routes 101-104 of the
-- 2025-12 idcloudhost text (shared/api/endpoints-2025.md (a)). JSON bodies (the other readers
-- take a form or the query string as well, like every call).
--
-- Records live in state.global("ssh_keys")[uuid]: {uuid, name, public_key, user_id,
-- created_at} as the docs show a key (no fingerprint: the docs show none and the live platform
-- has none, CloudAxion notes section 12).
--
-- Rules (the docs): name and public_key are required; a name is unique per user (409); the
-- public key is immutable (a rename that sends another public key is refused, 400: the key is
-- not silently kept); no format check of the public key ("no strict format validation").
-- Choices where the docs are silent: an empty name is a missing one; an unknown key is
-- 404 {"message": "SSH key <uuid> was not found."}; the list is oldest first.
-- Status codes by edition (endpoints-2025.md (c) 6): the idcloudhost edition follows its
-- 2025-12 text, create 201 and delete 204 (empty); the elastis edition (the field's platforms)
-- answers as the live platform does, create 200 and delete 200 with an empty body (CloudAxion
-- notes, section 12, verified live).
local clock = require "idcloudhost.sim.clock"
local config = require "idcloudhost.sim.config"
local ids = require "idcloudhost.sim.ids"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local keys = {}

local function all()
  return state.global("ssh_keys")
end

-- "2025-01-12T09:21:33Z", as the docs show a key's created_at.
local function iso_z()
  return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

function keys.view(rec)
  return {
    uuid = rec.uuid,
    name = rec.name,
    public_key = rec.public_key,
    user_id = rec.user_id,
    created_at = rec.created_at,
  }
end

--- The key named `name`, or nil.
function keys.named(name)
  for _, rec in pairs(all()) do
    if rec.name == name then return rec end
  end
end

--- The key with that uuid (any form Python's uuid.UUID takes), or nil.
function keys.find(uuid)
  local u = params.to_uuid(uuid)
  return u and all()[u] or nil
end

local function taken(name)
  return reply.errors({ name = "An SSH key named '" .. name .. "' already exists" }, 409)
end

local function lookup(req)
  local rec = keys.find(req.vars.uuid)
  if not rec then return nil, reply.message(404, "SSH key " .. req.vars.uuid .. " was not found.") end
  return rec
end

-- A required, non-empty text parameter.
local function text(r, name, required)
  local v = r:str(name, required)
  if v == "" then
    if required then r:fail(name, params.MISSING) end
    return nil
  end
  return v
end

local function views(col)
  local out = state.by_id(col)
  for i, rec in ipairs(out) do out[i] = keys.view(rec) end
  return out
end

function keys.list()
  return reply.ok(views(all()))
end

function keys.create(req)
  local r = params.reader(req.params)
  local name = text(r, "name", true)
  local public_key = text(r, "public_key", true)
  if r:failed() then return reply.errors(r.errors) end
  if keys.named(name) then return taken(name) end
  local rec = {
    id = state.next_id("ssh_key"),
    uuid = ids.uuid4(),
    name = name,
    public_key = public_key,
    user_id = state.user.id,
    created_at = iso_z(),
    updated_at = clock.timestamp(),
  }
  all()[rec.uuid] = rec
  return reply.json(config.elastis() and 200 or 201, keys.view(rec))
end

function keys.rename(req)
  local r = params.reader(req.params)
  local name = text(r, "name", false)
  if r:present("name") and name == nil then r:fail("name", "Must not be empty") end
  local public_key = r:str("public_key")
  if r:failed() then return reply.errors(r.errors) end
  local rec, err = lookup(req)
  if not rec then return err end
  if public_key ~= nil and public_key ~= rec.public_key then
    return reply.errors({ public_key = "The public key of an SSH key cannot be changed" })
  end
  if name and name ~= rec.name then
    if keys.named(name) then return taken(name) end
    rec.name = name
    rec.updated_at = clock.timestamp()
  end
  return reply.ok(keys.view(rec))
end

function keys.delete(req)
  local rec, err = lookup(req)
  if not rec then return err end
  all()[rec.uuid] = nil
  return reply.empty(config.elastis() and 200 or 204)
end

function keys.register(router)
  router.add("GET", "/v1/user-resource/ssh_keys", keys.list)
  router.add("POST", "/v1/user-resource/ssh_keys", keys.create)
  router.add("PATCH", "/v1/user-resource/ssh_keys/{uuid}", keys.rename)
  router.add("DELETE", "/v1/user-resource/ssh_keys/{uuid}", keys.delete)
end

state.dumpers.ssh_keys = function(_, col) return views(col) end

return keys
