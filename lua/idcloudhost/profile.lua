-- Profiles: named sets of options in a Lua data file, shared by scripts and the idcloudhost
-- command (README, "Profiles").  The file:
--   default = "prod"       -- the profile used when nothing gives an api key
--   profiles = {
--     prod = { apikey_command = "pass show idch", location = "jkt01" },
--     sim = { base_url = "http://127.0.0.1:8090", apikey = "demo-key" },
--   }
-- A profile holds options of idcloudhost.new (strings, numbers, booleans) and apikey_command: a
-- shell command whose first line of output is the key, run only when no key is given otherwise.
-- This module is loaded by options.read only when a profile may be in use (one is named, or
-- nothing gives an api key): a script that passes its key does not parse it at start-up.
local options = require "idcloudhost.options"
local lazy = require "idcloudhost.lazy"
local errors = lazy "idcloudhost.call.errors"

local profile = {}

local function invalid(name, message)
  return nil, errors.invalid("idcloudhost.new: " .. message, name)
end

-- The file's settings (a table), false when there is no file, or nil, err.  It runs with no
-- globals at all: data only.  A syntax error is reported without the text near it (a key).
local function load_config(path)
  local f = path and io.open(path, "rb")
  if not f then return false end
  local text = f:read("*a") or ""
  f:close()
  if text:sub(1, 1) == "\27" then return invalid("profile", "the config file " .. path .. " is not Lua text") end
  local env = {}
  local chunk, why
  if rawget(_G, "setfenv") then
    chunk, why = loadstring(text, "@" .. path) -- luacheck: ignore 113 (Lua 5.1)
    if chunk then setfenv(chunk, env) end -- luacheck: ignore 113 (Lua 5.1)
  else
    chunk, why = load(text, "@" .. path, "t", env)
  end
  local ok = chunk ~= nil
  if ok then ok, why = pcall(chunk) end
  if not ok then
    return invalid("profile", "the config file is not valid: " .. tostring(why):gsub(" near .*$", ""))
  end
  return env
end

-- The first line the key command prints; the key never reaches a message.
local function key_from(cmd, name)
  local what = "profile '" .. name .. "': apikey_command"
  if type(cmd) ~= "string" or not cmd:find("%S") then return invalid("apikey_command", what .. " must be a shell command") end
  -- The exit status comes after the output (Lua 5.1's close does not tell it); a subshell, so
  -- that an `exit` in the command ends the command only.
  local p = io.popen("(\n" .. cmd .. "\n); printf '\\n%d\\n' $?", "r")
  if not p then return invalid("apikey_command", what .. " could not be run") end
  local out = p:read("*a") or ""
  p:close()
  local code = out:match("\n(%d+)\n$")
  if code ~= "0" then
    return invalid("apikey_command", what .. " (" .. cmd .. ") failed" .. (code and (" with exit status " .. code) or ""))
  end
  out = out:sub(1, -(#code + 3))
  local key = out:match("^[ \t]*([^\r\n]-)[ \t]*\r?\n") or out:match("^%s*(.-)%s*$")
  if key == "" then return invalid("apikey_command", what .. " (" .. cmd .. ") printed no key") end
  return key
end

-- (opts win; the profile wins over the IDCLOUDHOST_* variables)
--- opts with the profile `name` (nil: the file's default) merged under them, or opts itself when
-- the file names none; nil, err.  (options.read asks only when no key is given, or a profile is
-- named.)
function profile.with(opts, name)
  local path = options.config_path()
  local file, err = load_config(path)
  if file == nil then return nil, err end
  if not file then
    if name == nil then return opts end
    return invalid("profile", "profile '" .. name .. "': no config file (" .. tostring(path) .. ")")
  end
  name = name or file.default
  if name == nil then return opts end
  local p = type(file.profiles) == "table" and file.profiles[name]
  if type(p) ~= "table" then return invalid("profile", "no profile '" .. tostring(name) .. "' in " .. path) end
  local out = {}
  for k, v in pairs(opts) do out[k] = v end
  for k, v in pairs(p) do
    if k ~= "apikey_command" and (not options.CHECKS[k] or k == "profile" or type(v) == "function" or type(v) == "table") then
      return invalid(k, "profile '" .. name .. "': unknown setting '" .. tostring(k) .. "'")
    end
    if out[k] == nil and k ~= "apikey_command" then out[k] = v end
  end
  if out.apikey == nil and p.apikey_command ~= nil then
    out.apikey, err = key_from(p.apikey_command, name)
    if not out.apikey then return nil, err end
  end
  out.profile = name
  return out
end

return profile
