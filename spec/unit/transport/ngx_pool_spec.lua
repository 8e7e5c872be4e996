-- The ngx transport's pools (the client's pool option) on a stand-in cosocket: which pool a
-- connection is taken from and given back to, how many idle ones it keeps, for how long.
local function with_ngx(fn)
  local seen = { connects = {}, keepalive = {} }
  local sock = {}
  function sock.settimeouts() end
  function sock.settimeout() end
  function sock.connect(_, host, port, opts)
    seen.connects[#seen.connects + 1] = { host = host, port = port, pool = opts and opts.pool }
    return true
  end
  function sock.getreusedtimes() return 0 end
  function sock.send() return true end
  local answered = false
  function sock.receiveany()
    if answered then return nil, "closed" end
    answered = true
    return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]"
  end
  function sock.setkeepalive(_, ms, size) seen.keepalive[#seen.keepalive + 1] = { ms = ms, size = size } return true end
  function sock.close() end
  local saved = { ngx = rawget(_G, "ngx"), mod = package.loaded["idcloudhost.transport.ngx"] }
  _G.ngx = { get_phase = function() return "content" end, now = function() return 1000 end, update_time = function() end,
    socket = { tcp = function() answered = false return setmetatable({}, { __index = sock }) end } }
  package.loaded["idcloudhost.transport.ngx"] = nil
  local ok, err = pcall(fn, require "idcloudhost.transport.ngx", seen)
  _G.ngx, package.loaded["idcloudhost.transport.ngx"] = saved.ngx, saved.mod
  assert(ok, err)
end

describe("the ngx transport's pools", function()
  it("by default: pools named idcloudhost|..., 32 idle connections kept 30 s", function()
    with_ngx(function(ngx_transport, seen)
      local t = assert(ngx_transport.new { timeout = 5 })
      assert(t:request { method = "GET", url = "http://api.example.test/v1/x", timeout = 5 })
      assert.equal("idcloudhost|http|api.example.test|80|noverify", seen.connects[1].pool)
      assert.same({ { ms = 30000, size = 32 } }, seen.keepalive)
    end)
  end)

  it("pool = {size, idle, name} names the pools and sizes them; idle is seconds", function() -- ngx-pool-name, ngx-pool-size
    with_ngx(function(ngx_transport, seen)
      local t = assert(ngx_transport.new { timeout = 5, pool = { size = 8, idle = 2.5, name = "billing" } })
      assert(t:request { method = "GET", url = "http://api.example.test/v1/x", timeout = 5 })
      assert.equal("billing|http|api.example.test|80|noverify", seen.connects[1].pool)
      assert.same({ { ms = 2500, size = 8 } }, seen.keepalive)
    end)
  end)
end)
