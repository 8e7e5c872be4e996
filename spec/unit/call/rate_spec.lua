-- The client-side rate limit (call/rate.lua) on a scripted transport and a clock that sleeps
-- move: when each attempt goes out.
local idcloudhost = require "idcloudhost"
local mh = require "spec.mutate.helper"

local rate = require "idcloudhost.call.rate"

local clock = mh.clock()
before_each(clock.install)
after_each(clock.restore)

-- A scripted client whose transport notes the clock at each attempt (s.at).
local function timed(steps, opts)
  local s = mh.scripted(clock, steps)
  s.at = {}
  local inner = s.transport
  s.transport = function(req)
    s.at[#s.at + 1] = clock.t
    return inner(req)
  end
  return s, s.client(opts)
end

local function ms(x) return math.floor(x * 1000 + 0.5) / 1000 end
-- The interval of r slots a second (5 % under r: rate.HEADROOM), rounded to the millisecond.
local function every(r) return ms(rate.HEADROOM / r) end

-- The gaps between successive attempts, rounded to the millisecond.
local function gaps(at)
  local out = {}
  for i = 2, #at do out[i - 1] = ms(at[i] - at[i - 1]) end
  return out
end

local function list(n)
  local steps = {}
  for i = 1, n do steps[i] = { status = 200, body = "[]" } end
  return steps
end

describe("rate = {per_second, burst}", function()
  it("lets a burst go at once, then one attempt every 1/per_second", function() -- rate-burst, rate-interval
    local s, c = timed(list(7), { rate = { per_second = 4, burst = 3 } })
    for _ = 1, 7 do assert(c.vms:list()) end
    local i = every(4)
    assert.same({ 0, 0, i, i, i, i }, gaps(s.at))
    assert.is_true(i > 0.25 and i <= 0.27, "not just under 4 a second: " .. i)
  end)

  it("an idle spell refills the burst, never beyond it", function() -- rate-idle
    local s, c = timed(list(6), { rate = { per_second = 2, burst = 2 } })
    assert(c.vms:list())
    clock.t = clock.t + 100
    for _ = 1, 5 do assert(c.vms:list()) end
    assert.same({ 100, 0, every(2), every(2), every(2) }, gaps(s.at))
  end)

  it("off by default: nothing waits", function()
    local s, c = timed(list(5))
    for _ = 1, 5 do assert(c.vms:list()) end
    assert.same({ 0, 0, 0, 0 }, gaps(s.at))
    assert.same({}, clock.slept)
  end)

  it("holds retries too: every attempt takes a slot", function() -- rate-retries
    local s, c = timed({ { status = 503, body = "{}" }, { status = 503, body = "{}" }, { status = 200, body = "[]" } },
      { rate = { per_second = 1, burst = 1 }, retries = 3, retry_base = 0.001, retry_cap = 0.001 })
    assert(c.vms:list())
    assert.equal(3, #s.at)
    for _, g in ipairs(gaps(s.at)) do assert.is_true(g >= 1 - 1e-9, "an attempt came " .. g .. " s after the last") end
  end)

  -- (rate-429-slower, rate-recover)
  it("a 429 halves the rate and takes the burst away; other answers give it back a step at a time", function()
    local steps = list(3)
    steps[#steps + 1] = { status = 429, body = '{"message":"API rate limit exceeded"}', headers = { ["retry-after"] = "0" } }
    for _, x in ipairs(list(12)) do steps[#steps + 1] = x end
    local s, c = timed(steps, { rate = { per_second = 10, burst = 3 }, retries = 1 })
    for _ = 1, 3 do assert(c.vms:list()) end       -- the burst
    assert(c.vms:list())                           -- 429, then retried
    local limiter = c._shared.cfg.rate
    for _ = 1, 11 do assert(c.vms:list()) end
    local g = gaps(s.at)
    assert.same({ 0, 0, every(10) }, { g[1], g[2], g[3] })
    assert.equal(every(5), g[4])                   -- the retry: half the rate, no burst
    -- one good answer each: 6, 7, 8, 9, 10 a second (the slot already due stays where it was)
    assert.same({ every(5), every(6), every(7), every(8), every(9), every(10) }, { g[5], g[6], g[7], g[8], g[9], g[10] })
    assert.equal(every(10), g[#g])                 -- ...back to per_second, never beyond it
    assert.equal(10, limiter:current())
  end)

  it("a run of 429s slows it to a sixteenth of per_second at most", function() -- rate-floor
    local steps = {}
    for i = 1, 8 do steps[i] = { status = 429, body = "{}", headers = { ["retry-after"] = "0" } } end
    local _, c = timed(steps, { rate = { per_second = 16, burst = 1 }, retries = 7 })
    assert.is_nil((c.vms:list()))
    assert.equal(1, c._shared.cfg.rate:current())
  end)

  it("a limiter shared by clients holds them all to one bucket", function() -- rate-shared-object
    local limiter = assert(idcloudhost.rate_limiter { per_second = 2, burst = 1 })
    local s, a = timed(list(4), { rate = limiter })
    local b = s.client { rate = limiter, location = "sgp01" }
    assert(a.vms:list())
    assert(b.vms:list())
    assert(a:at("jkt01").vms:list())
    assert.same({ every(2), every(2) }, gaps(s.at))
  end)

  it("refuses a bad rate at new, a shared dict outside nginx included", function()
    for _, bad in ipairs { 5, { burst = 2 }, { per_second = 0 }, { per_second = 1, burst = 0.5 },
      { per_second = 1, every = 2 }, { per_second = 1, shared = "idch_rate" } } do
      local c, err = idcloudhost.new { apikey = "k", rate = bad }
      assert.is_nil(c)
      assert.equal("invalid", err.kind)
      assert.equal("rate", err.field)
    end
    local _, err = idcloudhost.new { apikey = "k", rate = { per_second = 1, shared = "idch_rate" } }
    assert.matches("exists only inside nginx", err.message, 1, true)
    local l, lerr = idcloudhost.rate_limiter { per_second = -1 }
    assert.is_nil(l)
    assert.equal("invalid", lerr.kind)
  end)
end)

describe("rate in a lua_shared_dict", function()
  -- A dict with ngx.shared's methods, and an ngx with that dict, for a fresh copy of the module.
  local function dict()
    local d = { data = {} }
    function d:get(k) return self.data[k] end
    function d:set(k, v) self.data[k] = v; return true end
    function d:delete(k) self.data[k] = nil end
    function d:add(k, v)
      if self.data[k] ~= nil then return false, "exists" end
      self.data[k] = v
      return true
    end
    return d
  end

  it("keeps the bucket in the dict, so that limiters of two workers share it; the lock is given back", function() -- rate-shared-dict
    local d = dict()
    local saved_ngx, saved_mod = rawget(_G, "ngx"), package.loaded["idcloudhost.call.rate"]
    _G.ngx = { shared = { idch_rate = d }, update_time = function() end, now = function() return clock.t end }
    package.loaded["idcloudhost.call.rate"] = nil
    local ok, err = pcall(function()
      local fresh_rate = require "idcloudhost.call.rate"
      local w1 = assert(fresh_rate.new { per_second = 5, burst = 2, shared = "idch_rate" })
      local w2 = assert(fresh_rate.new { per_second = 5, burst = 2, shared = "idch_rate" })
      -- the slots, taken in turn by the two workers' limiters
      local at, sent = {}, 0
      local rt = { now = function() return clock.t end, sleep = function(_, x) clock.sleep(x) end,
        request = function()
          sent = sent + 1
          at[sent] = clock.t
          return { status = 200, body = "", headers = {} }
        end }
      for i = 1, 6 do (i % 2 == 1 and w1 or w2):send(rt, nil, {}, {}) end
      assert.same({ 0, every(5), every(5), every(5), every(5) }, gaps(at))
      assert.is_nil(d.data["idcloudhost:rate:lock"])
      assert.is_number(d.data["idcloudhost:rate:tat"])
    end)
    _G.ngx, package.loaded["idcloudhost.call.rate"] = saved_ngx, saved_mod
    assert(ok, err)
  end)
end)
