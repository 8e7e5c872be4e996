#!/bin/sh
# The SDK's calls against their limit, on a local nginx that serves static JSON over keep-alive
# (so the server is not what is measured): the docs' VM for GET /v1/user-resource/vm and lists of
# 100, 2,500 and 10,000 VMs for GET /v1/l<N>/user-resource/vm/list (bench/fixtures.lua).  Runs
# bench/core_bench.c (what a transfer costs in C: a reused easy handle against the core's
# duplicates), then bench/call.lua (vms:get and vms:list against a reused easy handle +
# cjson.decode, and a process's start-up against loading libcurl alone).  Figures only.
#   usage: sh bench/limit.sh [LUA [ROUNDS]]       (make bench; needs nginx-light, lua-cjson)
set -e
lua=${1:-lua5.4}; rounds=${2:-7}
command -v nginx >/dev/null 2>&1 || { echo "bench/limit.sh: needs nginx (apt-get install nginx-light)"; exit 1; }
dir=$PWD/build/bench/nginx
rm -rf "$dir"
mkdir -p "$dir/www" "$dir/tmp"
trap 'kill $(cat "$dir/nginx.pid" 2>/dev/null) 2>/dev/null || true' EXIT INT TERM
"$lua" bench/fixtures.lua "$dir/www" 100 2500 10000
"$lua" -e 'local t = {} for i = 1, 15 do t[#t + 1] = ("{\"id\":%d,\"name\":\"vm-%04d\",\"status\":\"running\"}"):format(i, i) end
  local s = "[" .. table.concat(t, ",") .. "]" io.write(s .. (" "):rep(1024 - #s))' > "$dir/www/vms.json"
# (below the kernel's ephemeral range: a port there may be a client connection's, which bind refuses)
lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
port=$((10000 + $$ % (lo - 10100)))
while ss -tan 2>/dev/null | grep -q ":$port "; do port=$((port + 1)); done
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
    add_header X-Warren-Correlation-Id 8a7c3b2e-bench;
    location = /v1/user-resource/vm { try_files /vm.json =404; }
    location ~ ^/v1/(l[0-9]+)/user-resource/vm/list\$ { try_files /list-\$1.json =404; }
    location = /v1/vms.json { try_files /vms.json =404; }
  }
}
CONF
nginx -c "$dir/nginx.conf" -p "$dir" -g 'user root;' 2>/dev/null || nginx -c "$dir/nginx.conf" -p "$dir"
base="http://127.0.0.1:$port"
i=0; until curl -sf -o /dev/null "$base/v1/vms.json"; do
  i=$((i + 1)); [ $i -gt 50 ] && { cat "$dir/error.log"; exit 1; }; sleep 0.1; done

cflags=$(pkg-config --cflags --libs libcurl)
cc -O2 -o "$dir/core_bench" bench/core_bench.c $cflags
echo "core_bench: GET $base/v1/vms.json (1024 bytes), $rounds rounds of 10000 requests"
"$dir/core_bench" "$base/v1/vms.json" 10000 "$rounds"

make -s core LUA="$lua" >/dev/null
mod=$PWD/build/$lua/bench_limit.so
cc -O2 -Wall -Wextra -fPIC -shared $(pkg-config --cflags "$lua") -o "$mod" bench/limit.c $cflags
export LUA_PATH="$PWD/lua/?.lua;$PWD/lua/?/init.lua;;" LUA_CPATH="$PWD/build/$lua/?.so;;"
"$lua" bench/call.lua "$base" "$rounds"

# Inside nginx: the ngx transport against lua-resty-http, on the same static server.
sh bench/ngx_peer.sh "$base" "$rounds"

# BENCH_INSTR=1: the same calls counted by callgrind (instructions, steady on a busy machine):
# each variant run n and 3n times, the difference over 2n.
[ -n "$BENCH_INSTR" ] || exit 0
command -v valgrind >/dev/null 2>&1 || { echo "BENCH_INSTR: needs valgrind"; exit 1; }
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$lua" bench/instr.lua "$base" "$@" 2>&1 |
    sed -n 's/.*Collected : *//p'
}
for case in "vms:get 500" "vms:list-2500 4"; do
  set -- $case
  size=${1#vms:list-}; [ "$size" = "$1" ] && size=
  out=
  for v in limit core sdk; do
    a=$(count $v "$2" $size); b=$(count $v $(($2 * 3)) $size)
    out="$out $(( (b - a) / ($2 * 2) ))"
  done
  echo $1 $out | awk '{ printf "  instructions per call, %s: limit %d, core %d (%.2fx), sdk %d (%.2fx)\n",
    $1, $2, $3, $3 / $2, $4, $4 / $2 }'
done
