-- A call's parameters are declared once, in its endpoint's table (families/*.lua, resource.endpoints):
-- the reference's `@tparam params.x` lines must agree with it.  Every documented parameter of a
-- method that sends an endpoint is one the endpoint declares (or one the method's own code reads),
-- of a matching type, optional in the docs exactly when the declaration is.
local TYPES = { -- a doc type -> the declaration types it may stand for
  string = { string = true, uuid = true, ip = true, bucket = true, ident = true, json = true, prefix = true,
    document = true, pubkey = true },
  integer = { integer = true, number = true },
  number = { number = true, integer = true },
  boolean = { boolean = true },
  table = { table = true, array = true, json = true, pubkeys = true, document = true },
}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function family_files()
  local out = {}
  local p = assert(io.popen("ls lua/idcloudhost/families/*.lua"))
  for f in p:lines() do out[#out + 1] = f end
  p:close()
  return out
end

-- {fn =, params = {{name =, field =, type =, opt =}}, body =} for each documented method.
local function doc_blocks(src)
  local lines = {}
  for l in (src .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = l end
  local out, i = {}, 1
  while i <= #lines do
    if lines[i]:match("^%-%-%-") then
      local block = { params = {} }
      while i <= #lines and lines[i]:match("^%-%-") do
        local l = lines[i]
        block.fn = block.fn or l:match("@function ([%w_.:]+)")
        local opt, ty, tab, field = l:match("@tparam(%[?[%w=]*%]?) ([%w_|]+) ([%w_]+)%.([%w_]+)")
        if ty then
          block.params[#block.params + 1] = { table = tab, field = field, type = ty, opt = opt ~= "" }
        end
        i = i + 1
      end
      -- the code up to the next doc block: the method's body (or its one-line declaration)
      local body = {}
      while i <= #lines and not lines[i]:match("^%-%-%-") do
        body[#body + 1] = lines[i]
        i = i + 1
      end
      block.body = table.concat(body, "\n")
      if block.fn and #block.params > 0 then out[#out + 1] = block end
    else
      i = i + 1
    end
  end
  return out
end

local function check_file(file, problems)
  local src = read(file)
  local own = src:match("\nlocal (%u[%w_]*) = resource%.endpoints%(")
  if not own then return 0 end
  local mod = require((file:gsub("^lua/", ""):gsub("%.lua$", ""):gsub("/", ".")))
  local eps = assert(mod.endpoints, file .. ": no endpoints returned")
  local n = 0
  for _, b in ipairs(doc_blocks(src)) do
    local used = {}
    for key in b.body:gmatch("%f[%w_]" .. own .. "%.([%w_]+)") do used[#used + 1] = eps[key] end
    if #used > 0 then
      for _, p in ipairs(b.params) do
        n = n + 1
        local spec
        for _, ep in ipairs(used) do spec = spec or ep.specs[p.field] end
        local where = file .. ": " .. b.fn .. ": @tparam " .. p.table .. "." .. p.field
        if spec then
          local dtype, required = spec:match("^(%a+)(!?)$")
          local ok = false
          for alt in p.type:gmatch("[^|]+") do
            if TYPES[alt] and TYPES[alt][dtype] or not TYPES[alt] then ok = true end
          end
          if not ok then problems[#problems + 1] = where .. " is " .. p.type .. ", declared " .. spec end
          if p.opt == (required == "!") and not b.body:find("%f[%w_]" .. p.field .. "%f[^%w_]") then
            problems[#problems + 1] = where .. (p.opt and " is [opt], declared required" or " is required, declared optional")
          end
        elseif not b.body:find("%f[%w_]" .. p.field .. "%f[^%w_]") then
          problems[#problems + 1] = where .. ": no endpoint the method sends declares it, and the method never reads it"
        end
      end
    end
  end
  return n
end

describe("parameters declared once", function()
  it("every documented parameter agrees with its endpoint's declaration", function()
    local problems, n = {}, 0
    for _, f in ipairs(family_files()) do n = n + check_file(f, problems) end
    assert.is_true(n > 40, "only " .. n .. " documented parameters found: the doc parser lost them")
    assert.same({}, problems)
  end)

  it("would catch a documented parameter the endpoint does not declare", function()
    local problems = {}
    local f = os.tmpname()
    local src = read("lua/idcloudhost/families/networks.lua")
    src = src:gsub("%-%- @tparam string params.name the network's name",
      "-- @tparam string params.name the network's name\n-- @tparam[opt] string params.colour its colour")
    local h = assert(io.open(f, "wb"))
    h:write(src)
    h:close()
    local ok = pcall(function()
      -- read the doctored text in place of the file, through the same checks
      local real = io.open
      io.open = function(path, mode) -- luacheck: ignore 122
        if path == "lua/idcloudhost/families/networks.lua" then return real(f, mode) end
        return real(path, mode)
      end
      check_file("lua/idcloudhost/families/networks.lua", problems)
      io.open = real -- luacheck: ignore 122
    end)
    os.remove(f)
    assert.is_true(ok)
    assert.equal(1, #problems)
    assert.matches("params.colour", problems[1], 1, true)
  end)
end)
