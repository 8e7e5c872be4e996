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
-- @tparam[opt=30] number opts.timeout seconds for one attempt of a read
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
-- @tparam[opt] function opts.on_request `function(record)` after every attempt; the api key redacted
-- @tparam[opt] boolean|integer|function opts.debug true, 1 or 2 (or `$IDCLOUDHOST_DEBUG`): a debug log; a function gets its lines
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

local M = {
  _VERSION = require "idcloudhost.version",
  new = Client.new,
  providers = options.PROVIDERS,
  is_error = function(v) return errors.is(v) end,
  is_uuid = function(s) return check.is_uuid(s) end,
  array = function(t) return json.array(t) end,
  wait = function(fn, opts) return require("idcloudhost.ops.wait").poll(fn, opts) end, -- (loaded when first needed)
  -- Neovim: runs fn in a task on the editor's event loop (runtime/nvim/async.lua).
  async = function(fn, opts) return require("idcloudhost.runtime.nvim.async").async(fn, opts) end,
  cancel_all = function()
    local a = package.loaded["idcloudhost.runtime.nvim.async"]
    return a and a.cancel_all() or 0
  end,
}

-- idcloudhost.json is the module itself (not a proxy), set when first read.
return setmetatable(M, { __index = function(m, k)
  if k == "json" then
    rawset(m, "json", require "idcloudhost.json")
    return m.json
  end
end })
