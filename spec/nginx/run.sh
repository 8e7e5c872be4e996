#!/bin/sh
# The harness of `make test-nginx`: examples/openresty/nginx.conf in a real nginx (1 worker), a
# second nginx in front of the simulator (a connection-counting proxy and two HTTPS servers with
# certificates made here), then the specs of spec/nginx/ driving them over HTTP.
# usage (inside scripts/with-sim.sh, which sets IDCLOUDHOST_SIM_URL):
#   run.sh LUA NGX_ROOT [CORE_DIR]   CORE_DIR given: nginx finds the C core; else pure Lua
set -eu
lua=$1
root=$(realpath "$2")
core=${3:+$(realpath "$3")}
repo=$(pwd)
mode=pure
[ -n "$core" ] && mode=core
run=$repo/build/nginx/run-$mode
sim=${IDCLOUDHOST_SIM_URL:?run inside scripts/with-sim.sh}
sim_port=${sim##*:}

rm -rf "$run"
mkdir -p "$run/logs" "$run/tls" "$run/conf/conf.d" "$run/build/nginx" "$run/front"
ln -s "$repo/lua" "$run/lua"
ln -s "$repo/examples" "$run/examples"
ln -s "$repo/spec" "$run/spec"
ln -s "$repo/sim" "$run/sim"
[ -n "$core" ] && ln -s "$core" "$run/build/nginx/idcloudhost"

# Free ports: the first ones of a random stretch below the kernel's ephemeral range (a port there
# may be the local end of any client connection, which bind() refuses) that no socket uses.
lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
ports=$(ss -Htan | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u | awk -v base=$(( $(od -An -N2 -tu2 /dev/urandom) % (lo - 10100) + 10000 )) '
  { used[$1] = 1 } END { for (p = base; n < 6; p++) if (!(p in used)) { printf "%d ", p; n++ } }')
set -- $ports
app_port=$1 count_port=$2 tls_port=$3 wrong_port=$4 rate_port=$5 spare_port=$6

# A CA, a server certificate it signed for 127.0.0.1, and one for another name.  ngx_lua checks
# the name with X509_check_host, which matches an IP literal against DNS names only: hence
# DNS:127.0.0.1 beside the IP.
tls=$run/tls
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=idcloudhost test CA" -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
for name in server wrong; do
  if [ $name = server ]; then san="IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost"; else san="DNS:api.example.com"; fi
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
    -keyout "$tls/$name.key" -out "$tls/$name.csr" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$san" >"$tls/$name.ext"
  openssl x509 -req -in "$tls/$name.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
    -days 2 -extfile "$tls/$name.ext" -out "$tls/$name.pem" 2>/dev/null
done

user=
[ "$(id -u)" = 0 ] && user="user root;"   # workers read the checkout wherever it is

# The front: plain nginx (no Lua) proxying to the simulator; every access logged with the
# downstream connection's serial number and its request count on that connection.
cat >"$run/front/nginx.conf" <<CONF
$user
worker_processes 1;
daemon off;
pid $run/front/nginx.pid;
error_log $run/logs/front-error.log notice;
events { worker_connections 512; }
http {
  client_body_temp_path $run/front/body;
  proxy_temp_path $run/front/proxy;
  fastcgi_temp_path $run/front/fastcgi;
  uwsgi_temp_path $run/front/uwsgi;
  scgi_temp_path $run/front/scgi;
  log_format conn '\$connection \$connection_requests \$request_method \$uri "\$http_user_agent"';
  upstream sim { server 127.0.0.1:$sim_port; keepalive 8; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host \$http_host;
  server { listen 127.0.0.1:$count_port; access_log $run/logs/count.log conn; location / { proxy_pass http://sim; } }
  server {
    listen 127.0.0.1:$tls_port ssl;
    ssl_certificate $tls/server.pem; ssl_certificate_key $tls/server.key;
    access_log $run/logs/tls.log conn;
    location / { proxy_pass http://sim; }
  }
  server {
    listen 127.0.0.1:$wrong_port ssl;
    ssl_certificate $tls/wrong.pem; ssl_certificate_key $tls/wrong.key;
    location / { proxy_pass http://sim; }
  }
}
CONF

# The app: the example's nginx.conf on our port, with the modules of scripts/nginx.sh's route
# (what `make nginx` writes: the unpacked packages of scripts/deps.sh, or Debian's own when
# libnginx-mod-http-lua is installed) and its wrapper, plus the specs' locations.
route=unpacked
[ -f /usr/lib/nginx/modules/ngx_http_lua_module.so ] && route=debian
QUIET=1 NGX_ROUTE=$route sh scripts/nginx.sh "$repo" "$root" "$run" $core
sed -e "s|listen 127.0.0.1:8080;|listen 127.0.0.1:$app_port;|" \
    -e "s|include ../../build/nginx/idcloudhost-main.conf;|include $run/idcloudhost-main.conf;|" \
    examples/openresty/nginx.conf >"$run/conf/nginx.conf"
grep -q "listen 127.0.0.1:$app_port;" "$run/conf/nginx.conf"
grep -q "include $run/idcloudhost-main.conf;" "$run/conf/nginx.conf"
sed -e "s|@RUN@|$run|g" -e "s|@COUNT@|$count_port|g" -e "s|@TLS@|$tls_port|g" -e "s|@WRONG@|$wrong_port|g" \
  spec/nginx/locations.conf >"$run/conf/conf.d/spec.conf"

# A second app with 2 workers sharing a rate limit (spec/nginx/rate.conf), in one of the runs.
rate_pid=
if [ $mode = pure ]; then
  mkdir -p "$run/rate"
  sed -e "s|@RUN@|$run|g" -e "s|@REPO@|$repo|g" -e "s|@PORT@|$rate_port|g" -e "s|@USER@|$user|g" \
    spec/nginx/rate.conf >"$run/rate/nginx.conf"
fi

front_pid= app_pid=
stop() {
  for p in $app_pid $front_pid $rate_pid; do kill "$p" 2>/dev/null || true; done
  for p in $app_pid $front_pid $rate_pid; do wait "$p" 2>/dev/null || true; done
}
trap stop EXIT INT TERM

nginx -p "$run/front" -e stderr -c "$run/front/nginx.conf" 2>"$run/logs/front-stderr.log" &
front_pid=$!
# Through make nginx's wrapper: nginx's LuaJIT is libluajit2 (LD_LIBRARY_PATH), resty.core
# comes from LUA_PATH's default, and the Makefile's LUA_CPATH (a core.so for another Lua) must
# not reach it.
IDCLOUDHOST_BASE_URL="$sim" IDCLOUDHOST_API_KEY=demo-key \
  "$run/nginx" -p "$run" -e stderr ${user:+-g "$user"} -c "$run/conf/nginx.conf" 2>"$run/logs/app.log" &
app_pid=$!
if [ $mode = pure ]; then
  IDCLOUDHOST_BASE_URL="$sim" IDCLOUDHOST_API_KEY=demo-key \
    "$run/nginx" -p "$run/rate" -e stderr -c "$run/rate/nginx.conf" 2>"$run/logs/rate-stderr.log" &
  rate_pid=$!
fi

i=0
until curl -s -o /dev/null "http://127.0.0.1:$app_port/status" && curl -s -o /dev/null "http://127.0.0.1:$count_port/" \
  && { [ -z "$rate_pid" ] || curl -s -o /dev/null "http://127.0.0.1:$rate_port/ping"; }; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 $app_pid 2>/dev/null || ! kill -0 $front_pid 2>/dev/null \
    || { [ -n "$rate_pid" ] && ! kill -0 $rate_pid 2>/dev/null; }; then
    cat "$run/logs/app.log" "$run/logs/front-stderr.log" "$run/logs/front-error.log" "$run/logs/rate-stderr.log" 2>/dev/null
    echo "nginx did not start"
    exit 1
  fi
  sleep 0.1
done

echo "== nginx ($mode: the C core $( [ $mode = core ] && echo 'on the cpath' || echo 'absent')), 1 worker, port $app_port"
status=0
LUA_PATH="$repo/lua/?.lua;$repo/lua/?/init.lua;$repo/?.lua;;" \
NGX_URL="http://127.0.0.1:$app_port" NGX_MODE=$mode NGX_RATE_URL=${rate_pid:+http://127.0.0.1:$rate_port} \
NGX_ROOT=$root NGX_APP_LOG="$run/logs/app.log" NGX_SPARE_PORT=$spare_port NGX_USER="$user" NGX_REPO="$repo" \
NGX_RUN=$run NGX_COUNT_LOG="$run/logs/count.log" \
  $lua /usr/bin/busted ${NGX_BUSTED_ARGS:-} --pattern=_ngx spec/nginx || status=$?
if [ $status != 0 ]; then
  echo "-- app error log (tail):"
  tail -n 40 "$run/logs/app.log"
  [ -n "$rate_pid" ] && { echo "-- rate app error log (tail):"; tail -n 20 "$run/logs/rate-error.log"; }
fi
exit $status
