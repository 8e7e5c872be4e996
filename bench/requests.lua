-- Benchmark: GET round trips on one kept-alive connection, and the same through a batch.
local idcloudhost = require "idcloudhost"
local simulator = require "idcloudhost.simulator"
local clock = require("idcloudhost.runtime").plain

local N = 500

local sim = simulator.connect()
sim:reset()
sim:config { latency = 0.01 }
local client = assert(idcloudhost.new { location = "cyc01" })

local t0 = clock.now()
for _ = 1, N do assert(client.vms:list()) end
local sync = clock.now() - t0

local items = {}
for i = 1, N do items[i] = i end
t0 = clock.now()
client:batch(items, function(_, c) return assert(c.vms:list()) end, { concurrency = 16 })
local batched = clock.now() - t0

collectgarbage()
print(string.format("requests: %d GETs, one connection %.0f req/s (%.2f ms each); batch of 16 %.0f req/s; "
  .. "Lua heap %.0f KiB", N, N / sync, sync / N * 1000, N / batched, collectgarbage("count")))
