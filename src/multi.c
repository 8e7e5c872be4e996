/*
** multi.c: queued transfers on the session's multi handle, for batches
** driven from Lua (coroutines): send queues, perform advances and names
** the transfers that finished, result hands over an outcome.
*/
#include <string.h>
#include <sys/select.h>

#include "clock.h"
#include "session.h"

/* session:send(req) -> id | nil, "NAME: message", "NAME" */
static int session_send(lua_State *L) {
  session *s = session_check(L, 1);
  xfer_req r;
  xfer *x;
  CURLMcode mc;
  int n;
  xfer_checkreq(L, 2, &r);
  if (s->multi == NULL && (s->multi = curl_multi_init()) == NULL)
    return xfer_pusherr(L, CURLE_OUT_OF_MEMORY, "cannot create a multi handle");
  /* the last collected transfer's struct and answer buffers, as request()
     reuses its own: no allocation per send in a steady stream of calls */
  if ((x = s->spare) != NULL) s->spare = NULL;
  else if ((x = xfer_new()) == NULL)
    return xfer_pusherr(L, CURLE_OUT_OF_MEMORY, "out of memory");
  x->next = s->active;  /* listed before xfer_start can raise */
  s->active = x;
  if (xfer_start(L, x, &s->conf, &r) != CURLE_OK) {
    n = xfer_push(L, x);  /* while listed: pushing can raise too */
    session_unlink(&s->active, x);
    xfer_free(x);
    return n;
  }
  if ((mc = curl_multi_add_handle(s->multi, x->easy)) != CURLM_OK) {
    session_unlink(&s->active, x);
    xfer_free(x);
    if (mc == CURLM_OUT_OF_MEMORY)
      return xfer_pusherr(L, CURLE_OUT_OF_MEMORY, curl_multi_strerror(mc));
    return luaL_error(L, "send: %s", curl_multi_strerror(mc));
  }
  x->id = ++s->last_id;
  s->pending++;
  lua_pushinteger(L, x->id);
  return 1;
}

/*
** Move every finished transfer from active to done, appending its id to
** the table on top; n ids so far.  A transfer is moved before its id is
** pushed, so a memory error leaves nothing unreachable.
*/
static int reap(lua_State *L, session *s, int n) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
    CURL *easy = m->easy_handle;  /* m dies with curl_multi_remove_handle */
    CURLcode rc = m->data.result;
    char *priv = NULL;
    xfer *x;
    if (m->msg != CURLMSG_DONE) continue;
    if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv) != CURLE_OK ||
        priv == NULL)
      return luaL_error(L, "perform: finished transfer has no owner");
    x = (xfer *)priv;
    /* a failure is ignored: curl_easy_cleanup in xfer_end detaches anyway */
    (void)curl_multi_remove_handle(s->multi, easy);
    s->pending--;
    xfer_end(x, rc, 0);
    session_unlink(&s->active, x);
    x->next = s->done;
    s->done = x;
    lua_pushinteger(L, x->id);
    lua_rawseti(L, -2, ++n);
  }
  return n;
}

static int wake_follow(session *s);
static int wake_push(lua_State *L, session *s, int any);

/*
** session:perform([wait]) -> array of the ids that finished [, fd, ms].
** Blocks for at most wait seconds (default 0: never), and only until one
** finished; raises the interpreter's interrupt (Ctrl-C), looked for every
** IDC_TICK_MS.  fd and ms as wakeup() answers them, once wakeup() was
** called (fd nil while nothing is queued).
*/
static int session_perform(lua_State *L) {
  session *s = session_check(L, 1);
  double wait = luaL_optnumber(L, 2, 0);
  double deadline;
  int n = 0;
  luaL_argcheck(L, wait >= 0, 2, "wait must be a non-negative number of seconds");
  lua_newtable(L);
  /* (nothing queued: an event loop's set is emptied, so that an idle
     connection closed by its server cannot wake it again) */
  if (s->pending == 0) return s->wake > 0 ? 1 + wake_push(L, s, wake_follow(s)) : 1;
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
    ms = left >= IDC_TICK_MS ? IDC_TICK_MS : (int)left + ((double)(int)left < left);
#if LIBCURL_VERSION_NUM >= 0x074200
    mc = curl_multi_poll(s->multi, NULL, 0, ms, NULL);
#else
    /* returns at once when curl has no socket yet: loops until deadline */
    mc = curl_multi_wait(s->multi, NULL, 0, ms, NULL);
#endif
    if (mc != CURLM_OK)
      return luaL_error(L, "perform: %s", curl_multi_strerror(mc));
    /* Ctrl-C: raised as in Lua code; the transfers stay in the session */
    if (idc_interrupted(L)) return idc_reraise(L);
  }
  /* an event loop's session (wakeup() was called): its set follows here, a
     call from Lua less per perform.  When the last transfer ended its idle
     connection stays in the set, watched as it was, so the next request
     costs the kernel nothing; should it wake the loop meanwhile, the
     perform that follows (nothing queued) empties the set. */
  if (s->wake > 0) return 1 + wake_push(L, s, s->pending > 0 && wake_follow(s));
  return 1;
}

