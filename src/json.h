/*
** json.h: core.json, JSON text <-> Lua values (json.c).
*/
#ifndef IDC_JSON_H
#define IDC_JSON_H

#include "compat.h"

/* core.json{array_mt =, null =, max_depth =} -> decode, encode, null */
IDC_HIDDEN int json_new(lua_State *L);

#endif
