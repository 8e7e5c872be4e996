-- URL and form encoding: the pure-Lua encoders (every host without the C core) and the C core's
-- (the fast path) give byte-identical output.
local encode = require "idcloudhost.call.encode"
local lua = encode.lua
local has_core, core = pcall(require, "idcloudhost.core")

local CASES = {
  "", "abc", "a b", "a+b", "a&b=c", "100%", "~-._", "/path/..", "ü", "日本", "\0\1\31\127\128\255",
  "S3cret pass+word&x=y", "tab\there", "line\r\nbreak", string.rep("x", 1000),
}

describe("pure-Lua encoding", function()
  it("escapes every byte but A-Z a-z 0-9 - . _ ~, spaces as %20, plus signs as %2B", function()
    assert.equal("a%20b%2Bc", lua.escape("a b+c"))
    assert.equal("AZaz09-._~", lua.escape("AZaz09-._~"))
    assert.equal("%C3%BC", lua.escape("ü"))
    assert.equal("%00%FF", lua.escape("\0\255"))
  end)

  it("encodes forms sorted by key, with integers as integers and numbers kept exact", function()
    assert.equal("a=1&b=true&c=x%20y", lua.form { c = "x y", a = 1, b = true })
    assert.equal("n=2048", lua.form { n = 2048.0 })
    assert.equal("amount=1234567.5", lua.form { amount = 1234567.5 })
    assert.equal("x=0.1", lua.form { x = 0.1 })
    assert.equal("x=0.30000000000000004", lua.form { x = 0.1 + 0.2 })
    assert.equal("x=-3", lua.form { x = -3 })
    assert.equal("x=0", lua.form { x = -0.0 })
    assert.equal("x=9007199254740992", lua.form { x = 2 ^ 53 })
    assert.equal("", lua.form {})
  end)

  it("refuses what cannot be sent", function()
    for _, t in ipairs { { x = {} }, { x = 0 / 0 }, { x = math.huge }, { [1] = "a" }, { x = print } } do
      assert.has_error(function() lua.form(t) end)
    end
  end)
end)

describe("the C core's encoders", function()
  if not has_core then
    it("are not built here", function() pending("the C core is not built") end)
    return
  end

  it("match the pure-Lua ones on a table of cases", function()
    for _, s in ipairs(CASES) do
      assert.equal(lua.escape(s), core.escape(s), string.format("%q", s))
      assert.equal(lua.form { k = s, [s ~= "" and s or "e"] = 1 }, core.form { k = s, [s ~= "" and s or "e"] = 1 })
    end
    for _, n in ipairs { 0, 1, -1, 2048, 2048.0, 1234567.5, 0.1, 0.1 + 0.2, 1e21, 1.5e-7, -0.0, 2 ^ 53, 2 ^ 63, -2 ^ 63 } do
      assert.equal(lua.form { n = n }, core.form { n = n }, tostring(n))
    end
  end)

  it("match the pure-Lua ones on thousands of random byte strings", function()
    math.randomseed(42)
    for _ = 1, 3000 do
      local bytes = {}
      for i = 1, math.random(0, 40) do bytes[i] = string.char(math.random(0, 255)) end
      local s = table.concat(bytes)
      assert.equal(lua.escape(s), core.escape(s))
      assert.equal(lua.form { k = s, b = false }, core.form { k = s, b = false })
    end
  end)
end)
