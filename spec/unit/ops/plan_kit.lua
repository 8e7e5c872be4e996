-- What the plan specs share: a fresh fake platform (virtual clock) and a state folder of their
-- own, a plan made with the spec's prices, and a plan's actions as "op kind name" lines.
local idcloudhost = require "idcloudhost"
local fake = require "idcloudhost.fake"

--- The helpers of one spec file: seed (the fake's), prices (plan's prices option), desired (a
-- function returning the spec's desired state).
return function(seed, prices, desired)
  local kit = { dir = os.tmpname() }
  os.remove(kit.dir)

  function kit.fresh()
    os.execute("rm -rf '" .. kit.dir .. "'")
    local f = fake.new { clock = "virtual", seed = seed }
    return f, f:client { location = "cyc01" }
  end

  function kit.plan(c, d, opts)
    local o = { state_dir = kit.dir, prices = prices }
    for k, v in pairs(opts or {}) do o[k] = v end
    return idcloudhost.plan(c, d or desired(), o)
  end

  function kit.ops(p)
    local out = {}
    for _, a in ipairs(p.actions) do out[#out + 1] = a.op .. " " .. a.kind .. " " .. a.name end
    return out
  end

  return kit
end
