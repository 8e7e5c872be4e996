#!/bin/sh
# The ngx transport against its peer, inside one nginx (ngx_lua, make nginx's unpacked route):
# client.vms:get(uuid) against lua-resty-http's request_uri + cjson.decode of the same answer
# (bench/ngx_peer.lua), on keep-alive to BASE (bench/limit.sh's static nginx).  The variants
# alternate round by round; medians of the per-round CPU per call of nginx's worker.  Target:
# the SDK at most 1.1x the peer's CPU.  lua-resty-http is not packaged by Debian: an unchanged
# copy beside the repository (../shared/peers/lua-resty-http/lib) is loaded at bench time only.
#   usage: sh bench/ngx_peer.sh BASE ROUNDS [N]     (from make bench; needs make nginx-core)
set -e
base=$1; rounds=${2:-7}; n=${3:-2000}
repo=$PWD
peer=$repo/../shared/peers/lua-resty-http/lib
[ -f "$peer/resty/http.lua" ] || { echo "ngx peer bench: no lua-resty-http at $peer: skipped"; exit 0; }
peer=$(cd "$peer" && pwd)
root=$repo/build/nginx/root
[ -f "$root/usr/lib/nginx/modules/ngx_http_lua_module.so" ] || { echo "ngx peer bench: needs make nginx-core: skipped"; exit 0; }
dir=$repo/build/bench/ngx
rm -rf "$dir"
mkdir -p "$dir/logs" "$dir/tmp"
route=unpacked
[ -f /usr/lib/nginx/modules/ngx_http_lua_module.so ] && route=debian
QUIET=1 NGX_ROUTE=$route sh scripts/nginx.sh "$repo" "$root" "$dir" "$repo/build/nginx/idcloudhost"
lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
port=$((10000 + ($$ + 7) % (lo - 10100)))
while ss -tan 2>/dev/null | grep -q ":$port "; do port=$((port + 1)); done
user=
[ "$(id -u)" = 0 ] && user="user root;"
cat > "$dir/nginx.conf" <<CONF
$user
include $dir/idcloudhost-main.conf;
env BENCH_BASE;
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  lua_package_path "$repo/lua/?.lua;$repo/lua/?/init.lua;$peer/?.lua;;";
  lua_package_cpath "$repo/build/nginx/?.so;;";
  server { listen 127.0.0.1:$port; location = /bench { content_by_lua_file $repo/bench/ngx_peer.lua; } }
}
CONF
BENCH_BASE=$base "$dir/nginx" -p "$dir" -e stderr -c "$dir/nginx.conf" 2>"$dir/logs/stderr.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT INT TERM
i=0; until curl -s -o /dev/null "http://127.0.0.1:$port/bench?variant=sdk&n=1"; do
  i=$((i + 1)); [ $i -gt 50 ] && { cat "$dir/logs/stderr.log" "$dir/logs/error.log"; exit 1; }; sleep 0.1; done
out=
r=0
while [ $r -lt "$rounds" ]; do
  for v in $( [ $((r % 2)) = 0 ] && echo "sdk peer" || echo "peer sdk"); do
    line=$(curl -sf "http://127.0.0.1:$port/bench?variant=$v&n=$n") || { cat "$dir/logs/error.log"; exit 1; }
    out="$out$r $v $line
"
  done
  r=$((r + 1))
done
printf '%s' "$out" | awk -v n="$n" '
  { match($0, /"cpu":[0-9.]+/); cpu = substr($0, RSTART + 6, RLENGTH - 6) * 1e6 / n
    match($0, /"wall":[0-9.]+/); wall = substr($0, RSTART + 7, RLENGTH - 7) * 1e6 / n
    if ($2 == "sdk") { s[$1] = cpu; sw[$1] = wall } else { p[$1] = cpu; pw[$1] = wall } }
  function median(a, k,   i, j, t, m) { m = 0; for (i in a) b[++m] = a[i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
    return b[int((m + 1) / 2)] }
  END { for (r in s) ratio[r] = s[r] / p[r]
    ms = median(s); mp = median(p); mr = median(ratio); msw = median(sw); mpw = median(pw)
    printf "ngx transport vs lua-resty-http, in one nginx worker, vms:get (%d calls x %d rounds):\n", n, length(s)
    printf "  CPU per call: sdk %.1f us, lua-resty-http request_uri + cjson.decode %.1f us: %.2fx (target <= 1.10x)%s\n",
      ms, mp, mr, mr <= 1.1 ? "" : "  ABOVE TARGET"
    printf "  wall per call: sdk %.1f us, lua-resty-http %.1f us\n", msw, mpw }'
