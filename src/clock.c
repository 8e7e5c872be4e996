/*
** clock.c: monotonic seconds and a sleep that neither spins nor rounds to
** whole seconds (os.time would).
*/
#define _POSIX_C_SOURCE 200809L  /* clock_gettime, nanosleep */

#include <errno.h>
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

/* core.sleep(seconds): the whole interval, even across signals. */
int idc_lsleep(lua_State *L) {
  double d = luaL_checknumber(L, 1);
  struct timespec ts;
  luaL_argcheck(L, d >= 0, 1, "must be a non-negative number of seconds");
  if (d > 1e9) d = 1e9;  /* ~31 years, and fits any time_t */
  ts.tv_sec = (time_t)d;
  ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) ;
  return 0;
}
