#!/bin/sh
# Install the Debian packages a target needs: as root through apt-get, otherwise say what to install.
# usage: deps.sh LUA SIM_LUA [EXTRA_PACKAGES...]
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
