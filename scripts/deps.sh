#!/bin/sh
# Install the Debian packages a target needs: as root through apt-get, otherwise say what to install.
# usage: deps.sh LUA SIM_LUA [EXTRA_PACKAGES...]
#        deps.sh --ngx-lua DIR LUA SIM_LUA   (make test-nginx: nginx's Lua module unpacked under DIR)

# make test-nginx.  Debian's ngx_lua (libnginx-mod-http-lua) runs on libluajit2, which conflicts
# with the luajit and libluajit-5.1-dev packages that `make test LUA=luajit` installs.  So it is
# never installed: its packages are downloaded (apt-get download) and unpacked (dpkg -x) under
# DIR, and test-nginx loads the module from there with LD_LIBRARY_PATH on DIR's libluajit2.
# nginx itself, openssl (test certificates), curl (the specs' HTTP client), libpcre3 (ngx_lua's
# regex library) and iproute2 (ss: free ports) are ordinary packages without conflicts.
if [ "$1" = "--ngx-lua" ]; then
  dir=$2
  sh "$0" "${3:-lua5.4}" "${4:-lua5.3}" nginx openssl curl libpcre3 iproute2 || exit 1
  [ -f "$dir/usr/lib/nginx/modules/ngx_http_lua_module.so" ] && [ -f "$dir/usr/include/luajit-2.1/lua.h" ] && exit 0
  mkdir -p "$dir/debs" || exit 1
  ngx_pkgs="libnginx-mod-http-lua libnginx-mod-http-ndk lua-resty-core lua-resty-lrucache libluajit2-5.1-2 libluajit2-5.1-common libluajit2-5.1-dev"
  ( cd "$dir/debs" && { apt-get download $ngx_pkgs || { [ "$(id -u)" = 0 ] && apt-get update -qq && apt-get download $ngx_pkgs; }; } ) \
    >/tmp/idcloudhost-apt.log 2>&1 || { cat /tmp/idcloudhost-apt.log; echo "apt-get download failed"; exit 1; }
  for deb in "$dir"/debs/*.deb; do dpkg -x "$deb" "$dir" || exit 1; done
  exit 0
fi

lua=${1:-lua5.4}; sim=${2:-lua5.3}; shift 2 2>/dev/null; extra="$*"
case "$lua" in
  luajit) pkgs="luajit libluajit-5.1-dev" ;;
  lua5.1) pkgs="lua5.1 liblua5.1-0-dev" ;;
  lua5.2) pkgs="lua5.2 liblua5.2-dev" ;;
  lua5.3) pkgs="lua5.3 liblua5.3-dev" ;;
  *)      pkgs="$lua lib$lua-dev" ;;
esac
# lua-http (the simulator) is packaged for Lua 5.1 to 5.3 only.  zlib1g-dev: the core
# inflates gzip itself; openssl and lua-posix: the core's TLS and connect-timeout specs.
pkgs="$pkgs $sim lua-http lua-cjson lua-busted lua-check libcurl4-openssl-dev zlib1g-dev ca-certificates pkg-config gcc make openssl lua-posix $extra"
missing=
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } >/tmp/idcloudhost-apt.log 2>&1 \
    || { cat /tmp/idcloudhost-apt.log; echo "apt-get failed"; exit 1; }
else
  echo "missing Debian packages:$missing"
  echo "run as root: apt-get install$missing"
  exit 1
fi
