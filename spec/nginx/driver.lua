-- The specs' side of spec/nginx/run.sh: HTTP to the nginx under test and to the simulator
-- through the curl command (so the specs need neither the C core nor a socket library), wall
-- times from date(1), JSON through idcloudhost.json.
local json = require "idcloudhost.json"

local D = {}

D.URL = assert(os.getenv("NGX_URL"), "run through `make test-nginx`")
D.SIM = assert(os.getenv("IDCLOUDHOST_SIM_URL"))
D.MODE = os.getenv("NGX_MODE")          -- "core": the C core is on nginx's cpath; "pure": it is not
D.COUNT_LOG = os.getenv("NGX_COUNT_LOG")

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function curl_args(method, url, body)
  local a = "curl -s -S -m 60 -X " .. method .. " "
  if body then a = a .. "-H 'Content-Type: application/json' --data-binary " .. q(json.encode(body)) .. " " end
  return a .. q(url)
end

-- Output of the command: "<start>\n<curl output>\n<end>" with wall clock times around it.
local TIMED = "sh -c 'date +%%s.%%N; %s; echo; date +%%s.%%N'"

local function parse(out)
  local t0, rest = out:match("^(%S+)\n(.*)$")
  local body, code, took, t1 = rest:match("^(.*)\n(%d+) ([%d.]+)\n\n?(%S+)%s*$")
  assert(code, "unexpected curl output: " .. out)
  local value = json.decode(body)
  return { status = tonumber(code), body = body, json = value, time = tonumber(took),
    started = tonumber(t0), finished = tonumber(t1), wall = tonumber(t1) - tonumber(t0) }
end

--- Starts a request; returns a function that waits for it and gives
-- {status, body, json, time (curl's total), started, finished, wall}.
function D.start(method, url, body)
  local cmd = string.format(TIMED, (curl_args(method, url, body) .. " -w '\\n%{http_code} %{time_total}'"):gsub("'", "'\\''"))
  local p = assert(io.popen(cmd))
  return function()
    local out = p:read("*a")
    p:close()
    return parse(out)
  end
end

--- A request to the nginx under test (path) or anywhere (url), waited for.
function D.get(path) return D.start("GET", D.URL .. path)() end
function D.post(path) return D.start("POST", D.URL .. path)() end

--- The simulator's control API.
function D.sim(method, path, body)
  local r = D.start(method, D.SIM .. "/__sim/" .. path, body)()
  assert(r.status < 300, "simulator " .. method .. " " .. path .. ": " .. r.status .. " " .. r.body)
  return r.json
end

--- n requests at once (curl --parallel); {wall, results = {{status, time}...}, bodies}.
function D.parallel(method, paths)
  local args = { "curl -s -S --no-progress-meter -m 60 -Z --parallel-immediate --parallel-max 50 -X " .. method,
    "-w '%{http_code} %{time_total} %{filename_effective}\\n'" }
  for i, p in ipairs(paths) do
    args[#args + 1] = "-o " .. q(os.tmpname() .. "-" .. i)
    args[#args + 1] = q(D.URL .. p)
  end
  local cmd = string.format(TIMED, table.concat(args, " "):gsub("'", "'\\''"))
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  local t0, t1 = out:match("^(%S+)\n"), out:match("(%S+)%s*$")
  local results = {}
  for code, took, file in out:gmatch("(%d%d%d) ([%d.]+) (%S+)\n") do
    local f = io.open(file, "rb")
    local body = f and f:read("*a") or ""
    if f then f:close() end
    os.remove(file)
    os.remove((file:gsub("%-%d+$", "")))
    results[#results + 1] = { status = tonumber(code), time = tonumber(took), json = json.decode(body), body = body }
  end
  return { wall = tonumber(t1) - tonumber(t0), results = results }
end

function D.sleep(s) os.execute("sleep " .. s) end

--- Lines of the counting proxy's log tagged with the user agent ua: {connection, requests, method, uri}.
function D.count_lines(ua)
  local out = {}
  local f = assert(io.open(D.COUNT_LOG))
  for line in f:lines() do
    local conn, n, method, uri, agent = line:match('^(%d+) (%d+) (%S+) (%S+) "(.*)"$')
    if agent == ua then
      out[#out + 1] = { connection = tonumber(conn), requests = tonumber(n), method = method, uri = uri }
    end
  end
  f:close()
  return out
end

--- Figures for the report, on stderr (busted keeps stdout for its own output).
function D.figure(fmt, ...)
  io.stderr:write(string.format("   [%s] " .. fmt .. "\n", D.MODE, ...))
end

return D
