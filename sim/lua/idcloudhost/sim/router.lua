-- Routes of the API (not of the /__sim/ control API).
--
--   router.add(method, pattern, handler, opts)
--     pattern: "/v1/network/network/{uuid}" ({name} matches one path segment)
--     opts.loc = true      location-specific: also served as /v1/{slug}/...
--     opts.any_slug = true a global route that also answers with a slug, which it ignores
--     opts.slash = true    also answers with a trailing slash
--     opts.latency = "create"  writes sleep SIM_CREATE_LATENCY instead of SIM_LATENCY
--   handler(req) -> reply (see reply.lua); req.vars holds the {name} values,
--   req.loc the location slug (location-specific routes only).
--
--   router.match(method, path, is_location) -> route, vars, slug
local router = {}

local routes = {}

local function compile(pattern)
  local names = {}
  local lua = pattern:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
  lua = lua:gsub("{(%w[%w_]*)}", function(name)
    names[#names + 1] = name
    return "([^/]+)"
  end)
  return "^" .. lua .. "$", names
end

function router.add(method, pattern, handler, opts)
  assert(type(handler) == "function", "router.add: handler must be a function")
  opts = opts or {}
  local lua_pattern, names = compile(pattern)
  if opts.slash then lua_pattern = lua_pattern:gsub("%$$", "/?$") end
  for _, r in ipairs(routes) do
    assert(not (r.pattern == pattern and r.method == method:upper()),
      "router.add: duplicate route " .. method .. " " .. pattern)
  end
  routes[#routes + 1] = {
    method = method:upper(),
    pattern = pattern,
    lua_pattern = lua_pattern,
    names = names,
    handler = handler,
    loc = opts.loc and true or false,
    any_slug = opts.any_slug and true or false,
    latency = opts.latency,
  }
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function try(method, path, loc_only)
  for _, r in ipairs(routes) do
    if r.method == method and (r.loc or r.any_slug or not loc_only) then
      local caps = { path:match(r.lua_pattern) }
      if caps[1] ~= nil then
        local vars = {}
        for i, name in ipairs(r.names) do vars[name] = unescape(caps[i]) end
        return r, vars
      end
    end
  end
end

-- Split "/v1/{slug}/rest" when slug is a location: returns slug, "/v1/rest".
function router.split_location(path, is_location)
  local slug, rest = path:match("^/v1/([^/]+)(/.*)$")
  if slug and is_location(slug) then return slug, "/v1" .. rest end
  return nil, path
end

-- Match a request. Without a slug, location-specific routes get slug nil
-- (the caller picks the default location); with a slug, only location-specific
-- routes and those that ignore a slug match.
function router.match(method, path, is_location)
  local r, vars = try(method, path, false)
  if r then return r, vars, nil end
  local slug, rest = router.split_location(path, is_location)
  if slug then
    r, vars = try(method, rest, true)
    if r then return r, vars, slug end
  end
  return nil
end

function router.list()
  local out = {}
  for _, r in ipairs(routes) do
    out[#out + 1] = { method = r.method, pattern = r.pattern, loc = r.loc }
  end
  return out
end

return router
