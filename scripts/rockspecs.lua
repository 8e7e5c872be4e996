-- Writes the scm rockspecs' module lists from the folders (every module of lua/ in the SDK's
-- rock; of sim/lua/, the HTTP shell and the control client (SIM_ONLY) in the simulator's, the rest
-- (the engine, idcloudhost.fake) in the fake's), then the release rockspecs from the scm ones:
-- rockspec/<pkg>-<version>-1.rockspec, where <version> is lua/idcloudhost/version.lua's.  A
-- release builds from the tag v<version>; the fake's and the simulator's releases need the rocks
-- of the same version they depend on.
--   lua scripts/rockspecs.lua          write them (make rockspecs)
--   lua scripts/rockspecs.lua --check  exit 1, naming the files, if any is not current
-- Also a module: require-able from the specs as dofile("scripts/rockspecs.lua").release(...).
local M = {}

M.PACKAGES = { "idcloudhost", "idcloudhost-fake", "idcloudhost-sim" }

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

function M.version()
  return dofile("lua/idcloudhost/version.lua")
end

-- One substitution that must happen exactly once: a rockspec laid out otherwise is an error
-- here, not a release rockspec that quietly builds the wrong thing.
local function once(text, pattern, repl, what)
  local out, n = text:gsub(pattern, repl)
  if n ~= 1 then error("scripts/rockspecs.lua: " .. what .. ": expected one match, found " .. n, 0) end
  return out
end

--- The text of package's release rockspec for version, made from its scm text.
function M.release(package, version, scm)
  local s = once(scm, '\nversion = "scm%-1"\n', '\nversion = "' .. version .. '-1"\n', package .. ": version")
  s = once(s, '(\nsource = {\n  url = "[^"\n]+",\n)', '%1  tag = "v' .. version .. '",\n', package .. ": source")
  s = once(s, "%-%- (The [%w ]+)%.  rockspec/[^\n]*\n%-%- [^\n]*\n",
    "-- %1, release " .. version .. ": made from " .. package .. "-scm-1.rockspec by `make rockspecs`.\n",
    package .. ": header")
  if package ~= "idcloudhost" then
    s = once(s, '\n  "idcloudhost",\n', '\n  "idcloudhost == ' .. version .. '",\n', package .. ": SDK dependency")
  end
  if package == "idcloudhost-sim" then
    s = once(s, '\n  "idcloudhost%-fake",\n', '\n  "idcloudhost-fake == ' .. version .. '",\n', package .. ": fake dependency")
  end
  return s
end

function M.path(package, version)
  return "rockspec/" .. package .. "-" .. version .. ".rockspec"
end

-- Each package's folder of modules; sim/lua/ holds two packages: SIM_ONLY's files are the
-- simulator's (what needs lua-http and cqueues, and the control client), the rest the fake's.
M.FOLDERS = { ["idcloudhost"] = "lua", ["idcloudhost-fake"] = "sim/lua", ["idcloudhost-sim"] = "sim/lua" }
M.SIM_ONLY = { ["sim/lua/idcloudhost/sim/client.lua"] = true, ["sim/lua/idcloudhost/sim/server.lua"] = true,
  ["sim/lua/idcloudhost/simulator.lua"] = true }

-- The `lua = { ... }` install list of every module of package, sorted by module name.
local function module_list(package)
  local dir = M.FOLDERS[package]
  local rows = {}
  local p = assert(io.popen("find " .. dir .. "/idcloudhost -name '*.lua' | sort"))
  for file in p:lines() do
    local name = file:sub(#dir + 2, -5):gsub("/init$", ""):gsub("/", ".")
    local mine = package == "idcloudhost" or (package == "idcloudhost-sim") == (M.SIM_ONLY[file] == true)
    if mine then rows[#rows + 1] = { name = name, file = file } end
  end
  p:close()
  table.sort(rows, function(a, b) return a.name < b.name end)
  local out = {}
  for _, r in ipairs(rows) do out[#out + 1] = ('      ["%s"] = "%s",'):format(r.name, r.file) end
  return table.concat(out, "\n")
end

--- package's scm rockspec text with its module list made from its folder.
function M.with_modules(package, scm)
  local list = module_list(package)
  return once(scm, "(\n    lua = {\n).-(\n    },)", function(a, b) return a .. list .. b end,
    package .. ": the lua = { ... } list")
end

--- {path = text} of every rockspec, scm and release, as it should be.
function M.expected()
  local version = M.version()
  local out = {}
  for _, p in ipairs(M.PACKAGES) do
    local scm = M.with_modules(p, read(M.path(p, "scm-1")))
    out[M.path(p, "scm-1")] = scm
    out[M.path(p, version .. "-1")] = M.release(p, version, scm)
  end
  return out
end

if arg and arg[0] and arg[0]:match("rockspecs%.lua$") then
  local stale = {}
  for path, text in pairs(M.expected()) do
    local f = io.open(path, "rb")
    local now = f and f:read("*a")
    if f then f:close() end
    if now ~= text then
      if arg[1] == "--check" then
        stale[#stale + 1] = path
      else
        local w = assert(io.open(path, "wb"))
        w:write(text)
        w:close()
        print("wrote " .. path)
      end
    end
  end
  if #stale > 0 then
    io.stderr:write("not current (run `make rockspecs`): ", table.concat(stale, ", "), "\n")
    os.exit(1)
  end
end

return M
