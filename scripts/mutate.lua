-- make mutate: mutation testing of the project's own.  Each mutant of mutate/mutants.lua changes
-- one exact piece of text in one file (a small change that looks like a real bug); it is applied
-- to a scratch copy of the tree and the specs that should notice are run there.  A mutant the
-- specs notice is "killed"; one they do not notice "survived": a behaviour no spec guards.
--
--   lua5.4 scripts/mutate.lua [--subset] [--only ID,...] [--keep]
--
-- Mutants run one at a time: timed specs give false kills when run side by side.
local MUTANTS = "mutate/mutants.lua"

local args = { subset = false, only = nil, keep = false }
for i = 1, #arg do
  local a = arg[i]
  if a == "--subset" then args.subset = true
  elseif a == "--keep" then args.keep = true
  elseif a == "--only" then args.only = {}
    for id in (arg[i + 1] or ""):gmatch("[^,]+") do args.only[id] = true end
  end
end

local function sh(cmd)
  local ok, how, code = os.execute(cmd)
  if type(ok) == "number" then return ok == 0, ok end -- Lua 5.1
  return ok == true, code, how
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

-- What each level runs in the scratch copy (the core is built there for C mutants).
local COMMANDS = {
  unit = "make -s unit LUA=lua5.4",
  test = "make -s test LUA=lua5.4",
  c = "make -s unit LUA=lua5.4 && make -s valgrind-unit LUA=lua5.4",
}

local list = dofile(MUTANTS)
local scratch = os.getenv("MUTATE_DIR") or "/tmp/idcloudhost-mutate"
local log = scratch .. ".log"
local killed, survived, stale, ran = 0, 0, 0, 0
local t_all = os.time()

-- A clean copy of the tracked tree (plus the built core, so Lua mutants need no build).
local function fresh_copy()
  assert(sh("rm -rf " .. scratch .. " && mkdir -p " .. scratch))
  assert(sh("git ls-files -z | xargs -0 cp --parents -t " .. scratch .. " 2>/dev/null"))
  sh("[ -d build ] && cp -r build " .. scratch .. "/")
end

for _, m in ipairs(list) do
  if (not args.subset or m.subset) and (not args.only or args.only[m.id]) then
    ran = ran + 1
    local src = read(m.file)
    local n = count(src, m.find)
    local status
    if n ~= 1 then
      status = "STALE (text found " .. n .. " times)"
      stale = stale + 1
    else
      fresh_copy()
      local a = src:find(m.find, 1, true)
      write(scratch .. "/" .. m.file, src:sub(1, a - 1) .. m.replace .. src:sub(a + #m.find))
      local level = m.level or (m.file:find("^src/") and "c" or "unit")
      local t0 = os.time()
      local ok = sh("cd " .. scratch .. " && " .. COMMANDS[level] .. " >" .. log .. " 2>&1")
      status = (ok and "SURVIVED" or "killed") .. string.format(" (%s, %ds)", level, os.time() - t0)
      if ok then survived = survived + 1 else killed = killed + 1 end
    end
    print(string.format("%-8s %-34s %s  -- %s", m.id, m.file .. "", status, m.bug))
    io.stdout:flush()
  end
end
if not args.keep then sh("rm -rf " .. scratch .. " " .. log) end
local scored = killed + survived
print(string.format("mutate: %d killed, %d survived, %d stale of %d; score %.0f%% (%d s)", killed, survived,
  stale, ran, scored > 0 and 100 * killed / scored or 0, os.time() - t_all))
-- Stale mutants fail the run: the list must follow the code.  The score must reach MUTATE_MIN.
local min = tonumber(os.getenv("MUTATE_MIN") or "") or 90
os.exit((stale == 0 and (scored == 0 or 100 * killed / scored >= min)) and 0 or 1)
