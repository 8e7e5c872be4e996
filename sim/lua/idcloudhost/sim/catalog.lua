-- Catalog family: GET /v1/api/parameters/vm (the VM creation parameters, as the live
-- platform has them, with current OS versions), GET /v1/config/locations and the OS images;
-- plus the validator that checks VM parameters against that same parameter list.
local json = require "idcloudhost.sim.json"
local params = require "idcloudhost.sim.params"
local reply = require "idcloudhost.sim.reply"
local state = require "idcloudhost.sim.state"

local catalog = {}

local A = json.array

local OS_VERSIONS = {
  { os_name = "centos", values = A { "7.3.1611", "6.9.1611" } },
  { os_name = "ubuntu", values = A { "16.04", "18.04", "20.04", "22.04", "22.04-lts", "24.04" } },
  { os_name = "windows", values = A { "2016", "2019", "2022" } },
  { os_name = "debian", values = A { "9.1", "10", "11", "12" } },
  { os_name = "almalinux", values = A { "8", "9" } },
  { os_name = "rockylinux", values = A { "8", "9" } },
  -- An empty-disk VM (the 2025-12 text: os_name=_custom, os_version=_, then boot an ISO); the
  -- live os_name enum has _custom (CloudAxion notes, section 6, verified live). No image.
  { os_name = "_custom", values = A { "_" } },
}

