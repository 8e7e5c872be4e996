-- A broken module fails where a developer looks: `make check-load` (scripts/check-load.lua) and
-- IDCLOUDHOST_STRICT=1 at require time, though the SDK loads most modules at their first use.
local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("*a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end

local function lua_cmd()
  local i = -1
  while arg and arg[i - 1] do i = i - 1 end
  return arg and arg[i] or "lua"
end

-- A copy of lua/ and scripts/ with one module broken.
local function broken_tree()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir .. " && cp -r lua scripts " .. dir))
  local f = assert(io.open(dir .. "/lua/idcloudhost/call/errors.lua", "ab"))
  f:write("\nlocal = broken(\n")
  f:close()
  return dir
end

-- It checks the source tree: pending where the SDK comes installed (the rock's test section).
local describe_tree = io.open("lua/idcloudhost/init.lua") and describe or pending
describe_tree("a broken module", function()
  local lua = lua_cmd()
  local tree
  setup(function() tree = broken_tree() end)
  teardown(function() os.execute("rm -rf " .. tree) end)

  it("passes check-load in the tree as it is", function()
    local out, code = run(lua .. " scripts/check-load.lua .")
    assert.equal(0, code, out)
    assert.matches("modules parsed", out)
  end)

  it("fails check-load, named", function()
    local out, code = run(lua .. " scripts/check-load.lua " .. tree)
    assert.equal(1, code, out)
    assert.matches("idcloudhost.call.errors", out, 1, true)
  end)

  it("loads lazily unless IDCLOUDHOST_STRICT=1, which fails at require", function()
    local paths = ("LUA_PATH='%s/lua/?.lua;%s/lua/?/init.lua;;' "):format(tree, tree)
    local script = " -e 'local i = require \"idcloudhost\"; assert(i.new { apikey = \"k\", base_url = \"http://127.0.0.1:9\" })'"
    local out, code = run("IDCLOUDHOST_STRICT=0 " .. paths .. lua .. script)
    assert.equal(0, code, out)
    out, code = run("IDCLOUDHOST_STRICT=1 " .. paths .. lua .. script)
    assert.are_not.equal(0, code, out)
    assert.matches("errors.lua", out, 1, true)
  end)
end)
