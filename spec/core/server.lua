-- A throwaway HTTP(S) server for the C core's specs, with exact control over
-- the bytes of every answer.  Run by spec/core/helper.lua on lua5.3/5.4 with
-- cqueues (luaossl for TLS, luaposix for the black hole).
--
--   lua5.3 spec/core/server.lua [TLSDIR]
--
-- Prints "NAME PORT" per listener, then "ready":
--   http        plain HTTP, the paths below
--   blackhole   a listening socket whose backlog is full: a SYN to it is
--               dropped, so a connect never completes (needs luaposix)
--   tls-NAME    HTTPS with TLSDIR/NAME.pem and TLSDIR/NAME.key, the same paths
--
-- Paths (every regular answer carries X-Conn, its connection's serial):
--   /echo...         200, "METHOD target\n" .. request header lines .. "\n\n" .. body
--   /status/N        status N
--   /headers         repeated, mixed-case, padded, space- and tab-folded headers
--   /lf              header lines ended by a bare LF
--   /foldfirst       the first header line is folded (starts with a tab)
--   /continue        100 Continue (with a header of its own), then 201
--   /continue-only   100 Continue, then the connection closes
--   /redirect        302 to /echo
--   /gzip            gzip of "hello gzip";  /gzip-cut: without its last 8 bytes;
--   /gzip-junk       with bytes after the end; /gzip-corrupt: a byte flipped
--   /br              Content-Encoding: br
--   /gzbomb/N        gzip of N zero bytes (2^30: about 1 MB), with Content-Length
--   /slow/MS         answers after MS milliseconds
--   /big             1 MiB body
--   /chunked/N       N bytes, chunked;  /endless: chunks until the client leaves
--   /cl-over         Content-Length: 10^12, then nothing
--   /hang            never answers
--   /cut-status      a status line, then the connection closes
--   /cut-head        a status line and a header, then closes
--   /cut-line        a status line and half a header line, then closes
--   /short           Content-Length: 100, 10 bytes, closes
--   /badchunk        a chunk size that is not hex;  /cutchunk: closes inside a chunk
--   /many-headers    430 KB of header lines
--   /empty           closes without a byte;  /garbage: answers without HTTP
--   /cl-twice        Content-Length: 5 and Content-Length: 2;  /cl-same: 2 twice
--   /gzip-twice      Content-Encoding: gzip in two header lines (of a single gzip)
--   /continue-len    100 Continue with Content-Length: 0, then 200 with a body of 5
--   /same/NAME       the answer NAME of spec/hostile/same.lua, with the body [{"uuid":"x"}]
--   /stale/TAG       the TAG's 1st request: 200 (keep-alive); 2nd: 0.6 s of silence, then the
--                    connection closes; later ones: never answered (a stale pooled connection
--                    and a resend that stalls)
--   /quit            exits
--   /hang...         (any path starting so, or /v1/hang/) never answers
-- and a listener "proxy": an HTTP proxy that answers CONNECT with 200 and
-- Content-Length: 0, then tunnels the bytes (anything else: 405).

local cqueues = require "cqueues"
local socket = require "cqueues.socket"

local tlsdir = arg[1]

------------------------------------------------------------------------------
-- gzip of n zero bytes, built by hand: one dynamic-Huffman deflate block in
-- which a match of 258 bytes at distance 1 costs two zero bits (1:1032).

local function bitwriter()
  local out, acc, nacc = {}, 0, 0
  local w = {}
  function w.put(v, n)  -- n bits of v, least significant first
    for i = 0, n - 1 do
      acc = acc | (((v >> i) & 1) << nacc)
      nacc = nacc + 1
      if nacc == 8 then out[#out + 1] = string.char(acc); acc, nacc = 0, 0 end
    end
  end
  function w.code(c, n)  -- a Huffman code: most significant bit first
    for i = n - 1, 0, -1 do w.put((c >> i) & 1, 1) end
  end
  function w.zeros(n)
    while n > 0 and nacc ~= 0 do w.put(0, 1); n = n - 1 end
    out[#out + 1] = ("\0"):rep(n // 8)
    w.put(0, n % 8)
  end
  function w.finish()
    if nacc > 0 then out[#out + 1] = string.char(acc) end
    return table.concat(out)
  end
  return w
end

-- CRC-32 of n zero bytes: zlib's crc32_combine operator, applied to ~0.
local function crc_zeros(n)
  local function times(mat, vec)
    local sum, i = 0, 1
    while vec ~= 0 do
      if vec & 1 ~= 0 then sum = sum ~ mat[i] end
      vec, i = vec >> 1, i + 1
    end
    return sum
  end
  local function square(mat)
    local sq = {}
    for i = 1, 32 do sq[i] = times(mat, mat[i]) end
    return sq
  end
  local odd = {0xedb88320}
  for i = 2, 32 do odd[i] = 1 << (i - 2) end
  local even = square(odd)   -- two zero bits
  odd = square(even)         -- four
  local crc = 0xffffffff
  repeat
    even = square(odd)
    if n & 1 ~= 0 then crc = times(even, crc) end
    n = n >> 1
    if n == 0 then break end
    odd = square(even)
    if n & 1 ~= 0 then crc = times(odd, crc) end
    n = n >> 1
  until n == 0
  return crc ~ 0xffffffff
end

local function gzip_zeros(n)
  assert(n >= 1)
  local w = bitwriter()
  w.put(1, 1); w.put(2, 2)                  -- last block, dynamic Huffman
  w.put(29, 5); w.put(1, 5); w.put(14, 4)   -- 286 lit/len codes, 2 distance, 18 code-length codes
  -- code-length code: 18 -> "0", 1 -> "10", 2 -> "11"
  local cl = {[18] = 1, [1] = 2, [2] = 2}
  for _, sym in ipairs{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1} do
    w.put(cl[sym] or 0, 3)
  end
  local function clsym(sym, extra, bits)
    if sym == 18 then w.code(0, 1) elseif sym == 1 then w.code(2, 2) else w.code(3, 2) end
    if extra then w.put(extra, bits) end
  end
  -- lit/len lengths: 0 -> 2, 1..255 -> 0, 256 -> 2, 257..284 -> 0, 285 -> 1; distances 0, 1 -> 1
  clsym(2); clsym(18, 127, 7); clsym(18, 106, 7); clsym(2); clsym(18, 17, 7)
  clsym(1); clsym(1); clsym(1)
  -- lit/len code: 285 -> "0", 0 -> "10", 256 -> "11"; distance 0 -> "0"
  w.code(2, 2)                              -- one literal zero
  local matches = (n - 1) // 258
  w.zeros(2 * matches)                      -- (258, distance 1) each
  for _ = 1, (n - 1) % 258 do w.code(2, 2) end
  w.code(3, 2)                              -- end of block
  return "\31\139\8\0\0\0\0\0\0\255" .. w.finish()
      .. string.pack("<I4I4", crc_zeros(n), n & 0xffffffff)
end

------------------------------------------------------------------------------

local GZIP = "\31\139\8\0\0\0\0\0\2\3\203\72\205\201\201\87\72\175\202\44"
          .. "\0\0\25\106\210\223\10\0\0\0"
local bombs = {}
local stale = {}  -- /stale/TAG -> requests seen
local same = dofile((arg[0]:match("^(.*/)") or "./") .. "../hostile/same.lua")

local function respond(con, method, status, headers, body)
  local out = {("HTTP/1.1 %d Whatever\r\n"):format(status)}
  for _, h in ipairs(headers) do out[#out + 1] = h .. "\r\n" end
  if status == 204 or status == 304 then body = "" end  -- no body, by definition
  out[#out + 1] = ("Content-Length: %d\r\n\r\n"):format(#body)
  if method ~= "HEAD" then out[#out + 1] = body end
  assert(con:write(table.concat(out)))
  assert(con:flush())
end

local function raw(con, bytes)
  con:write(bytes)
  con:flush()
end

local function chunk(con, data)
  return con:write(("%x\r\n"):format(#data), data, "\r\n") and con:flush()
end

-- Answer one request; false: close the connection.
local function answer(con, method, target, head, body, cid)
  local xconn = "X-Conn: " .. cid
  if target:find("^/hang") or target:find("^/v1/hang/") then
    cqueues.sleep(3600)
  elseif target == "/quit" then
    respond(con, method, 200, {}, "bye")
    os.exit(0)
  elseif target:match("^/status/%d+$") then
    respond(con, method, tonumber(target:match("%d+")), {xconn}, "status body")
  elseif target == "/headers" then
    respond(con, method, 200, {xconn, "X-Dup: one", "x-dup: two",
      "X-MiXed-Case:   padded value  ", "X-Fold: first", "  second", "X-Tab: a",
      "\tb", "\t c"}, "")
  elseif target == "/lf" then
    raw(con, "HTTP/1.1 200 OK\nX-Lf: yes\n" .. xconn .. "\nContent-Length: 2\n\nok")
  elseif target == "/foldfirst" then
    raw(con, "HTTP/1.1 200 OK\r\n\tX-Folded: yes\r\n" .. xconn .. "\r\nContent-Length: 2\r\n\r\nok")
  elseif target == "/continue" then
    raw(con, "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n")
    respond(con, method, 201, {xconn, "X-Final: yes"}, "final")
  elseif target:match("^/same/") then
    local sc = same.byname[target:match("^/same/(.*)$")]
    if not sc then
      respond(con, method, 404, {xconn}, "no such case")
      return true
    end
    raw(con, sc.answer('[{"uuid":"x"}]'))
    return sc.want == "ok"
  elseif target:match("^/stale/") then
    stale[target] = (stale[target] or 0) + 1
    if stale[target] == 1 then
      respond(con, method, 200, {xconn}, "[]")
    elseif stale[target] == 2 then
      cqueues.sleep(0.6)
      return false
    else
      cqueues.sleep(3600)
    end
  elseif target == "/continue-len" then
    raw(con, "HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n")
    respond(con, method, 200, {xconn}, "hello")
  elseif target == "/continue-only" then
    raw(con, "HTTP/1.1 100 Continue\r\n\r\n")
    return false
  elseif target == "/redirect" then
    respond(con, method, 302, {xconn, "Location: /echo"}, "moved")
  elseif target == "/gzip" then
    respond(con, method, 200, {xconn, "Content-Encoding: gzip"}, GZIP)
  elseif target == "/gzip-cut" then
    respond(con, method, 200, {xconn, "Content-Encoding: gzip"}, GZIP:sub(1, -9))
  elseif target == "/gzip-junk" then
    respond(con, method, 200, {xconn, "Content-Encoding: gzip"}, GZIP .. "junk")
  elseif target == "/gzip-corrupt" then
    respond(con, method, 200, {xconn, "Content-Encoding: gzip"},
      GZIP:sub(1, 14) .. string.char(GZIP:byte(15) ~ 0xff) .. GZIP:sub(16))
  elseif target == "/br" then
    respond(con, method, 200, {xconn, "Content-Encoding: br"}, "\11\2\128hello\3")
  elseif target:match("^/gzbomb/%d+$") then
    local n = tonumber(target:match("%d+"))
    bombs[n] = bombs[n] or gzip_zeros(n)
    respond(con, method, 200, {xconn, "Content-Encoding: gzip"}, bombs[n])
  elseif target:match("^/slow/%d+$") then
    cqueues.sleep(tonumber(target:match("%d+")) / 1000)
    respond(con, method, 200, {xconn}, target)
  elseif target == "/big" then
    respond(con, method, 200, {xconn}, ("0123456789abcdef"):rep(65536))
  elseif target:match("^/chunked/%d+$") then
    local n = tonumber(target:match("%d+"))
    raw(con, "HTTP/1.1 200 OK\r\n" .. xconn .. "\r\nTransfer-Encoding: chunked\r\n\r\n")
    while n > 0 do
      local k = math.min(n, 8192)
      if not chunk(con, ("x"):rep(k)) then return false end
      n = n - k
    end
    raw(con, "0\r\n\r\n")
  elseif target == "/endless" then
    raw(con, "HTTP/1.1 200 OK\r\n" .. xconn .. "\r\nTransfer-Encoding: chunked\r\n\r\n")
    local block = ("y"):rep(16384)
    while chunk(con, block) do end
    return false
  elseif target == "/cl-over" then
    raw(con, "HTTP/1.1 200 OK\r\n" .. xconn .. "\r\nContent-Length: 1000000000000\r\n\r\n")
    cqueues.sleep(3600)
  elseif target == "/cut-status" then
    raw(con, "HTTP/1.1 200 OK\r\n")
    return false
  elseif target == "/cut-head" then
    raw(con, "HTTP/1.1 200 OK\r\n" .. xconn .. "\r\n")
    return false
  elseif target == "/cut-line" then
    raw(con, "HTTP/1.1 200 OK\r\n" .. xconn .. "\r\nX-Half: ab")
    return false
  elseif target == "/short" then
    raw(con, "HTTP/1.1 200 OK\r\n" .. xconn .. "\r\nContent-Length: 100\r\n\r\n0123456789")
    return false
  elseif target == "/badchunk" then
    raw(con, "HTTP/1.1 200 OK\r\n" .. xconn .. "\r\nTransfer-Encoding: chunked\r\n\r\n"
      .. "zz\r\nhello\r\n0\r\n\r\n")
    return false
  elseif target == "/cutchunk" then
    raw(con, "HTTP/1.1 200 OK\r\n" .. xconn .. "\r\nTransfer-Encoding: chunked\r\n\r\n"
      .. "a\r\n01234")
    return false
  elseif target == "/many-headers" then
    local pad = ("p"):rep(100)
    raw(con, "HTTP/1.1 200 OK\r\n" .. xconn .. "\r\n")
    for i = 1, 4000 do  -- 430 KB of headers, past any sane bound
      if not con:write(("X-Pad-%d: %s\r\n"):format(i, pad)) then return false end
    end
    raw(con, "Content-Length: 2\r\n\r\nok")
  elseif target == "/empty" then
    return false
  elseif target == "/cl-twice" or target == "/cl-same" then
    raw(con, "HTTP/1.1 200 OK\r\n" .. xconn .. "\r\nContent-Length: " .. (target == "/cl-twice" and 5 or 2)
      .. "\r\nContent-Length: 2\r\n\r\nok")
    return false
  elseif target == "/gzip-twice" then
    respond(con, method, 200, {xconn, "Content-Encoding: gzip", "Content-Encoding: gzip"}, GZIP)
  elseif target == "/garbage" then
    raw(con, "hello there\r\n\r\n")
    return false
  else
    respond(con, method, 200, {xconn, "Content-Type: text/plain"},
      method .. " " .. target .. "\n" .. table.concat(head, "\n") .. "\n\n" .. body)
  end
  return true
end

local function serve(con, cid)
  con:setmode("b", "b")
  while true do
    local line = con:read("*L")
    if not line then return end
    local method, target = line:match("^(%S+) (%S+) HTTP/1%.%d\r?\n$")
    if not method then return end
    local head, len, close = {}, 0, false
    while true do
      local h = con:read("*L")
      if not h or h == "\r\n" or h == "\n" then break end
      head[#head + 1] = (h:gsub("\r?\n$", ""))
      local k, v = h:match("^([^:]+):%s*(.-)%s*\r?\n$")
      k = k and k:lower()
      if k == "content-length" then len = tonumber(v) end
      if k == "connection" and v:lower() == "close" then close = true end
    end
    local body = len > 0 and con:read(len) or ""
    if not answer(con, method, target, head, body, cid) or close then return end
  end
end

------------------------------------------------------------------------------

local cq = cqueues.new()
local nconn = 0

local function listen(name, ctx)
  local srv = assert(socket.listen{host = "127.0.0.1", port = 0})
  assert(srv:listen())
  local _, _, port = srv:localname()
  io.stdout:write(name, " ", port, "\n")
  cq:wrap(function()
    for con in srv:clients() do
      nconn = nconn + 1
      local cid = nconn
      cq:wrap(function()
        -- a refused handshake (the point of some specs) raises: caught
        if not ctx or pcall(con.starttls, con, ctx, 5) then pcall(serve, con, cid) end
        pcall(con.close, con)
      end)
    end
  end)
end

listen("http")

-- The proxy: CONNECT host:port, answered 200 with a Content-Length: 0 (RFC 9110
-- 9.3.6: the client ignores it), then bytes both ways until either side ends.
do
  local srv = assert(socket.listen{host = "127.0.0.1", port = 0})
  assert(srv:listen())
  local _, _, port = srv:localname()
  io.stdout:write("proxy ", port, "\n")
  local function pump(from, to)
    while true do
      local data = from:read(-65536)
      if not data or not to:write(data) or not to:flush() then break end
    end
    pcall(to.shutdown, to, "w")
  end
  cq:wrap(function()
    for con in srv:clients() do
      cq:wrap(function()
        con:setmode("b", "b")
        local line = con:read("*L") or ""
        local host, tport = line:match("^CONNECT ([^:%s]+):(%d+) HTTP/1%.%d\r?\n$")
        repeat local h = con:read("*L") until not h or h == "\r\n" or h == "\n"
        local up = host and socket.connect{host = host, port = tonumber(tport)}
        if not up or not pcall(up.connect, up, 5) then
          pcall(raw, con, "HTTP/1.1 405 No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
          pcall(con.close, con)
          return
        end
        up:setmode("b", "b")
        raw(con, "HTTP/1.1 200 Connection established\r\nContent-Length: 0\r\n\r\n")
        cq:wrap(function() pcall(pump, up, con) end)
        pcall(pump, con, up)
      end)
    end
  end)
end

-- A listener with a backlog of 0 that never accepts, filled by one
-- connection of our own: the kernel drops every further SYN.
local okp, psock = pcall(require, "posix.sys.socket")
if okp then
  local fd = psock.socket(psock.AF_INET, psock.SOCK_STREAM, 0)
  assert(psock.bind(fd, {family = psock.AF_INET, addr = "127.0.0.1", port = 0}))
  assert(psock.listen(fd, 0))
  local port = psock.getsockname(fd).port
  local filler = psock.socket(psock.AF_INET, psock.SOCK_STREAM, 0)
  assert(psock.connect(filler, {family = psock.AF_INET, addr = "127.0.0.1", port = port}))
  -- fd and filler stay open (plain integers) for as long as the server runs
  io.stdout:write("blackhole ", port, "\n")
end

if tlsdir then
  local context = require "openssl.ssl.context"
  local x509 = require "openssl.x509"
  local pkey = require "openssl.pkey"
  local function read(path)
    local f = assert(io.open(path, "rb"))
    local s = f:read("*a")
    f:close()
    return s
  end
  for _, name in ipairs{"good", "other", "expired", "self"} do
    local ctx = context.new("TLS", true)
    assert(ctx:setCertificate(x509.new(read(tlsdir .. "/" .. name .. ".pem"))))
    assert(ctx:setPrivateKey(pkey.new(read(tlsdir .. "/" .. name .. ".key"))))
    listen("tls-" .. name, ctx)
  end
end

io.stdout:write("ready\n")
io.stdout:flush()
cq:wrap(function() cqueues.sleep(900); os.exit(0) end)  -- never outlive a stuck run
assert(cq:loop())
