-- :checkhealth idcloudhost.  Neovim finds lua/idcloudhost/runtime/nvim/health.lua on 'runtimepath' and calls
-- check(); reports go through vim.health (0.8+: start/ok/warn/error/info, earlier report_*) or
-- require("health") (0.7).
--
-- What it checks: the SDK's version; whether the C core loads into this Neovim's Lua (and what
-- libcurl it carries), else whether the curl command is there; the JSON library; whether an api
-- key is configured (never shown); whether the base URL answers GET /v1/config/locations within
-- a few seconds.  A plugin sets require("idcloudhost.runtime.nvim.health").options to the options it gives
-- idcloudhost.new, so its own configuration is the one checked; by default the environment's
-- (IDCLOUDHOST_API_KEY, IDCLOUDHOST_BASE_URL, ...).
local M = {}

--- The options of idcloudhost.new to check (a table, or a function returning one).
M.options = nil

local vim = rawget(_G, "vim")

local function reporter()
  local h = vim.health
  if type(h) ~= "table" or not (h.start or h.report_start) then h = require "health" end
  return {
    start = h.start or h.report_start, ok = h.ok or h.report_ok, warn = h.warn or h.report_warn,
    error = h.error or h.report_error, info = h.info or h.report_info,
  }
end

local function first_line(s)
  return (tostring(s):match("[^\n]*"))
end

local function lua_name()
  local jit = rawget(_G, "jit")
  return jit and jit.version and (jit.version .. " (" .. _VERSION .. " ABI)") or _VERSION
end

local function check_core(r)
  local native = require "idcloudhost.native"
  local core = native.core
  if core then
    local where = package.searchpath and package.searchpath("idcloudhost.core", package.cpath)
    r.ok(string.format("C core loaded for %s from %s: %s", lua_name(), where or "'runtimepath'",
      tostring(core.version or core.curl_version or "?")))
    return true
  end
  -- (require's message lists every place it looked after "not found:": the first line alone)
  local why = first_line(native.err):gsub("[:%s]+$", "")
  local hint = why:find("undefined symbol") and " (built for another Lua? Neovim runs LuaJIT: rebuild with `make nvim`)"
    or ""
  r.warn("C core not loaded: " .. why .. hint, {
    "Requests go through the curl command instead: a process per request, same timeouts and TLS checks.",
    "For the C core (keep-alive, less CPU): `make nvim` in the plugin's directory (a plugin manager's"
      .. " `build = \"make nvim\"`), or `luarocks --lua-version=5.1 install idcloudhost`.",
  })
  return false
end

-- Whether the curl command is there (when the core is not, the SDK needs it).
local function check_curl(r, needed)
  local spawn = require "idcloudhost.transport.spawn"
  local path = vim.loop and spawn.find_curl()
  if not path then
    if needed then
      r.error("no curl command on $PATH and no C core: the SDK cannot send requests",
        { "Install curl (apt-get install curl), or build the C core (`make nvim`)." })
    else
      r.info("no curl command on $PATH (not needed: the C core sends the requests)")
    end
    return false
  end
  local out = vim.fn.system({ path, "--version" })
  local version = vim.v.shell_error == 0 and (out:match("^(curl %S+)") or first_line(out)) or "its version could not be read"
  if needed then r.ok("curl command " .. path .. ": " .. version) else r.info("curl command " .. path .. ": " .. version) end
  return true
end

local function check_json(r)
  local ok, json = pcall(require, "idcloudhost.json")
  if not ok then
    r.error("idcloudhost.json does not load: " .. first_line(json),
      { "Install lua-cjson for LuaJIT, or build the C core." })
    return false
  end
  r.ok("JSON: " .. tostring(json.backend or "lua-cjson"))
  return true
end

-- A copy of the options for a quick probe: one attempt, a short timeout.
local function probe_options()
  local opts = M.options
  if type(opts) == "function" then opts = opts() end
  local o = {}
  for k, v in pairs(type(opts) == "table" and opts or {}) do o[k] = v end
  o.retries, o.timeout, o.connect_timeout, o.deadline = 0, 5, 3, 8
  o.blocking = true -- :checkhealth waits for its probe, a few seconds at most
  return o, type(opts) == "table" and opts.apikey ~= nil
end

local function check_api(r)
  local idcloudhost = require "idcloudhost"
  local opts, given = probe_options()
  local client, err = idcloudhost.new(opts)
  if not client then
    if err.field == "apikey" and not given and (os.getenv("IDCLOUDHOST_API_KEY") or "") == "" then
      r.warn("no api key configured", { "Set IDCLOUDHOST_API_KEY, or pass apikey to idcloudhost.new." })
    elseif err.field == "apikey" then
      -- (the message never holds the key: "... must be a non-empty string of printable ...")
      r.error("the api key is not valid: " .. tostring(err.message),
        { "Check IDCLOUDHOST_API_KEY or the apikey the plugin passes: no spaces, no line breaks." })
    else
      r.error("the options do not make a client: " .. tostring(err))
    end
    return
  end
  -- Only where it comes from: the key itself is never shown.
  r.ok("api key configured (" .. (given and "in the plugin's options" or "from $IDCLOUDHOST_API_KEY") .. ")")
  local locations, lerr = client:request("GET", "/v1/config/locations")
  client:close()
  if type(locations) == "table" then
    local slugs = {}
    for _, l in ipairs(locations) do slugs[#slugs + 1] = tostring(type(l) == "table" and l.slug) end
    r.ok(string.format("%s answers: %d locations (%s)", client.base_url, #slugs, table.concat(slugs, ", ")))
  else
    r.error(client.base_url .. " does not answer GET /v1/config/locations: " .. tostring(lerr))
  end
end

function M.check()
  local r = reporter()
  r.start("idcloudhost")
  r.ok("SDK version " .. require "idcloudhost.version" .. " on " .. lua_name())
  local core = check_core(r)
  local curl = check_curl(r, not core)
  if not check_json(r) then return end
  if not core and not curl then return end -- (said above: no way to send a request)
  r.info("calls go through " .. (core and "the C core" or "the curl command") .. "; inside idcloudhost.async"
    .. " they yield to the editor, outside it they are refused unless the client has blocking = true")
  check_api(r)
end

return M
