-- A rate limit shared by nginx's workers (spec/nginx/rate.conf: 2 workers, rate = {per_second = 5,
-- burst = 5, shared = "idch_rate"}), seen from the simulator's request log: its arrival times.
local D = require "spec.nginx.driver"

local RATE_URL = os.getenv("NGX_RATE_URL")
if RATE_URL == "" then RATE_URL = nil end
local PER_SECOND, BURST = 5, 5

local function round(kind, n)
  local r = D.start("GET", RATE_URL .. "/round?kind=" .. kind .. "&n=" .. n)()
  assert.equal(200, r.status, r.body)
  return r.json
end

-- The most entries of times (sorted) in any window [t, t + 1) that starts at one of them, from
-- the first'th on.
local function busiest(times, first)
  local most, at = 0, nil
  for i = first, #times do
    local k = 0
    for j = i, #times do
      if times[j] < times[i] + 1 then k = k + 1 end
    end
    if k > most then most, at = k, times[i] - times[1] end
  end
  return most, at
end

local maybe = RATE_URL and describe or pending

maybe("a rate limit in a lua_shared_dict, 2 workers", function()
  before_each(function()
    D.sim("POST", "reset")
    D.sim("PUT", "config", { latency = 0, settle = 0 })
  end)

  it("40 calls over both workers reach the API at most 5 in any second after the burst", function()
    local r = round("reads", 20)
    local pids = {}
    for _, w in ipairs(r.workers) do
      assert.equal(20, w.ok, table.concat(w.errors or {}, "; "))
      pids[w.pid] = true
    end
    assert.equal(2, #r.workers)
    local n = 0
    for _ in pairs(pids) do n = n + 1 end
    assert.equal(2, n, "both calls ran in one worker")
    local times, per_worker = {}, {}
    for _, e in ipairs(D.sim("GET", "log")) do
      local tag = e.query and e.query.tag
      if tag and tag:find("^" .. r.round .. "%-") then
        times[#times + 1] = e.at
        per_worker[tag] = (per_worker[tag] or 0) + 1
      end
    end
    table.sort(times)
    assert.equal(40, #times)
    assert.same({ [r.round .. "-0"] = 20, [r.round .. "-1"] = 20 }, per_worker)
    local most, at = busiest(times, BURST + 1)
    local span = times[#times] - times[1]
    D.figure("40 calls, 2 workers, %d/s burst %d: %.2f s in all; the busiest second after the burst: %d calls (at +%.2f s)",
      PER_SECOND, BURST, span, most, at)
    assert.is_true(most <= PER_SECOND, string.format("%d calls in one second (at +%.2f s)", most, at))
    -- and no slower than it should be: 35 calls after the burst at 5 a second (5 % under it)
    assert.is_true(span >= (40 - BURST) / PER_SECOND and span < (40 - BURST) / PER_SECOND * 1.25,
      string.format("40 calls took %.2f s", span))
  end)

  it("rides out a 429 storm: writes refused by the gateway are sent again, none that ran is replayed", function()
    D.sim("POST", "faults", { path = "/v1/user-resource/vm", method = "POST", kind = "status", status = 429, count = 8,
      body = { message = "API rate limit exceeded" }, headers = { ["X-RateLimit-Remaining-Second"] = "0" } })
    local r = round("writes", 4)
    local slowed = false
    for _, w in ipairs(r.workers) do
      assert.equal(4, w.ok, table.concat(w.errors or {}, "; "))
      if w.slowest < PER_SECOND then slowed = true end
    end
    local created, refused = {}, 0
    for _, e in ipairs(D.sim("GET", "log")) do
      if e.method == "POST" and e.path:find("/user%-resource/vm$") then
        if e.status == 429 then
          refused = refused + 1
        else
          assert.equal(200, e.status)
          local name = e.params.name
          assert.is_nil(created[name], "created twice: " .. tostring(name))
          created[name] = true
        end
      end
    end
    local n = 0
    for _ in pairs(created) do n = n + 1 end
    D.figure("429 storm: %d writes refused by the gateway and sent again; %d created, each once; slowed: %s",
      refused, n, tostring(slowed))
    assert.equal(8, refused)
    assert.equal(8, n)
    assert.is_true(slowed, "no worker's limiter slowed down after the 429s")
  end)
end)
