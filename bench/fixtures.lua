-- The answers bench/limit.sh serves from nginx, written under DIR: the docs' VM (elastis edition,
-- GET /v1/user-resource/vm) as vm.json, and lists of it as list-l<N>.json for N VMs (ids, uuids,
-- names and MACs made distinct), indented by two spaces a level: about 1 KB a VM.
--   usage: lua bench/fixtures.lua DIR N...
local dir = assert(arg[1], "usage: fixtures.lua DIR N...")

local example
for _, e in ipairs(dofile("spec/fixtures/doc_examples.lua")) do
  if e.endpoint == "GET /v1/user-resource/vm" and e.edition == "elastis" then example = e.json end
end
assert(example, "no VM example in spec/fixtures/doc_examples.lua")

local UUID = "f80b1d62%-ffe4%-43ef%-9210%-60f05445456a" -- a pattern

-- The example (one member per line, as the docs print it) indented from depth on.
local function indent(text, depth)
  local out = {}
  for line in text:gmatch("[^\n]+") do
    if line:find("^[%]}]") then depth = depth - 1 end
    out[#out + 1] = ("  "):rep(depth) .. line
    if line:find("[%[{]$") then depth = depth + 1 end
  end
  return table.concat(out, "\n")
end

local function vm(i, depth)
  local text = example:gsub(UUID, ("%08x-0000-4000-8000-%012x"):format(i, i))
    :gsub('"id": 7,', '"id": ' .. (1000 + i) .. ",")
    :gsub('"name": "Ubuntu%-16%-04"', ('"name": "vm-%05d"'):format(i))
    :gsub("52:54:00:6c:6a:ac", ("52:54:00:%02x:%02x:%02x"):format(math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256))
  return indent(text, depth)
end

local function write(name, text)
  local f = assert(io.open(dir .. "/" .. name, "wb"))
  f:write(text, "\n")
  f:close()
end

write("vm.json", vm(0, 0))
for k = 2, #arg do
  local n = assert(tonumber(arg[k]), "N must be a number")
  local items = {}
  for i = 1, n do items[i] = vm(i, 1) end
  write("list-l" .. n .. ".json", "[\n" .. table.concat(items, ",\n") .. "\n]")
end
