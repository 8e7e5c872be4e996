/*
** session.c: the session userdata (options, share handle, life cycle) and
** the synchronous session:request.
*/
#include <stdlib.h>
#include <string.h>

#include "session.h"

session *session_check(lua_State *L, int arg) {
  session *s = (session *)luaL_checkudata(L, arg, SESSION_MT);
  if (s->closed) luaL_error(L, "session is closed");
  return s;
}

void session_unlink(xfer **list, xfer *x) {
  while (*list != x) list = &(*list)->next;
  *list = x->next;
  x->next = NULL;
}


/* ---- options ---- */

/* opts[name] as a malloc'd copy in *dst; the userdata's __gc frees it. */
static void optstring(lua_State *L, const char *name, char **dst) {
  size_t len;
  const char *v;
  lua_getfield(L, 1, name);
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_argerror(L, 1, lua_pushfstring(L, "'%s' must be a string (got %s)",
                                          name, luaL_typename(L, -1)));
    v = lua_tolstring(L, -1, &len);
    if (strlen(v) != len)
      luaL_argerror(L, 1, lua_pushfstring(L, "'%s' contains a NUL byte", name));
    if ((*dst = (char *)malloc(len + 1)) == NULL)
      luaL_error(L, "session: out of memory");
    memcpy(*dst, v, len + 1);
  }
  lua_pop(L, 1);
}

static void optms(lua_State *L, const char *name, long *dst) {
  lua_getfield(L, 1, name);
  if (!lua_isnil(L, -1)) *dst = xfer_checkms(L, -1, 1, name);
  lua_pop(L, 1);
}

static void readopts(lua_State *L, xfer_conf *c) {
  optms(L, "timeout", &c->timeout_ms);
  optms(L, "connect_timeout", &c->connect_timeout_ms);
  optstring(L, "user_agent", &c->user_agent);
  optstring(L, "ca_file", &c->ca_file);
  optstring(L, "proxy", &c->proxy);
  lua_getfield(L, 1, "insecure");
  if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TBOOLEAN)
    luaL_argerror(L, 1, lua_pushfstring(L, "'insecure' must be a boolean "
                                        "(got %s)", luaL_typename(L, -1)));
  c->insecure = lua_toboolean(L, -1);
  lua_pop(L, 1);
}

static void share(lua_State *L, CURLSH *sh, curl_lock_data what,
                  const char *name) {
  CURLSHcode rc = curl_share_setopt(sh, CURLSHOPT_SHARE, what);
  if (rc != CURLSHE_OK)
    luaL_error(L, "session: cannot share the %s: %s", name,
               curl_share_strerror(rc));
}

/*
** The userdata exists, with its __gc, before any C resource does: every
** error raised from here on leaves the allocations to the collector.
*/
int session_new(lua_State *L) {
  session *s;
  if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
  s = (session *)lua_newuserdata(L, sizeof *s);
  memset(s, 0, sizeof *s);
  s->conf.timeout_ms = 60000;
  s->conf.connect_timeout_ms = 10000;
  luaL_getmetatable(L, SESSION_MT);
  lua_setmetatable(L, -2);
  if (lua_istable(L, 1)) readopts(L, &s->conf);
  if ((s->conf.share = curl_share_init()) == NULL)
    return luaL_error(L, "session: curl_share_init failed");
  share(L, s->conf.share, CURL_LOCK_DATA_DNS, "DNS cache");
  share(L, s->conf.share, CURL_LOCK_DATA_SSL_SESSION, "TLS session cache");
  share(L, s->conf.share, CURL_LOCK_DATA_CONNECT, "connection pool");
  return 1;
}


/* ---- methods ---- */

static void freelist(xfer *x) {
  while (x != NULL) {
    xfer *next = x->next;
    xfer_free(x);
    x = next;
  }
}

/* close, __gc and __close: idempotent, and fine on a half-built session. */
static int session_close(lua_State *L) {
  session *s = (session *)luaL_checkudata(L, 1, SESSION_MT);
  xfer *x;
  if (s->closed) return 0;
  s->closed = 1;
  /* Removal failures are ignored: curl_easy_cleanup detaches anyway. */
  for (x = s->active; x != NULL && s->multi != NULL; x = x->next)
    (void)curl_multi_remove_handle(s->multi, x->easy);
  freelist(s->active);
  freelist(s->idle);
  if (s->sync != NULL) xfer_free(s->sync);
  s->active = s->idle = s->sync = NULL;
  s->pending = s->nidle = 0;
  if (s->multi != NULL) (void)curl_multi_cleanup(s->multi);
  s->multi = NULL;
  /* CURLSHE_IN_USE would mean an easy handle survived: leak, not crash */
  if (s->conf.share != NULL) (void)curl_share_cleanup(s->conf.share);
  s->conf.share = NULL;
  free(s->conf.user_agent);
  free(s->conf.ca_file);
  free(s->conf.proxy);
  s->conf.user_agent = s->conf.ca_file = s->conf.proxy = NULL;
  return 0;
}

static int session_tostring(lua_State *L) {
  session *s = (session *)luaL_checkudata(L, 1, SESSION_MT);
  if (s->closed) lua_pushliteral(L, SESSION_MT " (closed)");
  else lua_pushfstring(L, SESSION_MT " (%p)", (void *)s);
  return 1;
}

/* session:request(method, url, headers, body, opts) */
static int session_request(lua_State *L) {
  session *s = session_check(L, 1);
  xfer_req r;
  CURLcode rc;
  int n;
  xfer_checkreq(L, 2, &r);
  if (s->sync == NULL && (s->sync = xfer_new()) == NULL) {
    lua_pushnil(L);
    lua_pushstring(L, curl_easy_strerror(CURLE_OUT_OF_MEMORY));
    lua_pushinteger(L, CURLE_OUT_OF_MEMORY);
    return 3;
  }
  rc = xfer_setup(L, s->sync, &s->conf, &r);
  if (rc == CURLE_OK) rc = curl_easy_perform(s->sync->easy);
  n = xfer_pushresult(L, s->sync, rc);
  xfer_release(s->sync);  /* do not keep the body around */
  return n;
}

static const luaL_Reg session_methods[] = {
  {"request", session_request},
  {"close", session_close},
  {NULL, NULL}
};

static const luaL_Reg session_meta[] = {
  {"__gc", session_close},
  {"__close", session_close},
  {"__tostring", session_tostring},
  {NULL, NULL}
};

/* Create (or refresh) the metatable in the registry; leaves the stack as is. */
void session_register(lua_State *L) {
  luaL_newmetatable(L, SESSION_MT);
  compat_setfuncs(L, session_meta);
  compat_newlib(L, session_methods);
  compat_setfuncs(L, session_multi_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}
