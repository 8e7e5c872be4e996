/*
** session.h: the idcloudhost.session userdata, shared by session.c (life
** cycle, synchronous requests) and multi.c (queued transfers).
*/
#ifndef IDC_SESSION_H
#define IDC_SESSION_H

#include <sys/select.h>

#include "xfer.h"

#define SESSION_MT	"idcloudhost.session"

typedef struct session {
  xfer_conf conf;		/* template, share, cap: fixed at creation */
  CURLM *multi;			/* created by the first send */
  CURLM *syncm;			/* request()'s, created by the first request */
  xfer *sync;			/* request()'s buffers, reused */
  xfer *active;			/* queued transfers, in the multi handle */
  xfer *done;			/* finished, waiting for result() */
  xfer *spare;			/* a collected transfer's memory, for the next send */
  int pending;			/* transfers in the multi handle */
  lua_Integer last_id;
  int closed;
  int wake;			/* session:wakeup()'s epoll fd + 1 (0: none) */
  int wmax;			/* the highest fd in watched, -1: none */
  fd_set watched;		/* the sockets in that epoll set */
  unsigned char wev[FD_SETSIZE];	/* and the events each is watched for */
} session;

IDC_HIDDEN session *session_check(lua_State *L, int arg);
IDC_HIDDEN void session_unlink(xfer **list, xfer *x);
IDC_HIDDEN int session_new(lua_State *L);
IDC_HIDDEN void session_register(lua_State *L);
IDC_HIDDEN void session_unwake(session *s);
IDC_HIDDEN CURLcode session_follow_close(CURL *tmpl, session *s);

IDC_HIDDEN extern const luaL_Reg session_multi_methods[];

#endif
