-- The wire log of a real process against the simulator: IDCLOUDHOST_DEBUG=1/2 writes one line per
-- attempt to stderr, without the key or the password; unset, stderr stays empty.
local helper = require "spec.helper"

local lua = arg and arg[-1] or "lua"

local SCRIPT = [[
local c = assert(require("idcloudhost").new { location = "cyc01" })
assert(c.vms:create { name = "log-1", os_name = "ubuntu", os_version = "22.04", disks = 20, vcpu = 1, ram = 1024,
  username = "u", password = "Wire-pass-77", billing_account_id = 6, reserve_public_ip = false })
assert(c.vms:list())
print("done")
]]

-- Runs SCRIPT with IDCLOUDHOST_DEBUG = level (nil: unset); returns stdout, stderr.
local function run(level)
  local script, errfile = os.tmpname(), os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(SCRIPT)
  f:close()
  local env = string.format("env -u IDCLOUDHOST_DEBUG IDCLOUDHOST_BASE_URL='%s' IDCLOUDHOST_API_KEY=demo-key %s",
    helper.URL, level and ("IDCLOUDHOST_DEBUG=" .. level) or "")
  local p = assert(io.popen(env .. " " .. lua .. " " .. script .. " 2>" .. errfile))
  local out = p:read("*a")
  p:close()
  f = assert(io.open(errfile))
  local err = f:read("*a")
  f:close()
  os.remove(script)
  os.remove(errfile)
  return out, err
end

describe("IDCLOUDHOST_DEBUG", function()
  before_each(helper.reset)

  it("unset: nothing on stderr", function()
    local out, err = run(nil)
    assert.equal("done\n", out)
    assert.equal("", err)
  end)

  it("1: one line per attempt on stderr, no secrets", function()
    local out, err = run("1")
    assert.equal("done\n", out)
    local lines = {}
    for l in err:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.equal(2, #lines)
    assert.matches("^idcloudhost: POST /v1/cyc01/user%-resource/vm %-> 200 in [%d.]+ ms %(attempt 1, request [%x-]+%)$",
      lines[1])
    assert.matches("^idcloudhost: GET /v1/cyc01/user%-resource/vm/list %-> 200 in", lines[2])
  end)

  it("2: bodies too, the password masked, the key nowhere", function()
    local _, err = run("2")
    assert.matches("idcloudhost:   > ", err, 1, true)
    assert.matches("password=[redacted]", err, 1, true)
    assert.matches("log-1", err, 1, true)
    assert.not_matches("Wire-pass-77", err, 1, true)
    assert.not_matches("demo-key", err, 1, true)
    local n = 0
    for _ in err:gmatch("[^\n]+") do n = n + 1 end
    assert.equal(2 + 3, n) -- two attempts, the create's request and answer, the list's answer
  end)
end)
