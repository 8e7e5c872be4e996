-- UUID parameters: the C core's core.uuid (the fast path) and check.lua's pattern (every host
-- without the core) accept the same strings and give the same lower-case value.
local check = require "idcloudhost.call.check"
local has_core, core = pcall(require, "idcloudhost.core")

local U = "5aea1842-895f-4bd3-8bd6-e37b2282fb46"
local CASES = {
  U, U:upper(), "5AEA1842-895f-4bd3-8BD6-e37b2282fb46", "00000000-0000-0000-0000-000000000000",
  "", U:sub(2), U .. "0", " " .. U, U .. "\n", U:gsub("-", "", 1), U:gsub("%-", "_"),
  "5aea1842-895f-4bd3-8bd6e-37b2282fb46", "5aea1842-895f-4bd3-8bd6-e37b2282fb4g",
  "5aea1842--95f-4bd3-8bd6-e37b2282fb46", "5aea1842-895f-4bd3-8bd6-e37b2282fb4\0",
  "{5aea1842-895f-4bd3-8bd6-e37b2282fb46}", "5aea1842895f4bd38bd6e37b2282fb46", ("-"):rep(36),
}

describe("uuid parameters", function()
  it("are 8-4-4-4-12 hex digits in either case, sent in lower case", function()
    assert.equal(U, check.lua_uuid(U))
    assert.equal(U, check.lua_uuid(U:upper()))
    assert.is_nil(check.lua_uuid(U:sub(2)))
    assert.is_nil(check.lua_uuid(42))
    assert.is_true(check.is_uuid(U:upper()))
    assert.is_false(check.is_uuid(U .. "0"))
    assert.is_false(check.is_uuid({}))
    assert.equal(U, check.value("x", "uuid", "uuid!", U:upper()))
    local _, err = check.value("x", "uuid", "uuid!", U .. " ")
    assert.equal("invalid", err.kind)
  end)

  if not has_core then
    it("have no C core here", function() pending("the C core is not built") end)
    return
  end

  it("read the same through the C core on a table of cases", function()
    for _, s in ipairs(CASES) do
      assert.equal(check.lua_uuid(s), core.uuid(s), string.format("%q", s))
    end
    for _, v in ipairs { 42, true, {}, print } do assert.is_nil(core.uuid(v)) end
    assert.is_nil(core.uuid())
  end)

  it("read the same through the C core on thousands of near misses", function()
    math.randomseed(7)
    local alphabet = "0123456789abcdefABCDEF-gG xz\0\255"
    for _ = 1, 5000 do
      local b = { U:byte(1, -1) }
      for _ = 1, math.random(0, 3) do
        local i = math.random(1, #b)
        if math.random(4) == 1 then table.remove(b, i)
        else
          local j = math.random(1, #alphabet)
          b[i] = alphabet:byte(j)
        end
      end
      local s = string.char((table.unpack or unpack)(b))
      assert.equal(check.lua_uuid(s), core.uuid(s), string.format("%q", s))
    end
  end)
end)
