-- What the Neovim specs share: the run's mode, a ticking timer, and running a task to its end.
local idcloudhost = require "idcloudhost"

local uv = vim.uv or vim.loop
local tools = {}

tools.mode = os.getenv("IDCLOUDHOST_NVIM_MODE") or "core"
tools.transport = tools.mode == "core" and "curl" or "spawn"

function tools.now() return uv.hrtime() / 1e9 end

--- A repeating libuv timer counting its ticks: t.ticks, t:stop().
function tools.ticker(ms)
  local t = { ticks = 0, handle = uv.new_timer() }
  t.handle:start(ms, ms, function() t.ticks = t.ticks + 1 end)
  function t.stop()
    t.handle:stop()
    t.handle:close()
    return t.ticks
  end
  return t
end

--- Runs fn with idcloudhost.async and lets the editor's loop run (vim.wait, as an idle editor
-- would) until on_done.  Returns the packed on_done arguments (nil if it never came) and the
-- seconds it took.
function tools.run(fn, limit_ms)
  local done
  local t0 = tools.now()
  assert(idcloudhost.async(fn, function(...) done = { n = select("#", ...), ... } end))
  vim.wait(limit_ms or 10000, function() return done ~= nil end, 20)
  return done, tools.now() - t0
end

--- The command lines of every process, each as a list of its arguments.
function tools.cmdlines()
  local out = {}
  local p = io.popen("ls /proc")
  for pid in p:lines() do
    if pid:find("^%d+$") then
      local f = io.open("/proc/" .. pid .. "/cmdline", "rb")
      if f then
        local text = f:read("*a") or ""
        f:close()
        local args = {}
        for a in text:gmatch("[^%z]+") do args[#args + 1] = a end
        out[#out + 1] = { pid = tonumber(pid), args = args, text = text }
      end
    end
  end
  p:close()
  return out
end

return tools
