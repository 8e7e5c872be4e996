-- Writes docs/endpoints.md, the endpoint map, from the endpoint declarations themselves: every
-- module's `endpoints` table (resource.endpoint objects: method, path, loc, where each
-- parameter travels, the declared answer, billed), matched to the platform's inventory
-- (spec/fixtures/api_endpoints.lua) by method and path.
--
-- The Lua method that reaches an endpoint is found by scanning the modules' source: a use of
-- `E.<key>` (the module's own table) or `<module>.endpoints.<key>` inside `function T:name(`
-- names the method; `resource.model { name = ..., get = E.x }` gives <kind>:reload (and the
-- waits that poll it); `resource.collection(T, { list = E.x, get = E.y })` gives the
-- ready-made client.<family>:list / :get.  Table T is named by the model or collection it is
-- (client.lua's FAMILIES says which family a module's collection is); ALIASES below names what
-- scanning cannot see.  A use inside a module function (not a method) is listed as such; one at
-- the top level (an endpoint handed to a helper) names nothing.
--   lua scripts/endpoints.lua            write docs/endpoints.md (make endpoints)
--   lua scripts/endpoints.lua --check    exit 1 if docs/endpoints.md is not current
-- Run from the repository's root, with lua/ on package.path (the Makefile sets it).
local M = {}

M.OUT = "docs/endpoints.md"

-- Tables of methods scanning cannot name: vm_storage adds its methods to the VM model, which
-- it gets as the parameter of storage.attach(VM).
local ALIASES = { ["idcloudhost.families.vm_storage"] = { VM = "vm" },
  ["idcloudhost.families.vm_actions"] = { VM = "vm", actions = "client.vms" } }

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- Section (b) of endpoints-2025.md: what the 2025-12 edition changes in the first 100, and
-- where the SDK takes it (each has a spec in spec/unit/families/).
M.CHANGES = {
  { "9", "VM answers carry `license_type` (Windows guests)", "read as a field of `vm` (absent on Linux guests)" },
  { "12", "`cloud_init` as YAML or JSON text",
    "`client.vms:create{cloud_init =}`: text (YAML or JSON) sent as it is, a table as JSON text" },
  { "12", "repeatable `public_keys`",
    "`client.vms:create{public_keys = {...}}` or `{ssh_keys = {key, \"uuid\", \"name\"}}`: the field repeated, one key each" },
  { "12", "empty-disk VM: `os_name`/`os_version` left out (or `_custom`/`_`)",
    "`client.vms:create`: both or neither; then `vm:boot_media`" },
  { "12", "`billing_account_id` has no default", "billed: the account's default billing account is sent when none is given" },
  { "27", "`rescue_start` gone; `boot_iso_media` (#105) takes its place", "`vm:rescue` kept, deprecated; `vm:boot_media`" },
  { "31", "`display_name` on create; answers add `storage_pool_uuid`",
    "`client.disks:create{display_name =}`; both read as optional fields" },
  { "32, #33", "snapshots' `sizeGb` becomes `size_gb`; `display_name`",
    "both read: each filled from the other (disk objects, `client:leftovers()` pricing)" },
  { "33", "`read_only_bootable` filter on the list", "`client.disks:list{read_only_bootable = true}` (query)" },
  { "34", "modify = metadata: `billing_account_id` optional, `display_name`, `read_only_bootable`",
    "`disk:update{...}`: any of the three (form)" },
  { "23", "convert replica gone from the newer docs", "`replica:convert` kept, deprecated" },
  { "59", "assign to a load balancer or a service (live: `assigned_to` + `assigned_to_resource_type`)",
    "`floating_ip:assign(lb)` / `(service)`; a VM or a uuid alone: `vm_uuid`; anything else refused" },
}

-- The SDK's family modules (lua/idcloudhost/families/*.lua).
local function modules()
  local out = {}
  local p = assert(io.popen("ls lua/idcloudhost/families/*.lua"))
  for file in p:lines() do
    local name = file:match("^lua/idcloudhost/families/([%w_]+)%.lua$")
    if name then
      out[#out + 1] = { name = "idcloudhost.families." .. name, file = file }
    end
  end
  p:close()
  table.sort(out, function(a, b) return a.name < b.name end)
  return out
end

-- module name -> family (client.<family>), from client.lua's FAMILIES table.
local function families()
  local src = read("lua/idcloudhost/client.lua")
  local block = assert(src:match("local FAMILIES = (%b{})"), "client.lua: no FAMILIES table")
  local out = {}
  for fam, mod in block:gmatch('([%w_]+) = "([%w_.]+)"') do out[mod] = fam end
  assert(next(out), "client.lua: FAMILIES names no family")
  return out
end

local function add(reach, ep, who)
  reach[ep] = reach[ep] or {}
  for _, w in ipairs(reach[ep]) do if w == who then return end end
  table.insert(reach[ep], who)
end

-- Scans one module's source; adds to reach[ep] the Lua names that reach each endpoint.
local function scan(mod, fams, eps_of, reach)
  local src = read(mod.file)
  local own = src:match("\nlocal (%u[%w_]*) = resource%.endpoints%(")
  -- (or another module's, under a local name of its own: `local E = vms.endpoints`)
  local own_var
  if not own then own, own_var = src:match("\nlocal (%u[%w_]*) = ([%w_]+)%.endpoints\n") end
  local tables = {}
  for t, alias in pairs(ALIASES[mod.name] or {}) do tables[t] = alias end
  for t, kind in src:gmatch("\nlocal ([%w_]+) = resource%.model {%s*name = \"([%w_]+)\"") do tables[t] = kind end
  local fam = fams[mod.name]
  for t in src:gmatch("resource%.collection%(([%w_]+)") do tables[t] = "client." .. tostring(fam) end
  -- modules this one requires: local name -> module name
  local req = {}
  for var, name in src:gmatch('\nlocal ([%w_]+) = require "([%w_.]+)"') do req[var] = name end

  local function ep_of(table_name, key)
    local eps
    if table_name == own then eps = eps_of[own_var and req[own_var] or mod.name] else eps = eps_of[req[table_name]] end
    local ep = eps and eps[key]
    assert(ep, mod.file .. ": " .. table_name .. "." .. key .. " is no endpoint")
    return ep
  end

  -- model { ..., get = E.x }: obj:reload()
  for t, spec in src:gmatch("\nlocal ([%w_]+) = resource%.model (%b{})") do
    local key = own and spec:match("get = " .. own .. "%.([%w_]+)")
    if key then add(reach, ep_of(own, key), tables[t] .. ":reload") end
  end

  -- uses inside functions, the model and collection declarations (done above) blanked out
  local blank = function(b) return (b:gsub("[^\n]", " ")) end
  local body = src:gsub("(resource%.model )(%b{})", function(a, b) return a .. blank(b) end)
    :gsub("(resource%.collection)(%b())", function(a, b) return a .. blank(b) end)
  local current
  for l in (body .. "\n"):gmatch("([^\n]*)\n") do
    local t, sep, name = l:match("^%s*function ([%w_]+)([:.])([%w_]+)%(")
    -- `Xs.get = resource.getter(X, E.get)`: a method made by the kit, on one line of its own
    local mt, mname = l:match("^([%w_]+)%.([%w_]+) = resource%.%a+%(")
    local one_line = mt and tables[mt] and (tables[mt] .. ":" .. mname)
    if one_line then
      current = one_line
    elseif t then
      if tables[t] then current = tables[t] .. ":" .. name
      else current = (t == "M" and mod.name or t) .. sep .. name end
    elseif l:match("^local function ") or l:match("^function ") or l:match("^end%f[%W]") then
      current = nil -- a local helper, or back at the module's top level
    end
    if not l:match("^%s*%-%-") then
      local uses = {}
      if own then
        for key in l:gmatch("%f[%w_]" .. own .. "%.([%w_]+)") do uses[#uses + 1] = { own, key } end
      end
      for var, key in l:gmatch("([%w_]+)%.endpoints%.([%w_]+)") do uses[#uses + 1] = { var, key } end
      for _, u in ipairs(uses) do
        local ep = ep_of(u[1], u[2])
        -- a use at the top level (handing an endpoint to a helper) names no method
        if current then add(reach, ep, current) end
      end
    end
    if one_line then current = nil end
  end
end

local function norm(path)
  return (path:gsub("%?.*$", ""):gsub("{[%w_]+}", "{}"))
end

local function params_text(ep)
  local names = {}
  for k in pairs(ep.where) do names[#names + 1] = k end
  table.sort(names, function(a, b)
    local ra, rb = ep.specs[a]:sub(-1) == "!", ep.specs[b]:sub(-1) == "!"
    if ra ~= rb then return ra end
    return a < b
  end)
  local by = {}
  for _, k in ipairs(names) do
    local place = ep.where[k]
    by[place] = by[place] or {}
    local spec = ep.specs[k]
    table.insert(by[place], "`" .. k .. "`" .. (spec:sub(-1) == "!" and "!" or ""))
  end
  local parts = {}
  for _, place in ipairs { "path", "query", "form", "json" } do
    if by[place] then parts[#parts + 1] = place .. ": " .. table.concat(by[place], " ") end
  end
  return #parts > 0 and table.concat(parts, "; ") or "-"
end

--- The text of docs/endpoints.md, and the list of rows {ep=, inv=, module=, key=, reach=}.
function M.generate()
  local inventory = dofile("spec/fixtures/api_endpoints.lua")
  local fams = families()
  local mods = modules()
  local eps_of, reach, rows = {}, {}, {}
  for _, mod in ipairs(mods) do
    local m = require(mod.name)
    if type(m) == "table" and type(m.endpoints) == "table" then eps_of[mod.name] = m.endpoints end
  end
  for _, mod in ipairs(mods) do scan(mod, fams, eps_of, reach) end

  local by_route = {}
  for _, inv in ipairs(inventory) do by_route[inv.method .. " " .. norm(inv.path)] = inv end
  for _, mod in ipairs(mods) do
    local keys = {}
    for key in pairs(eps_of[mod.name] or {}) do keys[#keys + 1] = key end
    table.sort(keys)
    for _, key in ipairs(keys) do
      local ep = eps_of[mod.name][key]
      local route = ep.method .. " " .. norm("/v1/" .. ep.path)
      local inv = by_route[route]
      rows[#rows + 1] = { ep = ep, inv = inv, module = mod.name, key = key, reach = reach[ep] or {} }
    end
  end
  table.sort(rows, function(a, b)
    local na, nb = a.inv and a.inv.n or math.huge, b.inv and b.inv.n or math.huge
    if na ~= nb then return na < nb end
    return a.ep.name < b.ep.name
  end)

  local out = {
    "# Endpoint map",
    "",
    "Every endpoint of the platform (every edition: `ed` is `both`, `elastis`, `idch`, the",
    "idcloudhost.com edition only, or `2025`, only in the 2025-12 edition), as the SDK declares it and",
    "the Lua methods that reach it.",
    "Generated by `make endpoints` (scripts/endpoints.lua) from the modules' `endpoints` tables;",
    "spec/packaging/endpoints_spec.lua fails when this file is not current: do not edit it by hand.",
    "",
    "- **#**: the endpoint's row in the platform's inventory (spec/fixtures/api_endpoints.lua).",
    "- **path**: after `https://api.idcloudhost.com/v1/`; `{name}` comes from a parameter.",
    "- **loc**: lives in a location: the client's slug goes first, `/v1/{slug}/...`.",
    "- **parameters**: where each travels (path, query, form, json body); `!` marks a required one.",
    "- **answer**: what a 2xx must hold, or the call fails with a `decode` error.",
    "- **billed**: without `billing_account_id`, the account's default billing account is sent.",
    "- **Lua**: the methods that send it (`vm:stop` is a VM object's method, `client.vms:list` a",
    "  collection's); found by scanning the modules' source (see scripts/endpoints.lua).",
    "",
    "| # | ed | method | path | loc | parameters | answer | billed | Lua | declared |",
    "|---|---|---|---|---|---|---|---|---|---|",
  }
  local seen = {}
  for _, r in ipairs(rows) do
    local ep = r.ep
    local lua = {}
    for _, w in ipairs(r.reach) do lua[#lua + 1] = "`" .. w .. "`" end
    table.sort(lua)
    local n = r.inv and tostring(r.inv.n) or "-"
    if r.inv then seen[r.inv.n] = (seen[r.inv.n] or 0) + 1 end
    out[#out + 1] = string.format("| %s | %s | %s | `%s` | %s | %s | %s | %s | %s | `%s` |",
      n, r.inv and r.inv.ed or "-", ep.method, ep.path, ep.loc and "yes" or "",
      params_text(ep), ep.answer.text:gsub("|", "\\|"), ep.billed and "yes" or "",
      (#lua > 0 and table.concat(lua, " ") or "-") .. (ep.deprecated and " (deprecated: not in the 2025-12 docs)" or ""),
      r.module:gsub("^idcloudhost%.", "") .. "." .. r.key)
  end
  local missing = {}
  for _, inv in ipairs(inventory) do
    if not seen[inv.n] then missing[#missing + 1] = inv.n .. " " .. inv.method .. " " .. inv.path end
  end
  out[#out + 1] = ""
  out[#out + 1] = string.format("%d endpoints of the inventory's %d are declared%s.", #inventory - #missing,
    #inventory, #missing > 0 and ("; missing: " .. table.concat(missing, ", ")) or "")
  out[#out + 1] = ""
  out[#out + 1] = "## What the 2025-12 edition changes in the first 100"
  out[#out + 1] = ""
  out[#out + 1] = "Section (b) of the inventory (endpoints-2025.md), each change and what the SDK does with it."
  out[#out + 1] = ""
  out[#out + 1] = "| endpoint | change | the SDK |"
  out[#out + 1] = "|---|---|---|"
  for _, c in ipairs(M.CHANGES) do
    out[#out + 1] = string.format("| #%s | %s | %s |", c[1], c[2], c[3])
  end
  out[#out + 1] = ""
  return table.concat(out, "\n"), rows, inventory, missing
end

if arg and arg[0] and arg[0]:match("endpoints%.lua$") then
  dofile("scripts/generated.lua")(M.OUT, M.generate(), arg[1] == "--check", "endpoints")
end

return M
