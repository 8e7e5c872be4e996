-- Specs for the C core, idcloudhost.core (the contract: docs/architecture.md,
-- "idcloudhost.core").  Two groups:
--   * no server: escape, form, options, argument checks, refused connections;
--   * the throwaway server of spec/core/server.lua (lua5.3 or lua5.4 with
--     cqueues), for exact control over every byte of an answer.
-- A group whose server cannot start is reported as pending, not passed.
-- TLS is in spec/core/tls_spec.lua.  Nothing here uses lua/idcloudhost.
-- (Long, on purpose: the C core's whole contract, case by case, around one throwaway server.)

local core = require "idcloudhost.core"
local H = require "spec.core.helper"

local has_system, system = pcall(require, "system")
local now, req, drain = H.now, H.req, H.drain
local unpack = table.unpack or unpack

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- The failure triple: nil, "NAME: message", "NAME".
local function assert_fails(name, res, msg, got)
  assert.is_nil(res, name .. " expected, got an answer")
  assert.equal(name, got, msg)
  assert.is_string(msg)
  assert.equal(name .. ": ", msg:sub(1, #name + 2))
  assert.is_true(#msg > #name + 2, "empty message")
end

describe("idcloudhost.core", function()

  it("describes libcurl, not the SDK, in version and curl_version", function()
    assert.matches("^%d+%.%d+%.%d+$", core.curl_version)
    assert.equal("libcurl/" .. core.curl_version,
                 core.version:sub(1, #core.curl_version + 8))
    assert.is_nil(core.version:lower():find("idcloudhost", 1, true))
  end)

  describe("now and sleep", function()
    it("sleeps for fractions of a second on a monotonic clock", function()
      local t0 = core.now()
      assert.is_number(t0)
      assert.is_nil(core.sleep(0.15))
      local took = core.now() - t0
      assert.is_true(took >= 0.14 and took < 1, "took " .. took)
      if has_system and system.monotime then
        local m0 = system.monotime()
        core.sleep(0.05)
        assert.is_true(system.monotime() - m0 >= 0.045)
      end
    end)

    it("returns at once for 0 and rejects bad durations", function()
      local t0 = core.now()
      core.sleep(0)
      assert.is_true(core.now() - t0 < 0.05)
      assert.has_error(function() core.sleep(-1) end)
      assert.has_error(function() core.sleep(0/0) end)
      assert.has_error(function() core.sleep("soon") end)
    end)
  end)

  describe("escape", function()
    it("keeps exactly the RFC 3986 unreserved characters", function()
      local unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
      assert.equal(unreserved, core.escape(unreserved))
      for i = 0, 255 do
        local c = string.char(i)
        if not unreserved:find(c, 1, true) then
          assert.equal(("%%%02X"):format(i), core.escape(c))
        end
      end
    end)

    it("encodes a space as %20 and + as %2B", function()
      assert.equal("a%20b%2Bc", core.escape("a b+c"))
    end)

    it("encodes reserved characters and UTF-8 bytes in uppercase hex", function()
      assert.equal("%2F%3F%26%3D%23%25", core.escape("/?&=#%"))
      assert.equal("caf%C3%A9%20%E2%9C%93", core.escape("café ✓"))
    end)

    it("handles embedded NUL bytes", function()
      assert.equal("a%00b%00", core.escape("a\0b\0"))
    end)

    it("returns an empty string for an empty string", function()
      assert.equal("", core.escape(""))
    end)

    it("rejects non-string arguments", function()
      assert.has_error(function() core.escape(nil) end)
      assert.has_error(function() core.escape({}) end)
    end)
  end)

  describe("form", function()
    it("sorts keys and joins k=v pairs with &", function()
      assert.equal("a=1&b=2&c=3", core.form{c = "3", a = "1", b = "2"})
    end)

    it("sorts bytewise, shorter prefix first", function()
      assert.equal("B=1&a=1&ab=1&b=1", core.form{b = 1, ab = 1, a = 1, B = 1})
    end)

    it("escapes keys and values the same way as escape", function()
      assert.equal("a%20key=x%2By%20z&k=%C3%A9%26%3D",
                   core.form{["a key"] = "x+y z", k = "é&="})
    end)

    it("writes booleans as true and false", function()
      assert.equal("no=false&yes=true", core.form{yes = true, no = false})
    end)

    it("writes integral numbers without a fraction on every Lua version", function()
      assert.equal("a=2&b=2&c=-7&d=0&e=9007199254740993",
                   core.form{a = 2, b = 2.0, c = -7, d = -0.0,
                             e = math.tointeger and math.tointeger(9007199254740993)
                                 or "9007199254740993"})
      assert.equal("big=9007199254740994", core.form{big = 2^53 + 2})
    end)

    it("writes other numbers with %.14g", function()
      assert.equal("a=2.5&b=0.1&c=1e%2B300", core.form{a = 2.5, b = 0.1, c = 1e300})
    end)

    it("returns an empty string for an empty table", function()
      assert.equal("", core.form{})
    end)

    it("raises on a table value, naming the field", function()
      assert.has_error(function() core.form{ok = 1, x = {}} end, "form: field 'x' is a table")
    end)

    it("raises on non-string keys", function()
      assert.has_error(function() core.form{"positional"} end,
                       "form: keys must be strings (got a number key)")
    end)

    it("raises on unsupported value types", function()
      assert.has_error(function() core.form{f = print} end,
                       "form: field 'f' has unsupported type function")
    end)

    it("raises on non-finite numbers", function()
      assert.has_error(function() core.form{n = 0/0} end,
                       "form: field 'n' is not a finite number")
      assert.has_error(function() core.form{n = math.huge} end)
    end)

    it("raises when not given a table", function()
      assert.has_error(function() core.form("a=1") end)
    end)
  end)


  describe("session options", function()
    it("accepts no options and every documented option", function()
      local s1 = core.session()
      local s2 = core.session{connect_timeout = 1.5, max_body = 1024,
                              ca_file = "/etc/ssl/certs/ca-certificates.crt",
                              insecure = false, proxy = ""}
      local s3 = core.session{max_body = 0, insecure = true}
      for _, s in ipairs{s1, s2, s3} do
        assert.equal("userdata", type(s))
        s:close()
      end
    end)

    local bad = {
      {{connect_timeout = "10"}, "'connect_timeout' must be a number of seconds > 0 %(got string%)"},
      {{connect_timeout = 0}, "'connect_timeout' must be a number of seconds > 0"},
      {{connect_timeout = -1}, "'connect_timeout' must be a number of seconds > 0"},
      {{connect_timeout = 0/0}, "'connect_timeout' must be a number of seconds > 0"},
      {{max_body = -1}, "'max_body' must be a number of bytes >= 0 %(got a negative number or nan%)"},
      {{max_body = "1M"}, "'max_body' must be a number of bytes >= 0 %(got string%)"},
      {{ca_file = {}}, "'ca_file' must be a string %(got table%)"},
      {{proxy = false}, "'proxy' must be a string %(got boolean%)"},
      {{insecure = "yes"}, "'insecure' must be a boolean %(got string%)"},
      {{ca_file = "a\0b"}, "'ca_file' contains a NUL byte"},
      {{timeout = 10}, "unknown option 'timeout'"},
      {{user_agent = "x/1"}, "unknown option 'user_agent'"},
      {{conect_timeout = 1}, "unknown option 'conect_timeout'"},
      {{"positional"}, "option names must be strings %(got number%)"},
    }
    for _, case in ipairs(bad) do
      it("rejects " .. case[2]:gsub("%%", ""), function()
        local okk, err = pcall(core.session, case[1])
        assert.is_false(okk)
        assert.matches("bad argument #1", err)
        assert.matches(case[2], err)
      end)
    end

    it("rejects a non-table opts argument", function()
      assert.has_error(function() core.session("fast") end)
    end)
  end)

  describe("session life cycle", function()
    it("has the idcloudhost.session methods", function()
      local s = core.session()
      for _, m in ipairs{"request", "send", "perform", "result", "pending", "cancel", "wakeup", "close"} do
        assert.is_function(s[m], m)
      end
      s:close()
    end)

    it("prints its address, then (closed)", function()
      local s = core.session()
      assert.matches("^idcloudhost%.session %(0?x?%x+%)$", tostring(s))
      s:close()
      assert.equal("idcloudhost.session (closed)", tostring(s))
    end)

    it("closes idempotently", function()
      local s = core.session()
      s:close()
      s:close()
      assert.equal("idcloudhost.session (closed)", tostring(s))
    end)

    it("raises 'session is closed' on use after close", function()
      local s = core.session()
      s:close()
      local r = req("http://127.0.0.1:1/")
      assert.has_error(function() s:request(r) end, "session is closed")
      assert.has_error(function() s:send(r) end, "session is closed")
      assert.has_error(function() s:perform() end, "session is closed")
      assert.has_error(function() s:result(1) end, "session is closed")
      assert.equal(0, s:pending())
      assert.is_false(s:cancel(1))
      assert.same({ nil, -1 }, { s:wakeup() })
    end)

    it("survives garbage collection of open, used and closed sessions", function()
      local weak = setmetatable({}, {__mode = "k"})
      for i = 1, 20 do
        local s = core.session()
        if i % 2 == 0 then s:request(req("http://127.0.0.1:1/", {timeout = 1})) end
        if i % 3 == 0 then s:send(req("http://127.0.0.1:1/", {timeout = 1})) end
        if i % 4 == 0 then s:send(req("http://127.0.0.1:1/")); s:perform(0.5) end
        if i % 5 == 0 then s:close() end
        weak[s] = true
      end
      collectgarbage()
      collectgarbage()
      assert.is_nil(next(weak))
      local s = core.session()
      assert_fails("COULDNT_CONNECT", s:request(req("http://127.0.0.1:1/")))
      s:close()
    end)

    it("rejects a foreign self", function()
      local s = core.session()
      assert.has_error(function() s.request({}, req("http://127.0.0.1:1/")) end)
      assert.has_error(function() s.close(io.stdout) end)
      s:close()
    end)

    if _VERSION == "Lua 5.4" then
      it("closes as a to-be-closed variable", function()
        local chunk = assert(load([[
          local core = ...
          local keep
          do
            local s <close> = core.session()
            keep = s
          end
          return keep
        ]]))
        assert.equal("idcloudhost.session (closed)", tostring(chunk(core)))
      end)
    end
  end)

  describe("request arguments", function()
    local s
    before_each(function() s = core.session() end)
    after_each(function() s:close() end)
    local u = "http://127.0.0.1:1/"

    -- Every bad request raises on both paths, and queues nothing.
    local function rejects(r, pattern)
      for _, m in ipairs{"request", "send"} do
        local okk, err = pcall(s[m], s, r)
        assert.is_false(okk, m .. " accepted a bad request")
        assert.matches("bad argument #%d", err)
        if pattern then assert.matches(pattern, err) end
      end
      assert.equal(0, s:pending())
    end

    it("wants a table", function()
      rejects(nil, "table expected")
      rejects("GET " .. u, "table expected")
    end)

    it("rejects a bad method", function()
      rejects(req(u, {method = "GET /x"}), "'method' is not a valid HTTP method")
      rejects(req(u, {method = ""}), "'method' is not a valid HTTP method")
      rejects(req(u, {method = false}), "'method' must be a string %(got boolean%)")
      rejects({url = u, timeout = 1}, "'method' must be a string %(got nil%)")
    end)

    it("rejects a missing url or one with NUL", function()
      rejects({method = "GET", timeout = 1}, "'url' must be a string %(got nil%)")
      rejects(req(u .. "\0x"), "'url' contains a NUL byte")
    end)

    it("rejects malformed headers, never echoing a value", function()
      rejects(req(u, {headers = "apikey: x"}), "'headers' must be a table or nil")
      rejects(req(u, {headers = {"positional"}}), "header names must be strings")
      rejects(req(u, {headers = {["Bad Name"] = "x"}}), "invalid header name 'Bad Name'")
      rejects(req(u, {headers = {["X:Y"] = "x"}}), "invalid header name")
      rejects(req(u, {headers = {[""] = "x"}}), "invalid header name")
      rejects(req(u, {headers = {["X-T"] = {}}}), "header 'X%-T' must be a string %(got table%)")
      for _, v in ipairs{"SECRET\r\nHost: evil", "SECRET\n", "SECRET\r", "SEC\0RET"} do
        local okk, err = pcall(s.request, s, req(u, {headers = {apikey = v}}))
        assert.is_false(okk)
        assert.matches("header 'apikey' has a value with CR, LF or NUL", err)
        assert.is_nil(err:find("SEC", 1, true), "the value leaked into the error")
      end
    end)

    it("rejects a non-string body", function()
      rejects(req(u, {method = "POST", body = {}}), "'body' must be a string or nil %(got table%)")
      rejects(req(u, {method = "POST", body = 42}), "'body' must be a string or nil %(got number%)")
    end)

    it("wants timeout, seconds > 0", function()
      rejects({method = "GET", url = u}, "'timeout' must be a number of seconds > 0 %(got nil%)")
      rejects(req(u, {timeout = "1"}), "'timeout' must be a number of seconds > 0 %(got string%)")
      rejects(req(u, {timeout = 0}), "'timeout' must be a number of seconds > 0")
      rejects(req(u, {timeout = -2}), "'timeout' must be a number of seconds > 0")
      rejects(req(u, {timeout = 0/0}), "'timeout' must be a number of seconds > 0")
    end)

    it("rejects a bad connect_timeout or fresh", function()
      rejects(req(u, {connect_timeout = 0}), "'connect_timeout' must be a number of seconds > 0")
      rejects(req(u, {connect_timeout = "1"}), "'connect_timeout' must be a number")
      rejects(req(u, {fresh = 1}), "'fresh' must be a boolean or nil %(got number%)")
    end)

    it("ignores fields it does not know (other transports may use them)", function()
      assert_fails("COULDNT_CONNECT", s:request(req(u, {hook_id = 7})))
    end)
  end)

  describe("failures without a server", function()
    local s
    before_each(function() s = core.session() end)
    after_each(function() s:close() end)

    local cases = {
      {"a refused connection", "http://127.0.0.1:1/", "COULDNT_CONNECT"},
      {"an unresolvable host", "http://nonexistent.invalid/", "COULDNT_RESOLVE_HOST"},
      {"a protocol other than http and https", "file:///etc/hostname", "UNSUPPORTED_PROTOCOL"},
      {"a malformed url", "http://[::1/", "URL_MALFORMAT"},
    }
    for _, c in ipairs(cases) do
      it("names " .. c[1] .. " " .. c[3] .. ", on both paths", function()
        local res, msg, name = s:request(req(c[2]))
        assert_fails(c[3], res, msg, name)
        local id = assert(s:send(req(c[2])))
        local got = drain(s)
        assert.equal(1, count(got))
        assert.same(H.outcome(res, msg, name), H.outcome(unpack(got[id], 1, 3)))
      end)
    end
  end)

  describe("multi interface without transfers", function()
    it("returns an empty table at once from perform, even with a wait", function()
      local s = core.session()
      local t0 = now()
      assert.same({}, s:perform(5))
      assert.is_true(now() - t0 < 0.5)
      assert.equal(0, s:pending())
      s:close()
    end)

    it("rejects a negative wait", function()
      local s = core.session()
      assert.has_error(function() s:perform(-1) end)
      s:close()
    end)

    it("returns false when cancelling an unknown id", function()
      local s = core.session()
      assert.is_false(s:cancel(12345))
      assert.is_false(s:cancel(0))
      s:close()
    end)

    it("raises on result for an id that is not a finished transfer", function()
      local s = core.session()
      local okk, err = pcall(function() local r = s:result(1); return r end)
      assert.is_false(okk)
      assert.matches("bad argument #1 to 'result' %(not a finished transfer%)", err)
      s:close()
    end)
  end)

  ----------------------------------------------------------------------------
  describe("against a local test server", function()
    local helper, s

    setup(function() helper = H.start() end)
    teardown(function() H.stop(helper) end)
    before_each(function() s = core.session() end)
    after_each(function() s:close() end)

    local plain_it = it
    local function it(name, fn)  -- pending without the server
      plain_it(name, function()
        if not helper then pending("needs lua5.3 or lua5.4 with cqueues") end
        fn()
      end)
    end

    local function url(path) return helper.url .. path end
    local function get(path, t) return s:request(req(url(path), t)) end
    -- The same request through send/perform/result.
    local function queued(sess, r)
      local id = assert(sess:send(r))
      return unpack(drain(sess)[id], 1, 3)
    end

    describe("answers", function()
      it("returns {status, body, head}, and headers with lowercased names on first read", function()
        local res = get("/echo", {headers = {["X-Test"] = "yes"}})
        local function keys()
          local k = {}
          for name in pairs(res) do k[#k + 1] = name end
          table.sort(k)
          return k
        end
        -- (the table is built when read: a call that reads no header pays for none)
        assert.same({"body", "head", "status"}, keys())
        assert.matches("\ncontent%-type: text/plain\n", "\n" .. res.head)
        local h = res.headers
        assert.same({"body", "head", "headers", "status"}, keys())
        assert.equal(h, res.headers)
        assert.is_nil(res.other)
        assert.equal(200, res.status)
        assert.equal(math.type and "integer" or "number",
                     math.type and math.type(res.status) or type(res.status))
        assert.matches("^GET /echo\n", res.body)
        assert.matches("\nX%-Test: yes\n", res.body)
        assert.equal("text/plain", res.headers["content-type"])
        assert.is_nil(res.headers["Content-Type"])
        assert.equal(tostring(#res.body), res.headers["content-length"])
      end)

      it("returns every status as an answer, 4xx and 5xx included", function()
        for _, code in ipairs{201, 204, 404, 418, 429, 500, 503} do
          local res = get("/status/" .. code)
          assert.equal(code, res.status)
        end
        assert.equal("status body", get("/status/404").body)
        assert.equal("", get("/status/204").body)
      end)

      it("returns a 3xx as an answer with its Location, never following it", function()
        local res = get("/redirect")
        assert.equal(302, res.status)
        assert.equal("moved", res.body)
        assert.equal("/echo", res.headers.location)
      end)

      it("joins repeated headers, trims values, unfolds space- and tab-folded lines", function()
        local h = get("/headers").headers
        assert.equal("one, two", h["x-dup"])
        assert.equal("padded value", h["x-mixed-case"])
        assert.equal("first second", h["x-fold"])
        assert.equal("a b c", h["x-tab"])
      end)

      it("reads header lines ended by a bare LF", function()
        local res = get("/lf")
        assert.equal(200, res.status)
        assert.equal("yes", res.headers["x-lf"])
        assert.equal("ok", res.body)
      end)

      it("keeps only the final answer's headers after 100 Continue", function()
        local res = get("/continue")
        assert.equal(201, res.status)
        assert.equal("final", res.body)
        assert.equal("yes", res.headers["x-final"])
        assert.is_nil(res.headers["x-interim"])
      end)

      it("receives a large body", function()
        local res = get("/big")
        assert.equal(1024 * 1024, #res.body)
        assert.equal(("0123456789abcdef"):rep(4), res.body:sub(-64))
      end)

      it("receives a chunked body", function()
        local res = get("/chunked/100000")
        assert.equal(200, res.status)
        assert.equal(("x"):rep(100000), res.body)
      end)
    end)

    describe("requests", function()
      it("sends a binary body with its exact length and the given method", function()
        local payload = "a\0b\r\n\255" .. ("z"):rep(3000)
        for _, m in ipairs{"POST", "PUT", "PATCH", "DELETE"} do
          local res = get("/echo", {method = m, body = payload,
                                    headers = {["Content-Type"] = "application/octet-stream"}})
          assert.equal(200, res.status)
          assert.matches("^" .. m .. " /echo\n", res.body)
          assert.matches("\nContent%-Length: " .. #payload .. "\n", res.body)
          assert.equal(payload, res.body:sub(-#payload))
        end
      end)

      it("sends an empty body as Content-Length: 0", function()
        local res = get("/echo", {method = "POST", body = ""})
        assert.matches("^POST /echo\n", res.body)
        assert.matches("\nContent%-Length: 0\n", res.body)
      end)

      it("never sends Expect: 100-continue, even for a large body", function()
        local res = get("/echo", {method = "POST", body = ("x"):rep(2 * 1024 * 1024)})
        assert.equal(200, res.status)
        assert.is_nil(res.body:sub(1, 2000):lower():find("\nexpect:", 1, true))
      end)

      it("uses HEAD without reading a body, and custom methods without one", function()
        local res = get("/echo", {method = "HEAD"})
        assert.equal(200, res.status)
        assert.equal("", res.body)
        assert.is_string(res.headers["content-length"])
        res = get("/echo", {method = "DELETE"})
        assert.matches("^DELETE /echo\n", res.body)
        assert.is_nil(res.body:find("Content-Length", 1, true))
      end)

      it("sends empty and number header values", function()
        local body = get("/echo", {headers = {["X-Empty"] = "", ["X-Num"] = 42}}).body
        assert.matches("\nX%-Empty:%s*\n", body)
        assert.matches("\nX%-Num: 42\n", body)
      end)

      it("sends no User-Agent of its own: the caller's header is the one", function()
        assert.is_nil(get("/echo").body:lower():find("\nuser-agent:", 1, true))
        local body = get("/echo", {headers = {["User-Agent"] = "idcloudhost-lua/9"}}).body
        assert.matches("\nUser%-Agent: idcloudhost%-lua/9\n", body)
      end)

      it("asks for gzip and inflates it; the caller's Accept-Encoding wins", function()
        assert.matches("\nAccept%-Encoding: gzip\n", get("/echo").body)
        local body = get("/echo", {headers = {["accept-encoding"] = "identity"}}).body
        assert.matches("\naccept%-encoding: identity\n", body)
        assert.is_nil(body:find("gzip", 1, true))
        local res = get("/gzip")
        assert.equal(200, res.status)
        assert.equal("hello gzip", res.body)
        assert.equal("gzip", res.headers["content-encoding"])
      end)

      it("leaks nothing from one request into the next", function()
        get("/echo", {method = "POST", headers = {["X-Once"] = "1"}, body = "body"})
        local res = get("/echo")
        assert.matches("^GET /echo\n", res.body)
        assert.is_nil(res.body:find("X-Once", 1, true))
        assert.is_nil(res.body:find("Content-Length", 1, true))
        assert.matches("\n\n$", res.body)
      end)

      it("sends nothing for a request it rejects", function()
        local before = tonumber(get("/echo", {fresh = true}).headers["x-conn"])
        assert.has_error(function() s:request(req(url("/echo"), {headers = {a = "\n"}})) end)
        assert.has_error(function() s:send(req(url("/echo"), {timeout = 0})) end)
        local after = tonumber(get("/echo", {fresh = true}).headers["x-conn"])
        assert.equal(before + 1, after)  -- no connection in between
      end)
    end)

    describe("connections", function()
      local function conn(res) return assert(tonumber(res.headers["x-conn"])) end

      it("reuses one connection across requests of a session, sync and multi", function()
        local c = conn(get("/echo"))
        for _ = 1, 3 do assert.equal(c, conn(get("/echo"))) end
        assert.equal(c, conn(queued(s, req(url("/echo")))))
        assert.equal(c, conn(get("/echo", {method = "PUT", body = "x", fresh = false})))
        assert.equal(c, conn(get("/echo")))
      end)

      it("never reuses a connection for fresh = true", function()
        local seen = {[conn(get("/echo"))] = true}
        for i = 1, 4 do
          local res = i % 2 == 0 and get("/echo", {method = "POST", body = "x", fresh = true})
                                 or queued(s, req(url("/echo"), {method = "POST", fresh = true}))
          local c = conn(res)
          assert.is_nil(seen[c], "fresh request on reused connection " .. c)
          seen[c] = true
        end
      end)

      it("goes through the session's proxy", function()
        local p = core.session{proxy = helper.url}
        local res = p:request(req("http://api.example.invalid/echo/via"))
        p:close()
        assert.equal(200, res.status)
        assert.matches("^GET http://api%.example%.invalid/echo/via\n", res.body)
        local q = core.session{proxy = "http://nonexistent.invalid:3128"}
        assert_fails("COULDNT_RESOLVE_PROXY", q:request(req(url("/echo"))))
        q:close()
      end)

      it("keeps the pool per session", function()
        local other = core.session()
        local a = conn(get("/echo"))
        local b = conn(other:request(req(url("/echo"))))
        other:close()
        assert.are_not.equal(a, b)
      end)
    end)

    describe("a folded first header line (libcurl 7.88 reused-handle crash)", function()
      it("is a WEIRD_SERVER_REPLY after a first answer, through request", function()
        assert.equal(200, get("/echo").status)
        assert_fails("WEIRD_SERVER_REPLY", get("/foldfirst"))
        assert_fails("WEIRD_SERVER_REPLY", get("/foldfirst"))
        assert.equal(200, get("/echo").status)
      end)

      it("is a WEIRD_SERVER_REPLY after a first answer, through send", function()
        assert.equal(200, (queued(s, req(url("/echo")))).status)
        assert_fails("WEIRD_SERVER_REPLY", queued(s, req(url("/foldfirst"))))
        assert_fails("WEIRD_SERVER_REPLY", queued(s, req(url("/foldfirst"))))
        assert.equal(200, (queued(s, req(url("/echo")))).status)
      end)
    end)

    describe("broken answers", function()
      local cases = {
        {"/cut-status", "RECV_ERROR", "closed inside the headers"},
        {"/cut-head", "RECV_ERROR", "closed inside the headers"},
        {"/cut-line", "RECV_ERROR"},
        {"/continue-only", "GOT_NOTHING"},
        {"/short", "PARTIAL_FILE"},
        {"/badchunk", "RECV_ERROR"},
        {"/cutchunk", "PARTIAL_FILE"},
        {"/empty", "GOT_NOTHING"},
        {"/garbage", "WEIRD_SERVER_REPLY", "did not answer with HTTP"},
        {"/gzip-cut", "BAD_CONTENT_ENCODING", "gzip body ended early"},
        {"/gzip-junk", "BAD_CONTENT_ENCODING", "after the end of the gzip body"},
        {"/gzip-corrupt", "BAD_CONTENT_ENCODING", "gzip body is corrupt"},
        {"/many-headers", "RECV_ERROR"},
        {"/br", "BAD_CONTENT_ENCODING", "other than gzip"},
      }
      for _, c in ipairs(cases) do
        it(c[1] .. " is " .. c[2] .. ", the same through request and send", function()
          local res, msg, name = get(c[1])
          assert_fails(c[2], res, msg, name)
          if c[3] then assert.matches(c[3], msg, 1, true) end
          assert.same(H.outcome(res, msg, name), H.outcome(queued(s, req(url(c[1])))))
        end)
      end

      it("answers HEAD with a Content-Encoding it cannot inflate: no body, no error", function()
        local res = get("/br", {method = "HEAD"})
        assert.equal(200, res.status)
        assert.equal("", res.body)
      end)
    end)

    describe("max_body", function()
      local function capped(cap) return core.session{max_body = cap} end

      it("refuses a Content-Length over the cap at once", function()
        local c = capped(4096)
        local t0 = now()
        local res, msg, name = c:request(req(url("/cl-over"), {timeout = 5}))
        local took = now() - t0
        assert_fails("FILESIZE_EXCEEDED", res, msg, name)
        assert.matches("larger than max_body %(4096 bytes%)", msg)
        assert.is_true(took < 2.5, "took " .. took)
        assert.same(H.outcome(res, msg, name),
                    H.outcome(queued(c, req(url("/cl-over"), {timeout = 5}))))
        res = c:request(req(url("/cl-over"), {method = "HEAD", timeout = 5}))
        assert.equal(200, res.status)  -- no body comes with a HEAD answer
        assert.equal("1000000000000", res.headers["content-length"])
        c:close()
      end)

      it("takes a body of exactly max_body bytes, refuses one byte more", function()
        for _, path in ipairs{"/chunked/50000", "/big"} do
          local n = path == "/big" and 1024 * 1024 or 50000
          local c = capped(n)
          assert.equal(n, #c:request(req(url(path))).body)
          c:close()
          c = capped(n - 1)
          assert_fails("FILESIZE_EXCEEDED", c:request(req(url(path))))
          assert_fails("FILESIZE_EXCEEDED", queued(c, req(url(path))))
          c:close()
        end
      end)

      it("stops an endless chunked body at the cap", function()
        local c = capped(100000)
        assert_fails("FILESIZE_EXCEEDED", c:request(req(url("/endless"))))
        assert_fails("FILESIZE_EXCEEDED", queued(c, req(url("/endless"))))
        c:close()
      end)

      it("counts inflated bytes: a 1 MB gzip of 1 GB stops at the cap, in memory too", function()
        local c = capped(4 * 2^20)
        local ok3 = c:request(req(url("/gzbomb/3000000")))
        assert.equal(3000000, #ok3.body)
        assert.equal(("\0"):rep(3000000), ok3.body)
        local peak0 = H.peak_kb()
        local t0 = now()
        local res, msg, name = c:request(req(url("/gzbomb/1073741824"), {timeout = 60}))
        assert_fails("FILESIZE_EXCEEDED", res, msg, name)
        assert.is_true(now() - t0 < 10, "the bomb was inflated past the cap")
        assert_fails("FILESIZE_EXCEEDED", queued(c, req(url("/gzbomb/1073741824"), {timeout = 60})))
        local peak1 = H.peak_kb()
        if peak0 and peak1 then
          assert.is_true(peak1 - peak0 < 256 * 1024, "peak memory grew by " .. (peak1 - peak0) .. " kB")
        end
        c:close()
      end)

      it("has no cap when max_body is nil or 0", function()
        local c = capped(0)
        assert.equal(16000000, #c:request(req(url("/gzbomb/16000000"))).body)
        c:close()
        assert.equal(1024 * 1024, #get("/big").body)
      end)
    end)

    describe("timeouts", function()
      it("times out with OPERATION_TIMEDOUT close to req.timeout", function()
        for _, path in ipairs{"/hang", "/cl-over"} do
          local t0 = now()
          local res, msg, name = get(path, {timeout = 0.5})
          local took = now() - t0
          assert_fails("OPERATION_TIMEDOUT", res, msg, name)
          assert.is_true(took >= 0.45 and took < 1.5, "took " .. took)
        end
        local t0 = now()
        assert_fails("OPERATION_TIMEDOUT", queued(s, req(url("/hang"), {timeout = 0.5})))
        local took = now() - t0
        assert.is_true(took >= 0.45 and took < 1.5, "took " .. took)
      end)

      it("does not carry one request's timeout over to the next", function()
        assert_fails("OPERATION_TIMEDOUT", get("/hang", {timeout = 0.2}))
        assert.equal(200, get("/slow/600", {timeout = 5}).status)
      end)

      local plain = it
      local function bh_it(name, fn)
        plain(name, function()
          if not helper.port.blackhole then pending("needs luaposix for the server's Lua") end
          fn()
        end)
      end

      -- A listener with a full backlog: the SYN is dropped, connect() waits.
      local function blackhole() return "http://127.0.0.1:" .. helper.port.blackhole .. "/" end

      bh_it("hands connect_timeout to libcurl: from the request", function()
        local t0 = now()
        local res, msg, name = s:request(req(blackhole(), {timeout = 10, connect_timeout = 0.4}))
        local took = now() - t0
        assert_fails("OPERATION_TIMEDOUT", res, msg, name)
        assert.matches("[Cc]onnect", msg)
        assert.is_true(took >= 0.35 and took < 1.5, "took " .. took)
        t0 = now()
        assert_fails("OPERATION_TIMEDOUT",
                     queued(s, req(blackhole(), {timeout = 10, connect_timeout = 0.4})))
        took = now() - t0
        assert.is_true(took >= 0.35 and took < 1.5, "took " .. took)
      end)

      bh_it("hands connect_timeout to libcurl: from the session, overridden per request", function()
        local c = core.session{connect_timeout = 0.4}
        local t0 = now()
        assert_fails("OPERATION_TIMEDOUT", c:request(req(blackhole(), {timeout = 10})))
        local took = now() - t0
        assert.is_true(took >= 0.35 and took < 1.5, "took " .. took)
        t0 = now()
        assert_fails("OPERATION_TIMEDOUT",
                     c:request(req(blackhole(), {timeout = 10, connect_timeout = 1.2})))
        took = now() - t0
        assert.is_true(took >= 1.1 and took < 2.5, "took " .. took)
        c:close()
      end)

      bh_it("lets the whole-attempt timeout cut a connect short", function()
        local t0 = now()
        assert_fails("OPERATION_TIMEDOUT",
                     s:request(req(blackhole(), {timeout = 0.3, connect_timeout = 5})))
        assert.is_true(now() - t0 < 1.3)
      end)
    end)

    describe("result parity", function()
      local paths = {"/echo", "/status/404", "/redirect", "/headers", "/lf", "/continue",
                     "/gzip", "/chunked/3000", "/cut-head", "/short", "/empty", "/foldfirst"}

      it("gives request and send/perform/result the same outcome for the same answer", function()
        for _, path in ipairs(paths) do
          assert.same(H.outcome(get(path)), H.outcome(queued(s, req(url(path)))), path)
        end
      end)
    end)

    describe("multi", function()
      it("runs 5 transfers concurrently and names each once", function()
        local ids, want = {}, {}
        local t0 = now()
        for i = 1, 5 do
          local path = "/slow/" .. (300 + i)
          local id = assert(s:send(req(url(path))))
          assert.is_true(id > 0)
          if #ids > 0 then assert.is_true(id > ids[#ids]) end
          ids[#ids + 1] = id
          want[id] = path
        end
        assert.equal(5, s:pending())
        local got = drain(s)
        assert.is_true(now() - t0 < 1.5, "not concurrent")  -- serial would be >= 1.5 s
        assert.equal(5, count(got))
        for id, path in pairs(want) do
          assert.equal(200, got[id][1].status)
          assert.equal(path, got[id][1].body)
        end
        assert.equal(0, s:pending())
      end)

      it("returns ids from perform, outcomes from result, once", function()
        local id = s:send(req(url("/echo")))
        local ids = {}
        local deadline = now() + 5
        while #ids == 0 and now() < deadline do ids = s:perform(1) end
        assert.same({id}, ids)
        assert.equal(0, s:pending())
        local res = s:result(id)
        assert.equal(200, res.status)
        assert.has_error(function() s:result(id) end)
        assert.is_false(s:cancel(id))
      end)

      it("gives one descriptor to wake on while a transfer waits, none when nothing is queued", function()
        local fd, ms = s:wakeup()
        assert.is_nil(fd)
        assert.equal(-1, ms)
        local id = s:send(req(url("/hang")))
        local deadline = now() + 5
        repeat
          s:perform(0.05)
          fd, ms = s:wakeup()
        until fd or now() > deadline
        assert.is_number(fd, "no descriptor while a transfer waits")
        assert.is_true(math.type == nil or math.type(ms) == "integer")
        assert.is_true(ms >= -1)
        s:perform(0)
        assert.equal(fd, (s:wakeup()))   -- the same one for the session's life
        assert.is_true(s:cancel(id))
        assert.is_nil((s:wakeup()))
        id = s:send(req(url("/hang")))
        repeat s:perform(0.05) until s:wakeup() or now() > deadline
        assert.equal(fd, (s:wakeup()))
        s:cancel(id)
      end)

      it("follows the sockets in perform once wakeup was called: ids, then what wakeup answers", function()
        local id = s:send(req(url("/hang")))
        assert.equal(1, select("#", s:perform(0)), "perform answers ids only before wakeup is called")
        local deadline = now() + 5
        local fd
        repeat
          s:perform(0.05)
          fd = s:wakeup()
        until fd or now() > deadline
        assert.is_number(fd)
        local ids, pfd, ms = s:perform(0)
        assert.same({}, ids)
        assert.equal(fd, pfd)
        assert.is_true(ms >= -1)
        assert.is_true(s:cancel(id))
        -- nothing queued: no descriptor to wake on (its set emptied: an idle socket wakes nothing)
        ids, pfd, ms = s:perform(0)
        assert.same({}, ids)
        assert.is_nil(pfd)
        assert.is_number(ms)
        id = s:send(req(url("/hang")))
        repeat pfd = select(2, s:perform(0.05)) until pfd or now() > deadline
        assert.equal(fd, pfd)
        s:cancel(id)
      end)

      it("closes its wake descriptor with the session: none left open", function()
        local function open_fds() -- (the shell's parent: this Lua)
          local p = io.popen("ls /proc/$PPID/fd | wc -l")
          local n = tonumber(p:read("*a"))
          p:close()
          return n
        end
        local before = open_fds()
        for _ = 1, 10 do
          local ws = core.session()
          ws:send(req(url("/hang")))
          local deadline = now() + 5
          repeat ws:perform(0.02) until ws:wakeup() or now() > deadline
          assert.is_number((ws:wakeup()))
          ws:close()
        end
        assert.is_true(open_fds() <= before + 1, "descriptors left open: " .. open_fds() - before)
      end)

      it("refuses result for a transfer still running", function()
        local id = s:send(req(url("/hang")))
        assert.has_error(function() s:result(id) end)
        assert.is_true(s:cancel(id))
      end)

      it("returns at once from perform(0) and perform() while busy", function()
        local id = s:send(req(url("/hang")))
        for _, wait in ipairs{0, false} do
          local t0 = now()
          local r = wait and s:perform(wait) or s:perform()
          assert.same({}, r)
          assert.is_true(now() - t0 < 0.3)
        end
        assert.equal(1, s:pending())
        assert.is_true(s:cancel(id))
      end)

      it("blocks no longer than wait", function()
        local id = s:send(req(url("/hang")))
        local t0 = now()
        local r = s:perform(0.4)
        local took = now() - t0
        assert.same({}, r)
        assert.is_true(took >= 0.35 and took < 1.2, "took " .. took)
        s:cancel(id)
      end)

      it("returns as soon as a transfer finishes", function()
        local hang = s:send(req(url("/hang")))
        local fast = s:send(req(url("/slow/100")))
        local t0, got = now(), {}
        while #got == 0 and now() - t0 < 5 do got = s:perform(5) end
        assert.is_true(now() - t0 < 1.5, "perform waited for the deadline")
        assert.same({fast}, got)
        assert.equal(1, s:pending())
        assert.is_true(s:cancel(hang))
        assert.equal(200, s:result(fast).status)
      end)

      it("cancels a pending transfer exactly once", function()
        local id = s:send(req(url("/hang")))
        assert.equal(1, s:pending())
        assert.is_true(s:cancel(id))
        assert.is_false(s:cancel(id))
        assert.equal(0, s:pending())
        assert.same({}, s:perform(0.1))
      end)

      it("cancels a finished transfer not yet collected", function()
        s:send(req(url("/echo")))
        drain(s, 5)  -- collected: the next one is left alone
        local id = s:send(req(url("/echo")))
        local deadline = now() + 5
        local ids = {}
        while #ids == 0 and now() < deadline do ids = s:perform(1) end
        assert.same({id}, ids)
        assert.is_true(s:cancel(id))
        assert.has_error(function() s:result(id) end)
      end)

      it("mixes request with transfers in flight", function()
        local id = s:send(req(url("/slow/200")))
        assert.equal(200, get("/echo").status)
        assert.equal("/slow/200", drain(s)[id][1].body)
      end)

      it("closes with transfers in flight and finished ones uncollected", function()
        local s2 = core.session()
        for _ = 1, 3 do s2:send(req(url("/hang"))) end
        s2:send(req(url("/echo")))
        local deadline = now() + 5
        while s2:pending() > 3 and now() < deadline do s2:perform(0.5) end
        assert.equal(3, s2:pending())
        s2:close()
        assert.equal(0, s2:pending())
        assert.has_error(function() s2:send(req(url("/echo"))) end, "session is closed")
        s2:close()
      end)

      it("collects sessions with transfers in flight", function()
        for _ = 1, 3 do
          local s2 = core.session()
          s2:send(req(url("/hang")))
          s2:send(req(url("/slow/50")))
          s2:send(req(url("/echo"), {method = "POST", body = "secret", headers = {apikey = "k"}}))
          s2:perform(0.2)
        end
        collectgarbage()
        collectgarbage()
        assert.equal(200, get("/echo").status)
      end)
    end)
  end)
end)
