-- HTTP/1.1 over nginx cosockets (ngx.socket.tcp): the transport of calls made in nginx request
-- handlers and timers, where a blocking libcurl call would stall the whole worker.  Same contract
-- as the C core (docs/architecture.md): res = {status=, body=, headers=} with lower-cased header
-- names, or nil, "NAME: message", NAME with libcurl's names, so that retries, errors, redaction
-- and hooks behave the same on both.
--   * keep-alive: setkeepalive into a pool per scheme, host, port and TLS verification;
--     req.fresh (writes) goes out on a new connection, which is closed after its answer;
--   * TLS: sslhandshake with verification on (trust: lua_ssl_trusted_certificate), SNI;
--   * req.timeout bounds the whole attempt: every socket operation gets what is left of it;
--   * no Accept-Encoding is sent: a compressed answer anyway is BAD_CONTENT_ENCODING.
-- (Long, on purpose: one HTTP/1.1 client over cosockets (pools, chunked framing, limits): splitting
-- it would split one protocol.)
local ngx = rawget(_G, "ngx")

local M = {}

--- Phases where cosockets, ngx.sleep and light threads work (ngx_lua's docs).
M.PHASES = { rewrite = true, access = true, content = true, timer = true, ssl_cert = true,
  ssl_session_fetch = true, ssl_client_hello = true, preread = true }

local POOL_SIZE = 32        -- idle connections kept per pool and worker (pool.size)
local IDLE = 30             -- seconds: an idle connection is closed after this (pool.idle)
local POOL_NAME = "idcloudhost" -- the pools' names start with this (pool.name)
local CHUNK = 65536         -- bytes asked of one receive
local MAX_HEAD = 300 * 1024 -- bytes of a status line and its headers: the core's bound
local MAX_LINE = 102397     -- bytes of one of those lines without its CRLF: libcurl 7.88's bound
                            -- (100 KB with the CRLF and its own NUL), which the core and the
                            -- curl command keep

local NO_BODY = { [204] = true, [304] = true }
-- Headers the transport writes itself: a caller's copy would make a second framing.
local OWN = { host = true, ["content-length"] = true, ["transfer-encoding"] = true, connection = true,
  ["accept-encoding"] = true }

local function fail(name, msg)
  return nil, name .. ": " .. msg, name
end

------------------------------------------------------------------------------------------------
-- One attempt's connection: the socket, bytes read ahead, and the attempt's deadline.

local Conn = {}
Conn.__index = Conn

local function now()
  ngx.update_time()
  return ngx.now()
end

-- Gives the socket what is left of the attempt; false when nothing is.
function Conn:arm()
  local ms = math.floor((self.deadline - now()) * 1000)
  if ms < 1 then return false end
  self.sock:settimeout(ms)
  return true
end

function Conn:receive(max)
  if not self:arm() then return nil, "timeout" end
  local data, err = self.sock:receiveany(max)
  if data then self.got = self.got + #data end
  return data, err
end

-- Reads more into the read-ahead buffer.
function Conn:fill()
  local data, err = self:receive(CHUNK)
  if not data then return nil, err end
  if self.pos > #self.buf then
    self.buf = data
  else
    self.buf = self.buf:sub(self.pos) .. data
  end
  self.pos = 1
  return true
end

-- A line without its CRLF (or bare LF), at most `limit` bytes; nil, "long" past it.
function Conn:line(limit)
  while true do
    local e = self.buf:find("\n", self.pos, true)
    if e then
      local stop = e - 1
      if stop >= self.pos and self.buf:byte(stop) == 13 then stop = stop - 1 end
      if stop - self.pos + 1 > limit then return nil, "long" end
      local l = self.buf:sub(self.pos, stop)
      self.pos = e + 1
      return l
    end
    if #self.buf - self.pos + 1 > limit then return nil, "long" end
    local ok, err = self:fill()
    if not ok then return nil, err end
  end
end

-- Appends exactly n bytes to parts (the read-ahead first, then never past n on the wire).
function Conn:exact(n, parts)
  local have = #self.buf - self.pos + 1
  if have > 0 then
    local k = have < n and have or n
    parts[#parts + 1] = self.buf:sub(self.pos, self.pos + k - 1)
    self.pos = self.pos + k
    n = n - k
  end
  while n > 0 do
    local data, err = self:receive(n < CHUNK and n or CHUNK)
    if not data then return nil, err end
    parts[#parts + 1] = data
    n = n - #data
  end
  return true
end

------------------------------------------------------------------------------------------------
-- Failures named as libcurl names them

local function timed_out(c, during)
  return fail("OPERATION_TIMEDOUT", string.format("the attempt's %g s ran out %s %s", c.timeout, during, c.where))
end

local function recv_failed(c, err, during)
  if err == "timeout" then return timed_out(c, during) end
  if err == "long" then return fail("RECV_ERROR", "a line longer than allowed " .. during .. " " .. c.where) end
  if c.got == 0 and err == "closed" then
    return fail("GOT_NOTHING", "the server closed the connection without answering " .. c.where)
  end
  if during == "reading the body" and err == "closed" then
    return fail("PARTIAL_FILE", "the connection closed before the whole body came " .. c.where)
  end
  return fail("RECV_ERROR", tostring(err) .. " while " .. during .. " " .. c.where)
end

local function connect_failed(c, err)
  local e = tostring(err)
  if e == "timeout" then return timed_out(c, "connecting to") end
  if e:find("resolve", 1, true) or e:find("not found", 1, true) then
    return fail("COULDNT_RESOLVE_HOST", e .. (e:find("no resolver", 1, true)
      and " (nginx resolves names only with a `resolver` directive in nginx.conf)" or ""))
  end
  return fail("COULDNT_CONNECT", e .. " " .. c.where)
end

local function tls_failed(c, err)
  local e = tostring(err)
  if e == "timeout" then return timed_out(c, "in the TLS handshake with") end
  if e:find("^%d+: ") or e:find("host mismatch", 1, true) then
    return fail("PEER_FAILED_VERIFICATION", "the server's certificate was refused (" .. e .. ") " .. c.where
      .. ": nginx trusts the CAs of lua_ssl_trusted_certificate, to lua_ssl_verify_depth")
  end
  return fail("SSL_CONNECT_ERROR", e .. " " .. c.where)
end

------------------------------------------------------------------------------------------------
-- The request

-- {scheme, host, port, hostport (for Host:), target} of an absolute http(s) URL, or nil, name, why.
local function parse_url(url)
  if type(url) ~= "string" then return nil, "URL_MALFORMAT", "the URL is not a string" end
  local scheme, authority, target = url:match("^(%a[%w+.-]*)://([^/?#]*)([^#]*)$")
  if not scheme then return nil, "URL_MALFORMAT", "the URL is not absolute" end
  scheme = scheme:lower()
  if scheme ~= "http" and scheme ~= "https" then return nil, "UNSUPPORTED_PROTOCOL", scheme .. " is not http(s)" end
  if authority:find("@", 1, true) or url:find("[%z%c ]") then
    return nil, "URL_MALFORMAT", "the URL has userinfo, a space or a control character"
  end
  local host, port = authority:match("^(%[[%x:.]+%])(.*)$")
  if not host then host, port = authority:match("^([%w.-]+)(.*)$") end
  if not host then return nil, "URL_MALFORMAT", "the URL has no host" end
  local n = scheme == "https" and 443 or 80
  if port ~= "" then
    n = tonumber(port:match("^:(%d+)$"))
    if not n or n < 1 or n > 65535 then return nil, "URL_MALFORMAT", "the URL has a bad port" end
  end
  if target == "" then target = "/" elseif target:sub(1, 1) == "?" then target = "/" .. target end
  return { scheme = scheme, host = host, port = n, target = target,
    hostport = port == "" and host or (host .. ":" .. n) }
end

local BODY_METHODS = { POST = true, PUT = true, PATCH = true }

-- The request head, or nil, why (a header that would break the framing).
local function head_of(req, u, close)
  local out = { req.method, " ", u.target, " HTTP/1.1\r\nHost: ", u.hostport, "\r\n" }
  if req.headers ~= nil and type(req.headers) ~= "table" then return nil, "headers is not a table" end
  for k, v in pairs(req.headers or {}) do
    if type(k) ~= "string" or not k:find("^[%w!#$%%&'*+.^_`|~-]+$") then
      return nil, "a header name is not a token: " .. tostring(k)
    end
    v = tostring(v)
    if v:find("[%z\r\n]") then return nil, "header " .. k .. " holds a line break or NUL" end
    if not OWN[k:lower()] then
      out[#out + 1] = k
      out[#out + 1] = ": "
      out[#out + 1] = v
      out[#out + 1] = "\r\n"
    end
  end
  if req.body ~= nil or BODY_METHODS[req.method] then
    out[#out + 1] = "Content-Length: " .. #(req.body or "") .. "\r\n"
  end
  if close then out[#out + 1] = "Connection: close\r\n" end
  out[#out + 1] = "\r\n"
  return table.concat(out)
end

------------------------------------------------------------------------------------------------
-- The answer

-- Status line and headers: status, headers, http minor version; or nil, message, name.
local function read_head(c)
  local informational = 0
  while true do
    local line, err = c:line(MAX_LINE)
    if not line then return recv_failed(c, err, "reading the status line") end
    local minor, status = line:match("^HTTP/1%.(%d) (%d%d%d)")
    if not minor then
      return fail("WEIRD_SERVER_REPLY", "not an HTTP/1.x status line " .. c.where .. ": "
        .. string.format("%q", line:sub(1, 40)))
    end
    status = tonumber(status)
    local headers, size, last = {}, #line, nil
    while true do
      -- The same bounds, and names, as the core's: a line over 100 KB, headers over 300 KB.
      line, err = c:line(math.min(MAX_LINE, MAX_HEAD - size))
      if not line then
        if err == "long" then
          return fail("RECV_ERROR", (MAX_HEAD - size < MAX_LINE and "headers larger than " .. MAX_HEAD .. " bytes "
            or "a header line over 100 KB ") .. c.where)
        end
        return recv_failed(c, err, "reading the headers")
      end
      size = size + #line + 2
      if line == "" then break end
      if line:find("^[ \t]") and last then
        -- obs-fold: a continuation of the previous header's value
        headers[last] = headers[last] .. " " .. line:match("^%s*(.-)%s*$")
      else
        local name, value = line:match("^([%w!#$%%&'*+.^_`|~-]+):[ \t]*(.-)[ \t]*$")
        if not name then
          return fail("WEIRD_SERVER_REPLY", "a malformed header line " .. c.where .. ": " .. string.format("%q", line:sub(1, 40)))
        end
        name = name:lower()
        headers[name] = headers[name] and (headers[name] .. ", " .. value) or value
        last = name
      end
    end
    if status >= 200 then return status, headers, tonumber(minor) end
    -- 1xx: an interim answer (100 Continue, 103 Early Hints); the final one follows.
    -- 101 would switch protocols, which nothing asked for.
    informational = informational + 1
    if status == 101 or status < 100 or informational > 10 then
      return fail("WEIRD_SERVER_REPLY", "an unexpected interim answer " .. status .. " " .. c.where)
    end
  end
end

local function has_token(value, token)
  for t in (value or ""):lower():gmatch("[^,%s]+") do
    if t == token then return true end
  end
  return false
end

local function too_large(max)
  return fail("FILESIZE_EXCEEDED", "the answer is larger than max_body (" .. max .. " bytes)")
end

local function read_chunked(c, parts, max)
  local total = 0
  while true do
    local line, err = c:line(1024)
    if not line then return recv_failed(c, err, "reading the body") end
    local hex, ext = line:match("^(%x+)(.*)$")
    if not hex or #hex > 15 or not (ext == "" or ext:find("^[ \t]*;")) then
      return fail("RECV_ERROR", "malformed chunked encoding " .. c.where)
    end
    local size = tonumber(hex, 16)
    if size == 0 then break end
    total = total + size
    if total > max then return too_large(max) end
    local ok
    ok, err = c:exact(size, parts)
    if not ok then return recv_failed(c, err, "reading the body") end
    line, err = c:line(2)
    if line ~= "" then
      if line == nil and err ~= "long" then return recv_failed(c, err, "reading the body") end
      return fail("RECV_ERROR", "malformed chunked encoding (no CRLF after a chunk) " .. c.where)
    end
  end
  -- Trailers, up to the empty line.
  local size = 0
  while true do
    local line, err = c:line(MAX_HEAD - size)
    if not line then return recv_failed(c, err, "reading the body") end
    if line == "" then return true end
    size = size + #line + 2
  end
end

local function read_to_close(c, parts, max)
  local have = #c.buf - c.pos + 1
  local total = have
  if have > 0 then
    parts[#parts + 1] = c.buf:sub(c.pos)
    c.pos = #c.buf + 1
  end
  if total > max then return too_large(max) end
  while true do
    local data, err = c:receive(CHUNK)
    if not data then
      if err == "closed" then return true end
      return recv_failed(c, err, "reading the body")
    end
    total = total + #data
    if total > max then return too_large(max) end
    parts[#parts + 1] = data
  end
end

-- The body per the framing the headers declare; true, keep (the connection may be reused) or
-- nil, message, name.
local function read_body(c, method, status, headers, minor, parts, max)
  local keep = minor >= 1 and not has_token(headers["connection"], "close")
  if method == "HEAD" or NO_BODY[status] then return true, keep end
  local te = headers["transfer-encoding"]
  if te then
    if te:lower():match("^%s*(.-)%s*$") ~= "chunked" then
      return fail("BAD_CONTENT_ENCODING", "transfer encoding '" .. te .. "' is not decoded by this transport " .. c.where)
    end
    local ok, msg, name = read_chunked(c, parts, max)
    if not ok then return nil, msg, name end
    -- A Content-Length beside chunking is a framing conflict: never reuse that connection.
    return true, keep and headers["content-length"] == nil
  end
  local cl = headers["content-length"]
  if cl then
    local n
    for v in cl:gmatch("[^,]+") do
      local d = tonumber(v:match("^%s*(%d+)%s*$"))
      if not d or (n and d ~= n) then
        return fail("WEIRD_SERVER_REPLY", "a malformed Content-Length (" .. cl:sub(1, 40) .. ") " .. c.where)
      end
      n = d
    end
    if n > max then return too_large(max) end
    local ok, err = c:exact(n, parts)
    if not ok then return recv_failed(c, err, "reading the body") end
    return true, keep
  end
  local ok, msg, name = read_to_close(c, parts, max)
  if not ok then return nil, msg, name end
  return true, false
end

------------------------------------------------------------------------------------------------
-- The transport

local Ngx = {}
Ngx.__index = Ngx

-- pool name -> the TLS session of its last handshake (per worker, like the pools).
local sessions = setmetatable({}, { __mode = "v" })

local function pool_of(self, u, verify, fresh)
  return self.pool_name .. "|" .. u.scheme .. "|" .. u.host .. "|" .. u.port .. "|" .. (verify and "verify" or "noverify")
    .. (fresh and "|fresh" or "")
end

-- One attempt on one connection.  Returns res, or nil, message, name, stale (a reused
-- connection the server had closed before reading anything: the request never arrived).
function Ngx:attempt(req, u, timeout, fresh)
  local tls = u.scheme == "https"
  local verify = tls and not self.insecure
  local c = setmetatable({ sock = ngx.socket.tcp(), buf = "", pos = 1, got = 0, timeout = timeout,
    deadline = now() + timeout, where = (tls and "https://" or "http://") .. u.hostport }, Conn)
  local sock = c.sock
  local function close(...)
    sock:close()
    return ...
  end
  local connect_ms = math.floor(math.min(req.connect_timeout or self.connect_timeout, timeout) * 1000)
  sock:settimeouts(connect_ms > 0 and connect_ms or 1, nil, nil)
  local ok, err = sock:connect(u.host, u.port, { pool = pool_of(self, u, verify, fresh) })
  if not ok then return close(connect_failed(c, err)) end
  local reused = (sock:getreusedtimes() or 0) > 0
  if tls and not reused then
    if not c:arm() then return close(timed_out(c, "before the TLS handshake with")) end
    -- The name is SNI and what ngx_lua checks the certificate against (X509_check_host: an IP
    -- literal matches a DNS name "127.0.0.1" only, not an IP SAN).  The last session of the
    -- pool resumes the handshake of a new connection (writes make one each time).
    local key = pool_of(self, u, verify, false)
    local sess
    ok, sess, err = pcall(sock.sslhandshake, sock, sessions[key], (u.host:gsub("^%[(.*)%]$", "%1")), verify)
    if not ok then
      -- lua-resty-core 0.1.25 (Debian 12): a handshake that completes at once but fails the
      -- certificate check trips an assert (and with reused_session = false, reads as success:
      -- never pass false).  The reason is in nginx's error log.
      if not tostring(sess):find("assertion failed", 1, true) then return close(tls_failed(c, sess)) end
      return close(fail("PEER_FAILED_VERIFICATION", "the server's certificate was refused (nginx's error log says why) "
        .. c.where .. ": nginx trusts the CAs of lua_ssl_trusted_certificate, to lua_ssl_verify_depth"))
    end
    if not sess then return close(tls_failed(c, err)) end
    if type(sess) ~= "boolean" then sessions[key] = sess end
  end
  local head, why = head_of(req, u, fresh)
  if not head then return close(fail("BAD_FUNCTION_ARGUMENT", why)) end
  if not c:arm() then return close(timed_out(c, "before sending to")) end
  ok, err = sock:send(req.body and { head, req.body } or head)
  if not ok then
    if err == "timeout" then return close(timed_out(c, "sending to")) end
    local stale = reused and not req.fresh
    return close(nil, "SEND_ERROR: " .. tostring(err) .. " while sending to " .. c.where, "SEND_ERROR", stale)
  end
  local status, headers, minor = read_head(c)
  if not status then
    local msg, name = headers, minor
    return close(nil, msg, name, reused and not req.fresh and c.got == 0 and name ~= "OPERATION_TIMEDOUT")
  end
  local ce = headers["content-encoding"]
  if ce and ce:lower() ~= "identity" then
    return close(fail("BAD_CONTENT_ENCODING", "the answer is " .. ce .. "-encoded, which this transport does not decode "
      .. "(it sends no Accept-Encoding) " .. c.where))
  end
  local parts = {}
  local keep, msg, name
  ok, keep, name = read_body(c, req.method, status, headers, minor, parts, self.max_body)
  if not ok then
    msg = keep
    return close(nil, msg, name)
  end
  -- Bytes beyond the answer would be read as the next one: such a connection is not reused.
  if keep and not fresh and c.pos > #c.buf then
    sock:setkeepalive(self.idle_ms, self.pool_size)
  else
    sock:close()
  end
  return { status = status, body = table.concat(parts), headers = headers }
end

function Ngx:request(req)
  local phase = ngx.get_phase()
  if not M.PHASES[phase] then
    return fail("BAD_FUNCTION_ARGUMENT", "the ngx transport cannot run in nginx's " .. phase
      .. " phase: cosockets work in rewrite, access, content, timer and ssl_* handlers")
  end
  if type(req) ~= "table" or type(req.method) ~= "string" or not req.method:find("^%u+$") then
    return fail("BAD_FUNCTION_ARGUMENT", "req.method must be an upper-case HTTP verb")
  end
  if req.body ~= nil and type(req.body) ~= "string" then return fail("BAD_FUNCTION_ARGUMENT", "req.body must be a string") end
  local u, name, why = parse_url(req.url)
  if not u then return fail(name, why) end
  local timeout = tonumber(req.timeout) or self.timeout
  if timeout <= 0 then return fail("OPERATION_TIMEDOUT", "no time left for the attempt") end
  local t0 = now()
  local res, msg, stale
  res, msg, name, stale = self:attempt(req, u, timeout, req.fresh == true)
  -- A pooled connection the server had already closed: the request never reached it, so it
  -- goes again on a new connection, as libcurl does (reads only: writes never reuse one).
  if stale then
    local left = timeout - (now() - t0)
    if left > 0 then res, msg, name = self:attempt(req, u, left, true) end
  end
  return res, msg, name
end

function Ngx.close() end -- pools belong to the nginx worker: nothing is the client's to close

--- A transport with the client's settings, or nil, why it cannot be one.
function M.new(cfg)
  if not (ngx and ngx.socket and ngx.socket.tcp and ngx.get_phase) then
    return nil, "it needs nginx's ngx_lua module (OpenResty): ngx.socket.tcp is not here"
  end
  if cfg.ca_file then
    return nil, "ca_file is not supported on the ngx transport: nginx verifies against the CAs of "
      .. "lua_ssl_trusted_certificate (with lua_ssl_verify_depth) in nginx.conf; set it there and drop ca_file"
  end
  if cfg.proxy then
    return nil, "proxy is not supported on the ngx transport (cosockets connect to the API directly); "
      .. "use transport = \"curl\" (blocking the worker) or reach the API without a proxy"
  end
  local pool = cfg.pool or {}
  return setmetatable({ insecure = cfg.insecure == true, connect_timeout = cfg.connect_timeout or 10,
    timeout = cfg.timeout or 30, max_body = cfg.max_body or 64 * 1024 * 1024,
    pool_size = pool.size or POOL_SIZE, idle_ms = math.floor((pool.idle or IDLE) * 1000),
    pool_name = pool.name or POOL_NAME }, Ngx)
end

return M
