-- The I/O a client runs on: `request(req)` and `sleep(seconds)`.
-- The default is the C core (libcurl); `transport = function(req) ... end` replaces it
-- (OpenResty, Neovim's libuv, tests).  req = {method=, url=, headers=, body=, timeout=};
-- the answer is {status=, body=, headers=} or nil, message, curl_code.
local transport = {}

local ok_core, core = pcall(require, "idcloudhost.core")

transport.core = ok_core and core or nil

local function busy_sleep(seconds)
  local t = os.time() + math.ceil(seconds)
  repeat until os.time() >= t
end

--- The default sleep: the core's nanosleep, else a coarse fallback.
transport.sleep = ok_core and core.sleep or busy_sleep

--- Monotonic seconds, for durations.
transport.now = ok_core and core.now or os.time

-- Coroutines run by a batch (idcloudhost.batch) → their scheduler.  Inside one, requests go
-- through the curl multi interface and sleeps yield, so nothing blocks the other calls.
local schedulers = setmetatable({}, { __mode = "k" })

function transport.adopt(co, scheduler)
  schedulers[co] = scheduler
end

local function scheduler()
  local co = coroutine.running()
  return co and schedulers[co]
end

local function sleep_with(fallback)
  return function(seconds)
    local s = scheduler()
    if s then return s:sleep(seconds) end
    return fallback(seconds)
  end
end

--- An io table on the C core: one session (keep-alive pool) shared by every client made with :at().
function transport.session(opts)
  if not ok_core then
    return nil, "the C core idcloudhost.core is not available (" .. tostring(core)
      .. "); build it with `make`, or pass a transport function"
  end
  local ok, session = pcall(core.session, {
    timeout = opts.timeout, connect_timeout = opts.connect_timeout, user_agent = opts.user_agent,
    ca_file = opts.ca_file, insecure = opts.insecure, proxy = opts.proxy,
  })
  if not ok then return nil, session end
  return {
    session = session,
    request = function(req)
      local s = scheduler()
      if s then return s:request(session, req) end
      local status, body, headers = session:request(req.method, req.url, req.headers, req.body,
        { timeout = req.timeout })
      if not status then return nil, body, headers end
      return { status = status, body = body, headers = headers }
    end,
    sleep = sleep_with(opts.sleep or transport.sleep),
  }
end

--- An io table on a user's transport function.
function transport.custom(fn, opts)
  return {
    request = function(req)
      local res, msg, code = fn(req)
      if res == nil then return nil, msg or "transport failed", code end
      if type(res) ~= "table" or type(res.status) ~= "number" then
        return nil, "transport returned " .. type(res) .. ", expected {status=, body=, headers=}"
      end
      return res
    end,
    sleep = sleep_with(opts.sleep or transport.sleep),
  }
end

return transport
