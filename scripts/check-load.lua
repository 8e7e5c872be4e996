-- make check-load: every module of the SDK (lua/) and of the simulator (sim/lua/) is parsed, and
-- every SDK module that can load in a plain interpreter is required once, so a broken module
-- fails here rather than at the first call that needs it (the SDK loads most modules lazily).
--   lua scripts/check-load.lua [ROOT]     ROOT: the checkout (default .)
-- Modules for another host (Neovim's, nginx's) are parsed only; of the simulator's, the engine
-- and idcloudhost.fake are required (they run on every Lua), the HTTP server is parsed only
-- (lua-http is Lua 5.3's).  Exits 1 naming each module that failed.
local root = arg[1] or "."
local HOSTS = { -- modules that need their host's globals or libraries to load
  ["idcloudhost.runtime.nvim.health"] = true, ["idcloudhost.health"] = true,
  ["idcloudhost.transport.ngx"] = true,
  ["idcloudhost.sim.server"] = true,  -- lua-http, cqueues
}

local function files(dir)
  local out = {}
  local p = assert(io.popen("cd '" .. root .. "' && find " .. dir .. " -name '*.lua' 2>/dev/null | sort"))
  for f in p:lines() do out[#out + 1] = f end
  p:close()
  return out
end

local function module_of(file, base)
  return (file:sub(#base + 2, -5):gsub("/init$", ""):gsub("/", "."))
end

package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. root .. "/sim/lua/?.lua;" .. package.path
local failed, parsed, loaded = {}, 0, 0
for _, base in ipairs { "lua", "sim/lua" } do
  for _, file in ipairs(files(base)) do
    local name = module_of(file, base)
    local ok, err = loadfile(root .. "/" .. file)
    if not ok then
      failed[#failed + 1] = name .. ": " .. tostring(err)
    else
      parsed = parsed + 1
      if not HOSTS[name] then
        local rok, rerr = pcall(require, name)
        if rok then loaded = loaded + 1 else failed[#failed + 1] = name .. ": " .. tostring(rerr) end
      end
    end
  end
end
local lua = rawget(_G, "jit") and jit.version or _VERSION
if #failed > 0 then
  io.stderr:write(("check-load (%s): %d module(s) broken:\n  %s\n"):format(lua, #failed, table.concat(failed, "\n  ")))
  os.exit(1)
end
print(("check-load (%s): %d modules parsed, %d required"):format(lua, parsed, loaded))
