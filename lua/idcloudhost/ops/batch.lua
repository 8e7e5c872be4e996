-- Many calls at once, and walking every location.  The items of a batch run concurrently in
-- whatever the running code allows (runtime.lua): coroutines over the C core's multi interface
-- in plain Lua or inside another scheduler, light threads inside nginx.  A wait, a backoff or a
-- Retry-After inside an item yields to the others.
local lazy = require "idcloudhost.lazy"
local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local json = lazy "idcloudhost.json"
local resource = require "idcloudhost.families.kit.resource"
local runtime = require "idcloudhost.runtime"

local batch = {}

local OPTS = { concurrency = "integer", on_progress = "function" }

-- An item's outcome as {ok=, value=, err=}: err is always an error value when ok is false.
local function result_of(out)
  if not out[1] then
    return { ok = false, err = errors.new { kind = "error", message = errors.text(out[2]), traceback = out.traceback } }
  end
  local v, e = out[2], out[3]
  local r = { ok = v ~= nil and v ~= false, value = v, err = e }
  if not r.ok and not errors.is(e) then
    r.err = errors.new { kind = "error", message = e ~= nil and errors.text(e)
      or ("the item returned " .. errors.text(v) .. " without an error") }
  end
  return r
end

--- Runs fn(item, client) for every item, at most opts.concurrency (8) at once.  Returns the
-- results in item order, each {ok=, value=, err=}; one failure never stops the rest.
-- opts.on_progress(done, total, item, result) is called as each item ends.
function batch.run(client, items, fn, opts)
  if type(items) ~= "table" or type(fn) ~= "function" then
    return nil, errors.invalid("client:batch(items, fn, opts): items is a list, fn a function, opts a table")
  end
  local o, err = check.params("client:batch", OPTS, opts)
  if not o then return nil, err end
  if o.concurrency and o.concurrency < 1 then
    return nil, errors.invalid("client:batch: concurrency must be 1 or more", "concurrency")
  end
  local rt = runtime.current(client._shared.cfg)
  local why = rt.refuse_call and rt:refuse_call(client._shared.cfg)
  if why then return nil, errors.invalid("client:batch: " .. why) end
  local total, done, results = #items, 0, {}
  rt:map(total, o.concurrency or 8, function(i) return fn(items[i], client) end, function(i, out)
    local r = result_of(out)
    results[i] = r
    done = done + 1
    if o.on_progress then pcall(o.on_progress, done, total, items[i], r) end
  end)
  return results
end

-- GET /v1/config/locations: needed to walk every location.
local LOCATIONS = resource.endpoint("locations:list", { "GET", "config/locations", answer = "list:slug" })

--- Runs fn(location_client, location) for every location of the platform, concurrently.
-- Returns results in the order of the locations, each {ok=, value=, err=, location=}.
function batch.each_location(client, fn, opts)
  if type(fn) ~= "function" then return nil, errors.invalid("client:each_location(fn, opts): fn must be a function") end
  local locations, err = client:call(LOCATIONS)
  if not locations then return nil, err end
  local results
  results, err = batch.run(client, locations, function(loc, c)
    local at, aerr = c:at(loc.slug)
    if not at then return nil, aerr end
    return fn(at, loc)
  end, opts)
  if not results then return nil, err end
  for i, r in ipairs(results) do r.location = locations[i].slug end
  return results
end

--- Every location's answer of client.<family>:list(), concatenated, each object tagged with
-- `location`.  Fails as a whole if one location fails (a partial list would mislead).
function batch.collect(client, family)
  local results, err = batch.each_location(client, function(c) return c[family]:list() end)
  if not results then return nil, err end
  local all = json.array()
  for _, r in ipairs(results) do
    if not r.ok then
      r.err.message = "location " .. r.location .. ": " .. tostring(r.err.message)
      return nil, r.err
    end
    for _, obj in ipairs(r.value) do
      obj.location = r.location
      all[#all + 1] = obj
    end
  end
  return all
end

return batch
