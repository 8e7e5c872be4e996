/*
** clock.c: monotonic seconds and a sleep that neither spins nor rounds to
** whole seconds (os.time would).
*/
#define _POSIX_C_SOURCE 200809L  /* clock_gettime, nanosleep */

#include <string.h>
#include <time.h>

#include "clock.h"

/* Seconds since an arbitrary point; never jumps with the wall clock. */
double idc_now(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return (double)time(NULL);  /* no monotonic clock: better than nothing */
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* core.now() -> seconds (float) */
int idc_lnow(lua_State *L) {
  lua_pushnumber(L, (lua_Number)idc_now());
  return 1;
}

/*
** The interpreter's interrupt: lua.c and luajit.c answer SIGINT by setting
** a hook (count 1, call) that raises "interrupted!" at the next Lua
** instruction, and C code that blocks never gets there.  So a wait in C
** calls idc_interrupted between its slices: when a hook is set, an empty
** Lua function is run under lua_pcall, which is where that hook fires.
** 1: it raised, its error object is on top of the stack (the caller cleans
** up, then idc_reraise); 0: carry on, stack unchanged.  Nothing here can
** raise.  Any other hook (a debugger's, a profiler's) just runs once more.
** Lua 5.4 keeps hooks per thread: a wait inside a coroutine sees the main
** thread's hook only once it is back.
*/
static const char CHECK_KEY = 'i';  /* its address keys the empty function */

void idc_clock_register(lua_State *L) {
  lua_pushlightuserdata(L, (void *)&CHECK_KEY);
  if (luaL_loadbuffer(L, "return", 6, "=idcloudhost.core") != 0) lua_error(L);
  lua_rawset(L, LUA_REGISTRYINDEX);
}

int idc_interrupted(lua_State *L) {
  if (lua_gethookmask(L) == 0) return 0;
  lua_pushlightuserdata(L, (void *)&CHECK_KEY);
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (!lua_isfunction(L, -1)) {  /* (never: registered by luaopen) */
    lua_pop(L, 1);
    return 0;
  }
  return lua_pcall(L, 0, 0, 0) != 0;
}

/*
** Raise the error idc_interrupted left on top.  LuaJIT's luaL_error names
** the empty function ("idcloudhost.core:0: interrupted!"): the message is
** said as lua5.4 says it, "interrupted!".
*/
int idc_reraise(lua_State *L) {
  if (lua_type(L, -1) == LUA_TSTRING) {
    const char *m = lua_tostring(L, -1), *colon;
    if (strncmp(m, "idcloudhost.core:", 17) == 0 &&
        (colon = strstr(m + 17, ": ")) != NULL) {
      lua_pushstring(L, colon + 2);
      lua_remove(L, -2);
    }
  }
  return lua_error(L);
}

/*
** core.sleep(seconds): the whole interval, across signals, in slices of
** IDC_TICK_MS so that an interrupt (Ctrl-C) raises as in Lua code.
*/
int idc_lsleep(lua_State *L) {
  double d = luaL_checknumber(L, 1), end;
  luaL_argcheck(L, d >= 0, 1, "must be a non-negative number of seconds");
  if (d > 1e9) d = 1e9;  /* ~31 years, and fits any time_t */
  end = idc_now() + d;
  for (;;) {
    struct timespec ts;
    double left = end - idc_now();
    if (idc_interrupted(L)) return idc_reraise(L);
    if (left <= 0) break;
    if (left > IDC_TICK_MS / 1000.0) left = IDC_TICK_MS / 1000.0;
    ts.tv_sec = (time_t)left;
    ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
    (void)nanosleep(&ts, NULL);  /* EINTR: the loop looks at the time again */
  }
  return 0;
}
