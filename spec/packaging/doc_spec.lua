-- The reference (make doc: LDoc over the modules' doc comments, config.ld) has an entry for every
-- public name that scripts/api.lua finds by walking the API, with typed parameters, what it
-- returns and the errors it gives; every object kind has its fields, and they cover every field
-- of the platform docs' example answers.  LDoc builds it with no warning.  Needs LDoc (Debian
-- lua-ldoc, lua-discount): `make doc` installs them and runs this spec.
local api = dofile("scripts/api.lua")

local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("*a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end

local has_ldoc = select(2, run("command -v ldoc")) == 0

describe("the reference", function()
  if not has_ldoc then
    pending("make doc installs LDoc (lua-ldoc) and runs this")
    return
  end

  local items -- what LDoc read: scripts/ldoc_dump.lua's list
  setup(function()
    local out, code = run("LUA_PATH='./?.lua;;' ldoc --filter scripts.ldoc_dump.dump .")
    assert.equal(0, code, out)
    items = assert((loadstring or load)((out:gsub("exit=%d+%s*$", "")), "=ldoc dump"))()
  end)

  local function find(section, name)
    for _, it in ipairs(items) do
      if it.section == section and it.name == name then return it end
    end
  end

  local function fields_of(kind)
    local t = find(kind, kind .. ".fields")
    local out = {}
    for _, p in ipairs(t and t.params or {}) do out[p.name] = p end
    return t and out
  end

  it("builds with no LDoc warning", function()
    local dir = os.tmpname()
    os.remove(dir)
    local out, code = run("ldoc --fatalwarnings -d " .. dir .. " .")
    assert.equal(0, code, out)
    assert.is_nil(out:find("%.lua:%d+:"), out)
    local f = assert(io.open(dir .. "/index.html"))
    f:close()
    run("rm -rf " .. dir)
  end)

  it("has an entry for every public name", function()
    local walked = api.walk()
    assert.is_true(#walked > 150)
    local client_fields = fields_of("client")
    assert.is_truthy(client_fields, "client.fields is missing")
    for _, e in ipairs(walked) do
      local it
      if e.owner == "idcloudhost" then
        for _, x in ipairs(items) do
          if x.module == "idcloudhost" and x.name == e.member then it = x end
        end
      elseif e.owner == "idcloudhost.json" then
        for _, x in ipairs(items) do
          if x.module == "idcloudhost" and x.name == "json." .. e.member then it = x end
        end
      elseif e.owner == "client" and e.kind == "field" then
        it = client_fields[e.member]
        assert.is_truthy(it, "client." .. e.member .. " is not among client.fields")
        assert.equal("client." .. e.member, it.type)
        it = find("client." .. e.member, nil) or it
      else
        it = find(e.owner, e.name)
      end
      assert.is_truthy(it, e.name .. " has no entry in the reference")
    end
  end)

  -- Methods that cannot fail: the rest say which errors they give.
  local NO_ERRORS = { ["client:close"] = true }
  local KINDS = { invalid = true, api = true, network = true, timeout = true, decode = true, error = true }

  it("gives every method and function its parameters, returns and errors", function()
    for _, it in ipairs(items) do
      if it.kind == "function" then
        assert.is_truthy(#it.summary >= 8, it.name .. ": no summary")
        for _, p in ipairs(it.params) do
          if p.name ~= "v" and p.name ~= "s" then
            assert.is_truthy(p.type and p.type ~= "", it.name .. ": parameter " .. p.name .. " has no type")
          end
        end
        local not_available = it.summary:find("^Not available")
        if it.name:find(":", 1, true) and not NO_ERRORS[it.name] and not not_available then
          assert.is_truthy(it.errors, it.name .. ": no @errors")
          assert.is_truthy(#it.returns > 0, it.name .. ": no @treturn")
          local named = false
          for word in it.errors:gmatch("[%a_]+") do
            if KINDS[word] then named = true end
          end
          assert.is_true(named, it.name .. ": @errors names no error kind: " .. it.errors)
        end
      end
    end
  end)

  -- The example answers of the platform's docs (spec/fixtures/doc_examples.lua) each object kind
  -- is made from, and where in the answer the object is.
  local SOURCES = {
    vm = { "GET /v1/user-resource/vm" }, disk = { "GET /v1/storage/disks/{}" },
    network = { "GET /v1/network/network/{}" }, floating_ip = { "GET /v1/network/ip_addresses/{}" },
    load_balancer = { "GET /v1/network/load_balancers/{}" }, bucket = { "GET /v1/storage/bucket" },
    token = { "GET /v1/user-resource/token/list", list = true },
    billing_account = { "GET /v1/payment/billing_account" }, card = { "GET /v1/payment/card" },
    invoice = { "GET /v1/payment/invoice" }, location = { "GET /v1/config/locations", list = true },
    user = { "GET /v1/user-resource/user" },
    replica = { "POST /v1/user-resource/vm/replica", inner = "replica" },
    -- the 2025-12 edition (spec/fixtures/doc_examples_2025.lua)
    ssh_key = { "GET /v1/user-resource/ssh_keys", list = true },
    firewall = { "GET /v1/network/firewalls", list = true, also = { "POST /v1/network/firewalls" } },
    service = { "GET /v1/user-resource/service/package/{}", also = { "DELETE /v1/user-resource/service/package/{}" } },
  }

  it("documents every object kind with every field of the docs' examples, in every edition", function()
    local cjson = require "cjson"
    local examples = dofile("spec/fixtures/doc_examples.lua")
    for _, ex in ipairs(dofile("spec/fixtures/doc_examples_2025.lua")) do examples[#examples + 1] = ex end
    local kinds = {}
    for kind in pairs(api.models()) do kinds[#kinds + 1] = kind end
    table.sort(kinds)
    assert.is_true(#kinds >= 13)
    for _, kind in ipairs(kinds) do
      local fields = fields_of(kind)
      assert.is_truthy(fields, kind .. " has no fields table (" .. kind .. ".fields)")
      for name, p in pairs(fields) do
        assert.is_truthy(p.type and p.type ~= "", kind .. "." .. name .. " has no type")
      end
      local src = SOURCES[kind]
      assert.is_truthy(src, "no example answer named for " .. kind)
      local seen = 0
      local wanted = { [src[1]] = true }
      for _, e in ipairs(src.also or {}) do wanted[e] = true end
      for _, ex in ipairs(examples) do
        if wanted[ex.endpoint] and (ex.normalized or ex.json) then
          local data = cjson.decode(ex.normalized or ex.json)
          if src.list then data = data[1] end
          if src.inner then data = data[src.inner][1] end
          if type(data) == "table" and data.errors == nil then
            seen = seen + 1
            for key in pairs(data) do
              assert.is_truthy(fields[key], string.format("%s.%s (%s, %s) is not documented", kind, key,
                ex.edition, ex.source))
            end
          end
        end
      end
      assert.is_true(seen > 0, "no example answer of " .. src[1])
    end
  end)
end)
