-- The rocks from a user's side: scripts/check-rocks.sh builds the three with `luarocks make` into
-- temporary trees and uses them from clean shells (see the script).  It compiles and starts a
-- simulator, so it runs under `make rocks` (PACKAGING_LUA names the interpreter to check) and
-- is pending in a plain `make test`.
local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("*a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end

describe("the rocks, installed with luarocks make", function()
  local lua = os.getenv("PACKAGING_LUA")
  if not lua or lua == "" then
    pending("make rocks LUA=... runs this (it builds the rocks)")
    return
  end

  it("serve a user of " .. lua .. " from a shell with only luarocks path", function()
    local out, code = run("sh scripts/check-rocks.sh " .. lua)
    assert.equal(0, code, out)
    -- the SDK rock, loaded from its tree, made and deleted a VM on the installed simulator
    assert.matches("\nok %d+%.%d+%.%d+ on [^\n]+made and deleted\n", "\n" .. out)
    -- the fake rock, beside the SDK rock, from its tree
    assert.matches("\nok fake: [^\n]+\n", out)
    -- the idcloudhost command, on the PATH luarocks gives
    assert.matches("\nok command: idcloudhost %-%-help, location list: cyc01 bus02 \n", out)
    -- the simulator rock's control client, on the SDK installed beside it
    assert.matches("\nok control client: reset, log of 1 call\n", out)
    -- the rockspec's test section (busted spec/unit) passed on the installed SDK
    assert.matches("\n1%.%.%d+\n", out)
    assert.is_nil(out:find("\nnot ok ", 1, true), out)
    assert.matches("\nrocks: ok: [^\n]+\n", out)
  end)
end)
