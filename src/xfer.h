/*
** xfer.h: one HTTP transfer on a libcurl easy handle.  The same code drives
** session:request (curl_easy_perform) and session:send (the multi handle).
*/
#ifndef IDC_XFER_H
#define IDC_XFER_H

#include <curl/curl.h>

#include "compat.h"
#include "buffer.h"

#define IDC_VERSION	"0.1"
#define IDC_USERAGENT	"idcloudhost-lua/" IDC_VERSION

/* Session-wide settings, re-applied to a handle before every transfer. */
typedef struct xfer_conf {
  CURLSH *share;
  long timeout_ms;
  long connect_timeout_ms;
  char *user_agent;		/* NULL: IDC_USERAGENT */
  char *ca_file;
  char *proxy;
  int insecure;
} xfer_conf;

/* One request, read from the Lua stack by xfer_checkreq. */
typedef struct xfer_req {
  const char *method;
  const char *url;
  const char *body;		/* NULL: no body */
  size_t bodylen;
  int headers;			/* stack index of the headers table; 0: none */
  long timeout_ms;		/* -1: the session's */
} xfer_req;

typedef struct xfer {
  CURL *easy;
  struct curl_slist *hdrs;	/* the easy handle points into it */
  struct xfer *next;		/* link in a session list */
  lua_Integer id;		/* > 0 while in a multi handle */
  buffer body;
  buffer head;			/* "name: value\n" lines of the final response */
  int oom;			/* a callback ran out of memory */
  char err[CURL_ERROR_SIZE];
} xfer;

IDC_HIDDEN xfer *xfer_new(void);
IDC_HIDDEN void xfer_free(xfer *x);
IDC_HIDDEN void xfer_release(xfer *x);
IDC_HIDDEN long xfer_checkms(lua_State *L, int idx, int arg,
                             const char *name);
IDC_HIDDEN void xfer_checkreq(lua_State *L, int arg, xfer_req *r);
IDC_HIDDEN CURLcode xfer_setup(lua_State *L, xfer *x, const xfer_conf *c,
                    const xfer_req *r);
IDC_HIDDEN int xfer_pushresult(lua_State *L, xfer *x, CURLcode rc);

#endif
