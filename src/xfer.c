/*
** xfer.c: set up one HTTP transfer on an easy handle and turn its outcome
** into Lua values.  libcurl callbacks only fill C buffers: they run inside
** curl_easy_perform/curl_multi_perform, where raising a Lua error would
** longjmp over libcurl.
*/
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "xfer.h"

#define SETOPT(x, opt, val) \
  do { CURLcode rc_ = curl_easy_setopt((x)->easy, opt, val); \
       if (rc_ != CURLE_OK) return rc_; } while (0)

/* RFC 9110 token characters: what a method or a header name may contain. */
static int istchar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static int istoken(const char *s, size_t len) {
  size_t i;
  if (len == 0) return 0;
  for (i = 0; i < len; i++)
    if (!istchar((unsigned char)s[i])) return 0;
  return 1;
}

static int typeerror(lua_State *L, int arg, const char *expected) {
  return luaL_argerror(L, arg, lua_pushfstring(L, "%s expected, got %s",
                                               expected, luaL_typename(L, arg)));
}


/* ---- libcurl callbacks ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  xfer *x = (xfer *)ud;
  n *= size;
  if (buffer_add(&x->body, p, n) != 0) {
    x->oom = 1;
    return 0;  /* anything but n aborts with CURLE_WRITE_ERROR */
  }
  return n;
}

/*
** libcurl hands over one complete header line per call, status lines of
** interim (1xx) and proxy CONNECT responses included: a status line starts
** the collection afresh so only the final response's headers remain.
*/
static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  xfer *x = (xfer *)ud;
  size_t len = size * n, l = len;
  if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
    x->head.len = 0;
    return len;
  }
  while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == '\n')) l--;
  if (l == 0) return len;  /* blank line ending the block */
  if (p[0] == ' ' || p[0] == '\t') {  /* obsolete line folding */
    if (x->head.len == 0) return len;  /* nothing to continue */
    while (l > 0 && (*p == ' ' || *p == '\t')) p++, l--;
    x->head.data[x->head.len - 1] = ' ';  /* was the previous '\n' */
  }
  if (buffer_add(&x->head, p, l) != 0 || buffer_add(&x->head, "\n", 1) != 0) {
    x->oom = 1;
    return 0;
  }
  return len;
}


/* ---- handle life cycle ---- */

xfer *xfer_new(void) {
  xfer *x = (xfer *)calloc(1, sizeof *x);
  if (x == NULL) return NULL;
  if ((x->easy = curl_easy_init()) == NULL) {
    free(x);
    return NULL;
  }
  buffer_init(&x->body);
  buffer_init(&x->head);
  return x;
}

/*
** Forget the previous request: options, header list, response.  The easy
** handle keeps its connections and caches (and its share) across a reset.
*/
void xfer_release(xfer *x) {
  curl_easy_reset(x->easy);
  curl_slist_free_all(x->hdrs);  /* only after the handle stopped using it */
  x->hdrs = NULL;
  buffer_free(&x->body);
  buffer_free(&x->head);
  x->oom = 0;
  x->id = 0;
  x->err[0] = '\0';
}

void xfer_free(xfer *x) {
  curl_easy_cleanup(x->easy);  /* detaches it from a multi handle too */
  curl_slist_free_all(x->hdrs);
  buffer_free(&x->body);
  buffer_free(&x->head);
  free(x);
}


/* ---- reading a request off the stack ---- */

/* Seconds (the number at idx) to milliseconds for libcurl, 0 = no limit. */
long xfer_checkms(lua_State *L, int idx, int arg, const char *name) {
  double ms;
  long r;
  if (lua_type(L, idx) != LUA_TNUMBER || !(lua_tonumber(L, idx) >= 0))
    return luaL_argerror(L, arg, lua_pushfstring(L,
        "'%s' must be a non-negative number of seconds (got %s)",
        name, lua_type(L, idx) == LUA_TNUMBER ? "a negative number or nan"
                                              : luaL_typename(L, idx)));
  ms = lua_tonumber(L, idx) * 1000.0;
  if (ms >= (double)LONG_MAX) return LONG_MAX;
  r = (long)ms;
  return (double)r < ms ? r + 1 : r;  /* round up: 0.0001 must not mean 0 */
}

