-- make install from a user's side: scripts/check-install.sh stages `make install`, `make
-- install-fake` and `make install-sim` with DESTDIR and uses them from clean shells (see the script).  It starts a
-- simulator, so it runs under `make check-install` (PACKAGING_LUA names the interpreter) and is
-- pending in a plain `make test`.
local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("*a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end

describe("make install", function()
  it("installs the files of the rocks, each set in one", function()
    -- The Makefile derives its sets from the tree; the rockspecs list theirs: they must agree.
    local out, code = run("make -s -n install install-fake install-sim DESTDIR=/nonexistent LMOD=/L CMOD=/C "
      .. "FAKE_LMOD=/F SIM_LMOD=/S")
    assert.equal(0, code, out)
    local sets = {}
    for list, dir in out:gmatch('for f in ([^;]+); do install %-D %-m 644 "%$f" "/nonexistent/(%u)/') do
      sets[dir] = sets[dir] or {}
      for f in list:gmatch("lua/(%S+)") do sets[dir][f] = true end
    end
    assert.is_truthy(sets.L and sets.F and sets.S, out)
    local function listed(...)
      local files = {}
      for _, path in ipairs { ... } do
        local env = {}
        local chunk = assert(loadfile(path, "t", env))
        if setfenv then setfenv(chunk, env) end -- luacheck: ignore 113 (Lua 5.1)
        chunk()
        for _, file in pairs(env.build.install.lua) do files[#files + 1] = file end
      end
      return files
    end
    local SDK, FAKE, SIM = "rockspec/idcloudhost-scm-1.rockspec", "rockspec/idcloudhost-fake-scm-1.rockspec",
      "rockspec/idcloudhost-sim-scm-1.rockspec"
    -- make install-sim installs the engine too: the dependency LuaRocks would install with it
    for _, rock in ipairs { { "SDK", listed(SDK), sets.L }, { "fake", listed(FAKE), sets.F },
      { "simulator", listed(SIM, FAKE), sets.S } } do
      for _, file in ipairs(rock[2]) do
        local rel = file:gsub("^sim/", ""):gsub("^lua/", "")
        assert.is_true(rock[3][rel] == true, file .. " is in the " .. rock[1] .. "'s rockspecs but not installed by make")
      end
      local m = 0
      for _ in pairs(rock[3]) do m = m + 1 end
      assert.equal(#rock[2], m, "make installs files the " .. rock[1] .. "'s rockspecs do not list")
    end
  end)

  local lua = os.getenv("PACKAGING_LUA")
  if not lua or lua == "" then
    pending("make check-install LUA=... stages an install and uses it")
    return
  end

  it("lays out a working tree for " .. lua .. ", where it looks by default, and uninstalls", function()
    local out, code = run("sh scripts/check-install.sh " .. lua)
    assert.equal(0, code, out)
    assert.matches("\nok %d+%.%d+%.%d+ on [^\n]+made and deleted\n", "\n" .. out)
    assert.matches("\nok fake: [^\n]+\n", out)
    assert.matches("\nok command: idcloudhost %-%-help, location list: cyc01 bus02 \n", out)
    assert.matches("\ninstall: ok: [^\n]+uninstalled\n", out)
  end)
end)
