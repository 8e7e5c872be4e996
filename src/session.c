/*
** session.c: the session userdata (options, template handle, share handle,
** life cycle) and the synchronous session:request.
*/
#include <stdlib.h>
#include <string.h>

#include "clock.h"
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

typedef struct opts {
  const char *ca_file, *proxy;	/* strings on the stack */
  int insecure;
  long connect_ms;		/* -1: libcurl's */
  double max_body;		/* 0: no cap */
} opts;

static const char *const optnames[] = {
  "ca_file", "insecure", "proxy", "connect_timeout", "max_body", NULL
};

/* An unknown name is a mistake (a typo, or an option that moved to the
   request, like timeout): say so rather than ignore it. */
static void checknames(lua_State *L) {
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    const char *const *o = optnames;
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_argerror(L, 1, lua_pushfstring(L, "option names must be strings "
                    "(got %s)", luaL_typename(L, -2)));
    while (*o != NULL && strcmp(*o, lua_tostring(L, -2)) != 0) o++;
    if (*o == NULL)
      luaL_argerror(L, 1, lua_pushfstring(L, "unknown option '%s'",
                                          lua_tostring(L, -2)));
    lua_pop(L, 1);
  }
}

/* opts[name] as a string without NUL, or NULL; left on the stack. */
static const char *optstring(lua_State *L, const char *name) {
  size_t len;
  const char *v;
  lua_getfield(L, 1, name);
  if (lua_isnil(L, -1)) return NULL;
  if (lua_type(L, -1) != LUA_TSTRING)
    luaL_argerror(L, 1, lua_pushfstring(L, "'%s' must be a string (got %s)",
                                        name, luaL_typename(L, -1)));
  v = lua_tolstring(L, -1, &len);
  if (strlen(v) != len)
    luaL_argerror(L, 1, lua_pushfstring(L, "'%s' contains a NUL byte", name));
  return v;
}

static void readopts(lua_State *L, opts *o) {
  checknames(L);
  o->ca_file = optstring(L, "ca_file");
  o->proxy = optstring(L, "proxy");
  lua_getfield(L, 1, "insecure");
  if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
    luaL_argerror(L, 1, lua_pushfstring(L, "'insecure' must be a boolean "
                                        "(got %s)", luaL_typename(L, -1)));
  o->insecure = lua_toboolean(L, -1);
  lua_getfield(L, 1, "connect_timeout");
  if (!lua_isnil(L, -1)) o->connect_ms = xfer_checkms(L, -1, 1, "connect_timeout");
  lua_getfield(L, 1, "max_body");
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TNUMBER || !(lua_tonumber(L, -1) >= 0))
      luaL_argerror(L, 1, lua_pushfstring(L, "'max_body' must be a number of "
                    "bytes >= 0 (got %s)", lua_type(L, -1) == LUA_TNUMBER
                    ? "a negative number or nan" : luaL_typename(L, -1)));
    o->max_body = lua_tonumber(L, -1);
  }
}

#define SETOPT(opt, val) \
  do { if ((rc = curl_easy_setopt(t, opt, val)) != CURLE_OK) return rc; } while (0)

