-- The hostile cases: how the server misbehaves, which SDK call meets it, and the error value the
-- call must return.  Loaded by the server (serve) and by spec/hostile/hostile_spec.lua (call, want), so
-- adding a case is one entry here.  Plain Lua that runs on 5.1 to 5.4 and LuaJIT.
--
-- An entry:
--   name   also the location slug the SDK sends it under (a word of [%w_])
--   call   "get" (default: client.vms:get), "list", "create", "stop" (vm:stop{force=true} on a
--          VM got first), "request" (client:request GET), "seq_sync", "seq_batch"
--   opts   client options over the spec's defaults (timeout 1, deadline 3, retries 1, ...)
--   serve  function(s, req) run by the server for every request of the case; s: send(bytes),
--          sleep(t), close() (FIN), reset() (RST), stall(), drip(bytes, every), flood(chunk,
--          total), gzip(s), bomb().  req: method, target, path, headers, body, key (the apikey
--          header received), tag, n (the tag's request count), port.  true keeps the connection.
--   want   kind     "api" | "network" | "timeout" | "decode" | "ok" (the call returns the VM,
--                   the list, ...), or a list of those that are all right
--          code     for network: the transport's NAME, or a list of acceptable NAMEs
--          status   err.status;  location = true: err.location points at /__target/<tag>
--          uncertain  err.uncertain must be true (writes that may have landed)
--          seen     requests of the call's method the server read (writes: never replayed)
--          target   requests to the redirect's target (0: never followed)
--          rss      peak RSS must stay within the spec's bound (see the spec)
--          within   seconds the call must return in, without slack (else deadline + slack)
--   why    for a case whose expectation is a judgement call, the reasoning
-- (Long, on purpose: one record per hostile answer, a catalogue that grows with what servers send.)

local C = {}

C.UUID = "f80b1d62-ffe4-43ef-9210-60f05445456a"
C.KEY = "hostile-KEY-7c1d9e04b2"           -- the api key the spec's clients send
C.PASSWORD = "S3cret-pass-hostile"         -- the password of the spec's vms:create
C.MAX_BODY = 1048576

C.VM = '{"backup":true,"billing_account":6,"created_at":"2018-02-22 11:10:17","description":"",'
  .. '"hostname":"hostname","id":7,"mac":"52:54:00:6c:6a:ac","memory":2048,'
  .. '"name":"Ubuntu-16-04","os_name":"ubuntu","os_version":"16.04","private_ipv4":"",'
  .. '"status":"running","storage":[{"id":5,"name":"sda","primary":true,"size":20,'
  .. '"uuid":"' .. C.UUID .. '"}],"tags":null,"user_id":8,"username":"example",'
  .. '"uuid":"' .. C.UUID .. '","vcpu":2}'
C.VMS = "[" .. C.VM .. "]"

local REASON = { [100] = "Continue", [102] = "Processing", [200] = "OK", [204] = "No Content",
  [301] = "Moved Permanently", [302] = "Found", [303] = "See Other", [304] = "Not Modified",
  [307] = "Temporary Redirect", [308] = "Permanent Redirect", [400] = "Bad Request",
  [401] = "Unauthorized", [429] = "Too Many Requests", [502] = "Bad Gateway",
  [503] = "Service Unavailable" }

local JSON = "Content-Type: application/json"
local HTML = "Content-Type: text/html"

-- A status line and header lines (a list of "Name: value").
local function head(status, lines)
  local out = { "HTTP/1.1 " .. status .. " " .. (REASON[status] or "Whatever") }
  for _, l in ipairs(lines or {}) do out[#out + 1] = l end
  return table.concat(out, "\r\n") .. "\r\n\r\n"
end

-- A whole answer; Content-Length added unless the lines frame the body themselves.
local function http(status, lines, body)
  local l = {}
  local framed = false
  for i, x in ipairs(lines or {}) do
    l[i] = x
    if x:lower():find("^content%-length") or x:lower():find("^transfer%-encoding") then framed = true end
  end
  if not framed then l[#l + 1] = "Content-Length: " .. #body end
  return head(status, l) .. body
end
C.http = http

local function chunked(body, size)
  local out = {}
  for i = 1, #body, size do
    local piece = body:sub(i, i + size - 1)
    out[#out + 1] = string.format("%x\r\n%s\r\n", #piece, piece)
  end
  return table.concat(out)
end

-- serve: an answer, then the connection stays open for the next request.
local function answer(status, lines, body)
  return function(s) s:send(http(status, lines, body)); return true end
end

-- serve: raw bytes, then "close" (FIN, the default), "reset" (RST) or "stall".
local function raw(bytes, after)
  return function(s)
    if bytes ~= "" then s:send(bytes) end
    if after == "reset" then s:reset() elseif after == "stall" then s:stall() else s:close() end
  end
end

-- serve for writes: GETs find the VM (vm:stop needs one), other methods get fn.
local function on_write(fn)
  return function(s, req)
    if req.method == "GET" then s:send(http(200, { JSON }, C.VM)); return true end
    return fn(s, req)
  end
end

local function target(req)
  return "http://127.0.0.1:" .. req.port .. "/__target/" .. req.tag
end

local CASES = {}
local function case(t) CASES[#CASES + 1] = t end

------------------------------------------------------------------------------------------------
-- Controls: a sane answer must still work (else every error below could be an accident).

case { name = "control_ok", serve = answer(200, { JSON }, C.VM), want = { kind = "ok", seen = 1 } }
case { name = "control_list", call = "list", serve = answer(200, { JSON }, C.VMS),
  want = { kind = "ok", seen = 1 } }
case { name = "control_gzip", serve = function(s)
    s:send(http(200, { JSON, "Content-Encoding: gzip" }, s.gzip(C.VM))); return true
  end, want = { kind = "ok" } }
case { name = "control_at_max_body", serve = answer(200, { JSON }, C.VM .. (" "):rep(C.MAX_BODY - #C.VM)),
  want = { kind = "ok", rss = true }, why = "exactly max_body bytes is within the cap" }

------------------------------------------------------------------------------------------------
-- Status lines

case { name = "status_garbage", serve = raw("GARBAGE\r\n\r\n"), want = { kind = "network", seen = 2 } }
case { name = "status_http09", serve = raw(C.VM),
  want = { kind = "network", seen = 2 }, why = "a body without a status line (HTTP/0.9) is no answer, even if it is the VM" }
case { name = "status_no_reason", serve = function(s)
    s:send("HTTP/1.1 200\r\n" .. JSON .. "\r\nContent-Length: " .. #C.VM .. "\r\n\r\n" .. C.VM); return true
  end, want = { kind = "ok" }, why = "the reason phrase is optional (RFC 9112 4)" }
case { name = "status_999", serve = answer(999, { JSON }, C.VM),
  want = { kind = { "api", "network" } },
  why = "not a status of HTTP; an error either way, never the VM" }
case { name = "status_1xx_forever", serve = function(s)
    while true do s:send("HTTP/1.1 102 Processing\r\n\r\n"); s:sleep(0.25) end
  end, want = { kind = "timeout", seen = 2 } }
case { name = "continue_then_stall", serve = raw("HTTP/1.1 100 Continue\r\n\r\n", "stall"),
  want = { kind = "timeout", seen = 2 } }
case { name = "continue_then_close", serve = raw("HTTP/1.1 100 Continue\r\n\r\n"),
  want = { kind = "network", seen = 2 } }
case { name = "status_line_cut", serve = raw("HTTP/1.1 20"), want = { kind = "network", seen = 2 } }
case { name = "nothing_then_close", serve = raw(""), want = { kind = "network", code = "GOT_NOTHING", seen = 2 } }

------------------------------------------------------------------------------------------------
-- Headers

case { name = "headers_cut", serve = raw("HTTP/1.1 200 OK\r\nContent-Type: appl"),
  want = { kind = "network", seen = 2 } }
case { name = "header_no_colon", serve = answer(200, { JSON, "ThisLineHasNoColon" }, C.VM),
  want = { kind = "network", seen = 2 }, why = "not a header line: a broken answer (libcurl 7.88: WEIRD_SERVER_REPLY)" }
case { name = "header_huge", serve = function(s)
    s:send(head(200, { JSON, "X-Huge: " .. ("h"):rep(1048576), "Content-Length: " .. #C.VM }) .. C.VM)
    return true
  end, want = { kind = "network", code = "RECV_ERROR", seen = 2 },
  why = "a header line over 100 KB is a broken answer on every transport (libcurl 7.88 says OUT_OF_MEMORY, the core renames it)" }
case { name = "headers_many", serve = function(s)
    local lines = { JSON, "Content-Length: " .. #C.VM }
    for i = 1, 128 do lines[#lines + 1] = "X-Many-" .. i .. ": " .. ("m"):rep(8192) end
    s:send(head(200, lines) .. C.VM)
    return true
  end, want = { kind = "network", seen = 2 }, why = "1 MB of headers in 8 KB lines: over libcurl's limit of the header block" }
case { name = "header_fold_tab", serve = answer(200, { JSON, "X-Folded: one", "\ttwo" }, C.VM),
  want = { kind = "ok" }, why = "obs-fold in a response is to be unfolded (RFC 9112 5.2)" }
case { name = "header_fold_first", serve = answer(200, { " X-Folded: first line", JSON }, C.VM),
  want = { kind = { "ok", "network" } }, why = "a fold with nothing to continue: ignore it or refuse the answer" }
case { name = "bare_lf", serve = function(s)
    s:send("HTTP/1.1 200 OK\n" .. JSON .. "\nContent-Length: " .. #C.VM .. "\n\n" .. C.VM); return true
  end, want = { kind = "ok" }, why = "bare LF line ends are tolerated (RFC 9112 2.2)" }
case { name = "content_length_dup", serve = answer(200, { JSON, "Content-Length: 5", "Content-Length: " .. #C.VM }, C.VM),
  want = { kind = "network", seen = 2 }, why = "differing Content-Lengths: unrecoverable framing error (RFC 9112 6.3)" }
case { name = "content_length_and_chunked",
  serve = answer(200, { JSON, "Content-Length: 3", "Transfer-Encoding: chunked" }, chunked(C.VM, 100) .. "0\r\n\r\n"),
  want = { kind = { "ok", "network" } },
  why = "chunked overrides Content-Length (then the VM is right), or the answer is refused; never framed by the 3" }
case { name = "content_length_negative", serve = answer(200, { JSON, "Content-Length: -1" }, C.VM),
  want = { kind = "network", seen = 2 } }
case { name = "content_length_garbage", serve = answer(200, { JSON, "Content-Length: 12abc" }, C.VM),
  want = { kind = "network", seen = 2 } }
case { name = "content_length_overflow", serve = answer(200, { JSON, "Content-Length: 99999999999999999999999" }, C.VM),
  want = { kind = { "network", "decode" }, code = "FILESIZE_EXCEEDED" } }

------------------------------------------------------------------------------------------------
-- Bodies

case { name = "body_short", serve = function(s)
    s:send(head(200, { JSON, "Content-Length: " .. (#C.VM + 100) }) .. C.VM); s:close()
  end, want = { kind = "network", code = "PARTIAL_FILE", seen = 2 } }
case { name = "chunk_bad_size", serve = raw(head(200, { JSON, "Transfer-Encoding: chunked" }) .. "zz\r\n" .. C.VM),
  want = { kind = "network", seen = 2 } }
case { name = "chunk_cut", serve = raw(head(200, { JSON, "Transfer-Encoding: chunked" })
    .. string.format("%x\r\n", #C.VM) .. C.VM:sub(1, 40)),
  want = { kind = "network", code = "PARTIAL_FILE", seen = 2 } }
case { name = "chunk_no_end_close", serve = raw(head(200, { JSON, "Transfer-Encoding: chunked" }) .. chunked(C.VM, 64)),
  want = { kind = "network", code = "PARTIAL_FILE", seen = 2 } }
case { name = "chunk_no_end_stall", serve = raw(head(200, { JSON, "Transfer-Encoding: chunked" }) .. chunked(C.VM, 64), "stall"),
  want = { kind = "timeout", seen = 2 } }
case { name = "gzip_not_gzip", serve = answer(200, { JSON, "Content-Encoding: gzip" }, C.VM),
  want = { kind = "network", code = "BAD_CONTENT_ENCODING", seen = 2 } }
case { name = "gzip_truncated", serve = function(s)
    local z = s.gzip(C.VM)
    s:send(http(200, { JSON, "Content-Encoding: gzip" }, z:sub(1, #z - 40))); return true
  end, want = { kind = { "network", "decode" } },
  why = "network/BAD_CONTENT_ENCODING if the decoder notices the missing end; if it hands over the "
    .. "inflated prefix, that prefix is cut JSON: decode.  Never the VM" }
case { name = "gzip_bomb", serve = function(s)
    s:send(http(200, { JSON, "Content-Encoding: gzip" }, s.bomb())); return true
  end, want = { kind = { "network", "decode" }, code = "FILESIZE_EXCEEDED", rss = true } }
case { name = "encoding_br", serve = answer(200, { JSON, "Content-Encoding: br" }, C.VM),
  want = { kind = "network", code = "BAD_CONTENT_ENCODING", seen = 2 },
  why = "not brotli: libcurl's decoder (built with brotli) fails" }
case { name = "encoding_zstd", serve = answer(200, { JSON, "Content-Encoding: zstd" }, C.VM),
  want = { kind = "network", code = "BAD_CONTENT_ENCODING", seen = 2 } }
case { name = "encoding_unknown", serve = answer(200, { JSON, "Content-Encoding: x-hostile" }, C.VM),
  want = { kind = "network", code = "BAD_CONTENT_ENCODING", seen = 2 },
  why = "a coding nobody asked for: the bytes cannot be read as the answer" }
case { name = "body_over_max", serve = answer(200, { JSON }, C.VM .. (" "):rep(C.MAX_BODY - #C.VM + 1)),
  want = { kind = { "network", "decode" }, code = "FILESIZE_EXCEEDED" } }
case { name = "body_200mb", serve = function(s)
    s:send(head(200, { JSON, "Content-Length: " .. 200 * 1048576 }))
    s:flood(("x"):rep(65536), 200 * 1048576)
    return true
  end, want = { kind = { "network", "decode" }, code = "FILESIZE_EXCEEDED", rss = true } }
case { name = "body_200mb_chunked", serve = function(s)
    s:send(head(200, { JSON, "Transfer-Encoding: chunked" }))
    local chunk = chunked(("x"):rep(65536), 65536)
    s:flood(chunk, 3200 * #chunk)
    s:send("0\r\n\r\n")
    return true
  end, want = { kind = { "network", "decode" }, code = "FILESIZE_EXCEEDED", rss = true } }
case { name = "body_endless", serve = function(s)
    s:send(head(200, { JSON, "Connection: close" }))
    s:flood(("[1,2,3] "):rep(8192))
  end, want = { kind = { "network", "decode" }, code = "FILESIZE_EXCEEDED", rss = true } }
case { name = "body_endless_list", call = "list", serve = function(s)
    s:send(head(200, { JSON, "Transfer-Encoding: chunked" }) .. "1\r\n[\r\n")
    s:flood(chunked((C.VM .. ","):rep(64), 65536))
  end, want = { kind = { "network", "decode" }, code = "FILESIZE_EXCEEDED", rss = true } }

------------------------------------------------------------------------------------------------
-- Redirects: an answer like any other (kind api), never followed.

for _, st in ipairs { 301, 302, 303, 307, 308 } do
  case { name = "redirect_" .. st .. "_body", serve = function(s, req)
      s:send(http(st, { JSON, "Location: " .. target(req) }, C.VM)); return true
    end, want = { kind = "api", status = st, location = true, seen = 1, target = 0 },
    why = st == 302 and "the body is a VM: still not the answer of the endpoint" or nil }
  case { name = "redirect_" .. st .. "_empty", serve = function(s, req)
      s:send(http(st, { "Location: " .. target(req) }, "")); return true
    end, want = { kind = "api", status = st, location = true, seen = 1, target = 0 } }
end
case { name = "redirect_relative", serve = function(s, req)
    s:send(http(302, { "Location: /__target/" .. req.tag }, "")); return true
  end, want = { kind = "api", status = 302, location = true, seen = 1, target = 0 } }
case { name = "redirect_request", call = "request", serve = function(s, req)
    s:send(http(307, { "Location: " .. target(req) }, "")); return true
  end, want = { kind = "api", status = 307, location = true, seen = 1, target = 0 } }
case { name = "redirect_create", call = "create", serve = function(s, req)
    s:send(http(303, { "Location: " .. target(req) }, "")); return true
  end, want = { kind = "api", status = 303, location = true, seen = 1, target = 0 } }
case { name = "not_modified_304", serve = answer(304, {}, ""), want = { kind = "api", status = 304, seen = 1 } }

------------------------------------------------------------------------------------------------
-- 2xx answers that are not a VM (vms:get) or a list of VMs (vms:list): decode, not retried.

local SHAPES = {
  string = '"hello"', number = "42", ["true"] = "true", ["false"] = "false", null = "null",
  empty_array = "[]", array = "[1,2,3]", empty_object = "{}", no_uuid = '{"name":"web-1","status":"running"}',
  uuid_number = '{"uuid":42,"name":"web-1"}', truncated = C.VM:sub(1, 60),
  trailing_garbage = C.VM .. "}}", empty = "", whitespace = " \r\n\t ",
}
local names = {}
for k in pairs(SHAPES) do names[#names + 1] = k end
table.sort(names)
for _, k in ipairs(names) do
  case { name = "get_" .. k, serve = answer(200, { JSON }, SHAPES[k]), want = { kind = "decode", seen = 1 } }
end
case { name = "get_html", serve = answer(200, { HTML }, "<html><body><h1>Welcome to nginx!</h1></body></html>"),
  want = { kind = "decode", seen = 1 } }
case { name = "get_204", serve = answer(204, {}, ""), want = { kind = "decode", seen = 1 },
  why = "vms:get answers the VM: an empty success has no VM to give" }
case { name = "list_object", call = "list", serve = answer(200, { JSON }, C.VM), want = { kind = "decode", seen = 1 } }
case { name = "list_numbers", call = "list", serve = answer(200, { JSON }, "[1,2,3]"), want = { kind = "decode", seen = 1 } }
case { name = "list_string", call = "list", serve = answer(200, { JSON }, '"hello"'), want = { kind = "decode", seen = 1 } }
case { name = "list_null", call = "list", serve = answer(200, { JSON }, "null"), want = { kind = "decode", seen = 1 } }
case { name = "list_mixed", call = "list", serve = answer(200, { JSON }, "[" .. C.VM .. ",5]"),
  want = { kind = "decode", seen = 1 } }

------------------------------------------------------------------------------------------------
-- Resets (RST), stalls and drips

case { name = "reset_before_status", serve = raw("", "reset"), want = { kind = "network", code = "RECV_ERROR", seen = 2 } }
case { name = "reset_mid_status", serve = raw("HTTP/1.1 2", "reset"), want = { kind = "network", code = "RECV_ERROR", seen = 2 } }
case { name = "reset_mid_headers", serve = raw("HTTP/1.1 200 OK\r\n" .. JSON .. "\r\nContent-Le", "reset"),
  want = { kind = "network", code = "RECV_ERROR", seen = 2 } }
case { name = "reset_mid_body", serve = raw(head(200, { JSON, "Content-Length: " .. #C.VM }) .. C.VM:sub(1, 50), "reset"),
  want = { kind = "network", code = "RECV_ERROR", seen = 2 } }
case { name = "reset_mid_chunk", serve = raw(head(200, { JSON, "Transfer-Encoding: chunked" }) .. "40\r\n" .. C.VM:sub(1, 20), "reset"),
  want = { kind = "network", code = "RECV_ERROR", seen = 2 } }
case { name = "stall_before_status", serve = raw("", "stall"), want = { kind = "timeout", seen = 2 } }
case { name = "stall_after_headers", serve = raw(head(200, { JSON, "Content-Length: " .. #C.VM }), "stall"),
  want = { kind = "timeout", seen = 2 } }
case { name = "stall_mid_body", serve = raw(head(200, { JSON, "Content-Length: " .. #C.VM }) .. C.VM:sub(1, 50), "stall"),
  want = { kind = "timeout", seen = 2 } }
case { name = "stall_past_deadline", opts = { timeout = 10 }, serve = raw("", "stall"),
  want = { kind = "timeout", seen = 1 }, why = "the deadline (3 s) ends an attempt whose own timeout is 10 s" }
case { name = "drip", serve = function(s) s:drip(http(200, { JSON }, C.VM), 0.5) end,
  want = { kind = "timeout", seen = 2 } }
case { name = "drip_past_deadline", opts = { timeout = 10, retries = 3 }, serve = function(s)
    s:drip(http(200, { JSON }, C.VM), 0.5)
  end, want = { kind = "timeout", seen = 1 }, why = "a byte every 0.5 s keeps any idle timer happy: only the deadline ends it" }
case { name = "retry_after_past_deadline", opts = { deadline = 2 },
  serve = answer(429, { JSON, "Retry-After: 5" }, '{"message":"API rate limit exceeded"}'),
  want = { kind = "api", status = 429, seen = 1, within = 2 },
  why = "waiting 5 s cannot fit in a 2 s deadline: give up now with the 429" }

------------------------------------------------------------------------------------------------
-- Writes: never replayed once they may have reached the server.

local function write_cases(call)
  case { name = call .. "_reset_after_read", call = call, serve = on_write(function(s) s:reset() end),
    want = { kind = "network", code = "RECV_ERROR", uncertain = true, seen = 1 } }
  case { name = call .. "_nothing", call = call, serve = on_write(function(s) s:close() end),
    want = { kind = "network", code = "GOT_NOTHING", uncertain = true, seen = 1 },
    why = call == "stop" and "the GET before it left a connection open: libcurl silently resends a request that "
      .. "got nothing on a reused connection, so a write must go on a fresh one" or nil }
  case { name = call .. "_stall", call = call, serve = on_write(function(s) s:stall() end),
    want = { kind = "timeout", uncertain = true, seen = 1 } }
  case { name = call .. "_headers_then_stall", call = call, serve = on_write(function(s)
      s:send(head(200, { JSON, "Content-Length: " .. #C.VM })); s:stall()
    end), want = { kind = "timeout", uncertain = true, seen = 1 } }
  case { name = call .. "_truncated", call = call, serve = on_write(function(s)
      s:send(head(200, { JSON, "Content-Length: " .. #C.VM }) .. C.VM:sub(1, 50)); s:close()
    end), want = { kind = "network", code = "PARTIAL_FILE", uncertain = true, seen = 1 } }
  case { name = call .. "_429_no_sign", call = call, serve = on_write(function(s)
      s:send(http(429, { JSON, "Retry-After: 0" }, '{"errors":{"Error":"Too many requests"}}')); return true
    end), want = { kind = "api", status = 429, seen = 1 },
    why = "a 429 that the gateway did not sign may come from the application, after the write ran" }
  case { name = call .. "_503", call = call, serve = on_write(function(s)
      s:send(http(503, { HTML }, "<html><h1>503 Service Unavailable</h1></html>")); return true
    end), want = { kind = "api", status = 503, seen = 1 } }
end
write_cases("create")
write_cases("stop")

case { name = "create_garbage_200", call = "create", serve = answer(200, { JSON }, '"hello"'),
  want = { kind = "decode", uncertain = true, seen = 1 },
  why = "a 2xx says the write ran, but not what it made: decode, and uncertain so nobody simply repeats it" }
case { name = "create_429_gateway", call = "create", serve = function(s, req)
    if req.n == 1 then
      s:send(http(429, { JSON, "Retry-After: 1", "RateLimit-Limit: 10", "RateLimit-Remaining: 0",
        "RateLimit-Reset: 1", "X-RateLimit-Limit-Second: 10", "X-RateLimit-Remaining-Second: 0" },
        '{"message":"API rate limit exceeded"}'))
    else
      s:send(http(200, { JSON }, C.VM))
    end
    return true
  end, want = { kind = "ok", seen = 2 },
  why = "Kong's rate-limit answer (its message and RateLimit headers): refused before the platform, safe to send again" }

------------------------------------------------------------------------------------------------
-- The api key echoed everywhere: it must come back nowhere (errors, hook records).

case { name = "echo_key_401", serve = function(s, req)
    s:send(http(401, { JSON, "X-Echo-Key: " .. tostring(req.key), "X-Warren-Correlation-Id: " .. tostring(req.key) },
      '{"errors":{"Error":"bad key ' .. tostring(req.key) .. '"},"apikey":"' .. tostring(req.key) .. '"}'))
    return true
  end, want = { kind = "api", status = 401, seen = 1 } }
case { name = "echo_key_message", serve = function(s, req)
    s:send(http(400, { JSON }, '{"message":"apikey ' .. tostring(req.key) .. ' is not valid"}')); return true
  end, want = { kind = "api", status = 400, seen = 1 } }
case { name = "echo_key_html_200", serve = function(s, req)
    s:send(http(200, { HTML }, "<html><title>" .. tostring(req.key) .. "</title>key " .. tostring(req.key) .. "</html>"))
    return true
  end, want = { kind = "decode", seen = 1 } }
case { name = "echo_key_location", serve = function(s, req)
    s:send(http(302, { "Location: " .. target(req) .. "?apikey=" .. tostring(req.key) }, "")); return true
  end, want = { kind = "api", status = 302, location = true, seen = 1, target = 0 } }
case { name = "echo_key_reason", serve = function(s, req)
    s:send("HTTP/1.1 200 " .. tostring(req.key) .. "\r\nX-Key: " .. tostring(req.key) .. "\r\nContent-Le")
    s:reset()
  end, want = { kind = "network", seen = 2 } }
case { name = "echo_secrets_create", call = "create", serve = function(s, req)
    s:send(http(400, { JSON }, '{"errors":{"Error":"bad request ' .. req.body .. ' with key ' .. tostring(req.key) .. '"}}'))
    return true
  end, want = { kind = "api", status = 400, seen = 1 },
  why = "the password sent in the form comes back in the error: redacted like the key" }

------------------------------------------------------------------------------------------------
-- The 2025-12 routes (issue 23): a service's secrets echoed or misshapen, writes answered 204
-- where a body is due.  Service packages and SSH keys have no location slug: their cases set
-- `global`, so the spec sends the tag in the User-Agent instead.

local SECRET = '{"sql_pass":"' .. C.PASSWORD .. '"}'
case { name = "secrets_ok", call = "secrets", global = true, serve = answer(200, { JSON }, SECRET),
  want = { kind = "ok", seen = 1 } }
case { name = "secrets_string", call = "secrets", global = true, serve = answer(200, { JSON }, '"' .. C.PASSWORD .. '"'),
  want = { kind = "decode", seen = 1 } }
case { name = "secrets_list", call = "secrets", global = true, serve = answer(200, { JSON }, "[" .. SECRET .. "]"),
  want = { kind = "decode", seen = 1 } }
case { name = "secrets_cut", call = "secrets", global = true, serve = answer(200, { JSON }, SECRET:sub(1, -3)),
  want = { kind = "decode", seen = 1 } }
case { name = "secrets_204", call = "secrets", global = true, serve = answer(204, {}, ""),
  want = { kind = "decode", seen = 1 } }
case { name = "secrets_echo_400", call = "secrets", global = true,
  serve = answer(400, { JSON }, '{"errors":{"sql_pass":"' .. C.PASSWORD .. '"}}'), want = { kind = "api", status = 400, seen = 1 },
  why = "a server that echoes the secrets in its refusal: the error keeps nothing of the answer" }
case { name = "secrets_echo_html", call = "secrets", global = true,
  serve = answer(403, { "Content-Type: text/html" }, "<html><title>" .. C.PASSWORD .. "</title></html>"),
  want = { kind = "api", status = 403, seen = 1 } }
case { name = "firewall_create_204", call = "fw_create", serve = answer(204, {}, ""),
  want = { kind = "decode", uncertain = true, seen = 1 },
  why = "a create answered without the firewall: it may exist, so the error is uncertain and nothing is replayed" }
case { name = "firewall_create_list", call = "fw_create", serve = answer(201, { JSON }, "[]"),
  want = { kind = "decode", uncertain = true, seen = 1 } }
case { name = "whitelist_allow_204", call = "allow", serve = answer(204, {}, ""),
  want = { kind = "decode", uncertain = true, seen = 1 } }
case { name = "ssh_key_create_html", call = "key_create", global = true,
  serve = answer(200, { "Content-Type: text/html" }, "<html>ok</html>"), want = { kind = "decode", uncertain = true, seen = 1 } }

------------------------------------------------------------------------------------------------
-- One client across answers: a normal one, then a first header line that is a fold (this
-- crashed libcurl 7.88 on a reused easy handle), then a normal one again.

local function fold_sequence(s, req)
  if req.n == 2 then
    s:send(http(200, { " X-Folded: nothing to continue", JSON }, C.VM))
  else
    s:send(http(200, { JSON }, C.VM))
  end
  return true
end
case { name = "seq_fold_sync", call = "seq_sync", serve = fold_sequence, want = { kind = "ok" } }
case { name = "seq_fold_batch", call = "seq_batch", serve = fold_sequence, want = { kind = "ok" } }

------------------------------------------------------------------------------------------------
-- One answer, one result (issue 28): the answers of same.lua, which the ngx transport and the
-- curl command meet too, each with the result all three give.

local SAME = dofile((debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./") .. "same.lua")
for _, sc in ipairs(SAME.list) do
  case { name = "same_" .. sc.name, serve = function(s)
      s:send(sc.answer(C.VM))
      if sc.want == "ok" then return true end
      s:close()
    end, want = sc.want == "ok" and { kind = "ok" } or { kind = "network", code = sc.want } }
end

C.list = CASES
C.byname = {}
for _, c in ipairs(CASES) do
  assert(not C.byname[c.name], "case named twice: " .. c.name)
  assert(c.name:find("^[%w_]+$"), "a case name is a word: " .. c.name)
  C.byname[c.name] = c
end

return C