static void checkheaders(lua_State *L, int arg) {
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    size_t kl, vl;
    const char *k, *v;
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_argerror(L, arg, lua_pushfstring(L, "header names must be strings "
                    "(got %s)", luaL_typename(L, -2)));
    k = lua_tolstring(L, -2, &kl);
    if (!istoken(k, kl))
      luaL_argerror(L, arg, lua_pushfstring(L, "invalid header name '%s'", k));
    if (lua_type(L, -1) == LUA_TSTRING) {
      v = lua_tolstring(L, -1, &vl);
      if (strlen(v) != vl || strpbrk(v, "\r\n") != NULL)
        luaL_argerror(L, arg, lua_pushfstring(L, "header '%s' has a value "
                      "with CR, LF or NUL", k));
    }
    else if (lua_type(L, -1) != LUA_TNUMBER)
      luaL_argerror(L, arg, lua_pushfstring(L, "header '%s' must be a string "
                    "(got %s)", k, luaL_typename(L, -1)));
    lua_pop(L, 1);
  }
}

/*
** Validate (method, url, headers, body, opts) at arg..arg+4, raising on bad
** arguments, so that everything after this point can fail without raising.
*/
void xfer_checkreq(lua_State *L, int arg, xfer_req *r) {
  size_t len;
  r->method = luaL_checklstring(L, arg, &len);
  if (!istoken(r->method, len))
    luaL_argerror(L, arg, "invalid HTTP method");
  r->url = luaL_checklstring(L, arg + 1, &len);
  if (strlen(r->url) != len)
    luaL_argerror(L, arg + 1, "url contains a NUL byte");
  r->headers = 0;
  if (!lua_isnoneornil(L, arg + 2)) {
    if (!lua_istable(L, arg + 2)) typeerror(L, arg + 2, "table or nil");
    checkheaders(L, arg + 2);
    r->headers = arg + 2;
  }
  r->body = NULL;
  r->bodylen = 0;
  if (!lua_isnoneornil(L, arg + 3)) {
    if (lua_type(L, arg + 3) != LUA_TSTRING) typeerror(L, arg + 3, "string or nil");
    r->body = lua_tolstring(L, arg + 3, &r->bodylen);
  }
  r->timeout_ms = -1;
  if (!lua_isnoneornil(L, arg + 4)) {
    if (!lua_istable(L, arg + 4)) typeerror(L, arg + 4, "table or nil");
    lua_getfield(L, arg + 4, "timeout");
    if (!lua_isnil(L, -1)) r->timeout_ms = xfer_checkms(L, -1, arg + 4, "timeout");
    lua_pop(L, 1);
  }
}


/* ---- configuring the handle ---- */

static CURLcode addheader(xfer *x, const char *line) {
  struct curl_slist *l = curl_slist_append(x->hdrs, line);
  if (l == NULL) return CURLE_OUT_OF_MEMORY;  /* x->hdrs is intact */
  x->hdrs = l;
  return CURLE_OK;
}

/* Headers were validated by xfer_checkreq: only allocation can fail here. */
static CURLcode setheaders(lua_State *L, xfer *x, int idx) {
  CURLcode rc;
  /* libcurl would otherwise wait for "100 Continue" before large bodies */
  if ((rc = addheader(x, "Expect:")) != CURLE_OK) return rc;
  if (idx == 0) return CURLE_OK;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *name = lua_tostring(L, -2);
    const char *value = lua_tostring(L, -1);  /* converts a number in place */
    /* "Name:" would delete the header, "Name;" sends it empty */
    if (*value == '\0') lua_pushfstring(L, "%s;", name);
    else lua_pushfstring(L, "%s: %s", name, value);
    rc = addheader(x, lua_tostring(L, -1));
    lua_pop(L, 2);
    if (rc != CURLE_OK) {
      lua_pop(L, 1);  /* the key */
      return rc;
    }
  }
  return CURLE_OK;
}

