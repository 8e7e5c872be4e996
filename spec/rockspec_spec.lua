-- The rockspec installs what the repository has: every module and every C source.
describe("rockspec", function()
  local function listing(cmd)
    local out = {}
    local p = assert(io.popen(cmd))
    for line in p:lines() do out[#out + 1] = line end
    p:close()
    return out
  end

  it("lists every Lua module and every C source", function()
    local env = {}
    local chunk = assert(loadfile("rockspec/idcloudhost-scm-1.rockspec", "t", env))
    if setfenv then setfenv(chunk, env) end -- luacheck: ignore 113 (Lua 5.1)
    chunk()
    local listed = {}
    for name, v in pairs(env.build.modules) do
      if type(v) == "string" then listed[v] = name else
        for _, src in ipairs(v.sources) do listed[src] = name end
      end
    end
    local files = listing("ls lua/idcloudhost/*.lua src/*.c")
    assert.is_true(#files > 10)
    for _, f in ipairs(files) do
      assert.is_truthy(listed[f], f .. " is not in the rockspec")
    end
    assert.equal("idcloudhost", listed["lua/idcloudhost/init.lua"])
    assert.equal("idcloudhost.core", listed["src/core.c"])
  end)
end)
