-- make mutate: mutation testing of the project's own.  Each mutant of mutate/mutants.lua changes
-- one exact piece of text in one file (a small change that looks like a real bug); it is applied
-- to a scratch copy of the tree and the specs that should notice are run there.  A mutant the
-- specs notice is "killed"; one they do not notice "survived": a behaviour no spec guards.
--
--   lua5.4 scripts/mutate.lua [--subset] [--only ID,...] [--level LEVEL] [--list] [--keep]
--
--   --subset   only the mutants marked subset = true (make mutate-ci)
--   --level    only the mutants of that level (unit, test, hostile, wire, c, nginx, nvim, spawn)
--   --only     these mutants (comma-separated ids)
--   --at       run the selected mutants at that level instead of their own (to find where a
--              mutant is seen)
--   --list     print the mutants, run nothing
--   --keep     leave the scratch directory (its path is printed)
--
-- Mutants run one at a time: timed specs give false kills when run side by side.  Before any
-- mutant, each level runs once on the unchanged copy (the baseline): a mutant is killed by a spec
-- that passed there and fails with it, by fewer specs running (a crash), by a hang (the level's
-- time limit), or by valgrind.  A spec failing in the baseline is reported and kills nothing.
-- The run fails when a mutant's text is not found exactly once (the list must follow the code),
-- when a C mutant does not compile, or when the score is under MUTATE_MIN percent (90).
local MUTANTS = os.getenv("MUTATE_LIST") or "mutate/mutants.lua"
local LUA = os.getenv("MUTATE_LUA") or "lua5.4" -- the interpreter the specs run on
local BUSTED = "/usr/bin/busted -o TAP"
local MEMCHECK = "valgrind --quiet --error-exitcode=99 --leak-check=full "
  .. "--errors-for-leak-kinds=definite,indirect --suppressions=scripts/valgrind.supp"
local CORE_SPECS = "spec/core/core_spec.lua spec/core/tls_spec.lua spec/mutate/wire_spec.lua spec/core/transport_faults_spec.lua"

------------------------------------------------------------------------------------------------
-- Arguments

local args = { subset = false, keep = false, list = false }
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--subset" then args.subset = true
    elseif a == "--keep" then args.keep = true
    elseif a == "--list" then args.list = true
    elseif a == "--only" or a == "--level" or a == "--at" then
      i = i + 1
      if not arg[i] then io.stderr:write("mutate: ", a, " needs a value\n") os.exit(2) end
      if a == "--level" then args.level = arg[i]
      elseif a == "--at" then args.at = arg[i] else
        args.only = {}
        for id in arg[i]:gmatch("[^,]+") do args.only[id] = true end
      end
    else
      io.stderr:write("mutate: unknown argument ", a, "\n")
      os.exit(2)
    end
    i = i + 1
  end
end

------------------------------------------------------------------------------------------------
-- Shell and files

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Runs cmd; true on exit status 0, and the status.
local function sh(cmd)
  local ok, how, code = os.execute(cmd)
  if type(ok) == "number" then -- Lua 5.1, LuaJIT: system()'s wait status
    return ok == 0, ok % 256 == 0 and math.floor(ok / 256) or 128 + ok % 128
  end
  if how == "signal" then return false, 128 + code end
  return ok == true, code
end

local function capture(cmd)
  local p = assert(io.popen(cmd, "r"))
  local s = p:read("*a")
  p:close()
  return s
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

local function count(s, needle)
  local n, i = 0, 1
  while true do
    local a, b = s:find(needle, i, true)
    if not a then return n end
    n, i = n + 1, b + 1
  end
end

local function now() return tonumber(capture("date +%s.%N")) or os.time() end

------------------------------------------------------------------------------------------------
-- Levels: the steps a mutant goes through, in a directory d (the scratch copy).  A step that
-- kills the mutant ends its run.

local ORIGIN = capture("pwd"):gsub("%s+$", "") -- the checkout: build/nginx/root is unpacked there
local SIM_LUA = os.getenv("SIM_LUA") or "lua5.3"

