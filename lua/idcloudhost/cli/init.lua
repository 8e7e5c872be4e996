-- The idcloudhost command: bin/idcloudhost calls main(argv) and exits with what it returns.
-- Commands are declaration tables (idcloudhost.cli.commands.*) read by idcloudhost.cli.args;
-- every call goes through the public SDK.  Exit status:
--   0 ok, 1 the platform answered an error (api, decode), 2 usage or invalid input (nothing
--   sent), 3 not found, 4 network or timeout, 5 a write that may have been carried out,
--   6 conflict (two resources carry one name and owner: nothing changed), 130 interrupted (Ctrl-C).
local args = require "idcloudhost.cli.args"
local output = require "idcloudhost.cli.output"
local progress = require "idcloudhost.cli.progress"

local cli = {}

-- The commands, in the order help lists them.
cli.COMMANDS = { "vm", "disk", "ip", "network", "lb", "fw", "bucket", "ssh-key", "account", "location", "image",
  "wait", "leftovers", "bill", "plan", "apply", "sim", "completion" }

--- The tree of commands: the root node.
function cli.tree()
  local root = { name = "idcloudhost", summary = "The idcloudhost.com / elastis.id cloud from the command line.",
    help = "Configuration: IDCLOUDHOST_API_KEY, IDCLOUDHOST_BASE_URL, IDCLOUDHOST_LOCATION, or a profile\n"
      .. "(--profile, IDCLOUDHOST_PROFILE) of ~/.config/idcloudhost/config.lua.", children = {} }
  for _, name in ipairs(cli.COMMANDS) do
    root.children[#root.children + 1] = require("idcloudhost.cli.commands." .. name:gsub("-", "_"))
  end
  return root
end

------------------------------------------------------------------------------------------------
-- Errors of the command itself, shaped like the SDK's (kind, message, tostring).

function cli.error(kind, message, fields)
  local e = fields or {}
  e.kind, e.message = kind, message
  return setmetatable(e, args.Error)
end

--- The exit status for an error value.
function cli.exit_code(err)
  if type(err) ~= "table" then return 1 end
  if err.uncertain then return 5 end
  if err.kind == "invalid" or err.kind == "usage" then return 2 end
  if err.not_found or err.kind == "not_found" then return 3 end
  if err.kind == "network" or err.kind == "timeout" then return 4 end
  if err.kind == "conflict" then return 6 end
  return 1
end

local function one_line(s)
  return (tostring(s):gsub("%s*\n%s*", " "))
end

------------------------------------------------------------------------------------------------
-- The context a command runs in

local Ctx = {}
Ctx.__index = Ctx

--- The client, made at first use from the flags, the environment and the profile.
function Ctx:client()
  if self._client then return self._client end
  local a = self.a
  local opts = { profile = a.profile, location = a.location }
  local c, err = self.idcloudhost.new(opts)
  if not c then return nil, err end
  self._client = c
  return c
end

--- A line on stdout.
function Ctx:out(line)
  self.stdout(line .. "\n")
end

--- A note for people on stderr (never in the way of a pipe's data).
function Ctx:note(line)
  self.stderr(line .. "\n")
end

--- Prints an object or list with a family's view (output.show).
function Ctx:show(value, view)
  output.show(self.fmt, self.a.quiet, value, view, function(l) self:out(l) end)
end

--- Says what happened to obj: the object in json/jsonl, its key with --quiet, a line otherwise.
function Ctx:done(obj, view, text)
  if self.a.quiet or self.fmt.kind ~= "table" then return self:show(obj, view) end
  self:out(text)
end

--- Shows what a verb did to several objects (json, jsonl, --quiet: one document, a list, the
-- keys) as done does to one; a table gets each object's line (text(obj)).
function Ctx:many(objs, view, text)
  if #objs == 1 and self.fmt.kind == "json" then return self:done(objs[1], view, text) end
  if self.a.quiet or self.fmt.kind ~= "table" then
    local v = {}
    for k, x in pairs(view) do v[k] = x end
    v.list = true
    return self:show(objs, v)
  end
  if type(text) == "function" then
    for _, obj in ipairs(objs) do self:out(text(obj)) end
  end
end

--- Runs a write, recorded so that an interruption can say which writes may have been sent.
function Ctx:write(desc, fn, ...)
  local w = { desc = desc, state = "sent" }
  self.writes[#self.writes + 1] = w
  local res, err = fn(...)
  if res ~= nil then w.state = "done"
  elseif err and err.uncertain then w.state = "uncertain"
  elseif err and err.kind == "invalid" then w.state = "refused"
  else w.state = "failed" end
  return res, err
end

--- client.<fam.collection>, or nil, err (exit 2) when this SDK has no such family yet.
function Ctx:collection(fam)
  local c, err = self:client()
  if not c then return nil, err end
  local coll = c[fam.collection]
  if coll == nil then
    return nil, cli.error("usage", "this SDK (idcloudhost " .. tostring(self.idcloudhost._VERSION) .. ") has no client."
      .. fam.collection .. " yet: `idcloudhost " .. fam.name .. "` needs it")
  end
  return coll, c
end

--- The objects of a family in the location (or every location with --all-locations).
function Ctx:list(fam)
  local coll, c = self:collection(fam)
  if not coll then return nil, c end
  if self.a.all_locations and fam.located then return c:collect_locations(fam.collection) end
  return coll:list()
end

function Ctx:where()
  if self.a.all_locations then return "any location" end
  local c = self._client
  return "location " .. tostring(c and c.location or "(the account's default)")
end

--- The one object ref names: its key (a uuid, an address) or its name, or nil, err: not found
-- (exit 3), or a name that matches several (exit 2, listing them).
function Ctx:resolve(fam, ref)
  local coll, err = self:collection(fam)
  if not coll then return nil, err end
  local is_key = fam.is_key(ref)
  if is_key and not self.a.all_locations and coll.get then
    return coll:get(ref)
  end
  if not is_key and not fam.name_field then
    return nil, cli.error("invalid", "'" .. ref .. "' is not a " .. fam.kind .. " " .. fam.key, { field = fam.key })
  end
  local list
  list, err = self:list(fam)
  if not list then return nil, err end
  local found = {}
  for _, obj in ipairs(list) do
    if tostring(obj[fam.key]) == ref or (fam.name_field and obj[fam.name_field] == ref) then found[#found + 1] = obj end
  end
  if #found == 1 then return found[1] end
  if #found == 0 then
    return nil, cli.error("not_found", "no " .. fam.kind .. " '" .. ref .. "' in " .. self:where(), { not_found = true })
  end
  local names = {}
  for i, obj in ipairs(found) do
    names[i] = tostring(obj[fam.key]) .. (obj.location and (" (" .. obj.location .. ")") or "")
  end
  return nil, cli.error("usage", fam.kind .. " name '" .. ref .. "' matches " .. #found .. ": "
    .. table.concat(names, ", ") .. "; give the " .. fam.key)
end

--- Every ref resolved, or nil, err at the first that is not.
function Ctx:resolve_all(fam, refs)
  local out = {}
  for i, ref in ipairs(refs) do
    local obj, err = self:resolve(fam, ref)
    if not obj then return nil, err end
    out[i] = obj
  end
  return out
end

local core = require("idcloudhost.native").core

-- The waits' sleep: the core's (whose sleep resumes after a signal), stopping at an interrupt.
function Ctx:sleep(seconds)
  if self.interrupted then error("interrupted!", 0) end
  if core then core.sleep(seconds) else os.execute("sleep " .. string.format("%.2f", seconds)) end
  if self.interrupted then error("interrupted!", 0) end
end

--- Waits until every object has status target, with a progress line; results in order:
-- the objects, or nil, err at the first that failed.
function Ctx:wait(fam, objs, target, timeout)
  local label = #objs == 1 and (fam.kind .. " " .. tostring(objs[1][fam.name_field or fam.key] or objs[1][fam.key]))
    or (#objs .. " " .. fam.kind .. "s")
  local p = progress.new("waiting for " .. label .. " to be " .. target, #objs, { write = self.stderr })
  local t0 = os.time()
  local limit = timeout or 600
  for i, obj in ipairs(objs) do
    p:update(i - 1, tostring(obj.status))
    local ok, err = obj:wait(target, { timeout = math.max(0, limit - (os.time() - t0)), interval = 1, max_interval = 5,
      sleep = function(s) self:sleep(s) end,
      on_progress = function(o)
        local fine, e = pcall(p.update, p, i - 1, tostring(o.status))
        if not fine and tostring(e):find("interrupted!", 1, true) then self.interrupted = true end
      end })
    if not ok then
      p:finish()
      if err and err.kind == "error" and tostring(err.message):find("interrupted!", 1, true) then error("interrupted!", 0) end
      -- A wait that fails after writes landed must not read as if they had not.
      local done = {}
      for _, w in ipairs(self.writes) do
        if w.state == "done" then done[#done + 1] = w.desc end
      end
      if err and #done > 0 then
        err.message = tostring(err.message) .. " (carried out before the wait: " .. table.concat(done, "; ") .. ")"
      end
      return nil, err
    end
  end
  p:update(#objs, target)
  p:finish()
  return objs
end

--- Runs fn(item) for every item in turn, with a progress line when there are several; the
-- results, and the first error (the worst: an uncertain write wins).
function Ctx:each(items, what, fn)
  local p = #items > 1 and progress.new(what, #items, { write = self.stderr })
  local results, first = {}, nil
  for i, item in ipairs(items) do
    local res, err = fn(item)
    results[i] = res
    if res == nil then
      self:note(one_line(err))
      if not first or (err.uncertain and not first.uncertain) then first = err end
    end
    if p then p:update(i, res and "ok" or "failed") end
  end
  if p then p:finish() end
  if first then first.cli_shown = true end
  return results, first
end

------------------------------------------------------------------------------------------------
-- main

local function interrupted(ctx)
  local sent = {}
  for _, w in ipairs(ctx.writes) do
    if w.state == "done" then sent[#sent + 1] = w.desc .. " (carried out)"
    elseif w.state == "sent" or w.state == "uncertain" then sent[#sent + 1] = w.desc .. " (may have been carried out)" end
  end
  ctx:note("idcloudhost: interrupted; " .. (#sent == 0 and "no write was sent" or ("writes sent: " .. table.concat(sent, "; "))))
  return 130
end

--- Runs the command line argv (a list of strings); returns the exit status.  io: stdout,
-- stderr (functions of a string), idcloudhost (the SDK module), for the specs.
function cli.main(argv, io_)
  io_ = io_ or {}
  local ctx = setmetatable({ writes = {}, idcloudhost = io_.idcloudhost or require "idcloudhost",
    stdout = io_.stdout or function(s) io.stdout:write(s) end,
    stderr = io_.stderr or function(s) io.stderr:write(s) io.stderr:flush() end }, Ctx)
  local root = cli.tree()
  local node, path, a = args.parse(root, argv)
  if not node then
    ctx:note(one_line(path))
    return 2
  end
  ctx.a, ctx.node, ctx.path = a, node, path
  if a.version and not a.help then
    ctx:out("idcloudhost " .. tostring(ctx.idcloudhost._VERSION))
    return 0
  end
  if a.help or (#path == 0 and #argv == 0) then
    ctx.stdout(args.help(node, path))
    return 0
  end
  if node.children then
    ctx.stderr(args.help(node, path))
    return 2
  end
  local err
  ctx.fmt, err = output.format(a.output)
  if not ctx.fmt then ctx:note("idcloudhost: usage: " .. err) return 2 end
  a, err = args.bind(node, path, a)
  if not a then ctx:note(one_line(err)) return 2 end
  local ok, res, rerr = xpcall(function() return node.run(ctx, a) end, function(e)
    if tostring(e):find("interrupted!", 1, true) then return "interrupted!" end
    return debug.traceback(tostring(e), 2)
  end)
  if not ok then
    if res == "interrupted!" then return interrupted(ctx) end
    ctx:note("internal error: " .. tostring(res))
    return 1
  end
  if res == nil then
    if rerr and not rerr.cli_shown then ctx:note(one_line(rerr)) end
    return cli.exit_code(rerr)
  end
  if type(res) == "number" then return res end
  return 0
end

return cli
