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
