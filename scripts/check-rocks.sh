#!/bin/sh
# The rocks as a user gets them: `luarocks make` of a copy of the repository's files (what a
# fresh clone has) into temporary trees, offline (--deps-mode=none: Debian's lua-cjson, lua-http
# and cqueues stand in for the dependencies), then, from clean shells whose paths come from
# `luarocks path` alone:
#   - the SDK rock for LUA: a call against the installed simulator (spec/packaging/call.lua), and
#     the idcloudhost command it installs (--help, a call);
#   - the fake rock for LUA, beside it: idcloudhost.fake used (spec/packaging/fake.lua);
#   - the rock's test section (busted spec/unit) on the installed SDK;
#   - the three release rockspecs (<version>-1) on Lua 5.3: the installed idcloudhost-sim command
#     (its engine from the fake rock) serves, its control client drives it (spec/packaging/control.lua).
# usage: check-rocks.sh LUA          (lua5.4, lua5.3, lua5.1 or luajit)
# Prints "rocks: ok ..." last; exits non-zero on the first failure.  KEEP=1 keeps the trees.
set -eu
lua=${1:?usage: check-rocks.sh LUA}
case "$lua" in
  luajit) v=5.1 ;;
  lua5.*) v=${lua#lua} ;;
  *) echo "check-rocks.sh: unknown interpreter $lua" >&2; exit 2 ;;
esac
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(cd "$repo" && lua5.3 -e 'io.write(dofile("lua/idcloudhost/version.lua"))')
tmp=$(mktemp -d /tmp/idcloudhost-rocks.XXXXXX)
simpid=
cleanup() {
  rc=$?
  set +e # a killed simulator's status must not end the cleanup
  if [ -n "$simpid" ]; then kill "$simpid" 2>/dev/null; wait "$simpid" 2>/dev/null; fi
  if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A copy of the files a clone would have (tracked, plus new files not ignored), never build/.
copy() {
  mkdir -p "$1"
  if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$repo" && git ls-files -co --exclude-standard | tar -cf - --ignore-failed-read -T - 2>/dev/null) | tar -xf - -C "$1"
  else
    (cd "$repo" && tar -cf - --exclude=./build --exclude=./.git .) | tar -xf - -C "$1"
  fi
}

# make LUAVERSION TREE ROCKSPEC...: luarocks make in a fresh copy, each rockspec in turn.
build() {
  lv=$1 tree=$2; shift 2
  for spec in "$@"; do
    src=$tmp/src-$(basename "$tree")-$(basename "$spec" .rockspec)
    copy "$src"
    (cd "$src" && luarocks --lua-version "$lv" make --tree "$tree" --deps-mode=none "$spec") \
      >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; echo "rocks: luarocks make $spec (Lua $lv) failed"; exit 1; }
    grep -q "is now installed in $tree" "$tmp/build.log" || { cat "$tmp/build.log"; exit 1; }
  done
}

# clean LUAVERSION TREE COMMAND: COMMAND in an empty directory with no environment but PATH,
# HOME (an empty one: no ~/.luarocks) and what `luarocks path` says for TREE.  With exec=1 (in a
# background subshell) the subshell becomes COMMAND, so killing its pid stops COMMAND.
clean() {
  lv=$1 tree=$2; shift 2
  mkdir -p "$tmp/work" "$tmp/home"
  ${exec:+exec} env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$tmp/home" \
    IDCLOUDHOST_BASE_URL="${url:-}" IDCLOUDHOST_SIM_URL="${url:-}" IDCLOUDHOST_API_KEY="${key:-}" \
    sh -c 'cd "$1" && eval "$(luarocks --lua-version "$2" --tree "$3" path)" && shift 3 && exec "$@"' \
    sh "$tmp/work" "$lv" "$tree" "$@"
}

build "$v" "$tmp/sdk" rockspec/idcloudhost-scm-1.rockspec rockspec/idcloudhost-fake-scm-1.rockspec
build 5.3 "$tmp/sim" "rockspec/idcloudhost-$version-1.rockspec" "rockspec/idcloudhost-fake-$version-1.rockspec" \
  "rockspec/idcloudhost-sim-$version-1.rockspec"
cp "$repo/spec/packaging/call.lua" "$repo/spec/packaging/control.lua" "$repo/spec/packaging/fake.lua" "$tmp/"

# The installed command, found on the PATH luarocks gives, on a free port.
(trap - EXIT INT TERM; exec=1 clean 5.3 "$tmp/sim" idcloudhost-sim --port 0 --apikeys rocks-key) >"$tmp/sim.log" 2>&1 &
simpid=$!
i=0
until port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/sim.log") && [ -n "$port" ]; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 "$simpid" 2>/dev/null; then cat "$tmp/sim.log"; echo "rocks: the installed simulator did not start"; exit 1; fi
  sleep 0.1
done
url=http://127.0.0.1:$port key=rocks-key

clean "$v" "$tmp/sdk" "$lua" "$tmp/call.lua" "$tmp/sdk"
clean "$v" "$tmp/sdk" "$lua" "$tmp/fake.lua" "$tmp/sdk"
# The command the SDK rock installs, on the PATH luarocks gives: its help, then a call.
clean "$v" "$tmp/sdk" idcloudhost --help >"$tmp/cmd.log" 2>&1 || { cat "$tmp/cmd.log"; echo "rocks: idcloudhost --help failed"; exit 1; }
grep -q "^usage: idcloudhost COMMAND" "$tmp/cmd.log" || { cat "$tmp/cmd.log"; echo "rocks: idcloudhost --help printed no usage"; exit 1; }
clean "$v" "$tmp/sdk" idcloudhost location list -q >"$tmp/cmd.log" 2>&1 || { cat "$tmp/cmd.log"; echo "rocks: idcloudhost location list failed"; exit 1; }
echo "ok command: idcloudhost --help, location list: $(tr '\n' ' ' <"$tmp/cmd.log")"
clean 5.3 "$tmp/sim" lua5.3 "$tmp/control.lua" "$tmp/sim"
# The rockspec's test section: busted on spec/unit, the SDK coming from the tree.
src=$tmp/src-sdk-idcloudhost-scm-1
(cd "$src" && rm -rf lua src && env -i PATH=/usr/bin:/bin HOME="$tmp/home" \
  sh -c 'eval "$(luarocks --lua-version "$1" --tree "$2" path)" && "$3" /usr/bin/busted -o TAP spec/unit' \
  sh "$v" "$tmp/sdk" "$lua") >"$tmp/unit.log" 2>&1 || { cat "$tmp/unit.log"; echo "rocks: spec/unit on the installed SDK failed"; exit 1; }
tail -1 "$tmp/unit.log"
echo "rocks: ok: idcloudhost and idcloudhost-fake scm-1 on $lua, idcloudhost, idcloudhost-fake and idcloudhost-sim $version-1 on lua5.3, from luarocks path alone"
