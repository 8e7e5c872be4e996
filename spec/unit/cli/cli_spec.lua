-- idcloudhost.cli on a scripted transport: the parser, the output formats, exit codes, names,
-- progress and an interrupted wait, without a process or a simulator (spec/cli drives the
-- command itself).
local helper = require "spec.helper"
local docs = require "spec.fixtures.unit_docs"
local cli = require "idcloudhost.cli"
local args = require "idcloudhost.cli.args"
local output = require "idcloudhost.cli.output"
local progress = require "idcloudhost.cli.progress"
local idcloudhost = require "idcloudhost"

local STOPPED = docs.vm_stop
local RUNNING = (docs.vm_stop:gsub('"status": "stopped"', '"status": "running"'))
local STOPPING = (docs.vm_stop:gsub('"status": "stopped"', '"status": "stopping"'))
local UUID = assert(require("cjson").decode(STOPPED).uuid)

-- Runs the command line words with a fake platform answering script: code, stdout, stderr, fake.
local function run(words, script, stderr_hook)
  local f = helper.fake(script or {})
  local out, err = {}, {}
  local sdk = setmetatable({ new = function(o)
    return idcloudhost.new { apikey = "secret-key-123", base_url = "https://api.example.test", transport = f.transport,
      sleep = f.sleep, location = o.location or "cyc01" }
  end }, { __index = idcloudhost })
  local code = cli.main(words, { idcloudhost = sdk,
    stdout = function(s) out[#out + 1] = s end,
    stderr = function(s)
      err[#err + 1] = s
      if stderr_hook then stderr_hook(s) end
    end })
  return code, table.concat(out), table.concat(err), f
end

local function list_of(...)
  local items = {}
  for i, text in ipairs { ... } do items[i] = text end
  return "[" .. table.concat(items, ",") .. "]"
end

local function named(name, uuid, status)
  return (RUNNING:gsub('"name": "[^"]*"', '"name": "' .. name .. '"'):gsub((UUID:gsub("%-", "%%-")), uuid)
    :gsub('"status": "running"', '"status": "' .. (status or "running") .. '"'))
end

describe("idcloudhost.cli", function()
  describe("the parser", function()
    local root = cli.tree()

    it("takes flags anywhere, --flag=value, -ovalue, and -- ends them", function()
      local node, path, a = args.parse(root, { "-ojson", "vm", "--location=bus02", "stop", "x", "--force", "--", "--y" })
      assert.equal("stop", node.name)
      assert.same({ "vm", "stop" }, path)
      assert.equal("json", a.output)
      assert.equal("bus02", a.location)
      assert.is_true(a.force)
      assert.same({ "x", "--y" }, a.args)
    end)

    it("refuses unknown flags and commands, values that are not whole numbers, missing and extra arguments", function()
      for _, words in ipairs { { "vm", "stop", "--colour" }, { "frob" }, { "vm", "frob" }, { "vm", "resize", "x", "--vcpu", "1.5" },
        { "vm", "resize", "x", "--vcpu", "two" }, { "vm", "list", "--location" }, { "vm", "list", "--quiet=yes" } } do
        local node, err = args.parse(root, words)
        assert.is_nil(node, table.concat(words, " "))
        assert.equal("usage", err.kind)
      end
      local node, path, a = args.parse(root, { "vm", "get" })
      local ok, err = args.bind(node, path, a)
      assert.is_nil(ok)
      assert.matches("needs VM", err.message)
      node, path, a = args.parse(root, { "vm", "get", "a", "b" })
      ok, err = args.bind(node, path, a)
      assert.is_nil(ok)
      assert.matches("at most 1 argument", err.message)
      node, path, a = args.parse(root, { "vm", "create", "x", "--ram", "1" })
      ok, err = args.bind(node, path, a)
      assert.is_nil(ok)
      assert.matches("needs %-%-vcpu", err.message)
    end)

    it("makes help at every level from the same tables", function()
      local code, out = run { "--help" }
      assert.equal(0, code)
      for _, c in ipairs(cli.COMMANDS) do assert.truthy(out:find("\n  " .. c .. " ", 1, true), c) end
      code, out = run { "--version" }
      assert.equal(0, code)
      assert.equal("idcloudhost " .. idcloudhost._VERSION .. "\n", out)
      code, out = run { "vm", "resize", "--help" }
      assert.equal(0, code)
      assert.matches("%-%-restart", out)
      local err
      code, out, err = run { "vm" }
      assert.equal(2, code)
      assert.equal("", out)
      assert.matches("\n  resize ", err)
    end)
  end)

  describe("output", function()
    it("json: keys sorted, arrays as arrays (empty ones too), null, escapes, integers", function()
      local t = { zeta = 1, alpha = { 3, 2 }, mid = idcloudhost.array(), q = 'a"b\n\1', f = 1.5, n = idcloudhost.json.null,
        k1 = true, k2 = false, k3 = "x", k4 = "y", k5 = "z", k6 = { b = 1, a = 2 } }
      assert.equal('{"alpha":[3,2],"f":1.5,"k1":true,"k2":false,"k3":"x","k4":"y","k5":"z","k6":{"a":2,"b":1},'
        .. '"mid":[],"n":null,"q":"a\\"b\\n\\u0001","zeta":1}', output.json(t))
      assert.equal("[]", output.json(idcloudhost.json.decode("[]")))
      assert.equal('{\n  "a": [\n    1\n  ]\n}', output.json({ a = { 1 } }, "  "))
    end)

    it("tables: a header, aligned columns, - for nothing; --quiet: the keys", function()
      local lines = output.table_lines({ { uuid = "u-1", name = "web" }, { uuid = "u-22" } }, { "uuid", "name" })
      assert.same({ "UUID   NAME", "u-1    web", "u-22   -" }, lines)
      local got = {}
      output.show({ kind = "table" }, true, { { uuid = "u-1" }, { uuid = "u-2" } }, { key = "uuid", list = true, columns = { "uuid" } },
        function(l) got[#got + 1] = l end)
      assert.same({ "u-1", "u-2" }, got)
      assert.same({ kind = "table", columns = { "name", "vcpu" } }, output.format("columns=name,vcpu"))
      assert.is_nil(output.format("yaml"))
    end)
  end)

  describe("exit codes", function()
    it("0 ok, 1 api, 2 usage or invalid, 3 not found, 4 network or timeout, 5 uncertain, 6 conflict", function()
      assert.equal(1, cli.exit_code { kind = "api", status = 409 })
      assert.equal(1, cli.exit_code { kind = "decode" })
      assert.equal(2, cli.exit_code { kind = "invalid" })
      assert.equal(2, cli.exit_code { kind = "usage" })
      assert.equal(3, cli.exit_code { kind = "api", status = 404, not_found = true })
      assert.equal(4, cli.exit_code { kind = "network" })
      assert.equal(4, cli.exit_code { kind = "timeout" })
      assert.equal(5, cli.exit_code { kind = "network", uncertain = true })
      assert.equal(5, cli.exit_code { kind = "timeout", uncertain = true })
      assert.equal(6, cli.exit_code { kind = "conflict", matches = {} })
    end)

    it("an uncertain write exits 5 and its error is one line on stderr", function()
      local code, _, err = run({ "vm", "stop", UUID },
        { helper.answer(RUNNING), { error = "Operation timed out", code = "OPERATION_TIMEDOUT" } })
      assert.equal(5, code)
      assert.matches("may have been carried out", err)
      assert.equal(1, select(2, err:gsub("\n", "")))
    end)

    it("a missing VM exits 3; an invalid option exits 2 and sends nothing", function()
      local code = run({ "vm", "get", UUID }, { helper.answer('{"errors": {"Error": "No such virtual machine exists: x"}}', 400) })
      assert.equal(3, code)
      local _, f
      code, _, _, f = run { "-l", "bad slug!", "vm", "list" }
      assert.equal(2, code)
      assert.equal(0, #f.requests)
    end)
  end)

  describe("names", function()
    it("a name that matches one VM is that VM; several: exit 2 listing them; none: exit 3", function()
      local A, B = "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"
      local code, out = run({ "vm", "get", "web", "-q" }, { helper.answer(list_of(named("web", A), named("db", B))) })
      assert.equal(0, code)
      assert.equal(A .. "\n", out)
      local _, err, f
      code, _, err, f = run({ "vm", "stop", "web" }, { helper.answer(list_of(named("web", A), named("web", B))) })
      assert.equal(2, code)
      assert.truthy(err:find(A, 1, true) and err:find(B, 1, true))
      assert.equal(1, #f.requests) -- the list, and no stop
      code = run({ "vm", "get", "nobody" }, { helper.answer(list_of(named("web", A))) })
      assert.equal(3, code)
    end)
  end)

  describe("--all-locations", function()
    it("lists every location's VMs, each with its location", function()
      local A, B = "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"
      local code, out = run({ "vm", "list", "--all-locations", "-o", "columns=location,name" },
        { helper.answer('[{"slug": "cyc01"}, {"slug": "bus02"}]'), helper.answer(list_of(named("one", A))),
          helper.answer(list_of(named("two", B))) })
      assert.equal(0, code)
      local lines = {}
      for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
      table.sort(lines)
      assert.same({ "LOCATION   NAME", "bus02      one", "cyc01      one" }, { lines[1], (lines[2]:gsub("two", "one")),
        (lines[3]:gsub("two", "one")) })
    end)
  end)

  describe("progress", function()
    it("redraws one line on a terminal", function()
      local w = {}
      local p = progress.new("waiting", 2, { tty = true, write = function(s) w[#w + 1] = s end, now = function() return 0 end })
      p:update(0, "stopping")
      p:update(1, "stopped")
      p:finish()
      assert.same({ "\r\27[Kwaiting: 0/2 done, 0s, stopping", "\r\27[Kwaiting: 1/2 done, 0s, stopped", "\n" }, w)
    end)

    it("writes a plain line when something changes, elsewhere", function()
      local w = {}
      local p = progress.new("waiting", 1, { tty = false, write = function(s) w[#w + 1] = s end, now = function() return 0 end })
      p:update(0, "stopping")
      p:update(0, "stopping")
      p:update(1, "stopped")
      p:finish()
      assert.same({ "waiting: 0/1 done, 0s, stopping\n", "waiting: 1/1 done, 0s, stopped\n" }, w)
    end)
  end)

  describe("an interrupted wait", function()
    it("stops and says which writes were sent (exit 130), even when the signal lands inside a callback", function()
      local n = 0
      local code, _, err = run({ "vm", "stop", UUID, "--wait" },
        -- (the stop answers the VM still running: the first poll's "stopping" is a new line)
        { helper.answer(RUNNING), helper.answer(RUNNING), helper.answer(STOPPING), helper.answer(STOPPING) },
        function(s)
          n = n + 1
          if n == 2 and s:find("waiting", 1, true) then error("interrupted!", 0) end -- (inside on_progress)
        end)
      assert.equal(130, code)
      assert.matches("interrupted; writes sent: vm stop " .. UUID:gsub("%-", "%%-") .. " %(carried out%)", err)
    end)

    it("says when no write was sent", function()
      local code, _, err = run({ "vm", "wait", UUID, "running" }, { helper.answer(STOPPED), helper.answer(STOPPED) },
        function(s) if s:find("waiting", 1, true) then error("interrupted!", 0) end end)
      assert.equal(130, code)
      assert.matches("interrupted; no write was sent", err)
    end)
  end)
end)
