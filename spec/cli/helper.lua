-- Running bin/idcloudhost as a process against the simulator ($IDCLOUDHOST_SIM_URL), with a
-- clean environment: no profile, no location, a config file of the spec's own.
local helper = require "spec.helper"
local assert = require "luassert"

local cli = {}

-- The interpreter running the specs runs the command too.
cli.LUA = rawget(_G, "jit") and "luajit" or ("lua" .. _VERSION:match("%d+%.%d+"))

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
cli.quote = quote

local function read(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("*a")
  f:close()
  return s
end
cli.read = read

local tmp = os.tmpname()
os.remove(tmp)
cli.TMP = tmp
cli.CONFIG = tmp .. "/config.lua" -- absent unless a spec writes it

--- A spec file's scratch directory: made in its setup, removed in its teardown.
function cli.setup() os.execute("mkdir -p " .. quote(tmp)) end
function cli.cleanup() os.execute("rm -rf " .. quote(tmp)) end

--- The environment assignments of a run: the simulator and its key unless env says otherwise
-- (a value false leaves the variable out).
function cli.env(env)
  local e = { IDCLOUDHOST_BASE_URL = helper.URL, IDCLOUDHOST_API_KEY = helper.KEY, IDCLOUDHOST_CONFIG = cli.CONFIG,
    HOME = tmp }
  for k, v in pairs(env or {}) do e[k] = v end
  local parts = { "env -u IDCLOUDHOST_PROFILE -u IDCLOUDHOST_LOCATION -u IDCLOUDHOST_DEBUG -u IDCLOUDHOST_PROVIDER" }
  for k, v in pairs(e) do
    if v then parts[#parts + 1] = k .. "=" .. quote(v) else parts[1] = parts[1] .. " -u " .. k end
  end
  return table.concat(parts, " ")
end

--- The shell command that runs `idcloudhost ARGS` (args: a string, already shell words).
function cli.command(args, env)
  return cli.env(env) .. " " .. cli.LUA .. " bin/idcloudhost " .. args
end

--- Runs `idcloudhost ARGS`: stdout, stderr, exit status.  opts.stdin: text on its stdin;
-- opts.pipe: a shell command its stdout goes through (jq); opts.env: variables.
function cli.run(args, opts)
  opts = opts or {}
  local errf = tmp .. "/stderr"
  local cmd = cli.command(args, opts.env) .. " 2>" .. errf
  if opts.stdin then cmd = "printf '%s' " .. quote(opts.stdin) .. " | " .. cmd
  else cmd = cmd .. " </dev/null" end
  local status = tmp .. "/status"
  cmd = "{ " .. cmd .. "; echo $? >" .. status .. "; }"
  if opts.pipe then cmd = cmd .. " | " .. opts.pipe end
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out, read(errf), tonumber(read(status))
end

--- Runs and asserts the exit status; returns stdout, stderr.
function cli.ok(args, opts, code)
  local out, err, rc = cli.run(args, opts)
  assert.equal(code or 0, rc, "idcloudhost " .. args .. "\nstdout: " .. out .. "\nstderr: " .. err)
  return out, err
end

--- stdout of `idcloudhost ARGS -o json | jq FILTER`, trimmed.
function cli.jq(args, filter, opts)
  opts = opts or {}
  opts.pipe = "jq -r " .. quote(filter)
  local out = cli.ok(args .. " -o json", opts)
  return (out:gsub("%s+$", ""))
end

function cli.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

return cli
