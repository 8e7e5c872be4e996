-- The curl command as a transport, on Neovim's libuv loop: what a plugin uses when the C core is
-- not built.  Same contract as the core (docs/architecture.md): req in, res or nil, "NAME:
-- message", NAME out, with curl's exit code named as libcurl names it.  Asynchronous: send
-- starts a process, poll says which ended, result hands over the answer; request blocks on
-- vim.wait for code outside idcloudhost.async.
--
-- Nothing secret is in the process arguments (`ps` shows them to every user): argv is
-- `curl -q --config -`; the URL, headers (the api key) and options go through stdin as a curl
-- config, the body (passwords) through a pipe on the child's fd 3 (`--data-binary
-- @/dev/fd/3`).  A pipe, not libuv's stdio socketpair: /dev/fd/N of a socket cannot be opened.
-- The same policy as the core's: TLS verified unless insecure, no redirects, http/https only,
-- --max-time/--connect-timeout, --max-filesize and a cap on what is read, a fresh process (so
-- a fresh connection) per request, ~/.curlrc never read (-q), and the same reading of answers
-- (--raw: the chunked framing is read here, as strictly as the core reads it).
-- (Long, on purpose: one HTTP client over the curl command: its config, the process and the strict
-- reading of its output.)
local vim = rawget(_G, "vim")
local uv = vim and (vim.uv or vim.loop)

local M = {}

-- curl's exit codes are libcurl's CURLcode values: the names the pipeline keys its policy on.
local codes = require "idcloudhost.transport.codes"

local HEADROOM = 1024 * 1024 -- bytes of status lines and headers read beyond max_body
local GRACE = 2              -- seconds past --max-time before the process is killed
local STDERR_CAP = 4096

local function fail(name, msg)
  return nil, name .. ": " .. msg, name
end

-- The first executable `curl` on $PATH (uv.spawn would search it too, but cannot say why not).
local function find_curl()
  for dir in (os.getenv("PATH") or ""):gmatch("[^:]+") do
    local path = dir .. "/curl"
    if uv.fs_access(path, "X") then
      local st = uv.fs_stat(path)
      if st and st.type ~= "directory" then return path end
    end
  end
end
M.find_curl = find_curl

------------------------------------------------------------------------------------------------
-- The request as a curl config (curl's --config syntax: `name = "value"`, with \\ \" \n \r \t
-- \v escapes inside the quotes)

local ESC = { ["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ["\v"] = "\\v" }

local function quoted(s)
  return '"' .. s:gsub('[\\"\n\r\t\v]', ESC) .. '"'
end

local function seconds(x)
  return string.format("%.3f", x)
end

-- The config text for req, or nil and what is wrong (nothing is sent then).
local function config(self, req)
  local cfg = self.cfg
  local url = req.url
  if type(url) ~= "string" or not url:lower():find("^https?://") then
    return nil, "UNSUPPORTED_PROTOCOL", "only http:// and https:// URLs are sent"
  end
  if url:find("[%z\r\n]") then return nil, "URL_MALFORMAT", "the URL holds a line break or NUL" end
  local method = req.method or "GET"
  if not method:find("^%u+$") then return nil, "BAD_FUNCTION_ARGUMENT", "bad method " .. tostring(method) end
  local lines = { "url = " .. quoted(url) }
  if method == "HEAD" and not req.body then
    lines[#lines + 1] = "head"
  elseif method ~= "GET" or req.body then
    lines[#lines + 1] = "request = " .. quoted(method)
  end
  for name, value in pairs(req.headers or {}) do
    name, value = tostring(name), tostring(value)
    if not name:find("^[!#$%%&'*+.^_`|~%w-]+$") then
      return nil, "BAD_FUNCTION_ARGUMENT", "bad header name " .. string.format("%q", name)
    end
    -- A line break would start another header (or another config line): never sent.
    if value:find("[%z\r\n]") then
      return nil, "BAD_FUNCTION_ARGUMENT", "the value of header " .. name .. " holds a line break or NUL"
    end
    -- "Name;" sends an empty header; "Name:" would remove it.
    lines[#lines + 1] = "header = " .. quoted(value == "" and (name .. ";") or (name .. ": " .. value))
  end
  -- curl would wait for "100 Continue" before a large body; the core does not either.
  lines[#lines + 1] = 'header = "Expect:"'
  if req.body then lines[#lines + 1] = 'data-binary = "@/dev/fd/3"' end
  lines[#lines + 1] = "max-time = " .. seconds(req.timeout or cfg.timeout)
  lines[#lines + 1] = "connect-timeout = " .. seconds(req.connect_timeout or cfg.connect_timeout)
  lines[#lines + 1] = "max-filesize = " .. string.format("%d", cfg.max_body)
  if cfg.ca_file then lines[#lines + 1] = "cacert = " .. quoted(cfg.ca_file) end
  if cfg.insecure then lines[#lines + 1] = "insecure" end
  if cfg.proxy then lines[#lines + 1] = "proxy = " .. quoted(cfg.proxy) end
  -- http/https only, no URL globbing ([] {} in a query), status line and headers on stdout
  -- before the body, a proxy's CONNECT answer left out, errors on stderr only.
  -- raw: a chunked body comes with its framing, read here as strictly as the core and the ngx
  -- transport read it (curl alone reads "5 " as 5, and glues trailers onto the body).
  for _, l in ipairs { 'proto = "=http,https"', "globoff", "include", "suppress-connect-headers",
    "raw", "silent", "show-error" } do
    lines[#lines + 1] = l
  end
  return table.concat(lines, "\n") .. "\n"
end

------------------------------------------------------------------------------------------------
-- The answer on stdout: header blocks (1xx ones first), then the body

local function headers_of(block)
  local h = {}
  local last
  for line in block:gmatch("[^\r\n]+") do
    if line:find("^[ \t]") and last then
      h[last] = h[last] .. " " .. line:match("^%s*(.-)%s*$") -- an obsolete folded line
    else
      local name, value = line:match("^([^:%s]+)%s*:%s*(.-)%s*$")
      if name then
        name = name:lower()
        h[name] = h[name] and (h[name] .. ", " .. value) or value
        last = name
      end
    end
  end
  return h
end

local HEADERS_MAX = 300 * 1024 -- bytes of one header block: the core's bound
local CHUNK_LINE = 1024         -- bytes of a chunk's size line with its extensions

local BADCHUNK = "the answer's chunked encoding is malformed"

-- The body of a chunked answer from its framing (RFC 9112 7.1), read as the core and the ngx
-- transport read it: 1 to 15 hex digits, then only ";" extensions (blanks allowed before the
-- ";"), CRLF or a bare LF; the data and its line end; after the 0-size chunk, trailer lines up
-- to an empty one, dropped.  body, or nil, NAME, message.
local function dechunk(raw)
  local parts, pos = {}, 1
  while true do
    local e = raw:find("\n", pos, true)
    if not e then return nil, "PARTIAL_FILE", "the chunked body ended early" end
    local line = raw:sub(pos, e - 1):gsub("\r$", "", 1)
    local hex, ext = line:match("^(%x+)(.*)$")
    if not hex or #hex > 15 or #line > CHUNK_LINE or not (ext == "" or ext:find("^[ \t]*;")) then
      return nil, "RECV_ERROR", BADCHUNK
    end
    pos = e + 1
    local size = tonumber(hex, 16)
    if size == 0 then break end
    if #raw - pos + 1 < size then return nil, "PARTIAL_FILE", "the chunked body ended early" end
    parts[#parts + 1] = raw:sub(pos, pos + size - 1)
    pos = pos + size
    if raw:sub(pos, pos + 1) == "\r\n" then pos = pos + 2
    elseif raw:sub(pos, pos) == "\n" then pos = pos + 1
    elseif pos > #raw or raw:sub(pos) == "\r" then return nil, "PARTIAL_FILE", "the chunked body ended early"
    else return nil, "RECV_ERROR", BADCHUNK end
  end
  while true do -- trailers
    local e = raw:find("\n", pos, true)
    if not e then return nil, "PARTIAL_FILE", "the chunked body ended early" end
    local line = raw:sub(pos, e - 1)
    pos = e + 1
    if line == "" or line == "\r" then return table.concat(parts) end
  end
end

-- res, or nil, NAME, message: as the core names what libcurl 7.88 lets through.
local function parse(out)
  local pos = 1
  while true do
    local status = out:match("^HTTP/[%d.]+ +(%d%d%d)[ \r\n]", pos)
    if not status or tonumber(status) < 100 then return nil, "WEIRD_SERVER_REPLY", "the answer is not HTTP" end
    status = tonumber(status)
    local s, e = out:find("\r?\n\r?\n", pos)
    if (s or #out) - pos > HEADERS_MAX then return nil, "RECV_ERROR", "the headers are over 300 KB" end
    if not s then return nil, "RECV_ERROR", "the connection closed inside the headers" end
    local block = out:sub(pos, s - 1)
    pos = e + 1
    if status >= 200 or status == 101 then -- 101: a final answer, if an odd one
      local headers = headers_of(block:match("^[^\r\n]*\r?\n?(.*)$"))
      local length = headers["content-length"]
      if length and not length:find("^%d+$") then
        return nil, "WEIRD_SERVER_REPLY", "a malformed or two-valued Content-Length: " .. length:sub(1, 40)
      end
      local body = out:sub(pos)
      local te = headers["transfer-encoding"]
      if te then
        -- No TE header is sent: chunked is the only transfer coding a server may use.
        if te:lower() ~= "chunked" then
          return nil, "BAD_CONTENT_ENCODING", "the answer has a Transfer-Encoding other than chunked"
        end
        if body ~= "" then -- (none at all: a HEAD, 204 or 304)
          local name, why
          body, name, why = dechunk(body)
          if not body then return nil, name, why end
        end
      end
      return { status = status, headers = headers, body = body }
    end
  end
end

------------------------------------------------------------------------------------------------
-- Processes

local Spawn = {}
Spawn.__index = Spawn

local function close(h)
  if h and not h:is_closing() then h:close() end
end

-- The outcome of a process that has ended and whose output is all read.
local function outcome(self, job)
  if job.too_large then
    return fail("FILESIZE_EXCEEDED", "the answer is larger than max_body (" .. self.cfg.max_body .. " bytes)")
  end
  if job.killed then return fail("OPERATION_TIMEDOUT", "the curl command ran past its timeout and was stopped") end
  if job.cancelled then return fail("ABORTED_BY_CALLBACK", "the request was cancelled") end
  local err = table.concat(job.err):gsub("%s+$", "")
  if job.signal and job.signal ~= 0 then
    return fail("RECV_ERROR", "the curl command was killed by signal " .. job.signal)
  end
  if job.code == 27 and not table.concat(job.out):find("\r?\n\r?\n") then
    -- curl 7.88 says "Out of memory" for a header line over 100 KB: the answer's doing, named
    -- as the core and the ngx transport name it
    return fail("RECV_ERROR", "a header line of the answer is over 100 KB")
  end
  if job.code ~= 0 then
    local name = codes.name(job.code)
    local msg = err:match("curl: %(%d+%) ([^\n]*)") or (err ~= "" and err:match("[^\n]*$")) or ("curl exited with " .. job.code)
    return fail(name, msg)
  end
  local res, name, why = parse(table.concat(job.out))
  if not res then return fail(name, why) end
  if #res.body > self.cfg.max_body then
    return fail("FILESIZE_EXCEEDED", "the answer is larger than max_body (" .. self.cfg.max_body .. " bytes)")
  end
  local enc = res.headers["content-encoding"]
  if enc and enc:lower() ~= "identity" then
    -- Never asked for (no Accept-Encoding): the bytes are not the answer's text.
    return fail("BAD_CONTENT_ENCODING", "the answer is encoded with " .. string.format("%q", enc)
      .. ", which was not asked for")
  end
  return res
end

local function settle(self, job)
  if not (job.exited and job.out_done and job.err_done) or job.settled then return end
  job.settled = true
  close(job.timer)
  close(job.proc)
  self.jobs[job.id] = nil
  self.running = self.running - 1
  if not job.abandoned then self.finished[job.id] = { outcome(self, job) } end
  self.fresh = true
  if self.notify then self.notify() end
end

local function reader(self, job, stream, list, cap, field)
  local size = 0
  return function(err, data)
    if data then
      size = size + #data
      if size <= cap then
        list[#list + 1] = data
      elseif field == "out_done" and not job.too_large then
        job.too_large = true
        if job.proc and not job.proc:is_closing() then job.proc:kill("sigkill") end
      end
      return
    end
    if err then job.err[#job.err + 1] = "\n" .. tostring(err) end
    close(stream)
    job[field] = true
    settle(self, job)
  end
end

-- Writes data into a uv stream and closes it once written.
local function feed(stream, data)
  if not stream:write(data, function() close(stream) end) then close(stream) end
end

--- Starts req in a curl process: its id, or nil, "NAME: message", NAME.
function Spawn:send(req)
  local text, name, why = config(self, req)
  if not text then return fail(name, why) end
  local body = req.body
  if body ~= nil and type(body) ~= "string" then return fail("BAD_FUNCTION_ARGUMENT", "the body is not a string") end
  local stdin, stdout, stderr = uv.new_pipe(false), uv.new_pipe(false), uv.new_pipe(false)
  local fds, body_pipe
  if body then
    -- An OS pipe (close-on-exec on our side): the child's fd 3, whose /dev/fd/3 curl can open.
    local err
    fds, err = uv.pipe({ nonblock = false }, { nonblock = true })
    if not fds then
      close(stdin) close(stdout) close(stderr)
      return fail("FAILED_INIT", "cannot make a pipe for the body: " .. tostring(err))
    end
    body_pipe = uv.new_pipe(false)
    body_pipe:open(fds.write)
  end
  self.last_id = self.last_id + 1
  local job = { id = self.last_id, out = {}, err = {} }
  local proc, pid = uv.spawn(self.curl, {
    args = { "-q", "--config", "-" }, -- -q first: ~/.curlrc could add -L or -k
    stdio = { stdin, stdout, stderr, fds and fds.read },
  }, function(code, signal)
    job.code, job.signal, job.exited = code, signal, true
    settle(self, job)
  end)
  if fds then uv.fs_close(fds.read) end -- the child has its copy
  if not proc then
    close(stdin) close(stdout) close(stderr) close(body_pipe)
    return fail("FAILED_INIT", "cannot run " .. self.curl .. ": " .. tostring(pid))
  end
  job.proc, job.pid = proc, pid
  self.jobs[job.id] = job
  self.running = self.running + 1
  stdout:read_start(reader(self, job, stdout, job.out, self.cfg.max_body + HEADROOM, "out_done"))
  stderr:read_start(reader(self, job, stderr, job.err, STDERR_CAP, "err_done"))
  feed(stdin, text)
  if body_pipe then feed(body_pipe, body) end
  -- --max-time bounds curl; this bounds a curl that hangs anyway.
  job.timer = uv.new_timer()
  job.timer:start(math.ceil(((req.timeout or self.cfg.timeout) + GRACE) * 1000), 0, function()
    if job.exited then return end -- ended in time; its output is still being read
    job.killed = true
    if not proc:is_closing() then proc:kill("sigkill") end
  end)
  return job.id
end

-- Whether anything ended since the last poll.
local function fresh(self)
  return self.fresh
end

--- Ids of the requests that ended and whose result was not taken yet.  Waits up to `wait`
-- seconds (vim.wait on libuv's fast events) for one to end, unless one ended since the last
-- poll.  Every untaken id is listed each time: two schedulers may share this transport (an
-- async task and a batch outside it), and each takes only its own.
function Spawn:poll(wait)
  if wait and wait > 0 and not self.fresh and self.running > 0 and not vim.in_fast_event() then
    vim.wait(math.ceil(wait * 1000), function() return fresh(self) end, 50, true)
  end
  self.fresh = false
  local ids = {}
  for id in pairs(self.finished) do ids[#ids + 1] = id end
  table.sort(ids)
  return ids
end

--- The answer of an ended request (once): res, or nil, "NAME: message", NAME.
function Spawn:result(id)
  local r = self.finished[id]
  if not r then return fail("BAD_FUNCTION_ARGUMENT", "no ended request " .. tostring(id)) end
  self.finished[id] = nil
  return r[1], r[2], r[3]
end

-- Stops a request in flight (its process is killed at once); its result becomes
-- ABORTED_BY_CALLBACK.
local function kill(self, id)
  local job = self.jobs[id]
  if job then
    job.cancelled = true
    if job.proc and not job.proc:is_closing() then job.proc:kill("sigkill") end
  end
  return job
end

--- Drops a request, in flight or ended: its process is killed at once, its result never given.
function Spawn:cancel(id)
  local job = kill(self, id)
  if job then job.abandoned = true end
  self.finished[id] = nil
end

--- Blocking: for code outside idcloudhost.async.  Waits with vim.wait on libuv's fast events,
-- so no other plugin code runs meanwhile; inside a libuv callback, where vim.wait is refused,
-- it cannot wait at all and says so.
function Spawn:request(req)
  if vim.in_fast_event() then
    return fail("BAD_FUNCTION_ARGUMENT", "cannot wait for the curl command inside a vim.loop callback:"
      .. " call the SDK inside idcloudhost.async(fn, on_done), or from vim.schedule")
  end
  local id, msg, name = self:send(req)
  if not id then return nil, msg, name end
  local limit = math.ceil(((req.timeout or self.cfg.timeout) + 2 * GRACE) * 1000)
  vim.wait(limit, function() return self.finished[id] ~= nil end, 50, true)
  if not self.finished[id] then
    -- Interrupted (CTRL-C) or past every bound: stop the process, report it as cut off.
    kill(self, id)
    vim.wait(1000, function() return self.finished[id] ~= nil end, 10, true)
    if not self.finished[id] then
      self.jobs[id].abandoned = true -- nobody will take its result
      return fail("OPERATION_TIMEDOUT", "the curl command did not end")
    end
  end
  return self:result(id)
end

--- Set by an event-loop driver: called (inside a libuv callback) whenever a request ends, so
-- the driver needs no polling timer for this transport.
function Spawn:on_ready(fn)
  self.notify = fn
end

--- Stops every request in flight: their results become ABORTED_BY_CALLBACK.
function Spawn:close()
  for id in pairs(self.jobs) do kill(self, id) end
end

local live = setmetatable({}, { __mode = "k" }) -- every transport made, while referenced

--- Kills the curl process of every request in flight, of every transport (Neovim is leaving:
-- no curl outlives it).
function M.kill_all()
  for t in pairs(live) do t:close() end
end

--- A transport with the client's settings, or nil and why it cannot be one here.
function M.new(cfg)
  if not uv or not vim then return nil, "the spawn transport runs inside Neovim (vim.loop)" end
  if not uv.pipe then return nil, "this Neovim's libuv binding has no uv.pipe (Neovim 0.7 or later)" end
  local curl = find_curl()
  if not curl then return nil, "no curl command on $PATH" end
  local t = setmetatable({ cfg = cfg, curl = curl, jobs = {}, finished = {}, running = 0, last_id = 0,
    fresh = false }, Spawn)
  live[t] = true
  return t
end

M.parse = parse

return M
