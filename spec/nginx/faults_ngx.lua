-- The ngx transport's timing and framing under faults (issue 28, item 15): connect cut to what
-- is left of the attempt and the call, Content-Length: 0 on a write without a body, and the
-- resend after a stale pooled connection within the time that is left.  The handlers are
-- spec/nginx/faults.lua; the server spec/core/server.lua (lua5.3 + cqueues, luaposix for the
-- port that never accepts).
local D = require "spec.nginx.driver"

local function start_server()
  for _, lua in ipairs { "lua5.3", "lua5.4" } do
    local p = io.popen("echo $$; exec " .. lua .. " spec/core/server.lua 2>/dev/null")
    local h = { pipe = p, pid = tonumber(p:read("*l") or ""), port = {} }
    for line in p:lines() do
      if line == "ready" then break end
      local name, port = line:match("^(%S+) (%d+)$")
      if name then h.port[name] = tonumber(port) end
    end
    if h.pid and h.port.http then return h end
    p:close()
  end
end

local function get(path)
  local r = D.get(path)
  assert.equal(200, r.status, r.body)
  return r.json
end

describe("the ngx transport under faults (" .. tostring(D.MODE) .. ")", function()
  local server

  setup(function() server = start_server() end)
  teardown(function()
    if server then
      os.execute("kill " .. server.pid .. " 2>/dev/null")
      server.pipe:close()
    end
  end)

  local function need(port)
    if not server then pending("needs lua5.3 or lua5.4 with cqueues") end
    if not server.port[port] then pending("needs luaposix for a port that never accepts") end
  end

  it("cuts the connect to the attempt's timeout (connect_timeout 10 s, timeout 0.5 s)", function()
    need("blackhole")
    local r = get("/f/connect?timeout=0.5&port=" .. server.port.blackhole)
    assert.is_false(r.ok)
    assert.equal("timeout", r.kind)
    assert(r.seconds >= 0.45 and r.seconds < 1.2, ("the connect took %.2f s"):format(r.seconds))
  end)

  it("cuts the connect to what is left of the call's deadline (timeout 10 s, deadline 0.5 s)", function()
    need("blackhole")
    local r = get("/f/connect?timeout=10&deadline=0.5&port=" .. server.port.blackhole)
    assert.is_false(r.ok)
    assert.equal("timeout", r.kind)
    assert(r.seconds < 1.2, ("the connect took %.2f s"):format(r.seconds))
  end)

  it("sends Content-Length: 0 on a POST, PUT or PATCH without a body, and none on DELETE or GET", function()
    need("http")
    local r = get("/f/nobody?port=" .. server.port.http)
    for _, m in ipairs { "POST", "PUT", "PATCH" } do
      assert.matches("^" .. m .. " /echo\n", r[m])
      assert.matches("\n[Cc]ontent%-[Ll]ength: 0\n", r[m], nil, m .. " went without Content-Length: 0")
    end
    for _, m in ipairs { "DELETE", "GET" } do
      assert.matches("^" .. m .. " /echo\n", r[m])
      assert.not_matches("\n[Cc]ontent%-[Ll]ength:", r[m])
    end
  end)

  it("gives the resend after a stale pooled connection only the time left of the attempt", function()
    need("http")
    local tag = tostring(os.time()) .. tostring(math.random(1e6))
    local r = get("/f/stale?timeout=1&tag=" .. tag .. "&port=" .. server.port.http)
    assert.is_true(r.first, r.first_error)
    assert.is_false(r.ok)
    assert.equal("OPERATION_TIMEDOUT", r.code, r.message)
    -- 0.6 s on the stale connection, then what is left of 1 s; a fresh 1 s would end at 1.6 s
    assert(r.seconds >= 0.9 and r.seconds < 1.35, ("the read took %.2f s"):format(r.seconds))
  end)
end)
