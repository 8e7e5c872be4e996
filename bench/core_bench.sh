#!/bin/sh
# What a GET costs through the C core, against what it costs on one reused
# libcurl easy handle: a local nginx serves a 1 KB JSON file over keep-alive.
# usage: sh bench/core_bench.sh [LUA [N [ROUNDS]]]      (needs nginx: apt-get install nginx-light)
# Figures only: nothing here asserts a time.
set -e
lua=${1:-lua5.4}; n=${2:-10000}; rounds=${3:-7}
command -v nginx >/dev/null 2>&1 || { echo "core_bench: needs nginx (nginx-light)"; exit 1; }
dir=$(mktemp -d)
trap 'kill $(cat "$dir/nginx.pid" 2>/dev/null) 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
mkdir -p "$dir/www/v1" "$dir/tmp"
"$lua" -e 'local t = {} for i = 1, 15 do t[#t + 1] = ("{\"id\":%d,\"name\":\"vm-%04d\",\"status\":\"running\"}"):format(i, i) end
  local s = "[" .. table.concat(t, ",") .. "]" io.write(s .. (" "):rep(1024 - #s))' > "$dir/www/v1/vms.json"
port=$((20000 + $$ % 30000))
cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  server {
    listen 127.0.0.1:$port;
    root $dir/www;
    default_type application/json;
  }
}
CONF
nginx -c "$dir/nginx.conf" -p "$dir" -g 'user root;' 2>/dev/null || nginx -c "$dir/nginx.conf" -p "$dir"
url="http://127.0.0.1:$port/v1/vms.json"
i=0; until curl -sf -o /dev/null "$url"; do i=$((i + 1)); [ $i -gt 50 ] && { cat "$dir/error.log"; exit 1; }; sleep 0.1; done
echo "GET $url (1024 bytes), $rounds rounds of $n requests"
cc -O2 -o "$dir/core_bench" bench/core_bench.c $(pkg-config --cflags --libs libcurl)
"$dir/core_bench" "$url" "$n" "$rounds"
make -s core LUA="$lua" >/dev/null
LUA_CPATH="$PWD/build/$lua/?.so;;" "$lua" - "$url" "$n" "$rounds" <<'LUA'
local core = require "idcloudhost.core"
local url, n = arg[1], tonumber(arg[2])
local s = core.session{connect_timeout = 10, max_body = 64 * 2^20}
local req = {method = "GET", url = url, timeout = 10, headers = {
  apikey = "0123456789abcdef0123456789abcdef", Accept = "application/json",
  ["User-Agent"] = "idcloudhost-lua/bench"}}
local function sync()
  for _ = 1, n do assert(s:request(req).status == 200) end
end
local function queued()
  for _ = 1, n do
    local id = s:send(req)
    repeat local ids = s:perform(1) until ids[1] == id
    assert(s:result(id).status == 200)
  end
end
local rounds = tonumber(arg[3])
local function median(f)
  local w, c = {}, {}
  for r = 1, rounds do
    local t0, c0 = core.now(), os.clock()
    f()
    w[r], c[r] = (core.now() - t0) / n, (os.clock() - c0) / n
  end
  table.sort(w)
  table.sort(c)
  local m = math.floor((rounds + 1) / 2)
  return w[m] * 1e6, c[m] * 1e6
end
assert(s:request(req).status == 200)
local lua = rawget(_G, "jit") and jit.version or _VERSION
print(("%s core s:request:          %7.2f us/request wall, %6.2f us CPU"):format(lua, median(sync)))
print(("%s core send/perform/result:%7.2f us/request wall, %6.2f us CPU"):format(lua, median(queued)))
s:close()
LUA
