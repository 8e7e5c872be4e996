--- A module loaded where it is first used: `local pipeline = lazy "idcloudhost.call.pipeline"` reads
-- like a require, but the module is parsed when one of its fields is first read.  A process's
-- start-up is parsing Lua: a script that makes a client pays for the request path at its first
-- call, and for the families and helpers it never calls not at all.
-- After that first read the proxy's __index is the module itself, a table: no function call per
-- lookup, and a field set on the module later is seen through it.
-- IDCLOUDHOST_STRICT=1 in the environment loads every module at `require "idcloudhost"` instead
-- (`lazy.strict`): a developer sees a broken module there, not at the first call that needs it.
-- @module idcloudhost.lazy
local strict = os.getenv("IDCLOUDHOST_STRICT")
strict = strict ~= nil and strict ~= "" and strict ~= "0"

local function lazy(_, name)
  if strict then return require(name) end
  return setmetatable({}, { __index = function(proxy, k)
    local mod = require(name)
    setmetatable(proxy, { __index = mod, __name = name })
    return mod[k]
  end, __name = name })
end

return setmetatable({ strict = strict }, { __call = lazy })
