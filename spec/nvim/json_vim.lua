-- spec/core/json_cases.lua inside Neovim, on the vim.json backend: lua/idcloudhost/json.lua loaded with
-- idcloudhost.core and cjson hidden.  spec/core/json_spec.lua starts it:
--   nvim --headless -u NONE -i NONE -c 'luafile spec/nvim/json_vim.lua' -c 'qa!'
-- and reads the lines it prints ("json_nvim: N passed, M failed").
local lines = {}
local function say(s) lines[#lines + 1] = "json_nvim: " .. s end

local function run()
  local env = setmetatable({
    require = function(name)
      if name == "idcloudhost.core" or name:find("^cjson") then error("module '" .. name .. "' hidden", 2) end
      if name == "idcloudhost.native" then return { err = "hidden" } end -- (the SDK's one probe for the core)
      return require(name)
    end,
  }, { __index = _G })
  local chunk = assert(loadfile("lua/idcloudhost/json.lua"))
  setfenv(chunk, env) -- luacheck: ignore 113 (LuaJIT)
  local json = chunk()
  say("backend " .. json.backend)
  local cases = dofile("spec/core/json_cases.lua")
  local passed, failed = 0, 0
  for _, c in ipairs(cases) do
    local ok, err = pcall(c.fn, json, { exact = false, numbers = false })
    if ok then passed = passed + 1 else
      failed = failed + 1
      say("FAILED " .. c.name .. ": " .. tostring(err))
    end
  end
  say(passed .. " passed, " .. failed .. " failed")
end

local ok, err = pcall(run)
if not ok then say("error: " .. tostring(err)) end
io.stdout:write(table.concat(lines, "\n"), "\n")
