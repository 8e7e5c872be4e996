-- The hostile server: answers every request with the misbehaviour of a case from cases.lua.
--
--   lua5.3 spec/hostile/server.lua LOG_FILE     (prints its port, then serves 127.0.0.1)
--
-- Lua 5.3 + cqueues raw sockets, so every byte, pause, FIN and RST is ours to place; luaposix
-- only for SO_LINGER (a real RST: cqueues has no option for it).  The case travels in the
-- location slug the SDK puts after /v1/: /v1/<case>-<serial>/user-resource/vm.  The serial makes
-- a "tag": each test run of a case counts its own requests.  Every request is logged to
-- LOG_FILE once fully read, before it is answered, as "tag<TAB>n<TAB>METHOD<TAB>target".
local cqueues = require "cqueues"
local socket = require "cqueues.socket"
local psock = require "posix.sys.socket"
local unistd = require "posix.unistd"

local here = arg[0]:match("^(.*)/") or "."
package.path = here .. "/?.lua;" .. package.path
local cases = require "cases"
local bytes = require "bytes"

local log = assert(io.open(assert(arg[1], "usage: server.lua LOG_FILE"), "a"))
log:setvbuf("line")

local srv = assert(socket.listen { host = "127.0.0.1", port = 0 })
assert(srv:listen())
local _, _, port = srv:localname()

local DONE = {}   -- raised to end a connection (after close, reset, or the client leaving)

-- The API a case's serve(s, req) gets.
local S = {}
S.__index = S

function S:send(data)
  local ok = self.con:write(data)
  if ok then ok = self.con:flush() end
  if not ok then error(DONE, 0) end
end

function S.sleep(_, seconds) cqueues.sleep(seconds) end

--- FIN: an orderly close.
function S:close()
  self.con:close()
  error(DONE, 0)
end

--- RST: SO_LINGER 0 makes close() abort the connection.  The short pause first lets what was
-- sent reach the client's reads (an RST also drops data still queued at the receiver).
function S:reset(pause)
  cqueues.sleep(pause or 0.2)
  psock.setsockopt(self.con:pollfd(), psock.SOL_SOCKET, psock.SO_LINGER, 1, 0)
  self.con:close()
  error(DONE, 0)
end

--- Keeps the connection open, silent, until the client hangs up (at most `limit` seconds: long
-- past any deadline of the spec, short enough that an SDK without one still ends the run).
function S:stall(limit)
  self.con:settimeout(limit or 20)
  self.con:read("*a")
  self:close()
end

--- One byte every `every` seconds.
function S:drip(data, every)
  for i = 1, #data do
    self:send(data:sub(i, i))
    cqueues.sleep(every)
  end
end

--- `chunk` again and again, `total` bytes in all (nil: until the client leaves).
function S:flood(chunk, total)
  local sent = 0
  while not total or sent < total do
    local piece = total and chunk:sub(1, total - sent) or chunk
    self:send(piece)
    sent = sent + #piece
  end
end

S.gzip = bytes.gzip

local bomb
function S.bomb()
  bomb = bomb or bytes.bomb()
  return bomb
end

local seen = {}   -- tag -> requests read

-- Reads one request; nil at the end of the connection.
local function read_request(con)
  local line = con:read("*L")
  if not line then return nil end
  local method, target = line:match("^(%u+) (%S+) HTTP/1%.%d\r?\n$")
  if not method then return nil end
  local headers = {}
  while true do
    local h = con:read("*L")
    if not h then return nil end
    if h == "\r\n" or h == "\n" then break end
    local k, v = h:match("^([^:]+):%s*(.-)%s*\r?\n$")
    if k then headers[k:lower()] = v end
  end
  local len = tonumber(headers["content-length"] or "0") or 0
  local body = len > 0 and con:read(len) or ""
  if not body then return nil end
  local path, query = target:match("^([^?]*)%??(.*)$")
  return { method = method, target = target, path = path, query = query, headers = headers,
    body = body, key = headers.apikey, port = port }
end

-- Fills req.tag, req.case, req.n; logs the request.  Returns the case, or nil for our own paths.
-- A route in no location (/v1/user-resource/..., the 2025-12 service packages and SSH keys)
-- carries its tag in the User-Agent instead: "hostile-tag/<tag>".
local function route(req)
  local tag = (req.headers["user-agent"] or ""):match("^hostile%-tag/([%w_-]+)$")
    or req.path:match("^/v1/([%w_-]+)/") or req.path:match("^/__target/([%w_-]+)")
  req.tag = tag
  req.case = tag and cases.byname[tag:gsub("%-%d+$", "")]
  if tag then
    seen[tag] = (seen[tag] or 0) + 1
    req.n = seen[tag]
    log:write(tag, "\t", req.n, "\t", req.method, "\t", req.target, "\n")
  end
  return req.case
end

local function answer(con, status, body)
  con:write(("HTTP/1.1 %d X\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s")
    :format(status, #body, body))
  con:flush()
end

-- Socket errors (the client reset or left) come back as values: a client leaving is routine here.
local function quiet(_, _, why) return why end

local function serve(con)
  con:setmode("b", "b")
  con:onerror(quiet)
  local s = setmetatable({ con = con }, S)
  while true do
    con:settimeout(120)
    local req = read_request(con)
    if not req then return end
    local case = route(req)
    if req.path:match("^/__target/") then
      answer(con, 200, "the target of a redirect: the client must not follow it")
    elseif not case then
      answer(con, 404, "no such case: " .. req.path)
    elseif not case.serve(s, req) then
      return
    end
  end
end

local cq = cqueues.new()
cq:wrap(function()
  for con in srv:clients() do
    cq:wrap(function()
      local ok, err = pcall(serve, con)
      if not ok and err ~= DONE then io.stderr:write("hostile server: ", tostring(err), "\n") end
      pcall(con.close, con)
    end)
  end
end)
-- Never outlive the spec that started us, even when it is killed.
local parent = unistd.getppid()
cq:wrap(function()
  while unistd.getppid() == parent do cqueues.sleep(0.5) end
  os.exit(0)
end)

io.stdout:write(port, "\n")
io.stdout:flush()
assert(cq:loop())
