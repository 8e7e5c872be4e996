-- types/idcloudhost.lua, the LuaCATS definitions for lua-language-server: valid Lua, a class per
-- object kind with its fields and per collection, and a definition for every public name that
-- scripts/api.lua walks (so `vm:stop{force = true}` and `vm.memory` complete).  It is generated
-- from the doc comments (make types): where LDoc is installed, it must be current.
local api = dofile("scripts/api.lua")
local luacats = dofile("scripts/luacats.lua")

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("*a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end

local text = read(luacats.OUT)

-- The lines of the block that defines class name: from its ---@class line to its `local x = {}`.
local function class_block(name)
  local pat = "\n%-%-%-@class " .. name:gsub("%p", "%%%0") .. "\n"
  local s = text:find(pat)
  if not s then return nil end
  local e = text:find("\nlocal [%w_]+ = {}\n", s)
  return text:sub(s, e)
end

local function has(plain) return text:find(plain, 1, true) ~= nil end

describe("types/idcloudhost.lua", function()
  it("is a ---@meta file that loads as Lua and returns the module's table", function()
    assert.is_truthy(text:match("^%-%-%-@meta idcloudhost\n"))
    local chunk = assert((loadstring or load)(text, "=types"))
    local m = chunk()
    assert.equal("function", type(m.new))
  end)

  it("defines every public name", function()
    local walked = api.walk()
    assert.is_true(#walked > 150)
    for _, e in ipairs(walked) do
      local ok
      if e.owner == "idcloudhost" then
        ok = has("\nfunction idcloudhost." .. e.member .. "(")
          or class_block("idcloudhost"):find("\n%-%-%-@field " .. e.member .. "%??%s")
      elseif e.owner == "idcloudhost.json" then
        ok = has("\nfunction json." .. e.member .. "(")
          or class_block("idcloudhost.json"):find("\n%-%-%-@field " .. e.member .. "%??%s")
      elseif e.kind == "field" then -- client.vms
        ok = class_block("idcloudhost.client"):find("\n%-%-%-@field " .. e.member .. " idcloudhost%.client%." .. e.member .. " ")
          and class_block("idcloudhost.client." .. e.member)
      else -- client:at, client.vms:list, vm:stop
        ok = class_block("idcloudhost." .. e.owner)
          and has("\nfunction " .. luacats.var(e.owner) .. ":" .. e.member .. "(")
      end
      assert.is_truthy(ok, e.name .. " has no definition in " .. luacats.OUT)
    end
  end)

  it("gives every object kind its fields, and options their own class", function()
    for kind in pairs(api.models()) do
      local block = class_block("idcloudhost." .. kind)
      assert.is_truthy(block, kind)
      local n = select(2, block:gsub("\n%-%-%-@field ", ""))
      assert.is_true(n >= 5, kind .. " has " .. n .. " fields")
    end
    assert.is_truthy(class_block("idcloudhost.vm"):find("\n---@field memory integer ", 1, true))
    assert.is_truthy(class_block("idcloudhost.vm"):find("\n---@field billing_account integer ", 1, true))
    assert.is_truthy(class_block("idcloudhost.invoice"):find("\n---@field totals table ", 1, true))
    assert.is_truthy(class_block("idcloudhost.vm.stop.opts"):find("\n---@field force? boolean ", 1, true))
    assert.is_truthy(has("\n---@param opts? idcloudhost.vm.stop.opts\n"))
    assert.is_truthy(has("\n---@return idcloudhost.vm[]? result "))
    assert.is_truthy(class_block("idcloudhost.error"):find("\n---@field kind string ", 1, true))
  end)

  it("types callbacks with their arguments, from the signature their description opens with", function()
    assert.is_truthy(has("\n---@field on_progress? fun(seen: any, elapsed: number) "))
    assert.is_truthy(has("\n---@field on_progress? fun(vm: idcloudhost.vm, elapsed: number) "))
    assert.is_truthy(has("\n---@param opts? fun(ok: boolean, ...: any)|table "))
    assert.equal("fun(done: integer, x: any)", luacats.callback("`function(done, x)` as each ends"))
    assert.is_nil(luacats.callback("a function"))
  end)

  it("is current (make types)", function()
    if select(2, run("command -v ldoc")) ~= 0 then
      pending("needs LDoc: make types installs it")
      return
    end
    local out, code = run("LUA_PATH='./?.lua;;' ldoc --filter scripts.ldoc_dump.dump .")
    assert.equal(0, code, out)
    local items = assert((loadstring or load)((out:gsub("exit=%d+%s*$", "")), "=dump"))()
    assert.equal(luacats.generate(items), text, luacats.OUT .. " is not current: run `make types`")
  end)
end)
