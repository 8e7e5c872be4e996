-- The ngx transport against a server that is anyone (spec/nginx/raw.lua writes its bytes): every
-- broken answer is an error value with the name libcurl gives it, never a crash or a success,
-- and no read outlives its timeout.
local D = require "spec.nginx.driver"

local function read(case, query)
  local r = D.get("/t/hostile?case=" .. case .. (query or ""))
  assert.equal(200, r.status, r.body)
  return r.json
end

local function fails(case, code, query)
  local r = read(case, query)
  assert.is_false(r.ok, case .. " was taken as an answer")
  assert.equal(code, r.error.code, r.error.message)
  return r
end

describe("the ngx transport facing a hostile server (" .. tostring(D.MODE) .. ")", function()
  it("names malformed status lines and headers WEIRD_SERVER_REPLY", function()
    fails("status", "WEIRD_SERVER_REPLY")
    fails("http2", "WEIRD_SERVER_REPLY")
    fails("header", "WEIRD_SERVER_REPLY")
    fails("conflict", "WEIRD_SERVER_REPLY")
    fails("switch", "WEIRD_SERVER_REPLY")
  end)

  it("names a header line over 100 KB RECV_ERROR, as the core and the curl command do", function()
    fails("longheader", "RECV_ERROR")
  end)

  it("names a connection closed early GOT_NOTHING, RECV_ERROR or PARTIAL_FILE", function()
    fails("nothing", "GOT_NOTHING")
    fails("headonly", "RECV_ERROR")
    fails("short", "PARTIAL_FILE")
    fails("shortchunk", "PARTIAL_FILE")
    fails("badchunk", "RECV_ERROR")
  end)

  it("caps the body at max_body while reading: FILESIZE_EXCEEDED", function()
    local r = fails("big", "FILESIZE_EXCEEDED", "&max_body=1000")
    assert.equal("decode", r.error.kind)
    assert.is_true(r.seconds < 1)
    fails("bigchunked", "FILESIZE_EXCEEDED", "&max_body=1000")
    fails("bigclose", "FILESIZE_EXCEEDED", "&max_body=1000")
  end)

  it("refuses encodings it does not decode (it asks for none): BAD_CONTENT_ENCODING", function()
    fails("gzip", "BAD_CONTENT_ENCODING")
    fails("gzipte", "BAD_CONTENT_ENCODING")
  end)

  it("bounds the whole attempt by its timeout, a stalled or dripping server included", function()
    local r = fails("stall", "OPERATION_TIMEDOUT", "&timeout=0.5")
    assert.equal("timeout", r.error.kind)
    assert.is_true(r.seconds >= 0.45 and r.seconds < 1.2, string.format("%.2f s", r.seconds))
    r = fails("drip", "OPERATION_TIMEDOUT", "&timeout=1")
    assert.is_true(r.seconds >= 0.95 and r.seconds < 1.7, string.format("a drip held the read %.2f s", r.seconds))
  end)

  it("reads chunked bodies with extensions and trailers, close-delimited bodies, and 204", function()
    local r = read("chunked")
    assert.is_true(r.ok, r.error and r.error.message)
    assert.equal("x", r.value[1].uuid)
    r = read("close")
    assert.is_true(r.ok, r.error and r.error.message)
    r = read("nocontent")
    assert.is_true(r.ok, r.error and r.error.message)
  end)

  it("skips interim 1xx answers; joins repeated headers with \", \"; lower-cases names", function()
    local r = read("interim")
    assert.is_true(r.ok, r.error and r.error.message)
    assert.equal("1, 2", r.headers["x-a"])
    assert.equal("one two", r.headers["x-folded"])
    assert.equal("2", r.headers["content-length"])
    assert.is_nil(r.headers["Content-Length"])
  end)

  -- spec/hostile/same.lua: the same bytes through the core (make hostile) and the curl command
  -- (make test-nvim) give the same result.
  describe("answers every transport reads alike", function()
    local same = dofile("spec/hostile/same.lua")
    for _, sc in ipairs(same.list) do
      it(sc.name .. " -> " .. sc.want, function()
        if sc.want == "ok" then
          local r = read("same_" .. sc.name)
          assert.is_true(r.ok, r.error and r.error.message)
          assert.equal("x", r.value[1].uuid)
        else
          fails("same_" .. sc.name, sc.want)
        end
      end)
    end
  end)

  it("sends a read again on a new connection when the kept-alive one was closed by the server", function()
    -- Each /raw/ answer keeps the connection alive by its headers, then closes it.
    local r = read("keepalive", "&n=5&write=1")
    assert.is_true(r.ok, r.error and r.error.message)
    assert.is_true(r.write_ok, r.write_error and r.write_error.message)
  end)
end)
