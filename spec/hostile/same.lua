-- Answers every transport must read alike (issue 28, items 11 and 12): the same bytes go through
-- the C core (spec/hostile/hostile_spec.lua, via cases.lua), the ngx transport (spec/nginx/raw.lua and
-- spec/nginx/hostile_ngx.lua) and the curl command (spec/nvim/same_nvim_spec.lua), and each
-- must give `want`: "ok" (the body as sent) or the NAME of the failure.  The rule of each case
-- is in docs/architecture.md ("One answer, one result").  Plain Lua for 5.1 to 5.4 and LuaJIT.
--
--   S.list[i] = { name =, answer = function(body) -> the answer's bytes, want = "ok" | NAME }
local S = {}

local OK = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"

-- gzip of "hello gzip" (what the core would inflate if it took the coding).
local GZIP = "\31\139\8\0\0\0\0\0\2\3\203\72\205\201\201\87\72\175\202\44"
  .. "\0\0\25\106\210\223\10\0\0\0"

local function chunked(body, size, eol)
  eol = eol or "\r\n"
  local out = {}
  for i = 1, #body, size do
    local piece = body:sub(i, i + size - 1)
    out[#out + 1] = string.format("%x", #piece) .. eol .. piece .. eol
  end
  return table.concat(out)
end

local function sized(lines, body)
  return OK .. lines .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
end

S.list = {
  -- Trailers after the last chunk: read and dropped (the curl command glued them onto the body).
  { name = "trailers", want = "ok", answer = function(body)
    return OK .. "Transfer-Encoding: chunked\r\n\r\n" .. chunked(body, 7) .. "0\r\nX-T: 1\r\nX-U: 2\r\n\r\n"
  end },
  { name = "chunk_ext", want = "ok", answer = function(body)
    return OK .. "Transfer-Encoding: chunked\r\n\r\n" .. string.format("%x ;a=b", #body) .. "\r\n" .. body
      .. "\r\n0\r\n\r\n"
  end },
  { name = "chunk_bare_lf", want = "ok", answer = function(body)
    return OK .. "Transfer-Encoding: chunked\r\n\r\n" .. chunked(body, 5, "\n") .. "0\n\n"
  end },
  -- A size line "5 ": blanks are allowed only before a ";" (RFC 9112 7.1); libcurl read it as 5.
  { name = "chunk_size_space", want = "RECV_ERROR", answer = function(body)
    return OK .. "Transfer-Encoding: chunked\r\n\r\n" .. string.format("%x ", #body) .. "\r\n" .. body
      .. "\r\n0\r\n\r\n"
  end },
  { name = "chunk_size_junk", want = "RECV_ERROR", answer = function(body)
    return OK .. "Transfer-Encoding: chunked\r\n\r\n" .. string.format("%xzz", #body) .. "\r\n" .. body
      .. "\r\n0\r\n\r\n"
  end },
  -- No TE header is sent, so chunked is the only transfer coding a server may use.
  { name = "te_gzip_chunked", want = "BAD_CONTENT_ENCODING", answer = function()
    return OK .. "Transfer-Encoding: gzip, chunked\r\n\r\n" .. chunked(GZIP, 8) .. "0\r\n\r\n"
  end },
  { name = "te_twice", want = "BAD_CONTENT_ENCODING", answer = function(body)
    return OK .. "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" .. chunked(body, 7) .. "0\r\n\r\n"
  end },
  -- A Content-Encoding that names no coding, or gzip spelled otherwise than asked for.
  { name = "ce_empty", want = "BAD_CONTENT_ENCODING", answer = function(body)
    return sized("Content-Encoding: \r\n", body)
  end },
  { name = "ce_gzip_upper", want = "BAD_CONTENT_ENCODING", answer = function()
    return sized("Content-Encoding: GZIP\r\n", GZIP)
  end },
  { name = "ce_x_gzip", want = "BAD_CONTENT_ENCODING", answer = function()
    return sized("Content-Encoding: x-gzip\r\n", GZIP)
  end },
  { name = "ce_identity", want = "ok", answer = function(body)
    return sized("Content-Encoding: Identity\r\n", body)
  end },
  -- One header line over 100 KB (libcurl's bound, which the ngx transport now keeps too).
  { name = "header_line_150k", want = "RECV_ERROR", answer = function(body)
    return sized("X-Big: " .. string.rep("b", 150 * 1024) .. "\r\n", body)
  end },
  { name = "header_line_90k", want = "ok", answer = function(body)
    return sized("X-Big: " .. string.rep("b", 90 * 1024) .. "\r\n", body)
  end },
}

S.byname = {}
for _, c in ipairs(S.list) do S.byname[c.name] = c end

return S