local function env(d)
  -- (as the Makefile's: the SDK, the simulator and fake the unit specs use, the specs' helpers)
  return "LUA_PATH=" .. quote(d .. "/lua/?.lua;" .. d .. "/lua/?/init.lua;" .. d .. "/sim/lua/?.lua;"
    .. d .. "/sim/lua/?/init.lua;" .. d .. "/?.lua;;")
    .. " LUA_CPATH=" .. quote(d .. "/build/" .. LUA .. "/?.so;;")
end

local LEVELS = {
  -- The fast specs on a scripted transport (seconds).
  unit = { { name = "unit", cmd = function() return "make -s unit LUA=" .. LUA .. " BUSTED=" .. quote(BUSTED) end } },
  -- Every spec against the simulator, the core's and the simulator's own included (~35 s).
  test = { { name = "test", cmd = function() return "make -s test LUA=" .. LUA .. " BUSTED=" .. quote(BUSTED) end } },
  -- The Neovim specs in nvim --headless, in its three modes (~40 s): make nvim included.
  nvim = { { name = "nvim", cmd = function() return "IDCLOUDHOST_NVIM_OUTPUT=TAP make -s test-nvim" end } },
  -- The hostile server, bare (valgrind would take minutes).
  hostile = { { name = "hostile", cmd = function()
    return "make -s hostile LUA=" .. LUA .. " VALGRIND= BUSTED=" .. quote(BUSTED)
  end } },
  -- The ngx transport inside a real nginx, without the C core (spec/nginx/*_ngx.lua, ~20 s):
  -- nginx's ngx_lua packages are unpacked once into the checkout's build/nginx/root.
  nginx = { { name = "nginx", cmd = function()
    return "make -s -C " .. quote(ORIGIN) .. " nginx-deps >/dev/null 2>&1; sh scripts/with-sim.sh " .. SIM_LUA
      .. " -- env NGX_BUSTED_ARGS='-o TAP' sh spec/nginx/run.sh " .. LUA .. " " .. quote(ORIGIN .. "/build/nginx/root")
  end } },
  -- The curl command transport in nvim --headless, the core hidden: the spawn specs that need no
  -- simulator (seconds).
  spawn = { { name = "spawn", cmd = function()
    return "IDCLOUDHOST_NVIM_MODE=spawn IDCLOUDHOST_NVIM_OUTPUT=TAP IDCLOUDHOST_NVIM_FILES="
      .. quote("spec/nvim/same_nvim_spec.lua spec/nvim/spawn_faults_nvim_spec.lua")
      .. " nvim --headless -u NONE -i NONE -n -c 'luafile spec/nvim/run.lua' -c 'cquit 3' </dev/null"
  end } },
  -- The C core's specs and the SDK over it on the core's throwaway server (seconds): for Lua
  -- mutants seen only through libcurl (a setting that must reach it).
  wire = { { name = "wire", cmd = function(d) return env(d) .. " " .. LUA .. " " .. BUSTED .. " " .. CORE_SPECS end } },
  -- The C core: its specs, the JSON specs and the unit specs (which use core.escape/core.form,
  -- core.json), then the core's
  -- specs under valgrind for what only valgrind sees (a leak, a missing free).
  c = {
    { name = "core", cmd = function(d)
      return env(d) .. " " .. LUA .. " " .. BUSTED .. " " .. CORE_SPECS .. " spec/core/json_spec.lua spec/unit"
    end },
    { name = "valgrind", valgrind = true, cmd = function(d)
      return env(d) .. " " .. MEMCHECK .. " " .. LUA .. " " .. BUSTED .. " " .. CORE_SPECS
    end },
  },
}

local function own_level(m)
  return m.level or (m.file:find("^src/") and "c" or "unit")
end

local function level_of(m)
  return args.at or own_level(m)
end

------------------------------------------------------------------------------------------------
-- The list, checked before anything runs

local list = dofile(MUTANTS)
local selected, problems, seen = {}, {}, {}
for i, m in ipairs(list) do
  local where = "mutant " .. i .. " (" .. tostring(m.id) .. ")"
  if type(m.id) ~= "string" or seen[m.id] then problems[#problems + 1] = where .. ": missing or repeated id" end
  seen[m.id or i] = true
  for _, k in ipairs { "file", "find", "replace", "bug" } do
    if type(m[k]) ~= "string" then problems[#problems + 1] = where .. ": no " .. k end
  end
  if m.find == m.replace then problems[#problems + 1] = where .. ": replace equals find" end
  if m.file and not LEVELS[own_level(m)] then problems[#problems + 1] = where .. ": unknown level " .. own_level(m) end
  if type(m.file) == "string" and type(m.find) == "string" then
    local f = io.open(m.file, "rb")
    local n = f and count(f:read("*a"), m.find) or 0
    if f then f:close() end
    -- The list must follow the code: a text found twice or not at all is a stale mutant.
    if n ~= 1 then problems[#problems + 1] = where .. ": stale: its text is found " .. n .. " times in " .. m.file end
  end
  if (not args.subset or m.subset) and (not args.only or args.only[m.id])
    and (not args.level or (m.file and own_level(m) == args.level)) then
    selected[#selected + 1] = m
  end
end
if args.at and not LEVELS[args.at] then problems[#problems + 1] = "--at: unknown level " .. args.at end
if args.only then
  for id in pairs(args.only) do
    if not seen[id] then problems[#problems + 1] = "--only: no mutant " .. id end
  end
end
if #problems > 0 then
  io.stderr:write("mutate: ", MUTANTS, " is broken:\n  ", table.concat(problems, "\n  "), "\n")
  os.exit(2)
end

if args.list then
  for _, m in ipairs(selected) do
    print(string.format("%-24s %-8s %s%-36s %s", m.id, level_of(m), m.subset and "*" or " ", m.file, m.bug))
  end
  print(#selected .. " mutants (* in the subset)")
  os.exit(0)
end

------------------------------------------------------------------------------------------------
-- Running a step: busted's TAP output tells which specs failed

-- {code =, total = specs run, fails = {key = true}, first = first failure, secs =}
local function run_step(step, d, limit)
  local log = d .. ".log"
  local t0 = now()
  local cmd = "cd " .. quote(d) .. " && timeout -k 10 " .. math.floor(limit) .. " sh -c "
    .. quote(step.cmd(d)) .. " >" .. quote(log) .. " 2>&1 </dev/null"
  local _, code = sh(cmd)
  local r = { code = code, total = 0, fails = {}, secs = now() - t0, log = log }
  local pending
  for line in io.lines(log) do
    local name = line:match("^not ok %d+ %- (.*)$")
    if name then
      pending = name
      r.total = r.total + 1
    else
      if line:find("^ok %d+") then r.total = r.total + 1 end
      local loc = pending and line:match("^# (%S+ @ %d+)$")
      if loc then
        local key = loc .. ": " .. pending
        r.fails[key] = true
        r.first = r.first or key
        pending = nil
      elseif pending and not line:find("^#") then
        r.fails[pending] = true -- no location line: key on the name
        r.first = r.first or pending
        pending = nil
      end
    end
  end
  if pending then r.fails[pending] = true r.first = r.first or pending end
  return r
end

-- Did the mutant's run r show anything the baseline b did not?  The reason, or nil.
local function verdict(step, b, r)
  if r.code == 124 or r.code == 137 then return "hung: stopped after the level's time limit" end
  if step.valgrind and r.code == 99 then return "valgrind found a leak or a memory error" end
  if r.first and not b.fails[r.first] then return r.first end
  for key in pairs(r.fails) do
    if not b.fails[key] then return key end
  end
  if r.total < b.total then return string.format("only %d of %d specs ran (a crash?)", r.total, b.total) end
  if r.code ~= 0 and b.code == 0 then return "exit status " .. tostring(r.code) end
end

------------------------------------------------------------------------------------------------
-- The scratch copy: base (the tree as it is, core built) copied afresh for every mutant

local scratch = os.getenv("MUTATE_DIR")
if scratch then
  assert(sh("rm -rf " .. quote(scratch) .. " && mkdir -p " .. quote(scratch)))
else
  scratch = capture("mktemp -d /tmp/idcloudhost-mutate.XXXXXX"):gsub("%s+$", "")
end
local base, work = scratch .. "/base", scratch .. "/work"

local function cleanup()
  if args.keep then print("mutate: scratch kept in " .. scratch)
  else sh("rm -rf " .. quote(scratch)) end
end

-- Tracked and new (not ignored) files, as they are in the working tree.
assert(sh("mkdir -p " .. quote(base)))
assert(sh("git ls-files -z --cached --others --exclude-standard | "
  .. "xargs -0 sh -c 'for f; do [ -f \"$f\" ] && printf \"%s\\0\" \"$f\"; done' _ | "
  .. "xargs -0 cp --parents -t " .. quote(base)), "mutate: cannot copy the tree")
if not sh("cd " .. quote(base) .. " && make -s core LUA=" .. LUA .. " >" .. quote(scratch .. "/build.log") .. " 2>&1") then
  io.stderr:write(read(scratch .. "/build.log"), "mutate: the unchanged tree does not build\n")
  cleanup()
  os.exit(2)
end

local function fresh()
  assert(sh("rm -rf " .. quote(work) .. " && cp -a " .. quote(base) .. " " .. quote(work)))
end

------------------------------------------------------------------------------------------------
-- Baselines of the levels in use

local t_all = now()
local baselines = {}
for _, m in ipairs(selected) do
  local lv = level_of(m)
  if not baselines[lv] then
    baselines[lv] = {}
    fresh()
    for i, step in ipairs(LEVELS[lv]) do
      local b = run_step(step, work, 1800)
      baselines[lv][i] = b
      local nf = 0
      for _ in pairs(b.fails) do nf = nf + 1 end
      print(string.format("baseline %-8s %d specs, %d failing, exit %s, %.0f s", step.name, b.total, nf,
        tostring(b.code), b.secs))
      for key in pairs(b.fails) do print("  failing before any mutant (kills nothing): " .. key) end
      if b.total == 0 or b.code == 124 or b.code == 137 or (step.valgrind and b.code == 99) then
        io.stderr:write(read(b.log), "\nmutate: the baseline of ", step.name, " did not run cleanly\n")
        cleanup()
        os.exit(2)
      end
    end
  end
end

------------------------------------------------------------------------------------------------
-- The mutants, one at a time

local killed, survived, stillborn = 0, 0, 0
local survivors, broken = {}, {}

-- Runs mutant m on a fresh copy: "killed" and why, "SURVIVED", or "STILLBORN" and why.
local function try(m, lv)
  fresh()
  local src = read(base .. "/" .. m.file)
  local a = src:find(m.find, 1, true)
  write(work .. "/" .. m.file, src:sub(1, a - 1) .. m.replace .. src:sub(a + #m.find))
  if m.file:find("^src/") and not sh("cd " .. quote(work) .. " && make -s core LUA=" .. LUA .. " >"
    .. quote(work .. ".log") .. " 2>&1") then
    return "STILLBORN", "does not compile"
  end
  for i, step in ipairs(LEVELS[lv]) do
    local b = baselines[lv][i]
    local why = verdict(step, b, run_step(step, work, math.max(60, 4 * b.secs)))
    if why then return "killed", step.name .. ": " .. why end
  end
  return "SURVIVED"
end

for _, m in ipairs(selected) do
  local lv = level_of(m)
  local t0 = now()
  local status, why = try(m, lv)
  if status == "killed" then killed = killed + 1
  elseif status == "SURVIVED" then
    survived = survived + 1
    survivors[#survivors + 1] = m
  else
    stillborn = stillborn + 1
    broken[#broken + 1] = m
  end
  print(string.format("%-24s %-9s %-7s %4.0fs  %s%s", m.id, status, lv, now() - t0, m.bug,
    why and ("  <- " .. why) or ""))
  io.stdout:flush()
end
cleanup()

local scored = killed + survived
local score = scored > 0 and 100 * killed / scored or 100
print(string.format("\nmutate: %d killed, %d survived, %d stillborn of %d; score %.1f%% (%.0f s)",
  killed, survived, stillborn, #selected, score, now() - t_all))
for _, m in ipairs(survivors) do print("  survived: " .. m.id .. " (" .. m.file .. "): " .. m.bug) end
for _, m in ipairs(broken) do print("  broken: " .. m.id .. " (" .. m.file .. "): fix its text in " .. MUTANTS) end
local min = tonumber(os.getenv("MUTATE_MIN") or "") or 90
os.exit((stillborn == 0 and score >= min) and 0 or 1)
