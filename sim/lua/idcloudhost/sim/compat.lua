-- What the engine needs from Lua 5.3 and later, on every Lua it runs on (5.1, 5.2, 5.3, 5.4,
-- LuaJIT): integers where the interpreter has them, the same whole numbers as doubles where it
-- does not (5.1, 5.2, LuaJIT: every number is a double, exact to 2^53).
local compat = {}

local floor = math.floor
local math_type, math_tointeger = math.type, math.tointeger

--- x as an integer when it is a whole number (an integer of 5.3+), else nil.
function compat.tointeger(x)
  if math_tointeger then return math_tointeger(x) end
  if type(x) ~= "number" or x ~= floor(x) or x < -2 ^ 53 or x > 2 ^ 53 then return nil end
  return x
end

--- true for a number that prints as a whole number: an integer on 5.3+, a whole double elsewhere.
function compat.is_integer(x)
  if math_type then return math_type(x) == "integer" end
  return type(x) == "number" and x == floor(x) and x >= -2 ^ 53 and x <= 2 ^ 53
end

compat.unpack = table.unpack or unpack  -- luacheck: ignore 143 (unpack: Lua 5.1, LuaJIT)

--- table.move(a1, f, e, t, a2) (Lua 5.3+), for the cases the engine uses.
compat.move = table.move or function(a1, f, e, t, a2)
  a2 = a2 or a1
  for i = 0, e - f do a2[t + i] = a1[f + i] end
  return a2
end

return compat