/*
** session:result(id) -> res | nil, "NAME: message", "NAME", exactly as
** request() would answer; the transfer is forgotten afterwards.
*/
static int session_result(lua_State *L) {
  session *s = session_check(L, 1);
  lua_Integer id = luaL_checkinteger(L, 2);
  xfer *x = s->done;
  int n;
  while (x != NULL && x->id != id) x = x->next;
  if (x == NULL) return luaL_argerror(L, 2, "not a finished transfer");
  n = xfer_push(L, x);  /* while listed: pushing can raise */
  session_unlink(&s->done, x);
  /* kept for the next send, emptied as request() empties its own (its
     secrets went at its end, xfer_end) */
  if (s->spare == NULL) {
    xfer_reset(x);
    x->id = 0;  /* as new: no cancel(id) finds it until it is queued again */
    x->next = NULL;
    s->spare = x;
  }
  else xfer_free(x);
  return n;
}

/* session:pending() -> transfers sent and not yet named by perform */
static int session_pending(lua_State *L) {
  session *s = (session *)luaL_checkudata(L, 1, SESSION_MT);
  lua_pushinteger(L, s->closed ? 0 : s->pending);
  return 1;
}

/*
** session:cancel(id) -> true if that transfer was pending or finished and
** not yet collected: it is dropped either way.
*/
static int session_cancel(lua_State *L) {
  session *s = (session *)luaL_checkudata(L, 1, SESSION_MT);
  lua_Integer id = luaL_checkinteger(L, 2);
  xfer *x;
  if (s->closed || id <= 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  for (x = s->active; x != NULL && x->id != id; x = x->next) ;
  if (x != NULL) {
    CURLMcode mc = curl_multi_remove_handle(s->multi, x->easy);
    if (mc != CURLM_OK)
      return luaL_error(L, "cancel: %s", curl_multi_strerror(mc));
    s->pending--;
    session_unlink(&s->active, x);
  }
  else {
    for (x = s->done; x != NULL && x->id != id; x = x->next) ;
    if (x != NULL) session_unlink(&s->done, x);
  }
  if (x != NULL) xfer_free(x);
  lua_pushboolean(L, x != NULL);
  return 1;
}

#ifdef __linux__
#include <sys/epoll.h>
#include <unistd.h>
#endif

/* Closes session:wakeup()'s epoll fd (session close and __gc). */
void session_unwake(session *s) {
#ifdef __linux__
  if (s->wake > 0) (void)close(s->wake - 1);
#endif
  s->wake = 0;
  s->wmax = -1;
}

#ifdef __linux__
/* libcurl closes a socket: it leaves the epoll set with its last
   descriptor, so the next follow registers a socket under that number anew */
static int on_close(void *clientp, curl_socket_t fd) {
  session *s = (session *)clientp;
  if (fd >= 0 && fd < FD_SETSIZE) FD_CLR(fd, &s->watched);
  return close(fd);
}
#endif

/* Points the session's template (and so every transfer) at on_close. */
CURLcode session_follow_close(CURL *tmpl, session *s) {
#ifdef __linux__
  CURLcode rc = curl_easy_setopt(tmpl, CURLOPT_CLOSESOCKETFUNCTION, on_close);
  if (rc != CURLE_OK) return rc;
  return curl_easy_setopt(tmpl, CURLOPT_CLOSESOCKETDATA, (void *)s);
#else
  (void)tmpl;
  (void)s;
  return CURLE_OK;
#endif
}

/*
** Makes the session's epoll set (created here the first time) the sockets
** libcurl waits on now, with their directions; 1 if any is in it.  A
** socket closed and opened again under the same number is registered
** again.  0 off Linux, or for sockets numbered FD_SETSIZE or more.
*/
static int wake_follow(session *s) {
  int any = 0;
#ifdef __linux__
  fd_set r, w, e;
  int maxfd = -1, fd, efd, oldmax;
  if (s->wake == 0) {
    int created = epoll_create1(EPOLL_CLOEXEC);
    if (created < 0) return 0;
    s->wake = created + 1;
    FD_ZERO(&s->watched);
    s->wmax = -1;
  }
  efd = s->wake - 1;
  oldmax = s->wmax;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_ZERO(&e);
  if (curl_multi_fdset(s->multi, &r, &w, &e, &maxfd) != CURLM_OK) maxfd = -1;
  if (maxfd >= FD_SETSIZE) maxfd = FD_SETSIZE - 1;
  s->wmax = -1;
  for (fd = 0; fd <= maxfd || fd <= oldmax; fd++) {
    struct epoll_event ev;
    int rd = fd <= maxfd && FD_ISSET(fd, &r), wr = fd <= maxfd && FD_ISSET(fd, &w);
    int was = fd <= oldmax && FD_ISSET(fd, &s->watched);
    memset(&ev, 0, sizeof ev);
    if (!rd && !wr) {
      /* a socket closed meanwhile left the set by itself: errors are expected */
      if (was) (void)epoll_ctl(efd, EPOLL_CTL_DEL, fd, &ev);
      FD_CLR(fd, &s->watched);
      continue;
    }
    ev.events = (rd ? EPOLLIN : 0) | (wr ? EPOLLOUT : 0);
    ev.data.fd = fd;
    /* the same socket (on_close would have cleared it) wanting the same:
       nothing to tell the kernel, the common case between two requests */
    if (was && s->wev[fd] == (unsigned char)ev.events) {
      s->wmax = fd;
      any = 1;
      continue;
    }
    /* MOD fails on a socket closed and opened again under the same number: ADD */
    if ((was && epoll_ctl(efd, EPOLL_CTL_MOD, fd, &ev) == 0) ||
        epoll_ctl(efd, EPOLL_CTL_ADD, fd, &ev) == 0) {
      FD_SET(fd, &s->watched);
      s->wev[fd] = (unsigned char)ev.events;
      s->wmax = fd;
      any = 1;
    }
    else FD_CLR(fd, &s->watched);
  }
#else
  (void)s;
#endif
  return any;
}

/* Pushes what wakeup() answers after following the sockets: fd or nil, ms. */
static int wake_push(lua_State *L, session *s, int any) {
  long ms = -1;
  if (curl_multi_timeout(s->multi, &ms) != CURLM_OK) ms = -1;
  if (any) lua_pushinteger(L, s->wake - 1);
  else lua_pushnil(L);
  lua_pushinteger(L, (lua_Integer)ms);
  return 2;
}

/*
** session:wakeup() -> fd, ms | nil, ms: for an event loop (Neovim's libuv)
** that wakes on socket readiness instead of polling.  fd is one epoll
** descriptor of the session's own, readable while a socket the queued
** transfers wait on is ready: the loop watches that one descriptor, never
** libcurl's sockets themselves (libcurl closes and reopens them inside
** perform, and an error on one is no error on fd).  From the first call on,
** every perform follows the sockets libcurl waits on and answers fd and ms
** after its ids, so the loop needs wakeup again only after a cancel.  ms:
** the milliseconds until libcurl wants perform called anyway (-1: no
** timeout of its own).  fd is nil off Linux, or while no socket is known
** (nothing queued, sockets numbered FD_SETSIZE or more): then perform by
** ms, or poll.  fd lives as long as the session; close the loop's watcher
** before session:close().
*/
static int session_wakeup(lua_State *L) {
  session *s = (session *)luaL_checkudata(L, 1, SESSION_MT);
  if (s->closed || s->multi == NULL) {
    lua_pushnil(L);
    lua_pushinteger(L, -1);
    return 2;
  }
  return wake_push(L, s, wake_follow(s));
}

const luaL_Reg session_multi_methods[] = {
  {"wakeup", session_wakeup},
  {"send", session_send},
  {"perform", session_perform},
  {"result", session_result},
  {"pending", session_pending},
  {"cancel", session_cancel},
  {NULL, NULL}
};
