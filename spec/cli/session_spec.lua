-- bin/idcloudhost as a process: help at every level and completion from the same tables, a
-- profile whose key comes from a command, progress on a terminal (a pseudo-terminal made by
-- script(1)) and its absence on a pipe, Ctrl-C during a wait, `idcloudhost sim`.
local helper = require "spec.helper"
local cli = require "spec.cli.helper"

local function sleep(s) os.execute("sleep " .. s) end

local function vm(name)
  return cli.jq("vm create " .. name .. " --vcpu 1 --ram 1024 --password-stdin --account 6", ".uuid",
    { stdin = "S3cret-pass\n" })
end

describe("idcloudhost (the command)", function()
  setup(cli.setup)
  teardown(cli.cleanup)
  before_each(function()
    helper.reset()
    helper.config { tombstone = 0 }
  end)

  describe("help and completion", function()
    it("--help at every level, generated from the commands' tables", function()
      local root = cli.ok("--help")
      for _, c in ipairs(require("idcloudhost.cli").COMMANDS) do assert.truthy(root:find("\n  " .. c .. " ", 1, true), c) end
      assert.matches("Exit status: 0 ok", root)
      assert.equal(root, cli.ok(""))
      local vm_help = cli.ok("vm --help")
      for _, verb in ipairs { "list", "get", "create", "update", "delete", "start", "stop", "resize", "wait" } do
        assert.matches("\n  " .. verb .. " ", vm_help)
      end
      local stop = cli.ok("vm stop -h")
      assert.matches("usage: idcloudhost vm stop %[VM%.%.%.%] %[flags%]", stop)
      assert.matches("%-%-owner", stop)
      assert.matches("%-%-force", stop)
      assert.matches("%-%-all%-locations", stop)
      -- a group without its command: the help, on stderr, exit 2
      local out, err = cli.ok("vm", nil, 2)
      assert.equal("", out)
      assert.matches("Commands:", err)
    end)

    it("completion bash|zsh: valid scripts naming the commands, verbs and flags", function()
      local bash = cli.ok("completion bash")
      assert.matches("complete %-F _idcloudhost idcloudhost", bash)
      assert.matches("stop%) words=\"%-%-force %-%-wait", bash)
      cli.write(cli.TMP .. "/c.bash", bash)
      local r = os.execute("bash -n " .. cli.TMP .. "/c.bash")
      assert.is_true(r == true or r == 0) -- (Lua 5.1 answers 0)
      -- completing "idcloudhost vm st" in bash
      local p = io.popen("bash -c 'source " .. cli.TMP .. "/c.bash; COMP_WORDS=(idcloudhost vm st); COMP_CWORD=2; "
        .. "_idcloudhost; echo \"${COMPREPLY[*]}\"'")
      assert.equal("start stop\n", p:read("*a"))
      p:close()
      assert.matches("bashcompinit", cli.ok("completion zsh"))
      cli.ok("completion fish", nil, 2)
    end)
  end)

  describe("profiles", function()
    it("a profile whose key comes from a command, chosen by --profile or IDCLOUDHOST_PROFILE", function()
      cli.write(cli.TMP .. "/key", helper.KEY .. "\n")
      cli.write(cli.CONFIG, string.format([[
profiles = {
  sim = { base_url = %q, apikey_command = "cat %s/key", location = "bus02" },
  broken = { base_url = %q, apikey_command = "cat %s/nokey" },
}]], helper.URL, cli.TMP, helper.URL, cli.TMP))
      local env = { IDCLOUDHOST_API_KEY = false, IDCLOUDHOST_BASE_URL = false }
      cli.ok("--profile sim -l bus02 vm create there --vcpu 1 --ram 512 --password-stdin --account 6",
        { env = env, stdin = "S3cret-pass\n" })
      assert.equal("bus02", cli.jq("--profile sim vm list --all-locations", ".[0].location", { env = env }))
      env.IDCLOUDHOST_PROFILE = "sim"
      assert.equal("there", cli.jq("vm list", ".[0].name", { env = env })) -- the profile's location
      local _, err, rc = cli.run("--profile broken vm list", { env = env })
      assert.equal(2, rc)
      assert.matches("apikey_command", err)
      _, err, rc = cli.run("--profile nope vm list", { env = env })
      assert.equal(2, rc)
      assert.matches("no profile 'nope'", err)
      os.remove(cli.CONFIG)
    end)
  end)

  describe("progress", function()
    it("draws a live line on a terminal", function()
      vm("web-1")
      local cmd = cli.command("vm stop web-1 --wait")
      local p = io.popen("script -q -c " .. cli.quote(cmd) .. " /dev/null </dev/null")
      local out = p:read("*a")
      p:close()
      assert.truthy(out:find("\r\27[K", 1, true), out)
      assert.matches("waiting for vm web%-1 to be stopped: 1/1 done", out)
    end)

    it("writes plain lines, never a carriage return, on a pipe", function()
      vm("web-1")
      local out, err = cli.ok("vm stop web-1 --wait")
      assert.is_nil(err:find("\r", 1, true))
      assert.matches("waiting for vm web%-1 to be stopped: 1/1 done", err)
      assert.matches("web%-1: stopped\n$", out)
      vm("web-2")
      out, err = cli.ok("vm start web-1 web-2")
      assert.matches("web%-2: running\n$", out)
      assert.matches("starting: 2/2 done", err)
    end)
  end)

  describe("Ctrl-C", function()
    it("during a wait stops cleanly and says which writes were sent", function()
      local uuid = vm("web-1")
      helper.config { settle = 30 }
      local dir = cli.TMP
      os.execute("sh -c " .. cli.quote(cli.command("vm stop web-1 --wait") .. " >" .. dir .. "/int.out 2>" .. dir
        .. "/int.err & echo $! >" .. dir .. "/int.pid; wait $!; echo $? >" .. dir .. "/int.rc") .. " &")
      local waited = 0
      while not cli.read(dir .. "/int.err"):find("waiting for", 1, true) and waited < 50 do
        sleep(0.1)
        waited = waited + 1
      end
      sleep(0.3)
      os.execute("kill -INT " .. cli.read(dir .. "/int.pid"))
      waited = 0
      while cli.read(dir .. "/int.rc") == "" and waited < 100 do
        sleep(0.1)
        waited = waited + 1
      end
      helper.config { settle = 0 }
      assert.equal("130", (cli.read(dir .. "/int.rc"):gsub("%s", "")))
      local err = cli.read(dir .. "/int.err")
      assert.matches("interrupted; writes sent: vm stop " .. uuid:gsub("%-", "%%-") .. " %(carried out%)", err)
      assert.is_nil(err:find("internal error", 1, true))
      os.remove(dir .. "/int.rc")
      os.remove(dir .. "/int.err")
    end)
  end)

  describe("sim", function()
    it("starts the simulator in the foreground", function()
      local dir = cli.TMP
      -- its own process group (setsid), so that stopping it stops the simulator it runs too
      os.execute("sh -c " .. cli.quote("setsid " .. cli.command("sim --port 0") .. " >" .. dir .. "/sim.out 2>&1 & echo $! >"
        .. dir .. "/sim.pid"))
      local waited, out = 0
      repeat
        sleep(0.1)
        waited = waited + 1
        out = cli.read(dir .. "/sim.out")
      until out:find("listening on", 1, true) or waited > 100
      os.execute("kill -TERM -" .. cli.read(dir .. "/sim.pid"):gsub("%s", ""))
      assert.matches("listening on http://127%.0%.0%.1:%d+", out)
      assert.matches("IDCLOUDHOST_BASE_URL", out)
    end)
  end)
end)
