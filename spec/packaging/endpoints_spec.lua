-- docs/endpoints.md is the endpoint map generated from the modules' declarations
-- (scripts/endpoints.lua): current, complete against the platform's inventory, and every
-- endpoint reached by a public method.
local endpoints = dofile("scripts/endpoints.lua")
local api = dofile("scripts/api.lua")

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

describe("docs/endpoints.md", function()
  local text, rows, inventory, missing = endpoints.generate()

  it("is current (make endpoints writes it)", function()
    assert.equal(text, read("docs/endpoints.md"), "docs/endpoints.md is not current: run `make endpoints`")
  end)

  it("maps all 121 endpoints of the platform's inventory, each declared route among them", function()
    assert.equal(121, #inventory)
    assert.same({}, missing)
    local seen = {}
    for _, r in ipairs(rows) do
      assert.is_truthy(r.inv, r.ep.name .. " (" .. r.ep.method .. " " .. r.ep.path .. ") is no endpoint of the inventory")
      seen[r.inv.n] = true
      -- the declaration agrees with the inventory on where the call lives
      assert.equal(r.inv.loc, r.ep.loc, r.ep.name .. ": loc")
    end
    local n = 0
    for _ in pairs(seen) do n = n + 1 end
    assert.equal(121, n)
    local rows_in_file = 0
    for _ in read("docs/endpoints.md"):gmatch("\n| %d+ | ") do rows_in_file = rows_in_file + 1 end
    assert.equal(#rows, rows_in_file)
  end)

  it("names for each endpoint the public methods that send it", function()
    local public = {}
    for _, e in ipairs(api.walk()) do public[e.name] = true end
    for _, r in ipairs(rows) do
      local reached = false
      for _, who in ipairs(r.reach) do
        if who:find(":", 1, true) then
          assert.is_true(public[who] == true, r.ep.name .. ": " .. who .. " is no public method")
          reached = true
        end
      end
      assert.is_true(reached, r.ep.name .. " is reached by no public method")
    end
  end)
end)
