-- idcloudhost.json's contract at its edges, on whichever backend this process uses (the full
-- cases are spec/core/json_spec.lua's).
local json = require "idcloudhost.json"

describe("idcloudhost.json", function()
  it("answers nil and a message, never raises, for what is not a JSON text", function()
    for _, v in ipairs { 42, true, {}, print } do
      local ok, value, err = pcall(json.decode, v)
      assert.is_true(ok, "raised on a " .. type(v))
      assert.is_nil(value)
      assert.matches("string", err)
    end
    local value, err = json.decode("{")
    assert.is_nil(value)
    assert.is_string(err)
  end)

  it("keeps [] an array and {} an object through a round trip", function()
    local v = assert(json.decode('{"a": [], "b": {}, "c": [1, null, 3]}'))
    assert.is_true(json.is_array(v.a))
    assert.is_false(json.is_array(v.b))
    assert.equal(3, #v.c)
    assert.equal(json.null, v.c[2])
    local back = assert(json.decode(assert(json.encode(v))))
    assert.is_true(json.is_array(back.a))
    assert.is_false(json.is_array(back.b))
  end)
end)
