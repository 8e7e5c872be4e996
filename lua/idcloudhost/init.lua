--- idcloudhost: the Lua SDK for the idcloudhost.com / elastis.id cloud.
--
--   local idcloudhost = require "idcloudhost"
--   local client = assert(idcloudhost.new { location = "cyc01" })   -- the simulator's; put yours
--   for _, vm in ipairs(assert(client.vms:list())) do print(vm) end
--
-- Every call returns its result, or `nil, err` with err an @{idcloudhost.call.errors.error|error value}.
-- @module idcloudhost
local Client = require "idcloudhost.client"
local lazy = require "idcloudhost.lazy"
local options = require "idcloudhost.options"

local check = lazy "idcloudhost.call.check"
local errors = lazy "idcloudhost.call.errors"
local json = lazy "idcloudhost.json"

--- The SDK's version, "0.2.0" (lua/idcloudhost/version.lua).
-- @tfield string _VERSION

--- Base URLs by provider: `providers.idcloudhost` is "https://api.idcloudhost.com",
-- `providers.elastis` "https://api.elastis.id".
-- @tfield table providers

--- A client.  Every option is optional; a bad one is refused here, not at the first call.
-- @function new
-- @tparam[opt] table opts
-- @tparam[opt] string opts.apikey the api key (default `$IDCLOUDHOST_API_KEY`; one of the two is required)
-- @tparam[opt] string opts.provider "idcloudhost" (default, `$IDCLOUDHOST_PROVIDER`) or "elastis"
-- @tparam[opt] string opts.base_url another host of the platform, or the simulator (default `$IDCLOUDHOST_BASE_URL`)
-- @tparam[opt] string opts.location slug put after /v1/ for location calls (default `$IDCLOUDHOST_LOCATION`, else the account's default)
-- @tparam[opt] string opts.profile a profile of the config file (default `$IDCLOUDHOST_PROFILE`; the
-- file's `default` when nothing gives a key)
-- @tparam[opt=30] number opts.timeout seconds for one attempt of a read (every timeout is at most 3600 s)
-- @tparam[opt=180] number opts.write_timeout seconds for one attempt of a write
-- @tparam[opt=10] number opts.connect_timeout seconds to connect
-- @tparam[opt] number opts.deadline seconds for a whole call with its retries (default none)
-- @tparam[opt=3] integer opts.retries retries of a read (a write only when it provably never arrived)
-- @tparam[opt=0.5] number opts.retry_base first backoff ceiling in seconds, doubled per attempt
-- @tparam[opt=8] number opts.retry_cap backoff ceiling in seconds
-- @tparam[opt=60] number opts.max_retry_wait a longer Retry-After is not waited for
-- @tparam[opt=67108864] integer opts.max_body bytes of one answer, after decompression
-- @tparam[opt] string opts.user_agent default "idcloudhost-lua/<version>"
-- @tparam[opt] string opts.ca_file CA bundle for TLS
-- @tparam[opt] string opts.proxy proxy URL
-- @tparam[opt=false] boolean opts.insecure true turns TLS verification off
-- @tparam[opt=false] boolean opts.blocking Neovim: true lets calls outside `idcloudhost.async` block the editor
-- (`:lua` one-liners, scripts, tests); otherwise they are refused (kind invalid)
-- @tparam[opt] function|string opts.transport `function(req) return res end`, or "auto", "curl", "ngx"
-- @tparam[opt] function opts.sleep `function(seconds)` for waits and backoffs
-- @tparam[opt] table opts.clock `{now = function, sleep = function(seconds)}`: the clock of every deadline,
-- backoff, wait and batch (a test's virtual clock)
-- @tparam[opt] function opts.on_request `function(record)` after every attempt; the api key redacted
-- @tparam[opt] boolean|integer|function opts.debug true, 1 or 2 (or `$IDCLOUDHOST_DEBUG`): a debug log; a function gets its lines
-- @tparam[opt] table opts.rate a client-side rate limit: `{per_second = r, burst = b [, shared = "dict"]}`,
-- or a limiter of `rate_limiter` shared with other clients (default none)
-- @tparam[opt] table opts.pool the ngx transport's keep-alive pools: `{size = 32, idle = 30 (seconds), name = "idcloudhost"}`
-- @treturn client the client
-- @errors invalid (a bad option, no api key)

--- Whether v is an error value of the SDK.
-- @function is_error
-- @param v any value
-- @treturn boolean

--- Whether s is a UUID string (8-4-4-4-12 hex digits).
-- @function is_uuid
-- @param s any value
-- @treturn boolean

--- Marks t (default a new table) as a JSON array, so that it encodes as `[]` when empty.
-- @function array
-- @tparam[opt] table t
-- @treturn table t

--- Polls fn until it returns a truthy value, which is returned.  fn returns the value (done),
-- `false[, seen]` (not yet; seen is reported on timeout), or `nil, err` (stop at once).  Calls
-- inside fn are bounded by the timeout; sleeps yield inside a batch, nginx or Neovim.
-- @function wait
-- @tparam function fn
-- @tparam[opt] table opts
-- @tparam[opt=600] number opts.timeout seconds in all
-- @tparam[opt=2] number opts.interval first delay in seconds
-- @tparam[opt=30] number opts.max_interval longest delay
-- @tparam[opt=1.5] number opts.backoff growth of the delay
-- @tparam[opt] function opts.sleep `function(seconds)`
-- @tparam[opt] function opts.on_progress `function(seen, elapsed)` after each poll
-- @return the value fn returned
-- @errors invalid, timeout (`err.last_status`: the last seen), or fn's err

--- The actions that make the account hold `desired` under one owner mark (ops/plan.lua):
-- SSH keys, buckets, networks, VMs with their disks and keys, firewalls and their VMs, floating
-- IPs and their assignment, load balancers with rules and targets; create, update, replace,
-- assign, delete, in dependency order, each with its reason and price.  `tostring(plan)` is a
-- +/~/- diff; `plan:apply{concurrency =, on_progress =}` carries it out and stops at the first
-- failure (err.report: done, failed, not_done).
-- @function plan
-- @tparam client client
-- @tparam table desired `{owner = "nightly", ssh_keys =, buckets =, locations = {cyc01 = {networks =, vms =,
-- firewalls =, floating_ips =, load_balancers =}}}`
-- @tparam[opt] table opts
-- @tparam[opt] boolean opts.prune also delete resources with the owner mark that desired does not name
-- @tparam[opt] boolean opts.replace delete and make again what differs where it cannot change in place
-- @tparam[opt] table opts.prices monthly prices the policy lacks: `{floating_ip =, load_balancer =, firewall =}`
-- @tparam[opt] string opts.state_dir where ensure keeps its create fences
-- @treturn table the plan: actions (op, kind, location, name, reason, hourly, monthly), unowned, kept, monthly
-- @errors invalid, conflict (two marked resources of one name), api, network, timeout, decode

--- Neovim: runs fn in a task on the editor's event loop, where calls yield instead of blocking
-- (docs/neovim.md).  on_done gets `(true, fn's values...)`, `(false, err)` when fn raised, or
-- `(true, nil, err)` with `err.kind == "cancelled"` after `task:cancel()`; called once, through
-- vim.schedule.
-- @function async
-- @tparam function fn
-- @tparam[opt] function|table opts `function(ok, ...)`: on_done; or `{on_done = fn}`
-- @treturn table the task: `task:cancel()`, `task:done()`, `task:result()`, `task:wait(ms)`
-- @errors invalid (fn not a function, outside Neovim)

--- Neovim: cancels every task of idcloudhost.async (Neovim does so itself on VimLeavePre).
-- @function cancel_all
-- @treturn integer how many were running

--- JSON as the SDK reads and writes it: null is nil, integral numbers are integers, empty arrays
-- stay arrays.  The same module as `require "idcloudhost.json"`.
-- @table json

--- JSON null where a value must stay in place: inside arrays (so their lengths stay right);
-- a null member of an object is left out.  The same value as lua-cjson's and ngx.null.
-- @tfield userdata json.null

--- Which decoder this process uses: "core" (the C core's), "cjson" or "vim.json".
-- @tfield string json.backend

--- Decodes JSON text.
-- @function json.decode
-- @tparam string text
-- @return the value
-- @treturn[2] nil
-- @treturn[2] string what is wrong with the text

--- Encodes a value as JSON (a table marked with `array` is an array even when empty).
-- @function json.encode
-- @param v the value
-- @treturn string the text
-- @treturn[2] nil
-- @treturn[2] string why it cannot be encoded

--- Marks t (default a new table) as a JSON array; the same as idcloudhost.array.
-- @function json.array
-- @tparam[opt] table t
-- @treturn table t

--- Whether t is marked as a JSON array.
-- @function json.is_array
-- @tparam table t
-- @treturn boolean

--- Like Lua's assert, for the SDK's `value, err` returns: gives back its arguments when v is
-- truthy; otherwise raises `tostring(err)`, a string that names the caller's line, so that the
-- message reaches nginx's error.log (ngx_lua prints "unknown reason" for a table raised there, as
-- `assert(call())` raises) and a plain script's stderr alike.
--   local vms = idcloudhost.assert(client.vms:list())
-- @function assert
-- @tparam any v the first value of a call
-- @tparam[opt] error|string err its error value (or a message)
-- @tparam any ... more values, given back
-- @return v, err, ...
-- @raise a string: "file:line: idcloudhost: GET ...: 503 ..." (or "assertion failed!" without err)
local function assert_(v, err, ...)
  if v then return v, err, ... end
  error(err == nil and "assertion failed!" or tostring(err), 2)
end

--- A rate limit that several clients share: give it as their `rate` option.  Every attempt of
-- those clients (retries included) waits for a slot; a 429 slows it down (halves it), other
-- answers bring it back (a tenth of per_second each).  Inside nginx, `shared` names a
-- lua_shared_dict that holds the bucket for every worker.
-- @function rate_limiter
-- @tparam table opts
-- @tparam number opts.per_second slots a second
-- @tparam[opt=1] integer opts.burst slots that may be taken at once after an idle spell
-- @tparam[opt] string opts.shared a lua_shared_dict's name (nginx)
-- @treturn table the limiter
-- @treturn[2] nil
-- @treturn[2] error an invalid error
local function rate_limiter(opts)
  local limiter, why = require("idcloudhost.call.rate").new(opts)
  if not limiter then return nil, errors.invalid("idcloudhost.rate_limiter: " .. why, "rate") end
  return limiter
end

local M = {
  assert = assert_,
  rate_limiter = rate_limiter,
  _VERSION = require "idcloudhost.version",
  new = Client.new,
  providers = options.PROVIDERS,
  is_error = function(v) return errors.is(v) end,
  is_uuid = function(s) return check.is_uuid(s) end,
  array = function(t) return json.array(t) end,
  wait = function(fn, opts) return require("idcloudhost.ops.wait").poll(fn, opts) end, -- (loaded when first needed)
  -- The actions that make the account hold `desired` (ops/plan.lua); plan:apply{} carries them out.
  plan = function(client, desired, opts) return require("idcloudhost.ops.plan").new(client, desired, opts) end,
  -- Neovim: runs fn in a task on the editor's event loop (runtime/nvim/async.lua).
  async = function(fn, opts) return require("idcloudhost.runtime.nvim.async").async(fn, opts) end,
  cancel_all = function()
    local a = package.loaded["idcloudhost.runtime.nvim.async"]
    return a and a.cancel_all() or 0
  end,
}

-- IDCLOUDHOST_STRICT=1: what the first calls would load, loaded now (idcloudhost.lazy).
if lazy.strict then
  for _, name in ipairs { "idcloudhost.json", "idcloudhost.ops.batch", "idcloudhost.ops.wait",
    "idcloudhost.ops.leftovers", "idcloudhost.ops.plan", "idcloudhost.ops.bill", "idcloudhost.ops.ensure",
    "idcloudhost.ops.find", "idcloudhost.runtime.nvim.async", "idcloudhost.families.vm_actions",
    "idcloudhost.families.kit.marked", "idcloudhost.profile", "idcloudhost.url" } do require(name) end
end

-- idcloudhost.json is the module itself (not a proxy), set when first read.
return setmetatable(M, { __index = function(m, k)
  if k == "json" then
    rawset(m, "json", require "idcloudhost.json")
    return m.json
  end
end })
