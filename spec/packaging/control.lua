-- Run by scripts/check-rocks.sh on Lua 5.3, from a clean shell whose paths hold only the tree
-- where both rocks are installed: the simulator's control client (and its old name) from that
-- tree, on the installed SDK, driving the installed simulator at $IDCLOUDHOST_SIM_URL.
--   lua5.3 control.lua TREE
local tree = assert(arg[1], "usage: control.lua TREE")
local file = package.searchpath("idcloudhost.sim.client", package.path)
assert(file and file:sub(1, #tree) == tree, "idcloudhost.sim.client is not loaded from " .. tree)
file = package.searchpath("idcloudhost", package.path)
assert(file and file:sub(1, #tree) == tree, "idcloudhost is not loaded from " .. tree)

local sim = require("idcloudhost.sim.client").connect()
assert(require("idcloudhost.simulator") == require("idcloudhost.sim.client"))
sim:reset()
local client = assert(require("idcloudhost").new {})
assert(client.vms:list())
local log = sim:log()
assert(#log == 1 and log[1].path:match("/vm/list$"), "the simulator's log does not show the call")
print("ok control client: reset, log of " .. #log .. " call")