/*
** The template every transfer of the session duplicates: everything that
** does not change per request is set here, once.  libcurl copies the
** strings, so the options table need not outlive this call.
*/
static CURLcode configure(CURL *t, const opts *o) {
  CURLcode rc = xfer_template(t);
  if (rc != CURLE_OK) return rc;
  SETOPT(CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
  SETOPT(CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
  if (o->ca_file != NULL) SETOPT(CURLOPT_CAINFO, o->ca_file);
  if (o->proxy != NULL) SETOPT(CURLOPT_PROXY, o->proxy);
  if (o->connect_ms >= 0) SETOPT(CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms);
  /* refuses a Content-Length over the cap before any of the body comes;
     the body callbacks count what actually arrives */
  if (o->max_body > 0) SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body);
  return CURLE_OK;
}

static void share(lua_State *L, CURLSH *sh, curl_lock_data what,
                  const char *name) {
  CURLSHcode rc = curl_share_setopt(sh, CURLSHOPT_SHARE, what);
  if (rc != CURLSHE_OK)
    luaL_error(L, "session: cannot share the %s: %s", name,
               curl_share_strerror(rc));
}

/*
** core.session([opts]).  The userdata exists, with its __gc, before any C
** resource does: every error raised from there on leaves the allocations
** to the collector.
*/
int session_new(lua_State *L) {
  opts o = {NULL, NULL, 0, -1, 0};
  session *s;
  CURLcode rc;
  lua_settop(L, 1);
  if (!lua_isnil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    readopts(L, &o);
  }
  if (o.max_body >= 4503599627370496.0) o.max_body = 0;  /* 2^52: no cap */
  s = (session *)lua_newuserdata(L, sizeof *s);
  memset(s, 0, sizeof *s);
  s->wmax = -1;
  luaL_getmetatable(L, SESSION_MT);
  lua_setmetatable(L, -2);
  s->conf.max_body = (size_t)o.max_body;
  if ((s->conf.tmpl = curl_easy_init()) == NULL)
    return luaL_error(L, "session: curl_easy_init failed");
  if ((rc = configure(s->conf.tmpl, &o)) != CURLE_OK ||
      (rc = session_follow_close(s->conf.tmpl, s)) != CURLE_OK)
    return luaL_error(L, "session: %s", curl_easy_strerror(rc));
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
    if (x->easy != NULL) (void)curl_multi_remove_handle(s->multi, x->easy);
  freelist(s->active);
  freelist(s->done);
  if (s->sync != NULL) xfer_free(s->sync);
  if (s->spare != NULL) xfer_free(s->spare);
  s->active = s->done = s->sync = s->spare = NULL;
  s->pending = 0;
  if (s->multi != NULL) (void)curl_multi_cleanup(s->multi);
  if (s->syncm != NULL) (void)curl_multi_cleanup(s->syncm);
  s->multi = s->syncm = NULL;
  if (s->conf.tmpl != NULL) curl_easy_cleanup(s->conf.tmpl);
  s->conf.tmpl = NULL;
  session_unwake(s);
  /* CURLSHE_IN_USE would mean an easy handle survived: leak, not crash */
  if (s->conf.share != NULL) (void)curl_share_cleanup(s->conf.share);
  s->conf.share = NULL;
  return 0;
}

static int session_tostring(lua_State *L) {
  session *s = (session *)luaL_checkudata(L, 1, SESSION_MT);
  if (s->closed) lua_pushliteral(L, SESSION_MT " (closed)");
  else lua_pushfstring(L, SESSION_MT " (%p)", (void *)s);
  return 1;
}

/* A multi handle's failure as the transfer's: a name Lua can key on. */
static CURLcode multifail(xfer *x, CURLMcode mc) {
  x->failmsg = curl_multi_strerror(mc);
  if (mc == CURLM_OUT_OF_MEMORY) return CURLE_OUT_OF_MEMORY;
#if LIBCURL_VERSION_NUM >= 0x075400
  if (mc == CURLM_UNRECOVERABLE_POLL) return CURLE_UNRECOVERABLE_POLL;
#endif
  return CURLE_FAILED_INIT;
}

/*
** Run x to its end on the session's own multi handle: what
** curl_easy_perform does, without the multi handle it would create and
** destroy around every transfer of a fresh easy handle (a socketpair and
** hash tables: about as much as the request itself to a local server).
*/
static CURLcode run(lua_State *L, session *s, xfer *x, int *interrupted) {
  CURLMcode mc;
  CURLMsg *m;
  CURLcode rc = CURLE_OK;
  int running = 1, left;
  if (s->syncm == NULL && (s->syncm = curl_multi_init()) == NULL)
    return CURLE_OUT_OF_MEMORY;
  if ((mc = curl_multi_add_handle(s->syncm, x->easy)) != CURLM_OK)
    return multifail(x, mc);
  /* polls of at most IDC_TICK_MS, an interrupt looked for after each */
  while ((mc = curl_multi_perform(s->syncm, &running)) == CURLM_OK && running > 0) {
#if LIBCURL_VERSION_NUM >= 0x074200
    if ((mc = curl_multi_poll(s->syncm, NULL, 0, IDC_TICK_MS, NULL)) != CURLM_OK) break;
#else
    if ((mc = curl_multi_wait(s->syncm, NULL, 0, IDC_TICK_MS, NULL)) != CURLM_OK) break;
#endif
    if ((*interrupted = idc_interrupted(L)) != 0) break;
  }
  if (*interrupted) rc = CURLE_ABORTED_BY_CALLBACK;
  else if (mc != CURLM_OK) rc = multifail(x, mc);
  else
    while ((m = curl_multi_info_read(s->syncm, &left)) != NULL)
      if (m->msg == CURLMSG_DONE) rc = m->data.result;
  (void)curl_multi_remove_handle(s->syncm, x->easy);  /* cleanup detaches anyway */
  return rc;
}

/*
** session:request(req) -> res | nil, "NAME: message", "NAME"; raises
** the interpreter's interrupt (Ctrl-C: "interrupted!").  A fresh
** duplicate of the template per request: libcurl 7.88 keeps state of the
** previous transfer on a reused handle (a pointer to its last header,
** freed: a folded first header line of the next answer wrote through it).
** The answer buffers are the session's, reused.
*/
static int session_request(lua_State *L) {
  session *s = session_check(L, 1);
  xfer_req r;
  xfer *x;
  int interrupted = 0;
  xfer_checkreq(L, 2, &r);
  if (s->sync == NULL && (s->sync = xfer_new()) == NULL)
    return xfer_pusherr(L, CURLE_OUT_OF_MEMORY, "out of memory");
  x = s->sync;
  xfer_reset(x);
  if (xfer_start(L, x, &s->conf, &r) == CURLE_OK)
    xfer_end(x, run(L, s, x, &interrupted), 1);
  /* an interrupt (Ctrl-C) raises, as it would in Lua code: the handle is
     released and the secrets wiped first; the error object is on top */
  if (interrupted) return idc_reraise(L);
  return xfer_push(L, x);
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
