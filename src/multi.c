/*
** multi.c: queued transfers on the session's multi handle, for batches
** driven from Lua (coroutines): send queues, perform advances and reaps.
*/
#include "clock.h"
#include "session.h"

#define IDLE_MAX	16	/* spare easy handles kept per session */

static void recycle(session *s, xfer *x) {
  if (s->nidle >= IDLE_MAX) {
    xfer_free(x);
    return;
  }
  xfer_release(x);
  x->next = s->idle;
  s->idle = x;
  s->nidle++;
}

static int fail(lua_State *L, const char *msg) {
  lua_pushnil(L);
  lua_pushstring(L, msg);
  return 2;
}

/* session:send(method, url, headers, body, opts) -> id | nil, message */
static int session_send(lua_State *L) {
  session *s = session_check(L, 1);
  xfer_req r;
  xfer *x;
  CURLcode rc;
  CURLMcode mc;
  xfer_checkreq(L, 2, &r);
  if (s->multi == NULL && (s->multi = curl_multi_init()) == NULL)
    return fail(L, "cannot create a curl multi handle");
  if (s->idle != NULL) {
    x = s->idle;
    s->idle = x->next;
    s->nidle--;
  }
  else if ((x = xfer_new()) == NULL)
    return fail(L, curl_easy_strerror(CURLE_OUT_OF_MEMORY));
  /* listed before xfer_setup can raise, so that close() finds it */
  x->next = s->active;
  s->active = x;
  if ((rc = xfer_setup(L, x, &s->conf, &r)) != CURLE_OK) {
    session_unlink(&s->active, x);
    recycle(s, x);
    return fail(L, curl_easy_strerror(rc));
  }
  if ((mc = curl_multi_add_handle(s->multi, x->easy)) != CURLM_OK) {
    session_unlink(&s->active, x);
    recycle(s, x);
    return fail(L, curl_multi_strerror(mc));
  }
  x->id = ++s->last_id;
  s->pending++;
  lua_pushinteger(L, x->id);
  return 1;
}

/*
** Append {id=, status=, body=, headers=} or {id=, error=, code=} to the
** table on top for every finished transfer; n entries so far.  An entry is
** built while its transfer is still listed, so a memory error leaves
** nothing unreachable.
*/
static int reap(lua_State *L, session *s, int n) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
    CURL *easy = m->easy_handle;  /* m dies with curl_multi_remove_handle */
    CURLcode result = m->data.result;
    CURLMcode mc;
    char *priv = NULL;
    xfer *x;
    if (m->msg != CURLMSG_DONE) continue;
    if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv) != CURLE_OK ||
        priv == NULL)
      return luaL_error(L, "perform: finished transfer has no owner");
    x = (xfer *)priv;
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, x->id);
    lua_setfield(L, -2, "id");
    xfer_pushresult(L, x, result);
    if (lua_isnil(L, -3)) {
      lua_setfield(L, -4, "code");
      lua_setfield(L, -3, "error");
      lua_pop(L, 1);
    }
    else {
      lua_setfield(L, -4, "headers");
      lua_setfield(L, -3, "body");
      lua_setfield(L, -2, "status");
    }
    lua_rawseti(L, -2, ++n);
    if ((mc = curl_multi_remove_handle(s->multi, easy)) != CURLM_OK)
      return luaL_error(L, "perform: %s", curl_multi_strerror(mc));
    s->pending--;
    session_unlink(&s->active, x);
    recycle(s, x);
  }
  return n;
}

/*
** session:perform([wait]) -> array of finished transfers.  Blocks for at
** most wait seconds, and only until at least one transfer finished.
*/
static int session_perform(lua_State *L) {
  session *s = session_check(L, 1);
  double wait = luaL_optnumber(L, 2, 0);
  double deadline;
  int n = 0;
  luaL_argcheck(L, wait >= 0, 2, "wait must be a non-negative number of seconds");
  lua_newtable(L);
  if (s->pending == 0) return 1;
  deadline = idc_now() + wait;
  for (;;) {
    int running, ms;
    double left;
    CURLMcode mc = curl_multi_perform(s->multi, &running);
    if (mc != CURLM_OK)
      return luaL_error(L, "perform: %s", curl_multi_strerror(mc));
    n = reap(L, s, n);
    if (n > 0 || s->pending == 0 || (left = deadline - idc_now()) <= 0) break;
    /* round up so a sub-millisecond rest cannot spin; cap each poll */
    left *= 1000.0;
    ms = left >= 3600000.0 ? 3600000 : (int)left + ((double)(int)left < left);
#if LIBCURL_VERSION_NUM >= 0x074200
    mc = curl_multi_poll(s->multi, NULL, 0, ms, NULL);
#else
    /* returns at once when curl has no socket yet: loops until deadline */
    mc = curl_multi_wait(s->multi, NULL, 0, ms, NULL);
#endif
    if (mc != CURLM_OK)
      return luaL_error(L, "perform: %s", curl_multi_strerror(mc));
  }
  return 1;
}

/* session:pending() -> transfers sent and not yet returned by perform */
static int session_pending(lua_State *L) {
  session *s = (session *)luaL_checkudata(L, 1, SESSION_MT);
  lua_pushinteger(L, s->closed ? 0 : s->pending);
  return 1;
}

/* session:cancel(id) -> true if that transfer was still pending */
static int session_cancel(lua_State *L) {
  session *s = (session *)luaL_checkudata(L, 1, SESSION_MT);
  lua_Integer id = luaL_checkinteger(L, 2);
  xfer *x;
  for (x = s->closed ? NULL : s->active; x != NULL; x = x->next) {
    if (x->id == id && id > 0) {
      CURLMcode mc = curl_multi_remove_handle(s->multi, x->easy);
      if (mc != CURLM_OK)
        return luaL_error(L, "cancel: %s", curl_multi_strerror(mc));
      s->pending--;
      session_unlink(&s->active, x);
      recycle(s, x);
      lua_pushboolean(L, 1);
      return 1;
    }
  }
  lua_pushboolean(L, 0);
  return 1;
}

const luaL_Reg session_multi_methods[] = {
  {"send", session_send},
  {"perform", session_perform},
  {"pending", session_pending},
  {"cancel", session_cancel},
  {NULL, NULL}
};
