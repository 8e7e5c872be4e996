#!/bin/sh
# make nginx: the SDK in an nginx of your own, whichever way ngx_lua got onto the machine
# (docs/openresty.md, "Installing").  Writes into OUT (build/nginx):
#   idcloudhost-main.conf  for nginx.conf's main context: the load_module lines and the env lines
#   idcloudhost-http.conf  for its http block: lua_package_path and lua_package_cpath
#   nginx                  a wrapper: `OUT/nginx -p ... -c ...`, `OUT/nginx -s reload` run the right
#                          nginx with the library path its ngx_lua needs (the unpacked route)
# and prints the snippets.  The route, the first that is there:
#   openresty      OpenResty's own packages (the `openresty` command): ngx_lua is built in
#   debian         Debian's libnginx-mod-http-lua, installed (/usr/lib/nginx/modules)
#   unpacked       Debian's packages unpacked under NGX_ROOT, never installed (make nginx-deps):
#                  nothing on the machine changes, Debian's luajit stays
# NGX_ROUTE=openresty|debian|unpacked picks one.
# usage: nginx.sh REPO NGX_ROOT OUT [CORE_DIR]
set -eu
repo=$(cd "$1" && pwd)
root=$2
out=$3
core=${4:-}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -d "$root" ] && root=$(cd "$root" && pwd)

route=${NGX_ROUTE:-}
if [ -z "$route" ]; then
  if command -v openresty >/dev/null 2>&1; then route=openresty
  elif [ -f /usr/lib/nginx/modules/ngx_http_lua_module.so ]; then route=debian
  else route=unpacked
  fi
fi

modules= libs= lua_dir= bin=nginx
case $route in
  openresty) bin=$(command -v openresty) ;;
  debian)    modules=/usr/lib/nginx/modules ;;
  unpacked)
    modules=$root/usr/lib/nginx/modules
    libs=$root/usr/lib/x86_64-linux-gnu
    lua_dir=$root/usr/share/lua/5.1
    [ -f "$modules/ngx_http_lua_module.so" ] || { echo "no ngx_lua under $root: run make nginx-deps"; exit 1; }
    ;;
  *) echo "NGX_ROUTE must be openresty, debian or unpacked"; exit 1 ;;
esac
[ "$bin" = nginx ] && bin=$(command -v nginx || echo /usr/sbin/nginx)

{
  echo "# The idcloudhost SDK, nginx.conf's main context (written by make nginx: $route route)."
  if [ -n "$modules" ]; then
    echo "load_module $modules/ndk_http_module.so;"
    echo "load_module $modules/ngx_http_lua_module.so;"
  fi
  echo "# nginx empties the workers' environment but for what is listed here."
  echo "env IDCLOUDHOST_API_KEY;"
  echo "env IDCLOUDHOST_BASE_URL;"
  echo "env IDCLOUDHOST_LOCATION;"
} >"$out/idcloudhost-main.conf"

path="$repo/lua/?.lua;$repo/lua/?/init.lua;"
[ -n "$lua_dir" ] && path="$path$lua_dir/?.lua;"
cpath=
[ -n "$core" ] && cpath="$(cd "$core/.." && pwd)/?.so;"
{
  echo "# The idcloudhost SDK, nginx.conf's http block (written by make nginx: $route route)."
  echo "# Add your own modules' directories in front; \";;\" keeps the default paths (cjson)."
  echo "lua_package_path \"$path;\";"
  echo "lua_package_cpath \"$cpath;\";"
} >"$out/idcloudhost-http.conf"

# The wrapper.  LUA_PATH: the default that ";;" stands for, so that a configuration of its own
# (examples/openresty/nginx.conf) finds resty.core too.
{
  echo "#!/bin/sh"
  echo "# nginx for the idcloudhost SDK ($route route), written by make nginx: use it for every nginx"
  echo "# command, -s reload included (it loads the modules again, which needs the library path)."
  if [ -n "$libs" ]; then
    echo "LD_LIBRARY_PATH=\"$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\"; export LD_LIBRARY_PATH"
    echo "LUA_PATH=\"$lua_dir/?.lua;;\"; export LUA_PATH"
  fi
  echo "unset LUA_CPATH"
  echo "exec \"$bin\" \"\$@\""
} >"$out/nginx"
chmod +x "$out/nginx"

if [ "${QUIET:-}" != 1 ]; then
  echo "== $route route: $bin"
  echo "-- in nginx.conf's main context ($out/idcloudhost-main.conf):"
  cat "$out/idcloudhost-main.conf"
  echo "-- in its http block ($out/idcloudhost-http.conf):"
  cat "$out/idcloudhost-http.conf"
  echo "-- run nginx (and nginx -s reload) through $out/nginx; the example, from $repo:"
  echo "   IDCLOUDHOST_API_KEY=... $out/nginx -p \"$repo\" -e stderr -c examples/openresty/nginx.conf"
fi
