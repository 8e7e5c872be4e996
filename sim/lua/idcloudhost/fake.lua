-- idcloudhost.fake: the simulator's engine inside the process, as a transport for the SDK.
-- For tests of automation built on the SDK, on any Lua the SDK runs on (5.1 to 5.4, LuaJIT,
-- OpenResty, Neovim), with no server, no lua-http, no cqueues: the platform's state and rules
-- are the HTTP simulator's own (idcloudhost.sim.engine), so a test passes against both alike.
--
--   local fake = require "idcloudhost.fake"
--   local f = fake.new { edition = "elastis", settle = 30, latency = 0, seed = 1, clock = "virtual" }
--   local client = f:client()                  -- idcloudhost.new with the fake's transport and clock
--   -- or: idcloudhost.new { apikey = f.apikey, base_url = f.base_url, transport = f:transport(),
--   --                       clock = f.clock }
--   f:expect("vms.create", { name = "web-1" }):answer { status = 500 }
--   ... the code under test ...
--   f:assert_called("vms.stop", { uuid = vm.uuid })
--   print(f:now())                             -- simulated seconds since fake.new
--
-- The control API of the server's /__sim/ as methods: reset, config, fault/faults/clear_faults,
-- log/clear_log, state, routes (or f:control(method, path, body) for any of them).  Test set-up
-- mistakes (an unknown endpoint, a parameter the endpoint does not take) raise; the SDK's calls
-- see answers, as from the platform.  Each fake has an engine of its own: a private copy of the
-- idcloudhost.sim.* modules (their state lives in them), so fakes never share anything.
-- (Long, on purpose: the whole public API users require (shell, control, expectations, clock) in
-- one module.)
local fake = {}

local Fake = {}
Fake.__index = Fake

local DEFAULT_KEY = "demo-key"
local DEFAULT_URL = "http://idcloudhost.fake"

------------------------------------------------------------------------------------------------
-- A private engine: the idcloudhost.sim.* modules loaded again, with a require of their own.

