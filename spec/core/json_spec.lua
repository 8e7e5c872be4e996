-- idcloudhost.json on every backend this machine has, and core.json's own rules.
--   * spec/core/json_cases.lua on the C core and on lua-cjson (json.lua loaded afresh with the
--     core hidden), and on Neovim's vim.json through spec/nvim/json_vim.lua when nvim is installed;
--   * core.json alone: its arguments, strict UTF-8, control characters, the number grammar,
--     exact integer edges, byte offsets in messages, the Lua stack on deep input.
local cases = require "spec.core.json_cases"

local has_core, core = pcall(require, "idcloudhost.core")
has_core = has_core and type(core.json) == "function"
local has_cjson = pcall(require, "cjson.safe")
local math_type = math.type

-- lua/idcloudhost/json.lua loaded afresh with some modules hidden: the backend it picks then.
local function load_json(hide)
  local env = setmetatable({}, { __index = _G })
  env.require = function(name)
    if hide[name] then error("module '" .. name .. "' not found (hidden by json_spec)", 2) end
    -- the SDK asks for the core through idcloudhost.native: hidden there too
    if name == "idcloudhost.native" and hide["idcloudhost.core"] then return { err = "hidden by json_spec" } end
    return require(name)
  end
  local chunk = assert(loadfile("lua/idcloudhost/json.lua", "t", env))
  if setfenv then setfenv(chunk, env) end -- luacheck: ignore 113 (Lua 5.1)
  return chunk()
end

