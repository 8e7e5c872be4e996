-- What every backend of idcloudhost.json must do.  spec/core/json_spec.lua runs these cases on the C
-- core and on lua-cjson, spec/nvim/json_vim.lua inside Neovim on vim.json; plain Lua (no busted) so
-- both can.  A case is fn(json, caps), and raises on a failure.  caps (what a backend can do):
--   exact    integers and floats as the text writes them, 64-bit integers exact (the core)
--   numbers  the RFC's number grammar enforced (no leading zeros, "+", hex, NaN, Infinity)
-- The rules are in lua/idcloudhost/json.lua; the core's own, stricter ones in spec/core/json_spec.lua.
local cases = {}

local math_type = math.type
local FIXTURES = "fuzz/corpus/"  -- the API docs' example answers, shared with the fuzzer

local function case(name, fn) cases[#cases + 1] = { name = name, fn = fn } end

-- A decoded value as text, keys sorted, arrays marked, number subtypes shown (unless loose):
-- comparable.
local function show(v, json, loose)
  if v == json.null then return "null" end
  local t = type(v)
  if t == "number" then
    if v ~= v then return "nan" end
    local kind = not loose and math_type and math_type(v) or "number"
    return kind .. ":" .. string.format("%.17g", v)
  elseif t == "string" then
    return string.format("%q", v)
  elseif t ~= "table" then
    return tostring(v)
  end
  local parts = {}
  if json.is_array(v) then
    for i = 1, #v do parts[i] = show(v[i], json, loose) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for i, k in ipairs(keys) do parts[i] = show(k, json) .. "=" .. show(v[k], json, loose) end
  return "{" .. table.concat(parts, ",") .. "}"
end
cases.show = show

local function check(cond, msg, level)
  if not cond then error(msg or "check failed", (level or 1) + 1) end
end

local function eq(want, got, what)
  if want ~= got then
    error(string.format("%s: expected %s, got %s", what or "value", tostring(want), tostring(got)), 2)
  end
end

local function fails(json, text, pattern)
  local v, err = json.decode(text)
  if v ~= nil or type(err) ~= "string" then
    error(string.format("decode(%q) should fail, got %s", text, show(v, json)), 2)
  end
  if pattern and not err:find(pattern) then
    error(string.format("decode(%q): message %q lacks %q", text, err, pattern), 2)
  end
  return err
end

local function decodes(json, text)
  local v, err = json.decode(text)
  if v == nil then error(string.format("decode(%q) failed: %s", text, tostring(err)), 2) end
  return v
end

local function read(name)
  local f = assert(io.open(FIXTURES .. name, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function fixtures()
  local names = {}
  local p = assert(io.popen("ls " .. FIXTURES .. " 2>/dev/null"))
  for line in p:lines() do
    if line:find("^doc_.*%.json$") then names[#names + 1] = line end
  end
  p:close()
  check(#names > 40, "the docs' examples are missing from " .. FIXTURES)
  return names
end

-- decode -> encode -> decode gives the same value (2.0 may come back as the integer 2: an
-- integral float prints as an integer).
local function round_trip(json, v)
  local text, err = json.encode(v)
  check(text, "encode failed: " .. tostring(err), 2)
  local back = decodes(json, text)
  eq(show(v, json, true), show(back, json, true), "round trip of " .. text)
  return text
end

---------------------------------------------------------------------------------------------------

case("a {} inside a string changes nothing: every empty array stays an array", function(json)
  local text = [[
[{"uuid": "a", "description": "uses {} in text", "storage": [{"replica": [], "tags": []}], "tags": []},
 {"uuid": "b", "description": "", "storage": [], "tags": [ ], "meta": {}},
 {"uuid": "c", "description": "{ } and [] and \"{}\"", "storage": [{"replica":[]}], "meta": { }}]
]]
  local vms = decodes(json, text)
  eq(3, #vms, "items")
  check(json.is_array(vms), "the list is an array")
  eq("uses {} in text", vms[1].description)
  eq('{ } and [] and "{}"', vms[3].description)
  for _, t in ipairs { vms[1].storage[1].replica, vms[1].storage[1].tags, vms[1].tags, vms[2].storage,
    vms[2].tags, vms[3].storage[1].replica } do
    check(json.is_array(t) and next(t) == nil, "an empty array decodes marked")
  end
  for _, t in ipairs { vms[2].meta, vms[3].meta } do
    check(not json.is_array(t) and next(t) == nil, "an empty object decodes unmarked")
  end
  local out = round_trip(json, vms)
  check(out:find('"replica":[]', 1, true), "empty arrays encode as []: " .. out)
  check(out:find('"storage":[]', 1, true), out)
  check(out:find('"meta":{}', 1, true), "empty objects encode as {}: " .. out)
  check(not out:find('"replica":{}', 1, true) and not out:find('"tags":{}', 1, true), out)
end)

case("integers are integers; a fraction or an exponent makes a float", function(json, caps)
  local v = decodes(json, '{"memory": 2048, "neg": -7, "zero": 0, "f": 2048.5, "e": 1.5e3, "whole": 2048.0}')
  eq(2048, v.memory)
  eq(-7, v.neg)
  eq(2048.5, v.f)
  eq(1500, v.e)
  eq(2048, v.whole)
  if math_type then
    eq("integer", math_type(v.memory), "math.type(2048)")
    eq("integer", math_type(v.neg))
    eq("integer", math_type(v.zero))
    eq("float", math_type(v.f))
    if caps.exact then
      eq("float", math_type(v.whole), "math.type(2048.0)")
      eq("float", math_type(v.e), "math.type(1.5e3)")
    end
  end
  local text = assert(json.encode { n = v.memory })
  eq('{"n":2048}', text)  -- never "2048.0" back to the API
end)

case("integers past 2^53 stay exact where Lua has 64-bit integers", function(json, caps)
  local v = decodes(json, "[9007199254740993, -9223372036854775808, 9223372036854775807]")
  if caps.exact and math_type then
    eq(9007199254740993, v[1], "2^53 + 1")
    eq(math.mininteger, v[2])
    eq(math.maxinteger, v[3])
    eq("[9007199254740993,-9223372036854775808,9223372036854775807]", json.encode(v))
  else
    eq(2 ^ 53, v[1], "2^53 + 1 as a double")
  end
end)

case("a null member is absent; a null item is json.null and keeps the length", function(json)
  local v = decodes(json, '{"tags": null, "name": "x", "list": [null, 1, null], "deep": {"a": null}}')
  eq(nil, v.tags, "tags")
  eq("x", v.name)
  eq(3, #v.list, "#list")
  eq(json.null, v.list[1], "list[1]")
  eq(1, v.list[2])
  eq(json.null, v.list[3], "list[3]")
  check(next(v.deep) == nil and not json.is_array(v.deep), "an object of nulls is an empty object")
  eq('{}', json.encode(v.deep))
  eq("[null,1,null]", json.encode(v.list))
  eq(json.null, decodes(json, " null "), "a text that is just null")
end)

case("duplicate keys: the last one wins, a null one included", function(json)
  eq(2, decodes(json, '{"a": 1, "a": 2}').a)
  eq(nil, decodes(json, '{"a": 1, "a": null}').a)
  eq(1, decodes(json, '{"a": null, "a": 1}').a)
end)

case("top-level scalars", function(json)
  eq(1, decodes(json, "1"))
  eq("s", decodes(json, ' "s" '))
  eq(true, decodes(json, "true"))
  eq(false, decodes(json, "false"))
end)

case("keys that look like numbers stay strings", function(json)
  local v = decodes(json, '{"1": "one", "2": "two"}')
  eq("one", v["1"])
  eq(nil, v[1])
  check(not json.is_array(v), "an object")
  local text = json.encode(v)
  check(text == '{"1":"one","2":"two"}' or text == '{"2":"two","1":"one"}', text)
end)

case("escapes of RFC 8259, and surrogate pairs", function(json)
  eq('"\\/\b\f\n\r\tAé€😀', decodes(json, [["\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00"]]))
  eq("a\0b", decodes(json, [["a\u0000b"]]))
end)

case("lone surrogates are errors", function(json)
  fails(json, [["\ud800"]])
  fails(json, [["\udc00"]])
  fails(json, [["\ud800x"]])
  fails(json, [["\ud800\u0041"]])
  fails(json, [["\ude00\ud83d"]])
end)

case("bad escapes are errors", function(json)
  fails(json, [["\x41"]])
  fails(json, [["\u12"]])
  fails(json, [["\uZZZZ"]])
  fails(json, [["\'"]])
end)

case("numbers out of the double range are errors, never inf", function(json)
  fails(json, "1e400")
  fails(json, "-1e400")
  fails(json, "[1, 2, 1e999]")
  fails(json, '{"a": {"b": -1E+400}}')
  eq(0, decodes(json, "1e-400"), "underflow is 0")
end)

case("malformed numbers are errors", function(json, caps)
  for _, s in ipairs { "-", ".5", "1e", "1e+", "--1", "-a", "1.5.2", "1ee5" } do fails(json, s) end
  if caps.numbers then
    for _, s in ipairs { "01", "-01", "+1", "0x10", "NaN", "Infinity", "-Infinity", "nan", "inf" } do fails(json, s) end
  end
end)

case("structure errors: trailing text, empty input, bad nesting", function(json)
  for _, s in ipairs { "", "   ", "[1] x", "{} {}", "[1,]", '{"a":1,}', "[1 2]", '{"a" 1}', "{1: 2}", "[",
    "[1", '{"a":', '"abc', "]", "}", "tru", "nul", "[true false]", "\239\187\191[]" } do
    fails(json, s)
  end
end)

case("nesting: max_depth (1000) deep decodes, one more is an error", function(json)
  local ok = string.rep("[", 1000) .. string.rep("]", 1000)
  local v = decodes(json, ok)
  local depth = 0
  while type(v) == "table" do depth, v = depth + 1, v[1] end
  eq(1000, depth, "depth")
  fails(json, string.rep("[", 1001) .. string.rep("]", 1001))
  fails(json, string.rep('{"a":', 1001) .. "1" .. string.rep("}", 1001))
  fails(json, string.rep("[", 100000))
end)

case("a value that is not a string decodes to nil and a message", function(json)
  for _, v in ipairs { 1, true, {} } do
    local r, err = json.decode(v)
    eq(nil, r)
    check(type(err) == "string", "a message")
  end
  eq(nil, (json.decode(nil)))
end)

---------------------------------------------------------------------------------------------------

case("the API docs' example answers decode and round-trip", function(json)
  for _, name in ipairs(fixtures()) do
    local text = read(name)
    local v, err = json.decode(text)
    if text:find("False") then  -- one example is a Python repr, not JSON
      eq(nil, v, name)
    else
      check(v ~= nil, name .. ": " .. tostring(err))
      round_trip(json, v)
    end
  end
end)

case("the docs' VM list: marks, nulls and integers where the SDK expects them", function(json)
  local vms = decodes(json, read("doc_idcloudhost_017.json"))
  eq(5, #vms)
  for _, vm in ipairs(vms) do
    eq(2048, vm.memory)
    if math_type then eq("integer", math_type(vm.memory)) end
    eq(nil, vm.tags)
    eq(nil, vm.hypervisor_id)
    check(json.is_array(vm.storage) and #vm.storage == 1)
    check(json.is_array(vm.storage[1].replica) and next(vm.storage[1].replica) == nil)
    eq(true, vm.storage[1].primary)
    eq(nil, vm.storage[1].updated_at)
  end
  local user = decodes(json, read("doc_idcloudhost_001.json"))
  check(not json.is_array(user.state) and next(user.state) == nil, "state is {}")
  eq(nil, user.profile)
  check(json.encode(user):find('"state":{}', 1, true))
end)

---------------------------------------------------------------------------------------------------
-- encode: the same rules and messages on every backend

case("encode: arrays, objects, empty tables, null", function(json)
  eq("[]", json.encode(json.array()))
  eq("{}", json.encode({}))
  eq("[1,2,3]", json.encode({ 1, 2, 3 }))
  eq("[1,2,3]", json.encode(json.array { 1, 2, 3 }))
  eq('{"a":[]}', json.encode({ a = json.array() }))
  eq("[null,true,false]", json.encode({ json.null, true, false }))
  eq("null", json.encode(json.null))
  eq('"x"', json.encode("x"))
  eq("[[[]]]", json.encode({ { json.array() } }))
end)

case("encode: strings are escaped per RFC 8259, / is not, UTF-8 passes", function(json)
  eq([["a/b \"q\" \\ \n\r\t\b\f \u0001\u001f é😀"]], json.encode('a/b "q" \\ \n\r\t\b\f \1\31 é😀'))
  eq('"\\u0000"', json.encode("\0"))
  eq('"\127"', json.encode("\127"))
end)

case("encode: invalid UTF-8 is an error", function(json)
  for _, s in ipairs { "\128", "\192\128", "\237\160\128", "\244\144\128\128", "\226\130", "\255" } do
    local text, err = json.encode({ name = s })
    eq(nil, text, "encode of invalid UTF-8")
    check(err:find("invalid UTF-8 in a string at $.name", 1, true), err)
  end
  local _, err = json.encode({ ["\255"] = 1 })
  check(err:find("invalid UTF-8 in a key", 1, true), err)
end)

case("encode: numbers", function(json)
  eq("2048", json.encode(2048))
  eq("-7", json.encode(-7))
  eq("2048", json.encode(2048.0))
  eq("0.1", json.encode(0.1))
  eq("0.30000000000000004", json.encode(0.1 + 0.2))
  eq("1e+300", json.encode(1e300))
  eq("9007199254740992", json.encode(2 ^ 53))
  eq("-1.5", json.encode(-1.5))
  eq("0", json.encode(-0.0))
  for _, x in ipairs { 1 / 3, 2 / 3, 1e-7, 123.456, 5e-324, 1.7976931348623157e308, 2 ^ 60, -2 ^ 70 } do
    eq(x, json.decode(json.encode(x)), "round trip of " .. string.format("%.17g", x))
  end
  local _, err = json.encode({ a = { 0 / 0 } })
  check(err and err:find("cannot encode NaN at $.a[1]", 1, true), err)
  _, err = json.encode({ x = math.huge })
  check(err and err:find("cannot encode infinity at $.x", 1, true), err)
end)

case("encode: mixed, sparse and odd tables are errors that say where", function(json)
  local _, err = json.encode({ a = 1, 1 })
  check(err and err:find("a table with both", 1, true) and err:find(" at %$$"), err)
  _, err = json.encode({ list = { 1, nil, 3 } })
  check(err and err:find("sparse array", 1, true) and err:find("at $.list", 1, true), err)
  _, err = json.encode({ [0] = "x" })
  check(err and err:find("not a positive integer", 1, true), err)
  _, err = json.encode({ [1.5] = "x" })
  check(err and err:find("not a positive integer", 1, true), err)
  _, err = json.encode({ [true] = 1 })
  check(err and err:find("boolean key", 1, true), err)
  _, err = json.encode({ rules = { { port = print } } })
  check(err and err:find("cannot encode a function at $.rules[1].port", 1, true), err)
  _, err = json.encode(json.array { a = 1 })
  check(err and err:find("string key", 1, true), err)
  _, err = json.encode({ ["a b"] = { coroutine.create(function() end) } })
  check(err and err:find('cannot encode a thread at $["a b"][1]', 1, true), err)
end)

case("encode: cycles and nesting past max_depth are errors", function(json)
  local t = {}
  t.self = t
  local text, err = json.encode(t)
  eq(nil, text)
  eq("a cycle: a table that holds itself at $.self", err)
  local deep = {}
  local cur = deep
  for _ = 1, 999 do cur[1] = {}; cur = cur[1] end
  check(json.encode(deep), "1000 levels encode")
  cur[1] = {}
  local _, deep_err = json.encode(deep)
  check(deep_err and deep_err:find("nested deeper than 1000", 1, true), deep_err)
end)

case("encode: a proxy is read through its __pairs; __index without __pairs is refused", function(json)
  local real = { a = { 1, 2 } }
  local proxy = setmetatable({}, { __index = real, __pairs = function() return next, real, nil end })
  eq('{"p":{"a":[1,2]}}', json.encode { p = proxy })
  local text, err = json.encode { list = { 1, setmetatable({}, { __index = real }) } }
  eq(nil, text)
  check(err:find("__index", 1, true) and err:find("at $.list[2]", 1, true), err)
  text, err = json.encode { p = setmetatable({}, { __pairs = function() error("no") end }) }
  eq(nil, text)
  check(err:find("__pairs raised", 1, true), err)
end)

case("round trips keep every kind of value", function(json)
  round_trip(json, decodes(json, [[
    {"s": "x\u00e9\"\\/", "i": 42, "n": -1, "f": 0.25, "t": true, "b": false,
     "a": [1, "two", [], {}, [null], {"k": [0.5]}], "o": {"nested": {"deeper": []}}, "e": {}}
  ]]))
end)

return cases