local searchers = package.searchers or package.loaders  -- luacheck: ignore 143 (5.1's name)
local setfenv = rawget(_G, "setfenv")

-- The loader of module name, its environment set to env; or an error.
local function private_loader(name, env)
  local why = {}
  for _, searcher in ipairs(searchers) do
    local loader, extra = searcher(name)
    if type(loader) == "function" then
      local info = debug.getinfo(loader, "S")
      if info.what ~= "main" then
        error("idcloudhost.fake: " .. name .. " is not loaded from a file (preloaded?): no private copy", 0)
      end
      if setfenv then
        setfenv(loader, env)
      else
        for i = 1, math.huge do
          local up = debug.getupvalue(loader, i)
          if up == nil then break end
          if up == "_ENV" then debug.setupvalue(loader, i, env) break end
        end
      end
      return loader, extra
    elseif type(loader) == "string" then
      why[#why + 1] = loader
    end
  end
  error("idcloudhost.fake: module '" .. name .. "' not found:" .. table.concat(why), 0)
end

local function new_engine()
  local loaded = {}
  local env = setmetatable({}, { __index = _G })
  local function req(name)
    if name:sub(1, 16) ~= "idcloudhost.sim." then return require(name) end
    local m = loaded[name]
    if m ~= nil then return m end
    local loader, extra = private_loader(name, env)
    local v = loader(name, extra)
    if v == nil then v = true end
    loaded[name] = v
    return v
  end
  env.require = req
  return req
end

------------------------------------------------------------------------------------------------
-- Clocks

local function runtime()
  return require "idcloudhost.runtime"
end

-- The SDK's own clock, asked per use: the runtime of the running call (a scheduler's sleep
-- yields, nginx's is ngx.sleep).  PUC Lua 5.1 cannot yield inside the transport's pcall, so
-- there the blocking sleep of plain Lua is used.
local function real_clock()
  local rt = runtime()
  local yieldable = rt.yieldable_pcall
  return {
    now = function() return rt.current():now() end,
    sleep = function(seconds)
      local r = yieldable and rt.current() or rt.plain
      r:sleep(seconds)
    end,
  }
end

------------------------------------------------------------------------------------------------
-- The SDK's endpoint declarations: what a test may expect.  One entry per family module of
-- lua/idcloudhost/families/ (spec/fake/fake_spec.lua holds this list to that folder).

fake.FAMILIES = { "billing_accounts", "buckets", "cards", "catalog", "disks", "firewalls", "floating_ips",
  "invoices", "load_balancers", "locations", "networks", "payments", "pricing", "replicas", "s3", "services",
  "ssh_keys", "tokens", "user", "vm_storage", "vms" }

local catalog  -- name -> {ep =, pattern =, slug_pattern =}, built at first use

local function path_pattern(path)
  local p = path:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"):gsub("{[%w_]+}", "[^/]+")
  return p
end

local function endpoints()
  if catalog then return catalog end
  local out = {}
  for _, fam in ipairs(fake.FAMILIES) do
    local mod = require("idcloudhost.families." .. fam)
    for key, ep in pairs(mod.endpoints or {}) do
      local p = path_pattern(ep.path)
      out[fam .. "." .. key] = { name = fam .. "." .. key, ep = ep, pattern = "^/v1/" .. p .. "$",
        slug_pattern = ep.loc and ("^/v1/[^/]+/" .. p .. "$") or nil }
    end
  end
  catalog = out
  return out
end

-- The names of the endpoints a request reaches (several endpoints may share one route), sorted.
local function names_of(method, path)
  local out = {}
  for name, e in pairs(endpoints()) do
    if e.ep.method == method and (path:find(e.pattern) or (e.slug_pattern and path:find(e.slug_pattern))) then
      out[#out + 1] = name
    end
  end
  table.sort(out)
  return out
end

local function known(name, level)
  local e = endpoints()[name]
  if e then return e end
  local names = {}
  for n in pairs(endpoints()) do names[#names + 1] = n end
  table.sort(names)
  error(string.format("idcloudhost.fake: the SDK has no endpoint %q (it has: %s)", tostring(name),
    table.concat(names, ", ")), level)
end

-- Checks params against name's declaration: every key declared, every value of its type.
local function declared(name, params)
  local e = known(name, 4)
  if params == nil then return e end
  if type(params) ~= "table" then error("idcloudhost.fake: the parameters of " .. name .. " are a table", 3) end
  local check = require "idcloudhost.call.check"
  for k, v in pairs(params) do
    local spec = e.ep.specs[k]
    if spec == nil and k == "billing_account_id" and e.ep.billed then spec = "integer" end
    if spec == nil then
      local names = {}
      for n in pairs(e.ep.specs) do names[#names + 1] = n end
      table.sort(names)
      error(string.format("idcloudhost.fake: %s takes no parameter '%s' (the SDK sends: %s)", name,
        tostring(k), #names > 0 and table.concat(names, ", ") or "none"), 3)
    end
    local ok, err = check.value(name, k, (spec:gsub("!$", "")), v)
    if ok == nil then error("idcloudhost.fake: " .. tostring(err.message), 3) end
  end
  return e
end

-- true when every expected parameter was sent with an equal value (as the platform reads it:
-- form values are strings, "true"/"1" a true boolean).
local function same(expected, sent)
  if sent == nil then return false end
  local te = type(expected)
  if te == "boolean" then
    local s = tostring(sent):lower()
    return (expected and (s == "true" or s == "1")) or (not expected and (s == "false" or s == "0"))
  elseif te == "number" then
    return tonumber(sent) == expected
  elseif te == "table" then
    local json = require "idcloudhost.json"
    local a = type(sent) == "string" and json.decode(sent) or sent
    return json.encode(a) == json.encode(expected)
  end
  return tostring(sent):lower() == tostring(expected):lower() or tostring(sent) == tostring(expected)
end

local function matches(params, sent)
  for k, v in pairs(params or {}) do
    if not same(v, sent[k]) then return false end
  end
  return true
end

------------------------------------------------------------------------------------------------
-- fake.new

--- A new fake platform.  opts (all optional): edition ("elastis" or "idcloudhost"), settle
-- (seconds a VM status change takes, 0), latency (seconds a write takes, 0), create_latency,
-- tombstone (60), seed (a number: repeatable ids), clock ("real", the default: the SDK's; or
-- "virtual": time passes only when someone waits; or a {now =, sleep =} of your own), apikey
-- ("demo-key"), base_url ("http://idcloudhost.fake").
function fake.new(opts)
  opts = opts or {}
  local req = new_engine()
  local self = setmetatable({ _require = req, _expects = {}, _calls = {},
    apikey = opts.apikey or DEFAULT_KEY, base_url = opts.base_url or DEFAULT_URL }, Fake)
  local clk = opts.clock or "real"
  local sim_clock = req "idcloudhost.sim.clock"
  if clk == "virtual" then
    self.clock = sim_clock.virtual(0)
    self._clock = self.clock
  elseif clk == "real" then
    self._clock = real_clock()  -- (the SDK keeps its own: self.clock stays nil)
  elseif type(clk) == "table" and type(clk.now) == "function" and type(clk.sleep) == "function" then
    self.clock, self._clock = clk, clk
  else
    error('idcloudhost.fake.new: clock is "real", "virtual" or {now = function, sleep = function}', 2)
  end
  -- The engine sleeps through this: within a request, no longer than the client waits for it.
  local base = self._clock
  sim_clock.use { now = base.now, wall = base.wall, sleep = function(seconds)
    local budget = self._budget
    if budget then
      local d = math.min(seconds, budget)
      self._budget = budget - d
      if d < seconds then self._timed_out = true end
      seconds = d
    end
    if seconds > 0 then base.sleep(seconds) end
  end }
  self._start = base.now()
  -- (the clock and the seed before the engine loads: the account's starting data has times and ids)
  if opts.seed ~= nil then req("idcloudhost.sim.ids").seed(opts.seed) end
  self.engine = req "idcloudhost.sim.engine"
  self:config {
    latency = opts.latency or 0, create_latency = opts.create_latency, settle = opts.settle,
    tombstone = opts.tombstone, edition = opts.edition, apikeys = { self.apikey },
  }
  return self
end

--- Simulated (or real) seconds since fake.new.
function Fake:now()
  return self._clock.now() - self._start
end

--- Moves a virtual clock on by `seconds` (settling, tombstones); an error on another clock.
function Fake:advance(seconds)
  if not (self.clock and self.clock.virtual) then error("idcloudhost.fake: advance needs clock = \"virtual\"", 2) end
  self.clock.sleep(seconds)
  return self:now()
end

-- On a virtual clock nothing the fake does waits (answers are made in-process, sleeps return at
-- once), so a call cannot freeze Neovim's loop: its clients are made blocking = true there unless
-- the caller says otherwise.  On a real clock a settle really sleeps: refused outside a task.
local function never_waits(self, o)
  if o.blocking == nil and o.clock == self.clock and self.clock and self.clock.virtual then o.blocking = true end
  return o
end

--- A client of this fake: idcloudhost.new with its api key, base URL, transport and clock, and
-- opts on top (location, retries, ...).
function Fake:client(opts)
  local o = { apikey = self.apikey, base_url = self.base_url, transport = self:transport(), clock = self.clock }
  for k, v in pairs(opts or {}) do o[k] = v end
  return require("idcloudhost").new(never_waits(self, o))
end

--- For scripts that make their own client (examples/quickstart.lua): until the returned
-- function is called, idcloudhost.new makes clients of this fake (its transport, api key and
-- base URL; its clock unless the script names one), whatever the script or the environment says.
function Fake:install()
  local idcloudhost = require "idcloudhost"
  local new = idcloudhost.new
  idcloudhost.new = function(opts)
    local o = {}
    for k, v in pairs(opts or {}) do o[k] = v end
    o.apikey, o.base_url, o.provider, o.transport = self.apikey, self.base_url, nil, self:transport()
    if o.clock == nil then o.clock = self.clock end
    return new(never_waits(self, o))
  end
  return function() idcloudhost.new = new end
end

------------------------------------------------------------------------------------------------
-- The transport

local function lower_keys(h)
  local out = {}
  for k, v in pairs(h or {}) do out[tostring(k):lower()] = tostring(v) end
  return out
end

-- A scripted answer (an expectation's) as the engine gives answers.
local function scripted(self, a)
  local json = self._require "idcloudhost.sim.json"
  local body = a.body
  if type(body) == "table" then body = json.encode(body) end
  if body == nil then
    local faults = self._require "idcloudhost.sim.faults"
    body = (a.status or 200) == 204 and "" or json.encode { message = faults.reason(a.status or 200) }
  end
  local headers = lower_keys(a.headers)
  if headers["content-type"] == nil then headers["content-type"] = "application/json" end
  headers["x-warren-correlation-id"] = self._require("idcloudhost.sim.ids").uuid4()
  return { status = a.status or 200, body = body, headers = headers }
end

-- The first expectation with uses left that this call meets.
local function expectation_for(self, call)
  if #self._expects == 0 then return nil end
  for _, e in ipairs(self._expects) do
    if e.used < e.count and (e.reply or e.failure) then
      for _, n in ipairs(call.names) do
        if n == e.name and matches(e.params, call.params) then return e end
      end
    end
  end
end

--- One request through the fake: the transport contract of docs/architecture.md.
function Fake:request(req)
  local path, query = req.url:match("^%a[%w+.-]*://[^/]*([^?#]*)%??([^#]*)")
  if not path then return nil, "COULDNT_RESOLVE_HOST: not a URL: " .. tostring(req.url), "COULDNT_RESOLVE_HOST" end
  if path == "" then path = "/" end
  local headers = lower_keys(req.headers)
  if self.engine.is_control(path) then
    return self.engine.control(req.method, path, req.body or "")
  end
  local params = self._require "idcloudhost.sim.params"
  local form, decoded = params.parse_body(headers["content-type"], req.body)
  local call = { method = req.method, path = path, at = self:now(),
    params = params.merge(decoded, params.parse_urlencoded(query), form) }
  call.names = names_of(req.method, path)
  call.name = call.names[1]
  self._calls[#self._calls + 1] = call
  local e = expectation_for(self, call)
  if e then
    e.used = e.used + 1
    call.expected = true
    if e.failure then
      call.error = e.failure[2]
      return nil, e.failure[2] .. ": " .. e.failure[1], e.failure[2]
    end
    local rep = scripted(self, e.reply)
    call.status = rep.status
    return rep
  end
  self._budget, self._timed_out = req.timeout, false
  local ok, rep, why = pcall(self.engine.handle, { method = req.method, path = path, query = query,
    headers = headers, body = req.body })
  local timed_out = self._timed_out
  self._budget, self._timed_out = nil, nil
  if not ok then error(rep, 0) end
  if timed_out then
    call.error = "OPERATION_TIMEDOUT"
    return nil, "OPERATION_TIMEDOUT: the fake took longer than the request's timeout ("
      .. tostring(req.timeout) .. " s)", "OPERATION_TIMEDOUT"
  end
  if not rep then
    call.error = "GOT_NOTHING"
    return nil, "GOT_NOTHING: the fake closed the connection (" .. tostring(why) .. " fault)", "GOT_NOTHING"
  end
  call.status = rep.status
  return rep
end

--- The transport for idcloudhost.new: function(req) -> {status, body, headers} | nil, message, NAME.
function Fake:transport()
  if not self._transport then
    self._transport = function(req) return self:request(req) end
  end
  return self._transport
end

------------------------------------------------------------------------------------------------
-- The control API (as /__sim/ on the server)

local function decoded(self, rep)
  local json = self._require "idcloudhost.sim.json"
  local v = json.decode(rep.body)
  if rep.status >= 400 then
    error("idcloudhost.fake: " .. tostring(type(v) == "table" and v.error or rep.body), 3)
  end
  return v
end

--- Any control call: method, path ("reset" or "/__sim/reset"), body (a table, sent as JSON).
function Fake:control(method, path, body)
  if path:sub(1, 1) ~= "/" then path = "/__sim/" .. path end
  if type(body) == "table" then body = self._require("idcloudhost.sim.json").encode(body) end
  return decoded(self, self.engine.control(method, path, body or ""))
end

--- State back to the start; faults, log, expectations and calls cleared.
function Fake:reset()
  self._expects, self._calls = {}, {}
  return self:control("POST", "reset")
end

--- The settings ({latency, create_latency, settle, tombstone, edition, apikeys}); with a table,
-- changes them first (as PUT /__sim/config; create_latency = fake.null follows latency again).
function Fake:config(changes)
  if changes == nil then return self:control("GET", "config") end
  local config = self._require "idcloudhost.sim.config"
  local t = {}
  for k, v in pairs(changes) do t[k] = v end
  if t.create_latency == fake.null then t.create_latency = self._require("idcloudhost.sim.json").null end
  if t.apikeys then t.apikeys = self._require("idcloudhost.sim.json").array(t.apikeys) end
  local ok, err = config.update(t)
  if not ok then error("idcloudhost.fake: config: " .. tostring(err), 2) end
  return self:control("GET", "config")
end

--- Adds a fault (or a list of them): {path =, method =, kind =, status =, count =, ...} as the
-- server's POST /__sim/faults takes.
function Fake:fault(spec)
  local faults = self._require "idcloudhost.sim.faults"
  local added, err = faults.add(spec)
  if not added then error("idcloudhost.fake: fault: " .. tostring(err), 2) end
  return added
end

function Fake:faults() return self:control("GET", "faults") end
function Fake:clear_faults() return self:control("DELETE", "faults") end
--- Every API request the engine saw: {method, path, query, params, status, location, fault, ...}.
function Fake:log() return self:control("GET", "log") end
function Fake:clear_log() self._calls = {} return self:control("DELETE", "log") end
--- The account's state as the server's GET /__sim/state shows it.
function Fake:state() return self:control("GET", "state") end
function Fake:routes() return self:control("GET", "routes") end

------------------------------------------------------------------------------------------------
-- Expectations and calls

local Expectation = {}
Expectation.__index = Expectation

--- The answer the matching call gets instead of the platform's (the platform never sees it):
-- {status = 200, body = table or string, headers = {}}.
function Expectation:answer(rep)
  if type(rep) ~= "table" then error("idcloudhost.fake: answer{status =, body =, headers =}", 2) end
  self.reply = rep
  return self
end

--- The matching call fails in the transport: name "OPERATION_TIMEDOUT", "COULDNT_CONNECT", ...
function Expectation:fail(name, message)
  self.failure = { message or "scripted by the test", name or "COULDNT_CONNECT" }
  return self
end

--- How many calls this expectation answers (1; math.huge: every one).
function Expectation:times(n)
  self.count = n
  return self
end

--- Scripts the outcome of calls to endpoint `name` ("vms.create": the family module's name and
-- the key of its `endpoints` table) whose parameters include `params`.  The name and every
-- parameter are checked against the SDK's declaration: an expectation the SDK could never meet
-- is an error here.  Without :answer or :fail the call runs as usual (a check for
-- f:verify()).
function Fake:expect(name, params)
  declared(name, params)
  local e = setmetatable({ name = name, params = params, count = 1, used = 0 }, Expectation)
  self._expects[#self._expects + 1] = e
  return e
end

--- The calls the fake received (those of endpoint `name` only, when given): {name, names,
-- method, path, params, status, error, at (simulated seconds), expected}.
function Fake:calls(name)
  if name ~= nil then known(name, 3) end
  local out = {}
  for _, c in ipairs(self._calls) do
    local hit = name == nil
    for _, n in ipairs(c.names) do if n == name then hit = true end end
    if hit then out[#out + 1] = c end
  end
  return out
end

--- Raises unless endpoint `name` was called with `params` (a subset of what was sent): `times`
-- times exactly when given, else at least once.  Returns the matching calls.
function Fake:assert_called(name, params, times)
  declared(name, params)
  local hits = {}
  for _, c in ipairs(self:calls(name)) do
    if matches(params, c.params) then hits[#hits + 1] = c end
  end
  if (times == nil and #hits == 0) or (times ~= nil and #hits ~= times) then
    local seen = {}
    for _, c in ipairs(self._calls) do seen[#seen + 1] = (c.name or (c.method .. " " .. c.path)) end
    local want = {}
    for k, v in pairs(params or {}) do want[#want + 1] = k .. "=" .. tostring(v) end
    table.sort(want)
    error(string.format("idcloudhost.fake: expected %s%s to be called %s, it was %d time(s); calls: %s",
      name, #want > 0 and ("{" .. table.concat(want, ", ") .. "}") or "",
      times and (times .. " time(s)") or "at least once", #hits,
      #seen > 0 and table.concat(seen, ", ") or "none"), 2)
  end
  return hits
end

--- Raises unless every expectation was used up (an :answer or :fail with uses left, or a plain
-- expect never met).
function Fake:verify()
  for _, e in ipairs(self._expects) do
    if e.count ~= math.huge and e.used < e.count and (e.reply or e.failure) then
      error(string.format("idcloudhost.fake: %s was expected %d more time(s)", e.name, e.count - e.used), 2)
    end
    if not (e.reply or e.failure) and #self:calls(e.name) == 0 then
      error("idcloudhost.fake: " .. e.name .. " was expected and never called", 2)
    end
  end
  return true
end

-- A JSON null for control calls (config's create_latency).
fake.null = setmetatable({}, { __tostring = function() return "idcloudhost.fake.null" end })

return fake
