/*
** xfer.h: one HTTP transfer, run on a duplicate of the session's template
** easy handle.  The same code drives session:request (blocking, on the
** session's own multi handle) and session:send (queued on that handle).
*/
#ifndef IDC_XFER_H
#define IDC_XFER_H

#include <curl/curl.h>
#include <zlib.h>

#include "compat.h"
#include "buffer.h"

#define RESULT_MT	"idcloudhost.result"

/* Fixed for the life of a session. */
typedef struct xfer_conf {
  CURL *tmpl;			/* configured once, duplicated per transfer */
  CURLSH *share;		/* DNS, TLS sessions, connections */
  size_t max_body;		/* bytes after decompression; 0: no cap */
} xfer_conf;

/* One request, validated off the Lua stack by xfer_checkreq. */
typedef struct xfer_req {
  const char *method;
  const char *url;
  const char *body;		/* NULL: no body */
  size_t bodylen;
  int headers;			/* stack index of the headers table; 0: none */
  size_t nhdr;			/* header lines to send, ours included */
  size_t hdrlen;		/* their bytes, NULs included */
  int expect, acceptenc;	/* the caller set Expect / Accept-Encoding */
  long timeout_ms;
  long connect_ms;		/* -1: the session's */
  int fresh;
} xfer_req;

typedef struct xfer {
  CURL *easy;			/* the duplicate, only while the transfer runs */
  struct xfer *next;		/* link in a session list */
  lua_Integer id;		/* > 0 once queued */
  char *sec;			/* header list, header lines, body: wiped */
  size_t seclen, seccap;
  buffer body;
  buffer head;			/* "name: value\n" lines of the final response */
  z_stream *z;			/* a gzip body being inflated */
  size_t max_body;
  long status;
  CURLcode rc;			/* libcurl's result */
  CURLcode fail;		/* our own verdict, if any: wins over rc */
  const char *failmsg;
  unsigned char state;		/* where the answer is: see on_header */
  unsigned char enc;		/* Content-Encoding of the final response */
  unsigned char zend;		/* the gzip stream ended */
  unsigned char sent;		/* bytes of the request went out */
  unsigned char haslen;		/* a Content-Length was read: clen */
  unsigned char chunked;	/* the final answer is chunked: dechunk reads it */
  unsigned char cstate;		/* where dechunk is in the framing */
  unsigned char cseen;		/* bytes of a chunked body came */
  curl_off_t clen;
  curl_off_t cleft;		/* a chunk's size, then its bytes still to come */
  size_t cline;			/* bytes of the current size or trailer line */
  size_t ctrail;		/* bytes of trailers */
  char err[CURL_ERROR_SIZE];
} xfer;

IDC_HIDDEN long xfer_checkms(lua_State *L, int idx, int arg, const char *name);
IDC_HIDDEN void xfer_checkreq(lua_State *L, int arg, xfer_req *r);
IDC_HIDDEN xfer *xfer_new(void);
IDC_HIDDEN CURLcode xfer_start(lua_State *L, xfer *x, const xfer_conf *c,
                               const xfer_req *r);
IDC_HIDDEN void xfer_end(xfer *x, CURLcode rc, int keep);
IDC_HIDDEN int xfer_push(lua_State *L, xfer *x);
IDC_HIDDEN void xfer_register(lua_State *L);
IDC_HIDDEN int xfer_pusherr(lua_State *L, CURLcode rc, const char *msg);
IDC_HIDDEN CURLcode xfer_template(CURL *t);
IDC_HIDDEN void xfer_reset(xfer *x);
IDC_HIDDEN void xfer_free(xfer *x);

#endif
