-- The example spec of README's "Testing your automation": examples/quickstart.lua, unchanged,
-- against idcloudhost.fake on a virtual clock.  The platform's real settle times (a minute to
-- create a VM) pass in no time; the script is checked by what it sent and what it left.  Runs on
-- any Lua the SDK runs on: `busted spec/examples` with sim/lua on the path (make test, make unit).
local fake = require "idcloudhost.fake"

-- Runs the example against f; returns ok, error (the script's asserts raise).  Its output is
-- kept, not printed.
local function run_example(f)
  local uninstall = f:install()
  local write, out = io.write, {}
  io.write = function(...) for _, s in ipairs { ... } do out[#out + 1] = tostring(s) end end  -- luacheck: ignore 122
  local ok, err = pcall(dofile, "examples/quickstart.lua")
  io.write = write  -- luacheck: ignore 122
  uninstall()
  return ok, err, table.concat(out)
end

-- What the fake still bills.
local function billed(f)
  local left = {}
  for _, kind in ipairs { "vms", "floating_ips", "disks", "load_balancers" } do
    for _, item in ipairs(f:state().locations.cyc01[kind] or {}) do
      if not item.is_deleted and tostring(item.status):lower() ~= "deleted" then left[#left + 1] = kind end
    end
  end
  return left
end

describe("examples/quickstart.lua", function()
  it("creates, waits, assigns, stops, resizes and cleans up: nothing billed is left", function()
    local f = fake.new { clock = "virtual", settle = 60 }
    local ok, err, out = run_example(f)
    assert(ok, err)
    assert.matches("running", out)
    f:assert_called("vms.create", { name = "web-1", vcpu = 2, ram = 2048 }, 1)
    f:assert_called("floating_ips.assign", nil, 1)
    f:assert_called("vms.stop", { force = true }, 1)
    f:assert_called("vms.update", { vcpu = 4, ram = 4096 }, 1)
    f:assert_called("vms.delete", nil, 1)
    assert.same({}, billed(f))
    assert.is_true(f:now() >= 120)   -- it waited out both settles (create, stop), in no real time
  end)

  it("stops at a failed create and leaves nothing behind", function()
    local f = fake.new { clock = "virtual" }
    f:expect("vms.create", { name = "web-1" }):answer { status = 500, body = { message = "An unexpected error occurred" } }
    local ok = run_example(f)
    assert.is_false(ok)                                  -- (its assert raised)
    assert.equal(500, f:calls("vms.create")[1].status)
    assert.equal(0, #f:calls("floating_ips.create"))
    assert.same({}, billed(f))
    f:verify()
  end)

  it("survives a floating IP create that times out once (reads and never-sent writes are retried)", function()
    local f = fake.new { clock = "virtual", settle = 5 }
    f:expect("floating_ips.create"):fail("COULDNT_CONNECT")
    local ok, err = run_example(f)
    assert(ok, err)
    assert.equal(2, #f:calls("floating_ips.create"))
    assert.same({}, billed(f))
  end)
end)
