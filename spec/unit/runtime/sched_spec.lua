-- The scheduler: coroutines that wait by yielding, over an asynchronous transport and a clock
-- that only moves when it sleeps.
local sched = require "idcloudhost.runtime.sched"

-- An asynchronous transport whose transfers finish in the order they were sent, one per poll.
local function async()
  local t = { queue = {}, results = {}, sent = 0, max_flying = 0 }
  function t.send(_, req)
    t.sent = t.sent + 1
    t.queue[#t.queue + 1] = { id = t.sent, req = req }
    t.max_flying = math.max(t.max_flying, #t.queue)
    return t.sent
  end
  function t.poll(_, _)
    local done = table.remove(t.queue, 1)
    if not done then return {} end
    t.results[done.id] = { status = 200, body = done.req.url, headers = {} }
    return { done.id }
  end
  function t.result(_, id)
    local r = t.results[id]
    t.results[id] = nil
    return r
  end
  return t
end

local function clock()
  local c = { t = 0, slept = 0 }
  c.now = function() return c.t end
  c.sleep = function(s) c.slept = c.slept + s; c.t = c.t + s end
  return c
end

describe("sched", function()
  it("runs items concurrently up to the limit and returns every answer to its item", function()
    local t, c = async(), clock()
    local s = sched.new(c)
    local got = {}
    s:map(10, 3, function(i)
      local res = s:request(t, { url = "u" .. i })
      return res.body
    end, function(i, out) got[i] = out[2] end)
    for i = 1, 10 do assert.equal("u" .. i, got[i]) end
    assert.equal(3, t.max_flying)
  end)

  it("wakes sleepers in order without blocking the others, sleeping only when all sleep", function()
    local c = clock()
    local s = sched.new(c)
    local order = {}
    s:map(3, 3, function(i)
      s:sleep(({ 3, 1, 2 })[i])
      order[#order + 1] = i
    end, function() end)
    assert.same({ 2, 3, 1 }, order)
    assert.is_true(math.abs(c.t - 3) < 1e-9, "slept " .. c.t) -- not 1 + 2 + 3
  end)

  it("runs a nested map inside an item on the same scheduler", function()
    local t, c = async(), clock()
    local s = sched.new(c)
    local got = {}
    s:map(2, 2, function(i)
      local inner = {}
      s:map(3, 3, function(j) return s:request(t, { url = i .. "." .. j }).body end,
        function(j, out) inner[j] = out[2] end)
      return table.concat(inner, ",")
    end, function(i, out) got[i] = out[2] end)
    assert.same({ "1.1,1.2,1.3", "2.1,2.2,2.3" }, got)
    assert.equal(6, t.max_flying) -- both items' inner requests were in flight together
  end)

  it("reports an error raised in an item with its traceback, and goes on", function()
    local s = sched.new(clock())
    local outs = {}
    s:map(2, 2, function(i) if i == 1 then error("bad item") end return "fine" end,
      function(i, out) outs[i] = out end)
    assert.is_false(outs[1][1])
    assert.matches("bad item", outs[1][2])
    assert.matches("traceback", outs[1].traceback)
    assert.equal("fine", outs[2][2])
  end)

  it("resumes an item that yields on its own instead of losing it", function()
    local s = sched.new(clock())
    local done
    s:map(1, 1, function() coroutine.yield("not the scheduler's") return "after" end,
      function(_, out) done = out[2] end)
    assert.equal("after", done)
  end)

  it("is the runtime of its coroutines only", function()
    local s = sched.new(clock())
    local inside
    s:map(1, 1, function() inside = sched.of() end, function() end)
    assert.equal(s, inside)
    assert.is_nil(sched.of())
  end)
end)

-- Tasks: a handle over a coroutine and the coroutines it starts, on an event-loop driver
-- (step(0)), as Neovim's idcloudhost.async drives them.
describe("sched tasks", function()
  -- The async transport above, whose transfers end only when told, and that records cancels.
  local function held()
    local t = async()
    t.cancelled, t.ended = {}, {}
    function t.poll(_, _)
      local ids = {}
      for id in pairs(t.ended) do ids[#ids + 1] = id end
      return ids
    end
    function t.finish(id, status)
      t.ended[id] = true
      t.results[id] = { status = status or 200, body = "answer " .. id, headers = {} }
    end
    function t.result(_, id)
      t.ended[id] = nil
      local r = t.results[id]
      t.results[id] = nil
      return r
    end
    function t.cancel(_, id) t.cancelled[#t.cancelled + 1] = id end
    return t
  end

  local function outcomes()
    local list = {}
    return list, function(out) list[#list + 1] = out end
  end

  it("ends with fn's values; done, result and wait say so", function()
    local t = held()
    local s = sched.new(clock())
    local ends, on_done = outcomes()
    local task = s:task(function() return s:request(t, { method = "GET", url = "http://h/v1/a" }).body, 2 end, on_done)
    s:step(0)
    assert.is_false(task:done())
    assert.is_nil(task:result())
    t.finish(1)
    assert.same({ true, "answer 1", 2 }, { task:wait() })
    assert.is_true(task:done())
    assert.equal(1, #ends)
    assert.equal(0, s.live)
  end)

  it("ends a task that raised with an error value of kind error, its traceback kept", function()
    local s = sched.new(clock())
    local task = s:task(function() error("boom") end)
    local ok, err = task:wait()
    assert.is_false(ok)
    assert.equal("error", err.kind)
    assert.matches("boom", err.message)
    assert.matches("traceback", err.traceback)
  end)

  it("cancels a read in flight: the transfer cancelled, the task ended once as cancelled", function()
    local t = held()
    local s = sched.new(clock())
    local ends, on_done = outcomes()
    local after = false
    local task = s:task(function()
      s:request(t, { method = "GET", url = "http://h/v1/vm/list?password=x" })
      after = true
    end, on_done)
    s:step(0)
    assert.equal(1, s.flying)
    assert.is_true(task:cancel())
    assert.same({ 1 }, t.cancelled)
    assert.equal(0, s.flying)
    assert.equal(0, s.live)
    assert.equal(1, #ends)
    local ok, value, err = task:result()
    assert.is_true(ok)
    assert.is_nil(value)
    assert.equal("cancelled", err.kind)
    assert.is_nil(err.uncertain)
    assert.equal("/v1/vm/list", err.path) -- never the query
    t.finish(1)
    s:step(0)
    assert.is_false(after)
    assert.is_false(task:cancel())
    assert.equal(1, #ends)
  end)

  it("marks a cancelled write uncertain: in flight, or answered and not yet seen", function()
    for _, answered in ipairs { false, true } do
      local t = held()
      local s = sched.new(clock())
      local task = s:task(function() return s:request(t, { method = "POST", url = "http://h/v1/network" }) end)
      s:step(0)
      if answered then
        t.finish(1)
        s:pump(0) -- the answer is in, its coroutine not resumed yet
        assert.equal(0, s.flying)
      end
      task:cancel()
      local _, _, err = task:result()
      assert.equal("cancelled", err.kind)
      assert.is_true(err.uncertain)
      assert.equal("POST", err.method)
      assert.matches("may have been carried out", err.message)
    end
  end)

  it("cancels every coroutine of the task: a batch's items and a sleeper", function()
    local t = held()
    local s = sched.new(clock())
    local reported = 0
    local task = s:task(function()
      s:map(3, 3, function(i) return s:request(t, { method = "GET", url = "http://h/" .. i }) end,
        function() reported = reported + 1 end)
    end)
    local other = s:task(function() s:sleep(10) return "slept" end)
    s:step(0)
    s:step(0)
    assert.equal(3, s.flying)
    task:cancel()
    table.sort(t.cancelled)
    assert.same({ 1, 2, 3 }, t.cancelled)
    assert.equal(0, s.flying)
    assert.equal(1, s.live) -- the other task sleeps on
    assert.equal(0, reported)
    assert.is_true(s:next_wait() > 0)
    other:cancel()
    assert.equal(0, s.live)
    assert.is_nil(s:next_wait()) -- no sleeper left: a driver stops its timer
    assert.equal(0, s:cancel_all())
  end)

  it("stops a task that cancels itself at its next call", function()
    local t = held()
    local s = sched.new(clock())
    local task
    local sent = 0
    task = s:task(function()
      task:cancel()
      sent = sent + 1
      s:request(t, { method = "GET", url = "http://h/x" })
      sent = sent + 1
    end)
    s:step(0)
    assert.equal(1, sent)
    assert.equal(0, t.sent)
    assert.equal("cancelled", select(3, task:result()).kind)
    assert.equal(0, s.live)
    -- One that returns after cancelling itself ends once, as cancelled.
    local ends, on_done = outcomes()
    local quick
    quick = s:task(function() quick:cancel() return "returned" end, on_done)
    s:step(0)
    assert.equal(0, s.live)
    assert.equal(1, #ends)
    assert.equal("cancelled", select(3, quick:result()).kind)
  end)

  it("cancels every task with cancel_all", function()
    local s = sched.new(clock())
    local a = s:task(function() s:sleep(5) end)
    local b = s:task(function() s:sleep(5) end)
    s:step(0)
    assert.equal(2, s:cancel_all())
    assert.is_true(a:done() and b:done())
  end)
end)
