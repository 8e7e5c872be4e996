/*
** json_fuzz.c: libFuzzer target over core.json (decode, encode), core.escape
** and core.form, linked with the whole of src/ and Lua 5.4.
**
** The properties are Lua (fuzz/check.lua); a failed one aborts with its
** message, so libFuzzer saves the input.  One Lua state serves every input
** and is fully collected after each, so that the allocations of a run are
** freed within it and libFuzzer's leak check (malloc count > free count ->
** LeakSanitizer) only wakes for real leaks; JSON_FUZZ_FRESH=1 in the
** environment closes the state after every input instead (slower, exact).
** `make fuzz` builds and runs it.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#ifndef FUZZ_ROOT
#error "build with -DFUZZ_ROOT='\"/path/of/the/repository\"'"
#endif

LUALIB_API int luaopen_idcloudhost_core(lua_State *L);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lua_State *L;
static int fresh = -1;

static void die(const char *what) {
  fprintf(stderr, "json_fuzz: %s: %s\n", what, lua_tostring(L, -1));
  abort();
}

/* A state with check(data) at stack index 1. */
static void open_state(void) {
  L = luaL_newstate();
  if (L == NULL) abort();
  luaL_openlibs(L);
  luaL_requiref(L, "idcloudhost.core", luaopen_idcloudhost_core, 0);
  if (luaL_loadfile(L, FUZZ_ROOT "/fuzz/check.lua") != LUA_OK) die("loading check.lua");
  lua_insert(L, 1);
  lua_pushliteral(L, FUZZ_ROOT);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) die("running check.lua");
  lua_gc(L, LUA_GCCOLLECT, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (fresh < 0) {
    const char *f = getenv("JSON_FUZZ_FRESH");
    fresh = f != NULL && f[0] == '1';
  }
  if (L == NULL) open_state();
  lua_pushvalue(L, 1);
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) die("property failed");
  lua_settop(L, 1);
  if (fresh) {
    lua_close(L);
    L = NULL;
  } else
    lua_gc(L, LUA_GCCOLLECT, 0);
  return 0;
}
