/*
** compat.h: the few Lua API differences between 5.1/LuaJIT and 5.2-5.4
** that the core runs into.  Everything is prefixed so that no name can
** collide with what a given lua.h/lauxlib.h already declares (LuaJIT 2.1
** ships some 5.2 functions, plain 5.1 does not).
*/
#ifndef IDC_COMPAT_H
#define IDC_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM < 502
/* luaL_register with a NULL name fills the table on top of the stack. */
#define compat_setfuncs(L, l)	luaL_register(L, NULL, l)
#else
#define compat_setfuncs(L, l)	luaL_setfuncs(L, l, 0)
#endif

#define compat_newlib(L, l)	(lua_newtable(L), compat_setfuncs(L, l))

#if LUA_VERSION_NUM >= 503
#define compat_isinteger(L, i)	lua_isinteger(L, i)
#else
/* Before 5.3 every number is a lua_Number: callers test integrality. */
#define compat_isinteger(L, i)	((void)(L), (void)(i), 0)
#endif

/* Functions shared between the C files stay out of core.so's dynamic
   symbol table: they can neither clash with nor be interposed by another
   library's buffer_reserve or session_new. */
#if defined(__GNUC__) && !defined(_WIN32)
#define IDC_HIDDEN	__attribute__((visibility("hidden")))
#else
#define IDC_HIDDEN
#endif

#endif
