-- The SDK inside a real nginx with 1 worker (spec/nginx/run.sh): nothing blocks the worker.
-- The simulator's writes take 0.5 s here; one worker that blocked on each would need 5 s for
-- ten of them.  Runs twice: with the C core on nginx's cpath ("core") and without ("pure").
local D = require "spec.nginx.driver"

local LATENCY = 0.5

describe("inside nginx (" .. tostring(D.MODE) .. ")", function()
  setup(function()
    D.sim("POST", "reset")
    D.sim("PUT", "config", { latency = 0, settle = 0 })
  end)

  teardown(function()
    D.sim("PUT", "config", { latency = 0.01, settle = 0 })
  end)

  it("uses the client made in init_by_lua in a content handler; start-up calls block on the core or are refused", function()
    local r = D.get("/vms")
    assert.equal(200, r.status, r.body)
    assert.same({}, r.json)
    local s = D.get("/status").json
    if D.MODE == "core" then
      assert.is_true(s.startup.ok, s.startup.error)
      assert.is_true(s.startup.locations >= 1)
    else
      assert.is_false(s.startup.ok)
      assert.equal("invalid", s.startup.kind)
      assert.matches("nginx's init phase without the C core", s.startup.error, 1, true)
    end
  end)

  it("ran a batch over every location in a timer started by init_worker_by_lua", function()
    local s
    for _ = 1, 50 do
      s = D.get("/status").json
      if type(s.timer) == "table" then break end
      D.sleep(0.1)
    end
    assert.is_table(s.timer, "the timer has not run")
    assert.is_true(s.timer.ok, s.timer.error)
    assert.equal(0, s.timer.vms)
  end)

  it("answers 10 concurrent requests, each doing one 0.5 s write, in under 1.5 s", function()
    D.sim("PUT", "config", { latency = LATENCY })
    local paths = {}
    for i = 1, 10 do paths[i] = "/vms/create?name=web-" .. i end
    local r = D.parallel("POST", paths)
    assert.equal(10, #r.results)
    local seen = {}
    for _, x in ipairs(r.results) do
      assert.equal(200, x.status, x.body)
      assert.is_string(x.json.uuid)
      assert.is_nil(seen[x.json.uuid])
      seen[x.json.uuid] = true
      assert.is_true(x.time >= LATENCY, "a write faster than the simulator's latency")
    end
    D.figure("10 concurrent requests x one %.1f s write: %.2f s", LATENCY, r.wall)
    assert.is_true(r.wall < 1.5, string.format("10 concurrent writes took %.2f s", r.wall))
    assert.equal(10, #D.get("/vms").json)
  end)

  it("runs a batch of 10 stop-and-wait items in one request in under 1.5 s while another request is answered", function()
    D.sim("PUT", "config", { latency = LATENCY })
    local batch = D.start("POST", D.URL .. "/vms/stop")
    D.sleep(0.15)
    local ping = D.get("/t/ping")
    local b = batch()
    assert.equal(200, b.status, b.body)
    assert.equal(10, #b.json.results)
    for _, x in ipairs(b.json.results) do
      assert.is_true(x.ok, x.error)
      assert.equal("stopped", x.status)
    end
    local took = b.json.finished - b.json.started
    D.figure("batch of 10 stop-and-wait items (%.1f s writes) in one request: %.2f s; a ping meanwhile: %.3f s",
      LATENCY, took, ping.time)
    assert.is_true(took >= LATENCY and took < 1.5, string.format("the batch took %.2f s", took))
    assert.equal(200, ping.status)
    assert.is_true(ping.json.at > b.json.started and ping.json.at < b.json.finished,
      "the ping was not answered while the batch ran")
    assert.is_true(ping.time < 0.3, string.format("the ping took %.2f s", ping.time))
  end)

  it("waits for a VM's status with vm:wait without holding up other requests", function()
    D.sim("PUT", "config", { latency = 0, settle = 1 })
    local uuid = D.get("/vms").json[1].uuid
    local started = D.get("/t/start?uuid=" .. uuid)
    assert.is_true(started.json.ok, started.body)
    local w = D.start("GET", D.URL .. "/vms/wait?status=running&uuid=" .. uuid)
    D.sleep(0.2)
    local ping = D.get("/t/ping")
    local r = w()
    D.sim("PUT", "config", { settle = 0 })
    assert.equal(200, r.status, r.body)
    assert.equal("running", r.json.status)
    local took = r.json.finished - r.json.started
    assert.is_true(took > 0.4, string.format("the wait took only %.2f s: nothing was waited for", took))
    assert.is_true(ping.json.at > r.json.started and ping.json.at < r.json.finished, "the ping came after the wait")
    assert.is_true(ping.time < 0.3, string.format("the ping took %.2f s", ping.time))
    D.figure("vm:wait for %.2f s in one request; a ping meanwhile: %.3f s", took, ping.time)
  end)

  it("sleeps a Retry-After through ngx.sleep", function()
    D.sim("PUT", "config", { latency = 0, settle = 0 })
    D.sim("POST", "faults", { path = "/v1/user-resource/vm/list", kind = "status", status = 429, count = 1,
      headers = { ["Retry-After"] = "1" } })
    local retry = D.start("GET", D.URL .. "/t/retry")
    D.sleep(0.3)
    local ping = D.get("/t/ping")
    local r = retry()
    assert.is_true(r.json.ok, r.body)
    assert.is_true(r.json.finished - r.json.started >= 0.9, "Retry-After was not honoured")
    assert.is_true(ping.json.at > r.json.started and ping.json.at < r.json.finished, "the ping came after the retry")
    assert.is_true(ping.time < 0.3, string.format("the ping took %.2f s", ping.time))
  end)

  it("runs batches inside batches as light threads, at most `concurrency` at once, raising items caught", function()
    local r = D.get("/t/nested")
    assert.equal(200, r.status, r.body)
    assert.same({ ok = 3, raised = nil }, { ok = r.json.outer[1].ok, raised = r.json.outer[1].raised })
    assert.equal(3, r.json.outer[2].ok)
    assert.equal(2, r.json.outer[3].ok)
    assert.matches("boom 3.3", r.json.outer[3].raised.message, 1, true)
    assert.is_true(r.json.outer[3].raised.traceback)
    assert.equal(3, r.json.peak)
    assert.equal(7, r.json.done)
  end)

  it("reuses one connection for sequential reads; a write goes out on a new one", function()
    local ua = string.format("keepalive-%s-%d", D.MODE, os.time())
    local r = D.get("/t/keepalive?n=5&ua=" .. ua)
    assert.equal(200, r.status, r.body)
    assert.is_true(r.json.write, r.body)
    assert.is_true(r.json.after, r.body)
    local lines = D.count_lines(ua)
    local reads, writes, conns = 0, {}, {}
    for _, l in ipairs(lines) do
      if l.method == "GET" then
        reads = reads + 1
        conns[l.connection] = true
      else
        writes[#writes + 1] = l
      end
    end
    local n = 0
    for _ in pairs(conns) do n = n + 1 end
    D.figure("%d reads (and a write) in one request: %d connection(s) for the reads", reads, n)
    assert.is_true(reads >= 6)
    assert.equal(1, n)
    assert.equal(1, #writes)
    assert.equal(1, writes[1].requests, "the write went out on a reused connection")
    assert.is_nil(conns[writes[1].connection])
  end)

  it("keeps connections in the pool the client's pool option names: another name, other connections", function()
    local function reads(pool)
      local ua = string.format("pool-%s-%s-%d-%d", D.MODE, pool, os.time(), math.random(1e6))
      local r = D.get("/t/keepalive?n=3&pool=" .. pool .. "&ua=" .. ua)
      assert.equal(200, r.status, r.body)
      local conns, n = {}, 0
      for _, l in ipairs(D.count_lines(ua)) do
        if l.method == "GET" and not conns[l.connection] then conns[l.connection], n = true, n + 1 end
      end
      return conns, n
    end
    local a, na = reads("pool-a")
    local b, nb = reads("pool-b")
    local a2 = reads("pool-a")
    assert.equal(1, na)
    assert.equal(1, nb)
    for c in pairs(b) do assert.is_nil(a[c], "pool-b reused pool-a's connection") end
    for c in pairs(a2) do assert.is_true(a[c], "pool-a's connection was not reused") end
  end)

  it("attributes the debug log's lines in error.log to the call's site", function()
    local r = D.get("/t/debug-site")
    assert.equal(200, r.status, r.body)
    local f = assert(io.open(os.getenv("NGX_APP_LOG")))
    local text = f:read("*a")
    f:close()
    local line = text:match("[^\n]*idcloudhost: GET /v1/" .. r.json.marker .. "[^\n]*")
    assert.is_string(line, "no debug line for the call")
    assert.matches("%[notice%].- %[lua%] handlers%.lua:" .. r.json.line .. ": ", line)
    assert.not_matches("ngx.lua:", line, 1, true)
  end)

  it("encodes forms and queries without the C core (and like it, with it)", function()
    D.sim("DELETE", "log")
    local r = D.get("/t/encode")
    assert.equal(200, r.status, r.body)
    assert.equal("f=0.5&k%20y=~-._&n=2048&name=a%20b%2Bc%2F%C3%A4&yes=true", r.json.form)
    assert.equal(D.MODE == "core", r.json.core)
    assert.equal(D.MODE ~= "core", r.json.lua_path)
    if D.MODE == "core" then
      assert.equal(500, r.json.checked)
      assert.same({}, r.json.differ)
    end
    assert.is_true(r.json.request_ok, r.body)
    local log = D.sim("GET", "log")
    assert.equal("a b+c/\195\164&x=1;y", log[#log].query.tag)
  end)

  it("uses the C core in a request only when told to (transport = \"curl\")", function()
    local r = D.get("/t/curl")
    if D.MODE == "core" then
      assert.is_true(r.json.ok, r.body)
    else
      assert.is_false(r.json.ok)
      assert.equal("invalid", r.json.error.kind)
      assert.matches("transport curl is not available", r.json.error.message, 1, true)
    end
  end)

  it("in log_by_lua, refuses a stalled call at once on the default transport; transport = \"curl\" still blocks", function()
    D.sim("DELETE", "log")
    D.sim("POST", "faults", { path = "/v1/user-resource/vm/list", kind = "stall", seconds = 1, count = 1 })
    assert.equal(200, D.get("/t/logphase").status)
    local r
    for _ = 1, 40 do
      r = D.get("/t/logphase-result").json
      if not r.none then break end
      D.sleep(0.1)
    end
    D.sim("DELETE", "faults")
    assert.equal("log", r.phase)
    assert.is_false(r.auto_ok)
    assert.equal("invalid", r.auto_error.kind)
    assert.matches("no call runs in nginx's log phase by default", r.auto_error.message, 1, true)
    assert.matches("ngx.timer.at(0, fn)", r.auto_error.message, 1, true)
    assert.is_true(r.auto_seconds < 0.05, string.format("the refusal took %.3f s", r.auto_seconds))
    assert.is_false(r.ngx_ok)
    assert.equal("invalid", r.ngx_error.kind)
    assert.matches("the ngx transport cannot run in nginx's log phase", r.ngx_error.message, 1, true)
    if D.MODE == "core" then
      -- the stalled call, asked for: it went out and blocked the worker for the stall
      assert.is_true(r.curl_ok, r.curl_error and r.curl_error.message)
      assert.is_true(r.curl_seconds >= 0.9, string.format("transport curl took %.2f s", r.curl_seconds))
    else
      assert.is_false(r.curl_ok)
      assert.matches("transport curl cannot run in nginx's log phase without the C core", r.curl_error.message, 1, true)
    end
    D.figure("log_by_lua: the default transport refused in %.4f s; transport = \"curl\" %s in %.2f s",
      r.auto_seconds, r.curl_ok and "blocked" or "refused", r.curl_seconds)
    local sent = 0
    for _, e in ipairs(D.sim("GET", "log")) do if e.path:find("vm/list", 1, true) then sent = sent + 1 end end
    assert.equal(D.MODE == "core" and 1 or 0, sent)
  end)

  it("ref(uuid):stop sends exactly one request", function()
    local uuid = D.get("/vms").json[1].uuid
    D.sim("DELETE", "log")
    local r = D.post("/t/ref-stop?uuid=" .. uuid)
    assert.is_true(r.json.ok, r.body)
    assert.equal("stopped", r.json.status)
    local log = D.sim("GET", "log")
    assert.equal(1, #log)
    assert.equal("POST", log[1].method)
    assert.matches("/user%-resource/vm/stop$", log[1].path)
    assert.equal(uuid, log[1].params.uuid)
  end)

  it("shows the message of an error raised by idcloudhost.assert in a timer in error.log", function()
    local r = D.get("/t/timer-assert")
    assert.equal(200, r.status, r.body)
    local text
    for _ = 1, 40 do
      D.sleep(0.1)
      local f = assert(io.open(os.getenv("NGX_APP_LOG")))
      text = f:read("*a")
      f:close()
      if text:find(r.json.marker, 1, true) then break end
    end
    local line = text:match("[^\n]*" .. r.json.marker .. "[^\n]*")
    assert.is_string(line, "no line in error.log names the failed call")
    assert.matches("handlers.lua:%d+: idcloudhost: GET /v1/" .. r.json.marker .. "/user%-resource/vm/list", line)
    assert.matches("COULDNT_CONNECT", line, 1, true)
    assert.not_matches("unknown reason", line, 1, true)
    assert.not_matches("demo-key", text, 1, true)
  end)
end)
