#!/bin/sh
# make install as a user without LuaRocks gets it: `make install`, `make install-fake` and `make
# install-sim` into a staging directory (DESTDIR), then, from clean shells whose Lua paths point
# only at that tree (plus the system's), the installed simulator command serves and
# spec/packaging/call.lua talks to it through the installed SDK, spec/packaging/fake.lua uses
# the installed fake, and the idcloudhost command runs from PREFIX/bin; the directories are those
# $(LUA) searches by default (so a real install needs no LUA_PATH); `make uninstall` leaves
# nothing behind.
# usage: check-install.sh LUA    (run from the repository; prints "install: ok ..." last)
set -eu
lua=${1:?usage: check-install.sh LUA}
sim_lua=${SIM_LUA:-lua5.3}
tmp=$(mktemp -d /tmp/idcloudhost-install.XXXXXX)
root=$tmp/root
simpid=
cleanup() {
  rc=$?
  set +e # a killed simulator's status must not end the cleanup
  if [ -n "$simpid" ]; then kill "$simpid" 2>/dev/null; wait "$simpid" 2>/dev/null; fi
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

make -s install install-fake install-sim LUA="$lua" SIM_LUA="$sim_lua" DESTDIR="$root" >"$tmp/make.log" 2>&1 \
  || { cat "$tmp/make.log"; echo "install: make install failed"; exit 1; }
eval "$(make -s install-dirs LUA="$lua" SIM_LUA="$sim_lua")"

# A real install (no DESTDIR) would land where the interpreters look without LUA_PATH.
on_path() { # INTERPRETER DIR path|cpath
  env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_3 -u LUA_PATH_5_4 -u LUA_CPATH_5_3 -u LUA_CPATH_5_4 \
    "$1" -e "os.exit(package.$3:find('$2/?', 1, true) and 0 or 1)" \
    || { echo "install: $2 is not on $1's default package.$3"; exit 1; }
}
on_path "$lua" "$LMOD" path
on_path "$lua" "$CMOD" cpath
on_path "$sim_lua" "$SIM_LMOD" path

paths() { # LMOD [CMOD]: Lua paths of the staged tree, then the system's
  echo "LUA_PATH=$root$1/?.lua;$root$1/?/init.lua;;"
  echo "LUA_CPATH=${2:+$root$2/?.so;};"
}

mkdir -p "$tmp/work"
cd "$tmp/work"
env -i PATH=/usr/bin:/bin "$(paths "$SIM_LMOD" | head -1)" \
  "$root$PREFIX/bin/idcloudhost-sim" --port 0 --apikeys install-key >"$tmp/sim.log" 2>&1 &
simpid=$!
i=0
until port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/sim.log") && [ -n "$port" ]; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 "$simpid" 2>/dev/null; then cat "$tmp/sim.log"; echo "install: the installed simulator did not start"; exit 1; fi
  sleep 0.1
done

env -i PATH=/usr/bin:/bin IDCLOUDHOST_BASE_URL="http://127.0.0.1:$port" IDCLOUDHOST_API_KEY=install-key \
  "$(paths "$LMOD" "$CMOD" | head -1)" "$(paths "$LMOD" "$CMOD" | tail -1)" \
  "$lua" "$OLDPWD/spec/packaging/call.lua" "$root"
env -i PATH=/usr/bin:/bin "$(paths "$LMOD" "$CMOD" | head -1)" "$(paths "$LMOD" "$CMOD" | tail -1)" \
  "$lua" "$OLDPWD/spec/packaging/fake.lua" "$root"
# The command, found on the PATH of a clean shell: its help, then a call to the simulator.
env -i PATH="$root$PREFIX/bin:/usr/bin:/bin" "$(paths "$LMOD" "$CMOD" | head -1)" "$(paths "$LMOD" "$CMOD" | tail -1)" \
  sh -c 'idcloudhost --help | head -1' >"$tmp/cmd.log" 2>&1 || { cat "$tmp/cmd.log"; echo "install: idcloudhost --help failed"; exit 1; }
grep -q "^usage: idcloudhost COMMAND" "$tmp/cmd.log" || { cat "$tmp/cmd.log"; echo "install: idcloudhost --help printed no usage"; exit 1; }
env -i PATH="$root$PREFIX/bin:/usr/bin:/bin" IDCLOUDHOST_BASE_URL="http://127.0.0.1:$port" IDCLOUDHOST_API_KEY=install-key \
  "$(paths "$LMOD" "$CMOD" | head -1)" "$(paths "$LMOD" "$CMOD" | tail -1)" \
  idcloudhost location list -q >"$tmp/cmd.log" 2>&1 || { cat "$tmp/cmd.log"; echo "install: idcloudhost location list failed"; exit 1; }
echo "ok command: idcloudhost --help, location list: $(tr '\n' ' ' <"$tmp/cmd.log")"
cd "$OLDPWD"

make -s uninstall uninstall-fake uninstall-sim LUA="$lua" SIM_LUA="$sim_lua" DESTDIR="$root" >"$tmp/make.log" 2>&1 \
  || { cat "$tmp/make.log"; echo "install: make uninstall failed"; exit 1; }
left=$(find "$root" -type f | head -5)
[ -z "$left" ] || { echo "install: make uninstall left files behind:"; echo "$left"; exit 1; }
echo "install: ok: the SDK and the fake for $lua in $LMOD and $CMOD, the simulator for $sim_lua in $SIM_LMOD and $PREFIX/bin; uninstalled"
