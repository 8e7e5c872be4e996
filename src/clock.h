/*
** clock.h: monotonic time and sleeping, for perform's deadline and for the
** Lua layer's retry back-off (core.now, core.sleep).
*/
#ifndef IDC_CLOCK_H
#define IDC_CLOCK_H

#include "compat.h"

IDC_HIDDEN double idc_now(void);
IDC_HIDDEN int idc_lnow(lua_State *L);
IDC_HIDDEN int idc_lsleep(lua_State *L);
IDC_HIDDEN void idc_clock_register(lua_State *L);
IDC_HIDDEN int idc_interrupted(lua_State *L);
IDC_HIDDEN int idc_reraise(lua_State *L);

/* The longest a blocking wait goes without idc_interrupted: Ctrl-C stops a
   call within about this (poll and nanosleep also wake on the signal). */
#define IDC_TICK_MS	100

#endif
