-- /raw/<case>: a hostile or odd HTTP server, written byte by byte on the raw request socket,
-- for the ngx transport to face (spec/nginx/hostile_ngx.lua).
-- luacheck: globals ngx
local case = ngx.var.uri:match("^/raw/(.+)$")
local OK = "HTTP/1.1 200 OK\r\n"

local function chunks(n, size)
  local out = {}
  for i = 1, n do out[i] = string.format("%x\r\n%s\r\n", size, string.rep(" ", size)) end
  return table.concat(out) .. "0\r\n\r\n"
end

local CASES = {
  status = "HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n[]",
  http2 = "HTTP/2 200\r\n\r\n[]",
  header = OK .. "no colon here\r\nContent-Length: 2\r\n\r\n[]",
  short = OK .. "Content-Length: 100\r\n\r\n[{\"a\":",
  badchunk = OK .. "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
  shortchunk = OK .. "Transfer-Encoding: chunked\r\n\r\n10\r\n[1,2",
  chunked = OK .. "Transfer-Encoding: chunked\r\n\r\n2;ext=1\r\n[{\r\n9\r\n\"uuid\":\"x\r\n3\r\n\"}]\r\n0\r\nX-Trailer: y\r\n\r\n",
  nothing = "",
  headonly = OK .. "Content-Le",
  big = OK .. "Content-Length: 1000000000\r\n\r\n[",
  bigchunked = OK .. "Transfer-Encoding: chunked\r\n\r\n" .. chunks(3, 600),
  bigclose = "HTTP/1.0 200 OK\r\n\r\n" .. string.rep(" ", 5000),
  gzip = OK .. "Content-Encoding: gzip\r\nContent-Length: 2\r\n\r\n[]",
  gzipte = OK .. "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
  interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
    .. OK .. "X-A: 1\r\nx-a: 2\r\nX-Folded: one\r\n two\r\nContent-Length: 2\r\n\r\n[]",
  switch = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
  close = "HTTP/1.0 200 OK\r\n\r\n[]",
  conflict = OK .. "Content-Length: 2\r\nContent-Length: 3\r\n\r\n[]",
  longheader = OK .. "X-Big: " .. string.rep("a", 300 * 1024) .. "\r\n\r\n",
  nocontent = "HTTP/1.1 204 No Content\r\n\r\n",
  keepalive = OK .. "Content-Length: 2\r\n\r\n[]",
}

-- same_<name>: the answers of spec/hostile/same.lua, which the core and the curl command meet too.
local SAME_BODY = '[{"uuid":"x"}]'
local same = case:match("^same_(.+)$")
if same then
  local sc = assert(dofile(ngx.config.prefix() .. "spec/hostile/same.lua").byname[same], "no same case " .. same)
  CASES[case] = sc.answer(SAME_BODY)
end

local sock = assert(ngx.req.socket(true))
if case == "stall" then
  sock:send(OK .. "Content-Length: 2\r\n\r\n")
  ngx.sleep(3)
  sock:send("[]")
elseif case == "drip" then
  sock:send(OK .. "Content-Length: 40\r\n\r\n")
  for _ = 1, 40 do
    ngx.sleep(0.1)
    if not sock:send(" ") then break end
  end
else
  local bytes = assert(CASES[case], "no raw case " .. tostring(case))
  if bytes ~= "" then sock:send(bytes) end
end
-- Leaving the handler closes the connection: what a server that drops idle connections does.