local backends = {}
if has_core then
  backends[#backends + 1] = { name = "core", hide = {}, caps = { exact = true, numbers = true } }
end
if has_cjson then
  backends[#backends + 1] = { name = "cjson", hide = { ["idcloudhost.core"] = true },
    caps = { exact = false, numbers = true } }
end

describe("idcloudhost.json", function()
  it("uses the C core when it is built", function()
    local json = require "idcloudhost.json"
    assert.equal(has_core and "core" or "cjson", json.backend)
  end)

  it("has a backend to test: the core or lua-cjson", function()
    assert.is_true(#backends > 0)
  end)

  for _, b in ipairs(backends) do
    describe("on " .. b.name, function()
      local json = load_json(b.hide)

      it("is the backend chosen", function()
        assert.equal(b.name, json.backend)
      end)

      for _, c in ipairs(cases) do
        it(c.name, function() c.fn(json, b.caps) end)
      end
    end)
  end

  if #backends == 2 then
    it("encodes alike on the core and on the fallback (one set of rules)", function()
      local a, f = load_json({}), load_json({ ["idcloudhost.core"] = true })
      local values = {
        { 1, 2.5, "x/y", { a = { f.null } } }, 0.1, 1 / 3, 2 ^ 63, -2 ^ 53, "\1\31\127é",
        { rules = { { source_port = 80 } } }, { name = "\255" }, { 1, nil, 3 }, { a = print },
      }
      for _, v in ipairs(values) do
        local ta, ea = a.encode(v)
        local tf, ef = f.encode(v)
        assert.same({ ta, ea }, { tf, ef })
      end
    end)
  end

  describe("on vim.json inside Neovim", function()
    it("passes the same cases (nvim --headless)", function()
      local found = os.execute("command -v nvim >/dev/null 2>&1") -- 5.1: 0; 5.2+: true
      if found ~= true and found ~= 0 then
        pending("nvim is not installed")
        return
      end
      local p = assert(io.popen("nvim --headless -u NONE -i NONE -c 'luafile spec/nvim/json_vim.lua' -c 'qa!' 2>&1"))
      local out = p:read("*a")
      p:close()
      assert.matches("json_nvim: backend vim.json", out)
      assert.matches("json_nvim: %d+ passed, 0 failed", out)
    end)
  end)
end)

describe("core.json", function()
  if not has_core then
    it("needs the C core", function() pending("idcloudhost.core is not built") end)
    return
  end

  local mt = {}
  local decode, encode, null = core.json { array_mt = mt }

  local function fails(text, pattern)
    local v, err = decode(text)
    assert.is_nil(v, text)
    assert.is_string(err)
    if pattern then assert.matches(pattern, err, 1, true) end
    return err
  end

  describe("core.json{}", function()
    it("returns decode, encode and the null value, by default the light userdata of cjson", function()
      assert.is_function(decode)
      assert.is_function(encode)
      assert.equal("userdata", type(null))
      if has_cjson then assert.equal(require("cjson").null, null) end
      assert.equal(null, (select(3, core.json())))
    end)

    it("raises on bad options", function()
      for _, opts in ipairs {
        "x", 1, { array_mt = 1 }, { array_mt = "x" }, { null = 1 }, { null = "x" }, { null = true },
        { max_depth = 0 }, { max_depth = 1.5 }, { max_depth = "10" }, { max_depth = 2e6 },
        { arraymt = {} }, { [1] = true },
      } do
        assert.has_error(function() core.json(opts) end)
      end
      assert.has_error(function() core.json { nul = 1 } end, "core.json: unknown option nul")
    end)

    it("marks arrays only when given array_mt", function()
      local d, e = core.json {}
      local v = d("[[], {}]")
      assert.is_nil(getmetatable(v))
      assert.equal("[{},{}]", e(v))
      v = decode("[[], {}]")
      assert.equal(mt, getmetatable(v))
      assert.equal(mt, getmetatable(v[1]))
      assert.is_nil(getmetatable(v[2]))
    end)

    it("takes another null value", function()
      local NULL = setmetatable({}, { __name = "null" })
      local d, e, n = core.json { null = NULL, array_mt = mt }
      assert.equal(NULL, n)
      local v = d('[null, {"a": null}]')
      assert.equal(NULL, v[1])
      assert.same({}, v[2])
      assert.equal("[null,{}]", e(v))
      assert.equal("null", e(NULL))
    end)

    it("takes another max_depth, for decode and encode", function()
      local d, e = core.json { max_depth = 3 }
      assert.is_table(d("[[[]]]"))
      local v, err = d("[[[[]]]]")
      assert.is_nil(v)
      assert.equal("nesting deeper than 3 at byte 4", err)
      assert.equal("[[{}]]", e({ { {} } }))
      v, err = e({ { { {} } } })
      assert.is_nil(v)
      assert.matches("tables nested deeper than 3 (a cycle?) at $[1][1][1]", err, 1, true)
    end)
  end)

  describe("decode", function()
    it("says where the text went wrong, as a byte offset", function()
      assert.equal("unexpected 'x' at byte 8", fails("[1, 2, x]"))
      assert.equal("unexpected end of input at byte 1", fails(""))
      assert.equal("unexpected end of input at byte 4", fails("   "))
      assert.equal("unexpected 'x' at byte 5", fails("[1] x"))
      assert.equal("unexpected ']' at byte 4", fails("[1,]"))
      assert.equal("expected ':' after a key at byte 6", fails('{"a" 1}'))
      assert.equal("expected a string key at byte 2", fails("{1:2}"))
      assert.equal("invalid number (leading zero) at byte 2", fails("[01]"))
      assert.equal("number out of range at byte 7", fails('{"a": 1e400}'))
      assert.equal("unterminated string at byte 2", fails('["abc'))
      assert.equal("a byte order mark (not JSON) at byte 1", fails("\239\187\191{}"))
      assert.equal("unexpected byte 0x00 at byte 3", fails("[1\0]"))
      assert.equal("nesting deeper than 1000 at byte 1001", fails(string.rep("[", 1001)))
    end)

    it("rejects invalid UTF-8 of every kind", function()
      for _, bad in ipairs {
        "\128", "\191",                    -- continuation bytes alone
        "\192\128", "\193\191",            -- overlong 2-byte forms (C0, C1 leads)
        "\224\128\128", "\224\159\191",    -- overlong 3-byte forms
        "\240\128\128\128", "\240\143\191\191", -- overlong 4-byte forms
        "\237\160\128", "\237\191\191",    -- UTF-16 surrogates encoded in UTF-8
        "\244\144\128\128", "\247\191\191\191", -- past U+10FFFF
        "\245\128\128\128", "\248\136\128\128\128", "\252\132\128\128\128\128", "\254", "\255",
        "\194", "\226\130", "\240\159\152",  -- truncated at the closing quote
        "\194A", "\226\130A", "\226A\172",   -- a continuation byte missing
      } do
        local err = fails('{"k": "ok ' .. bad .. ' ok"}')
        assert.equal("invalid UTF-8 in a string at byte 11", err)
      end
      fails('{"\255": 1}', "invalid UTF-8 in a string at byte 3")
    end)

    it("judges UTF-8 as Lua 5.4's utf8.len does: each kind of lead byte, every second byte", function()
      if _VERSION ~= "Lua 5.4" then
        pending("utf8.len is strict (no surrogates, nothing past U+10FFFF) on Lua 5.4 only")
        return
      end
      local fallback = load_json({ ["idcloudhost.core"] = true })
      local tails = { "", "\65", "\128", "\191", "\192" }  -- the second byte carries the ranges
      local n = 0
      -- both ends of every range of lead bytes the decoder tells apart
      local leads = { 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1,
        0xF3, 0xF4, 0xF5, 0xF7, 0xF8, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF }
      for _, a in ipairs(leads) do
        for b = 0, 255 do
          for _, c in ipairs(tails) do
            for _, d in ipairs(tails) do
              local s = string.char(a, b) .. c .. d
              local valid = utf8.len(s) ~= nil
              local text = encode(s)
              if valid ~= (text ~= nil) then error(("encode and utf8.len disagree on %q"):format(s)) end
              if valid ~= (fallback.encode(s) ~= nil) then error(("the Lua encoder and utf8.len disagree on %q"):format(s)) end
              if text and decode(text) ~= s then error(("%q does not read back"):format(s)) end
              if not s:find('[%z\1-\31"\\]') and valid ~= (decode('"' .. s .. '"') ~= nil) then
                error(("decode and utf8.len disagree on %q"):format(s))
              end
              n = n + 1
            end
          end
        end
      end
      assert.equal(#leads * 256 * #tails * #tails, n)
    end)

    it("accepts every valid UTF-8 form, at the edges of each length", function()
      for _, good in ipairs {
        "\0", "\127", "\194\128", "\223\191", "\224\160\128", "\237\159\191", "\238\128\128", "\239\191\191",
        "\240\144\128\128", "\244\143\191\191", "ascii, é, €, 😀",
      } do
        local text = '"' .. (good == "\0" and "\\u0000" or good) .. '"'
        assert.equal(good, decode(text))
        assert.equal(text, encode(good))
      end
    end)

    it("rejects raw control characters in strings", function()
      for c = 0, 31 do
        fails('"a' .. string.char(c) .. 'b"', "control character in a string at byte 3")
      end
      assert.equal("a\127b", decode('"a\127b"'))  -- DEL is no control character for JSON
    end)

    it("rejects what strtod or cjson would let through", function()
      for _, s in ipairs { "1.", "1.e5", "-.5", "0x1p3", "1e5.5", "1_000", "١", "[.5]", "[1.]", "Infinity", "-0x10",
        "[01.5]", "-01", "00", "1E", "1e-", "[NaN]", "True", "NULL", "'s'", "[1,,2]", "[,1]", "{,}", '{"a":1 "b":2}' } do
        fails(s)
      end
      fails('"\\u00e9\\"', "unterminated string")
      fails('"\\uD83D\\uDE0"', "invalid \\u escape at byte 8")
    end)

    it("reads integers at the edges of the 64-bit range", function()
      if not math_type then
        assert.equal(2 ^ 53, decode("9007199254740992"))
        assert.equal(2 ^ 53, decode("9007199254740993"))  -- the nearest double
        assert.equal(-2 ^ 63, decode("-9223372036854775808"))
        return
      end
      local v = decode("[9223372036854775807, -9223372036854775808, 9223372036854775808, " ..
        "-9223372036854775809, 18446744073709551616, 123456789012345678901234567890, 0, -0]")
      assert.equal(math.maxinteger, v[1])
      assert.equal("integer", math_type(v[1]))
      assert.equal(math.mininteger, v[2])
      assert.equal("integer", math_type(v[2]))
      assert.equal("float", math_type(v[3]))
      assert.equal(2 ^ 63, v[3])
      assert.equal("float", math_type(v[4]))
      assert.equal(-2 ^ 63, v[4])
      assert.equal(2 ^ 64, v[5])
      assert.equal(1.2345678901234568e29, v[6])
      assert.equal("integer", math_type(v[7]))
      assert.equal("integer", math_type(v[8]))  -- "-0" is the integer 0
    end)

    it("reads floats exactly (correctly rounded), the fast path and strtod's", function()
      local floats = {
        ["0.1"] = 0.1, ["0.30000000000000004"] = 0.1 + 0.2, ["1e-7"] = 1e-7, ["2.5e-308"] = 2.5e-308,
        ["4.9406564584124654e-324"] = 5e-324, ["1.7976931348623157e308"] = 1.7976931348623157e308,
        ["123456789.123456789"] = 123456789.123456789, ["9007199254740993.0"] = 2 ^ 53,
        ["1" .. string.rep("0", 40)] = 1e40, ["0." .. string.rep("0", 30) .. "1"] = 1e-31,
        ["3.141592653589793238462643383279"] = 3.141592653589793, ["1E2"] = 100, ["1e+2"] = 100,
        ["-0.0"] = -0.0, ["0e999999999999"] = 0, ["1e-999999999999"] = 0,
      }
      for text, want in pairs(floats) do
        local got = decode(text)
        assert.equal(want, got, text)
        if math_type then assert.equal("float", math_type(got), text) end
      end
      assert.equal(-math.huge, 1 / decode("-0.0"))  -- the sign survives
      fails("1e999999999999", "number out of range")
      fails("-" .. string.rep("9", 400), "number out of range")
    end)

    it("reads floats the same under a locale with a decimal comma", function()
      local old = os.setlocale(nil, "numeric")
      local comma
      for _, l in ipairs { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8" } do
        if os.setlocale(l, "numeric") then comma = l; break end
      end
      if not comma then
        os.setlocale(old, "numeric")
        pending("no locale with a decimal comma is installed")
        return
      end
      local ok, err = pcall(function()
        assert.equal(1.5, decode("1.5"))
        assert.equal(0.1, decode("0." .. string.rep("0", 30) .. "1") * 1e30)
        assert.equal("[1.5,0.1]", encode({ 1.5, 0.1 }))
        assert.equal("[1.5,0.1,1e-300]", load_json({ ["idcloudhost.core"] = true }).encode({ 1.5, 0.1, 1e-300 }))
      end)
      os.setlocale(old, "numeric")
      assert(ok, err)
    end)

    it("keeps lengths and order of big arrays, whatever the sizes of their items", function()
      local v = decode("[[1,2,3],[1,2,3],[],[4],{},{\"a\":1,\"b\":2},{\"a\":1,\"b\":2},{\"c\":3},[1,2,3,4,5]]")
      assert.equal(9, #v)
      assert.same({ 1, 2, 3 }, v[2])
      assert.same({}, v[3])
      assert.same({ 4 }, v[4])
      assert.same({ c = 3 }, v[8])
      assert.same({ 1, 2, 3, 4, 5 }, v[9])
      local items = {}
      for i = 1, 10000 do items[i] = tostring(i) end
      local big = decode("[" .. table.concat(items, ",") .. "]")
      assert.equal(10000, #big)
      assert.equal(10000, big[10000])
    end)

    it("turns deep input into an error value, not a crash, whatever max_depth allows", function()
      local d = core.json { max_depth = 1000000 }
      local v, err = d(string.rep("[", 300000))
      assert.is_nil(v)
      assert.is_string(err)
      v, err = d(string.rep('{"a":', 300000))
      assert.is_nil(v)
      assert.is_string(err)
      local _, e = core.json { max_depth = 1000000 }
      local deep = {}
      for _ = 1, 100000 do deep = { deep } end
      local text = e(deep)  -- as deep as the Lua stack takes, or an error value
      assert.is_true(text == nil or #text == 200002)
    end)

    it("strings without escapes come out whole, with escapes built", function()
      local long = string.rep("abcdefghij", 10000)
      assert.equal(long, decode('"' .. long .. '"'))
      assert.equal(long .. "\n" .. long, decode('"' .. long .. "\\n" .. long .. '"'))
      assert.equal(string.rep("é", 5000), decode('"' .. string.rep("\\u00e9", 5000) .. '"'))
    end)
  end)

  describe("encode", function()
    it("grows its buffer for big texts", function()
      local items = {}
      for i = 1, 20000 do items[i] = { id = i, name = "vm-" .. i, tags = setmetatable({}, mt) } end
      local text = assert(encode(items))
      local back = decode(text)
      assert.equal(20000, #back)
      assert.same({ id = 20000, name = "vm-20000", tags = {} }, back[20000])
      assert.equal(mt, getmetatable(back[1].tags))
    end)

    it("raises only for memory; everything else is nil and a message", function()
      for _, v in ipairs { print, coroutine.create(function() end), io.stdout, 0 / 0 } do
        local text, err = encode(v)
        assert.is_nil(text)
        assert.is_string(err)
      end
    end)
  end)
end)
