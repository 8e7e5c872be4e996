-- Runs the Neovim specs inside a real headless Neovim, with busted (Debian's lua-busted serves
-- LuaJIT too).  From the repository root, with a simulator (scripts/with-sim.sh):
--
--   IDCLOUDHOST_NVIM_MODE=core nvim --headless -u NONE -i NONE -n -c 'luafile spec/nvim/run.lua' -c 'cquit 3'
--
-- Modes:
--   core     the C core of build/luajit (make LUA=luajit): transfers on its multi interface;
--   spawn    the core hidden: every request is a curl process (transport/spawn.lua);
--   nocjson  the core and lua-cjson hidden: spec/nvim/json_nvim_spec.lua (vim.json), the fake
--            (its engine on vim.json) and the task handles' spec/nvim/cancel_nvim_spec.lua.
-- Exits 0 when every spec passed, 1 otherwise (3: this file did not run; make adds -c "cquit 3").
local mode = os.getenv("IDCLOUDHOST_NVIM_MODE") or "core"
local root = vim.fn.getcwd()

package.path = table.concat({ root .. "/lua/?.lua", root .. "/lua/?/init.lua", root .. "/sim/lua/?.lua", root .. "/?.lua",
  package.path }, ";")

-- Our own C paths only: LUA_CPATH may name a core built for another Lua (make's default, 5.4).
local cpath = {}
for p in package.cpath:gmatch("[^;]+") do
  if not p:find(root, 1, true) then cpath[#cpath + 1] = p end
end
if mode == "core" then table.insert(cpath, 1, root .. "/build/luajit/?.so") end
package.cpath = table.concat(cpath, ";")

-- Hidden for real: even a core or cjson installed system-wide does not load.
local function hide(name)
  package.preload[name] = function() error("module '" .. name .. "' is hidden in the " .. mode .. " run", 0) end
end
if mode ~= "core" then hide("idcloudhost.core") end
if mode == "nocjson" then
  hide("cjson")
  hide("cjson.safe")
end

-- :checkhealth finds lua/idcloudhost/runtime/nvim/health.lua here; the example plugin is a plugin directory.
vim.opt.runtimepath:append(root)
vim.opt.runtimepath:append(root .. "/examples/nvim")

local files = mode == "nocjson"
  and { "spec/nvim/json_nvim_spec.lua", "spec/nvim/fake_nvim_spec.lua", "spec/nvim/cancel_nvim_spec.lua" }
  or { "--exclude-pattern=json_nvim_spec", "spec/nvim" }
-- IDCLOUDHOST_NVIM_FILES: only these spec files (make mutate's nvim level); _OUTPUT: busted's.
if os.getenv("IDCLOUDHOST_NVIM_FILES") then
  files = {}
  for f in os.getenv("IDCLOUDHOST_NVIM_FILES"):gmatch("%S+") do files[#files + 1] = f end
end
_G.arg = { [0] = "busted", "--output=" .. (os.getenv("IDCLOUDHOST_NVIM_OUTPUT") or "utfTerminal"), unpack(files) }

io.stdout:write("== nvim ", tostring(vim.version().major), ".", tostring(vim.version().minor), ".",
  tostring(vim.version().patch), ", ", mode, " run\n")
-- busted returns after a clean run, and raises through its exit() after a failing one (it does
-- not call os.exit on LuaJIT unless forced): either way we leave with a status.
local ok, err = pcall(require("busted.runner"), { standalone = false })
io.stdout:flush()
io.stderr:flush()
if not ok and err ~= nil then io.stderr:write(tostring(err), "\n") end
vim.cmd(ok and "qall!" or "cquit! 1")
