-- scripts/nginx.sh (make nginx) for each install route of docs/openresty.md: what it writes.
-- The unpacked route runs for real in `make test-nginx` (spec/nginx/install_ngx.lua); here the
-- routes this machine cannot have without removing Debian's luajit (Debian's module installed,
-- OpenResty) are written with NGX_ROUTE and a stand-in `openresty` command, and the wrappers run.
local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("*a")
  p:close()
  return tonumber(out:match("exit=(%d+)%s*$")) == 0, out
end

local function read(path)
  local f = assert(io.open(path))
  local s = f:read("*a")
  f:close()
  return s
end

describe("make nginx's routes", function()
  local dir
  before_each(function()
    local ok, out = sh("mktemp -d /tmp/idcloudhost-routes.XXXXXX")
    assert(ok, out)
    dir = out:match("^(%S+)")
  end)
  after_each(function() os.execute("rm -rf '" .. dir .. "'") end)

  it("debian: load_module from /usr/lib/nginx/modules, the env lines, a wrapper without a library path", function()
    local ok, out = sh("QUIET=1 NGX_ROUTE=debian sh scripts/nginx.sh . build/nginx/root " .. dir .. "/out")
    assert(ok, out)
    local main, http, wrapper = read(dir .. "/out/idcloudhost-main.conf"), read(dir .. "/out/idcloudhost-http.conf"),
      read(dir .. "/out/nginx")
    assert.matches("load_module /usr/lib/nginx/modules/ndk_http_module.so;", main, 1, true)
    assert.matches("load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;", main, 1, true)
    assert.matches("env IDCLOUDHOST_API_KEY;", main, 1, true)
    assert.matches('lua_package_path "[^"]*/lua/%?%.lua;[^"]*/lua/%?/init%.lua;;";', http)
    assert.not_matches("LD_LIBRARY_PATH", wrapper, 1, true)
  end)

  it("openresty: nothing to load; the wrapper runs openresty, with the arguments given", function()
    assert(sh("mkdir -p " .. dir .. "/bin && printf '#!/bin/sh\\necho openresty \"$@\"\\n' > " .. dir
      .. "/bin/openresty && chmod +x " .. dir .. "/bin/openresty"))
    local ok, out = sh("PATH=" .. dir .. "/bin:$PATH QUIET=1 sh scripts/nginx.sh . build/nginx/root " .. dir .. "/out")
    assert(ok, out)
    assert.not_matches("load_module", read(dir .. "/out/idcloudhost-main.conf"), 1, true)
    ok, out = sh(dir .. "/out/nginx -p /x -s reload")
    assert(ok, out)
    assert.equal("openresty -p /x -s reload", (out:gsub("\nexit=%d+%s*$", "")))
  end)

  it("unpacked: the wrapper sets the library path and resty.core's directory for every nginx command", function()
    local root = dir .. "/root"
    assert(sh("mkdir -p " .. root .. "/usr/lib/nginx/modules " .. dir .. "/bin && touch " .. root
      .. "/usr/lib/nginx/modules/ngx_http_lua_module.so && printf '#!/bin/sh\\necho \"$LD_LIBRARY_PATH|$LUA_PATH|$LUA_CPATH|$*\"\\n' > "
      .. dir .. "/bin/nginx && chmod +x " .. dir .. "/bin/nginx"))
    local ok, out = sh("PATH=" .. dir .. "/bin:$PATH NGX_ROUTE=unpacked QUIET=1 sh scripts/nginx.sh . " .. root .. " " .. dir .. "/out")
    assert(ok, out)
    assert.matches("load_module " .. root .. "/usr/lib/nginx/modules/ngx_http_lua_module.so;",
      read(dir .. "/out/idcloudhost-main.conf"), 1, true)
    assert.matches(root .. "/usr/share/lua/5.1/?.lua;;", read(dir .. "/out/idcloudhost-http.conf"), 1, true)
    ok, out = sh("env -u LD_LIBRARY_PATH LUA_CPATH=/elsewhere/?.so " .. dir .. "/out/nginx -s reload")
    assert(ok, out)
    assert.equal(root .. "/usr/lib/x86_64-linux-gnu|" .. root .. "/usr/share/lua/5.1/?.lua;;||-s reload",
      (out:gsub("\nexit=%d+%s*$", "")))
  end)
end)
