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

--- Whether process pid is running (a zombie is not: it has ended, its parent not told yet).
function tools.alive(pid)
  local f = io.open("/proc/" .. pid .. "/stat", "r")
  if not f then return false end
  local stat = f:read("*a") or ""
  f:close()
  return stat:match("^%d+ %b() (%a)") ~= "Z"
end

--- The pids of the curl processes in flight on a client's spawn transport (none on the core).
function tools.curl_pids(client)
  local t = client._shared.transports.spawn
  local pids = {}
  for _, job in pairs(t and t.jobs or {}) do pids[#pids + 1] = job.pid end
  return pids
end

--- Transfers queued on a client's C core session (0 without the core).
function tools.core_pending(client)
  local t = client._shared.transports.curl
  return t and t.session:pending() or 0
end

--- Runs `nvim --headless` on a Lua file of its own with the environment given (added to this
-- one's; false removes a name).  Returns its exit status and its output.
function tools.nvim(script, env)
  local file = os.tmpname()
  local f = assert(io.open(file, "w"))
  f:write(script)
  f:close()
  local vars = {}
  for k, v in pairs(env or {}) do
    vars[#vars + 1] = v == false and ("-u " .. k) or (k .. "=" .. vim.fn.shellescape(v))
  end
  local out = vim.fn.system("env " .. table.concat(vars, " ") .. " nvim --headless -u NONE -i NONE -n -c "
    .. vim.fn.shellescape("luafile " .. file) .. " -c 'cquit 3' </dev/null 2>&1")
  local status = vim.v.shell_error
  os.remove(file)
  return status, out
end

--- A TLS server on 127.0.0.1 with a certificate made for it (openssl s_server -www): {dir =
-- (cert.pem, key.pem), port =, stop = fn}, or nil when openssl is not installed.
function tools.tls_server()
  if vim.fn.executable("openssl") ~= 1 then return nil end
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  vim.fn.system({ "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
    "-keyout", dir .. "/key.pem", "-out", dir .. "/cert.pem" })
  local out, port = {}, nil
  local job = vim.fn.jobstart({ "openssl", "s_server", "-accept", "0", "-cert", dir .. "/cert.pem",
    "-key", dir .. "/key.pem", "-www" }, { on_stdout = function(_, data) vim.list_extend(out, data) end })
  vim.wait(5000, function()
    for _, l in ipairs(out) do port = port or l:match("ACCEPT .*:(%d+)") end
    return port ~= nil
  end, 20)
  return { dir = dir, port = port, stop = function()
    vim.fn.jobstop(job)
    vim.fn.delete(dir, "rf")
  end }
end

return tools
