-- The unpacked route of docs/openresty.md from a fresh clone of the repository: `make nginx`,
-- then examples/openresty/ through the wrapper it writes, as the docs say (only the port differs),
-- `nginx -s reload` through it too.  In the "core" run only (the clone builds its own core).
-- The clone's build/nginx/root links to this checkout's unpacked packages: apt-get download once.
local D = require "spec.nginx.driver"

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("*a")
  p:close()
  local code = tonumber(out:match("exit=(%d+)%s*$"))
  return code == 0, out
end

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local maybe = (D.MODE == "core" and os.getenv("NGX_REPO")) and describe or pending

maybe("the unpacked route from a fresh clone", function()
  local dir, clone, port, url, master

  setup(function()
    D.sim("POST", "reset")
    local ok, out = sh("mktemp -d /tmp/idcloudhost-clone.XXXXXX")
    assert(ok, out)
    dir = out:match("^(%S+)")
    clone = dir .. "/idcloudhost"
    port = assert(os.getenv("NGX_SPARE_PORT"))
    url = "http://127.0.0.1:" .. port
  end)

  teardown(function()
    if master then os.execute("kill " .. master .. " 2>/dev/null") end
    if dir then
      D.sleep(0.3)
      os.execute("rm -rf " .. q(dir))
    end
  end)

  it("make nginx writes the snippets and the wrapper; the example runs through it and reloads", function()
    local ok, out = sh("chmod 755 " .. q(dir) .. " && git clone -q " .. q(os.getenv("NGX_REPO")) .. " " .. q(clone)
      .. " && mkdir -p " .. q(clone .. "/build/nginx") .. " && ln -s " .. q(os.getenv("NGX_ROOT")) .. " "
      .. q(clone .. "/build/nginx/root") .. " && make -s -C " .. q(clone) .. " nginx")
    assert(ok, out)
    assert.matches("== unpacked route", out, 1, true)
    assert.matches("load_module " .. clone .. "/build/nginx/root/usr/lib/nginx/modules/ngx_http_lua_module.so;", out, 1, true)
    assert.matches('lua_package_path "' .. clone .. '/lua/?.lua;', out, 1, true)
    assert.matches('lua_package_cpath "' .. clone .. '/build/nginx/?.so;;";', out, 1, true)
    assert.matches("env IDCLOUDHOST_API_KEY;", out, 1, true)
    -- the documented command, from the clone's root (the port is ours)
    assert(sh("sed -i 's/listen 127.0.0.1:8080;/listen 127.0.0.1:" .. port .. ";/' " .. q(clone .. "/examples/openresty/nginx.conf")))
    local user = os.getenv("NGX_USER") or ""
    local start = "cd " .. q(clone) .. " && IDCLOUDHOST_API_KEY=demo-key IDCLOUDHOST_BASE_URL=" .. q(D.SIM)
      .. " build/nginx/nginx -p \"$PWD\" -e stderr" .. (user ~= "" and (" -g " .. q(user)) or "")
      .. " -c examples/openresty/nginx.conf >" .. q(dir .. "/nginx.log") .. " 2>&1 & echo $!"
    ok, out = sh(start)
    assert(ok, out)
    master = out:match("^(%d+)")
    local s
    for _ = 1, 100 do
      local r = D.start("GET", url .. "/status")()
      if r.status == 200 then s = r.json break end
      D.sleep(0.1)
    end
    local f = io.open(dir .. "/nginx.log")
    local log = f and f:read("*a") or ""
    if f then f:close() end
    assert.is_table(s, "the example did not start: " .. log)
    assert.is_true(s.startup.ok, s.startup.error)      -- the C core the clone built, in init_by_lua
    local vms = D.start("GET", url .. "/vms")()
    assert.equal(200, vms.status, vms.body)
    assert.same({}, vms.json)
    -- nginx -s reload through the wrapper: new workers answer
    local pid = s.pid
    ok, out = sh("cd " .. q(clone) .. " && build/nginx/nginx -p \"$PWD\"" .. (user ~= "" and (" -g " .. q(user)) or "")
      .. " -c examples/openresty/nginx.conf -s reload")
    assert(ok, out)
    local after
    for _ = 1, 50 do
      D.sleep(0.1)
      local r = D.start("GET", url .. "/status")()
      if r.status == 200 and r.json.pid ~= pid then after = r.json.pid break end
    end
    assert.is_number(after, "no new worker after nginx -s reload")
    D.figure("fresh clone: make nginx, the example served through build/nginx/nginx, reloaded (worker %d -> %d)", pid, after)
  end)
end)
