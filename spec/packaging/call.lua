-- Run by scripts/check-rocks.sh and scripts/check-install.sh, from a clean shell whose Lua paths
-- hold only an installed tree (and the system's): the SDK must load from that tree, C core
-- included, and talk to the simulator at $IDCLOUDHOST_BASE_URL.
--   lua call.lua TREE     prints "ok <version> ..." or fails
local tree = assert(arg[1], "usage: call.lua TREE")
local jit = rawget(_G, "jit")

-- package.searchpath, also on Lua 5.1
local function search(name, path)
  name = name:gsub("%.", "/")
  for template in path:gmatch("[^;]+") do
    local file = template:gsub("%?", name)
    local f = io.open(file, "rb")
    if f then f:close() return file end
  end
end

local function from_tree(name, path)
  local file = search(name, path)
  assert(file and file:sub(1, #tree) == tree, name .. " is not loaded from " .. tree .. ": " .. tostring(file))
end

local idcloudhost = require "idcloudhost"
from_tree("idcloudhost", package.path)
from_tree("idcloudhost.families.vms", package.path)
from_tree("idcloudhost.core", package.cpath)
assert(not search("idcloudhost.sim.server", package.path), "the SDK's tree holds the simulator")

local client = assert(idcloudhost.new {}) -- IDCLOUDHOST_BASE_URL, IDCLOUDHOST_API_KEY
local locations = assert(client.locations:list())
assert(#locations >= 1, "no locations")
local vm = assert(client.vms:create { name = "installed-1", os_name = "ubuntu", os_version = "22.04",
  disks = 20, vcpu = 1, ram = 1024, username = "ubuntu", password = "S3cret-pass", reserve_public_ip = false })
assert(vm:stop { force = true })
assert(vm:delete())
assert(package.loaded["idcloudhost.core"], "the calls did not go through the C core")
local bad, err = client.vms:get("not-a-uuid")
assert(bad == nil and err.kind == "invalid", "bad input was not refused")
client:close()
print(string.format("ok %s on %s: %d locations, vm %s made and deleted", idcloudhost._VERSION, jit and jit.version or _VERSION,
  #locations, vm.uuid))
