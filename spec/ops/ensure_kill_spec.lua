-- The kill-and-rerun scenario of issue 24 on the simulator: a process ensuring a VM is killed
-- (SIGKILL) at a random point of its create (the simulator's create takes 1 s), then `ensure`
-- runs again in a new process: exactly one VM, 10 runs of 10.
local helper = require "spec.helper"

local LUA = rawget(_G, "jit") and "luajit" or ("lua" .. _VERSION:match("%d+%.%d+"))
local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function vms_named(client, name)
  local n = 0
  for _, vm in ipairs(assert(client.vms:list())) do
    if vm.name == name and not vm.deleted then n = n + 1 end
  end
  return n
end

describe("ensure after a SIGKILL between a create's send and its answer", function()
  local dir = os.tmpname()
  os.remove(dir)
  after_each(function()
    os.execute("rm -rf " .. quote(dir))
    helper.config { create_latency = require("idcloudhost.json").null }
  end)

  it("leaves one VM, not two, in 10 runs of 10 with kills at random points", function()
    math.randomseed(os.time())
    local child = "spec/ops/ensure_child.lua"
    local ones, kills = 0, {}
    for run = 1, 10 do
      local client = helper.fresh_client { location = "cyc01" }
      helper.config { create_latency = 1 }
      os.execute("rm -rf " .. quote(dir))
      local at = math.random() * 1.3 -- seconds after start: before, during or after the send
      kills[#kills + 1] = string.format("%.2f", at)
      local cmd = string.format("%s %s %s %s 3", LUA, quote(child), quote(helper.URL), quote(dir))
      os.execute(string.format("sh -c '%s >/dev/null 2>&1 & p=$!; sleep %.3f; kill -9 $p 2>/dev/null; wait $p' 2>/dev/null",
        cmd:gsub("'", "'\\''"), at))
      local f = assert(io.popen(cmd))
      local out = f:read("*a")
      f:close()
      assert.matches("^%a+ %x", out, nil, "run " .. run .. ": " .. out)
      -- Whatever the killed process sent has landed by now (1 s create, 3 s settle).
      os.execute("sleep 1.2")
      local n = vms_named(client, "nightly-vm-2")
      assert.equal(1, n, "run " .. run .. " (killed at " .. at .. " s): " .. n .. " VMs")
      ones = ones + 1
    end
    assert.equal(10, ones)
    print("\nkill-and-rerun: 10 of 10 runs left one VM; kills at " .. table.concat(kills, ", ") .. " s")
  end)
end)

describe("ensure inside a batch", function()
  after_each(function() helper.config { create_latency = require("idcloudhost.json").null } end)

  it("waits for the same create in flight in this process: three ensures, one VM", function()
    local client = helper.fresh_client { location = "cyc01" }
    helper.config { create_latency = 0.5 }
    local p = helper.billed_vm_params { name = "twin", owner = "nightly", fence = false, interval = 0.1 }
    local res = assert(client:batch({ 1, 2, 3 }, function() return client.vms:ensure(p) end, { concurrency = 3 }))
    for _, r in ipairs(res) do assert.is_true(r.ok, tostring(r.err)) end
    assert.equal(res[1].value.uuid, res[2].value.uuid)
    assert.equal(res[1].value.uuid, res[3].value.uuid)
    assert.equal(1, vms_named(client, "twin"))
  end)
end)