local function os_names()
  local out = A()
  for _, l in ipairs(OS_VERSIONS) do out[#out + 1] = l.os_name end
  return out
end

-- The list served at GET /v1/api/parameters/vm: the docs' list as the live platform has it
-- (zorgatia/terraform-provider-cloudaxion docs/api-notes.md, sections 5 and 6, verified live):
-- no disks, ram or vcpu entries (their limits are the pool's guest_limits, see machine.lua), no
-- regular expression for name, and os_name, os_version, username and password not mandatory,
-- os_name and os_version "ignore_for" a VM made from a disk or another VM.
catalog.vm_parameters = A {
  {
    description = "Name of the VM",
    mandatory = true,
    parameter = "name",
    type = "string",
  },
  {
    constraint = "enum",
    description = "OS name of VM base image.",
    ignore_for = A { "disk_uuid", "source_uuid" },
    mandatory = false,
    parameter = "os_name",
    type = "string",
    values = os_names(),
  },
  {
    constraint = "enum",
    description = "OS version of VM base image.",
    ignore_for = A { "disk_uuid", "source_uuid" },
    limited_by = "os_name",
    limits = A(OS_VERSIONS),
    mandatory = false,
    parameter = "os_version",
    type = "string",
  },
  {
    constraint = "regexp",
    description = "Password for logging in to the VM.",
    expression = "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d).{8,}$",
    mandatory = false,
    parameter = "password",
    type = "string",
  },
  {
    constraint = "regexp",
    description = "Username for logging in to the VM.",
    expression = "^(?=.{1,30}$)[a-zA-Z_][0-9a-zA-Z_-]*$",
    mandatory = false,
    parameter = "username",
    type = "string",
  },
}

-- Lua has no PCRE lookaheads: each regexp of the list has a checker here.
local regexp_checks = {
  password = {
    check = function(s)
      return #s >= 8 and not s:find("\n") and s:find("[a-z]") ~= nil
        and s:find("[A-Z]") ~= nil and s:find("[0-9]") ~= nil
    end,
    message = "Must be at least 8 characters and contain a lowercase letter, "
      .. "an uppercase letter and a digit",
  },
  username = {
    check = function(s)
      return #s >= 1 and #s <= 30 and s:find("^[a-zA-Z_][0-9a-zA-Z_%-]*$") ~= nil
    end,
    message = "Must be 1 to 30 characters of letters, digits, '_' and '-', "
      .. "not starting with a digit or '-'",
  },
}

local function spec_of(name)
  for _, s in ipairs(catalog.vm_parameters) do
    if s.parameter == name then return s end
  end
end

local function is_blank(v)
  return v == nil or v == json.null or v == ""
end

function catalog.os_versions(os_name)
  for _, l in ipairs(OS_VERSIONS) do
    if l.os_name == os_name then return l.values end
  end
end

-- Check one value against one parameter of the list. Returns the value, or nil and a message.
function catalog.check(name, value, os_name)
  local spec = assert(spec_of(name), "no parameter " .. name)
  if type(value) == "number" then value = tostring(value) end
  if type(value) ~= "string" then return nil, "Must be a string" end
  if spec.constraint == "regexp" then
    local rc = regexp_checks[name]
    if not rc.check(value) then return nil, rc.message end
  elseif spec.constraint == "enum" then
    local values = spec.values
    if spec.limited_by == "os_name" then
      values = catalog.os_versions(os_name)
      if not values then return value end -- os_name itself is wrong: reported there
    end
    for _, v in ipairs(values) do
      if v == value then return value end
    end
    local suffix = spec.limited_by == "os_name" and (" for os_name " .. os_name) or ""
    return nil, string.format("Must be one of: %s%s", table.concat(values, ", "), suffix)
  end
  return value
end

-- Validate params against the list.
--   opts.skip  = { name = true }: not mandatory (still checked when given)
--   opts.only  = { name = true }: check only these, none mandatory
--   opts.os_name: os_name to use for os_version when params has none
-- A parameter whose ignore_for names a parameter that is there is not needed. os_name and
-- os_version are needed for a VM from an OS image: the list marks them optional only because
-- of ignore_for. Returns values (only the list's parameters), errors ({} when fine).
function catalog.validate(p, opts)
  opts = opts or {}
  local values, errors = {}, {}
  local os_name = p.os_name
  if is_blank(os_name) then os_name = opts.os_name end
  if type(os_name) ~= "string" then os_name = nil end
  for _, spec in ipairs(catalog.vm_parameters) do
    local name = spec.parameter
    if not opts.only or opts.only[name] then
      local v = p[name]
      local ignored = false
      for _, other in ipairs(spec.ignore_for or {}) do ignored = ignored or not is_blank(p[other]) end
      local needed = (spec.mandatory or spec.ignore_for) and not ignored
      if is_blank(v) then
        if needed and not opts.only and not (opts.skip and opts.skip[name]) then
          errors[name] = params.MISSING
        end
      else
        local value, err = catalog.check(name, v, os_name)
        if err then errors[name] = err else values[name] = value end
      end
    end
  end
  return values, errors
end

-- The size parameters (disks, ram, vcpu) against a pool's guest_limits: values, errors.
-- opts.only, opts.skip as for validate.
local SIZES = { { "vcpu", "cpu" }, { "ram", "ram_mb" }, { "disks", "disk_gb" } }

function catalog.check_sizes(p, limits, opts)
  opts = opts or {}
  local values, errors = {}, {}
  for _, s in ipairs(SIZES) do
    local name, lim = s[1], limits[s[2]]
    if not opts.only or opts.only[name] then
      local v = p[name]
      if is_blank(v) then
        if not opts.only and not (opts.skip and opts.skip[name]) then errors[name] = params.MISSING end
      else
        local n = params.to_int(v)
        if n == nil then
          errors[name] = string.format("Must be a whole number, got '%s'", tostring(v))
        elseif n < lim.min or n > lim.max then
          errors[name] = string.format("Must be between %d and %d", lim.min, lim.max)
        else
          values[name] = n
        end
      end
    end
  end
  return values, errors
end

-- GET /v1/config/vm_images[/plain_os|/app_catalog] (elastis edition): the OS
-- images of the parameter list above, shaped like the docs (centos is the App
-- Catalog image there, almalinux the default).
local IMAGE_META = {
  almalinux = { pos = 1, display = "Almalinux", default = true },
  centos = { pos = 2, display = "Centos", app = true },
  ubuntu = { pos = 3, display = "Ubuntu" },
  debian = { pos = 4, display = "Debian" },
  rockylinux = { pos = 5, display = "Rockylinux" },
  windows = { pos = 6, display = "Windows" },
}

-- which: nil (all), "plain" or "app".
function catalog.images(which)
  local out = A()
  for _, l in ipairs(OS_VERSIONS) do
    local meta = IMAGE_META[l.os_name] or { pos = 99, display = l.os_name }
    local app = meta.app == true
    if l.os_name ~= "_custom" and (which == nil or (which == "app") == app) then
      local versions = A()
      for i, v in ipairs(l.values) do versions[i] = { os_version = v, display_name = v, published = true } end
      out[#out + 1] = {
        os_name = l.os_name, display_name = meta.display, ui_position = meta.pos,
        is_default = meta.default == true, is_app_catalog = app,
        icon = "https://static.example/os/" .. l.os_name .. ".svg", versions = versions,
      }
    end
  end
  table.sort(out, function(a, b) return a.ui_position < b.ui_position end)
  return out
end

function catalog.register(router)
  -- The vendor's client sends its location slug on these too, and the platform answers
  -- (WarrenCloudPlatform/terraform-provider-warren, vendor/gitlab.com/warrenio/library/go-client/
  -- warren/warren.go puts the slug on every call; location.go and virtual_machine.go).
  local S = { any_slug = true }
  router.add("GET", "/v1/api/parameters/vm", function()
    return reply.ok(catalog.vm_parameters)
  end)
  router.add("GET", "/v1/config/locations", function()
    return reply.ok(A(state.locations))
  end, S)
  router.add("GET", "/v1/config/vm_images", function() return reply.ok(catalog.images()) end, S)
  router.add("GET", "/v1/config/vm_images/plain_os", function() return reply.ok(catalog.images("plain")) end, S)
  router.add("GET", "/v1/config/vm_images/app_catalog", function() return reply.ok(catalog.images("app")) end, S)
end

return catalog