static CURLcode setconf(xfer *x, const xfer_conf *c, long timeout_ms) {
  SETOPT(x, CURLOPT_ERRORBUFFER, x->err);
  SETOPT(x, CURLOPT_PRIVATE, (void *)x);
  SETOPT(x, CURLOPT_WRITEFUNCTION, on_body);
  SETOPT(x, CURLOPT_WRITEDATA, (void *)x);
  SETOPT(x, CURLOPT_HEADERFUNCTION, on_header);
  SETOPT(x, CURLOPT_HEADERDATA, (void *)x);
  SETOPT(x, CURLOPT_SHARE, c->share);
  SETOPT(x, CURLOPT_NOSIGNAL, 1L);
  SETOPT(x, CURLOPT_ACCEPT_ENCODING, "");  /* every encoding built in */
  SETOPT(x, CURLOPT_TCP_KEEPALIVE, 1L);
  SETOPT(x, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
  SETOPT(x, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  SETOPT(x, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  SETOPT(x, CURLOPT_TIMEOUT_MS, timeout_ms >= 0 ? timeout_ms : c->timeout_ms);
  SETOPT(x, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
  SETOPT(x, CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
  SETOPT(x, CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
  SETOPT(x, CURLOPT_USERAGENT, c->user_agent ? c->user_agent : IDC_USERAGENT);
  if (c->ca_file) SETOPT(x, CURLOPT_CAINFO, c->ca_file);
  if (c->proxy) SETOPT(x, CURLOPT_PROXY, c->proxy);
  return CURLE_OK;
}

/*
** Make x ready to run request r.  Raises only on memory errors, and x must
** then be reachable from its session so that close() still frees it.
*/
CURLcode xfer_setup(lua_State *L, xfer *x, const xfer_conf *c,
                    const xfer_req *r) {
  CURLcode rc;
  xfer_release(x);
  if ((rc = setconf(x, c, r->timeout_ms)) != CURLE_OK) return rc;
  SETOPT(x, CURLOPT_URL, r->url);
  if (r->body != NULL) {
    /* the size first: COPYPOSTFIELDS copies that many bytes, NULs included */
    SETOPT(x, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->bodylen);
    SETOPT(x, CURLOPT_COPYPOSTFIELDS, r->body);
    SETOPT(x, CURLOPT_CUSTOMREQUEST, r->method);
  }
  else if (strcmp(r->method, "GET") == 0)
    SETOPT(x, CURLOPT_HTTPGET, 1L);
  else if (strcmp(r->method, "HEAD") == 0)
    SETOPT(x, CURLOPT_NOBODY, 1L);
  else
    SETOPT(x, CURLOPT_CUSTOMREQUEST, r->method);
  /*
  ** libcurl silently sends a request again when a reused connection dies
  ** before any answer.  For a write that may already have run (a replayed
  ** create makes a second VM), so writes always take a new connection.
  */
  if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
    SETOPT(x, CURLOPT_FRESH_CONNECT, 1L);
  if ((rc = setheaders(L, x, r->headers)) != CURLE_OK) return rc;
  SETOPT(x, CURLOPT_HTTPHEADER, x->hdrs);
  return CURLE_OK;
}


/* ---- results ---- */

static int isows(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The collected "name: value\n" lines as {lowercased name = value, ...}. */
static void pushheaders(lua_State *L, buffer *b) {
  char *p = b->data, *end = b->data + b->len;
  lua_newtable(L);
  while (p < end) {
    char *nl = (char *)memchr(p, '\n', (size_t)(end - p));
    char *colon, *ne, *v, *q;
    if (nl == NULL) nl = end;
    colon = (char *)memchr(p, ':', (size_t)(nl - p));
    if (colon != NULL) {
      for (ne = colon; ne > p && isows(ne[-1]); ne--) ;
      for (v = colon + 1; v < nl && isows(*v); v++) ;
      for (q = nl; q > v && isows(q[-1]); q--) ;
      if (ne > p) {
        char *c;
        for (c = p; c < ne; c++)  /* ASCII only, whatever the C locale */
          if (*c >= 'A' && *c <= 'Z') *c += 'a' - 'A';
        lua_pushlstring(L, p, (size_t)(ne - p));
        lua_pushvalue(L, -1);
        lua_rawget(L, -3);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
          lua_pushlstring(L, v, (size_t)(q - v));
        }
        else {  /* a repeated header: RFC 9110 5.3 list join */
          lua_pushliteral(L, ", ");
          lua_pushlstring(L, v, (size_t)(q - v));
          lua_concat(L, 3);
        }
        lua_rawset(L, -3);
      }
    }
    p = nl + 1;
  }
}

/*
** Push status, body, headers for a completed HTTP exchange (any status),
** or nil, message, curl code for a transport failure.  Always 3 values.
*/
int xfer_pushresult(lua_State *L, xfer *x, CURLcode rc) {
  long status = 0;
  if (rc == CURLE_OK)
    rc = curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) {
    lua_pushnil(L);
    if (x->oom) {
      lua_pushliteral(L, "out of memory while receiving the response");
      rc = CURLE_OUT_OF_MEMORY;
    }
    else
      lua_pushstring(L, x->err[0] ? x->err : curl_easy_strerror(rc));
    lua_pushinteger(L, (lua_Integer)rc);
    return 3;
  }
  lua_pushinteger(L, (lua_Integer)status);
  lua_pushlstring(L, x->body.data ? x->body.data : "", x->body.len);
  pushheaders(L, &x->head);
  return 3;
}
