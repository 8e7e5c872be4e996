/*
** xfer.c: one HTTP transfer: read a request off the Lua stack, run it on a
** duplicate of the session's template handle, check the answer byte by
** byte, turn the outcome into Lua values.  libcurl callbacks only fill C
** buffers: they run inside curl_multi_perform (both ways a transfer runs), where
** raising a Lua error would longjmp over libcurl.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "xfer.h"

#define HEAD_MAX	(300 * 1024)	/* libcurl 8's bound on a header block */
#define BODY_KEEP	(256 * 1024)	/* memory request() keeps between calls */
#define HEAD_KEEP	(16 * 1024)
#define SEC_KEEP	(16 * 1024)
#define ZCHUNK		(16 * 1024)	/* inflate output per round */
#define MS_MAX		2147483647L	/* ~24.8 days: fits libcurl's int maths */

enum { S_START, S_HEAD, S_DONE };	/* before a status line, in, after */
enum { E_NONE, E_GZIP, E_BAD };

static const char FOLDED[] = "a folded header line with nothing to continue";

/*
** memset through a volatile pointer: the compiler must call it, so a wipe
** right before free() is not dropped as a dead store (explicit_bzero is
** neither C99 nor everywhere).
*/
static void *(*const volatile wipe_fn)(void *, int, size_t) = memset;

static void wipe(void *p, size_t n) {
  if (p != NULL && n > 0) wipe_fn(p, 0, n);
}

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

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

/* s (len bytes) equals the lowercase literal lc, ASCII case-insensitively */
static int ieq(const char *s, size_t len, const char *lc) {
  size_t i;
  for (i = 0; i < len; i++)
    if (lc[i] == '\0' || lower((unsigned char)s[i]) != lc[i]) return 0;
  return lc[len] == '\0';
}


/* ---- libcurl callbacks ---- */

/* Our own verdict on the answer; returning anything but the length given
   aborts the transfer (libcurl calls it CURLE_WRITE_ERROR). */
static size_t fail(xfer *x, CURLcode rc, const char *msg) {
  if (x->fail == CURLE_OK) {
    x->fail = rc;
    x->failmsg = msg;
  }
  return 0;
}

static size_t oom(xfer *x) {
  return fail(x, CURLE_OUT_OF_MEMORY, "out of memory while receiving the answer");
}

/*
** Inflate a gzip body straight into x->body.  Done here rather than by
** libcurl (CURLOPT_ACCEPT_ENCODING) because libcurl 7.88 reports success
** for a gzip stream cut short, and counts the cap on the compressed bytes.
** Memory stays within max_body: the output room is clipped to the cap and
** one byte more is asked of zlib only to learn whether the cap is passed.
*/
static size_t gunzip(xfer *x, char *p, size_t len) {
  z_stream *z = x->z;
  size_t cap = x->max_body;
  if (z == NULL) {
    if ((z = (z_stream *)calloc(1, sizeof *z)) == NULL) return oom(x);
    if (inflateInit2(z, 16 + MAX_WBITS) != Z_OK) {  /* 16: gzip wrapper only */
      free(z);
      return oom(x);
    }
    x->z = z;
  }
  z->next_in = (Bytef *)p;
  z->avail_in = (uInt)len;  /* libcurl hands over at most CURL_MAX_WRITE_SIZE */
  while (z->avail_in > 0) {
    uInt in = z->avail_in, out;
    unsigned char probe;
    int r;
    if (x->zend)
      return fail(x, CURLE_BAD_CONTENT_ENCODING, "bytes after the end of the gzip body");
    if (cap > 0 && x->body.len >= cap) {
      z->next_out = &probe;
      z->avail_out = out = 1;
      r = inflate(z, Z_NO_FLUSH);
      if (z->avail_out == 0) return fail(x, CURLE_FILESIZE_EXCEEDED, NULL);
    }
    else {
      size_t want = ZCHUNK;
      if (cap > 0 && want > cap - x->body.len) want = cap - x->body.len;
      if (buffer_reserve(&x->body, want, cap) != 0) return oom(x);
      z->next_out = (Bytef *)x->body.data + x->body.len;
      z->avail_out = out = (uInt)want;
      r = inflate(z, Z_NO_FLUSH);
      x->body.len += out - z->avail_out;
    }
    if (r == Z_STREAM_END) x->zend = 1;
    else if (r == Z_MEM_ERROR) return oom(x);
    else if ((r != Z_OK && r != Z_BUF_ERROR) ||
             (z->avail_in == in && z->avail_out == out))  /* no progress */
      return fail(x, CURLE_BAD_CONTENT_ENCODING, "the gzip body is corrupt");
  }
  return len;
}

/* len bytes of the body itself (chunk framing removed), len > 0. */
static size_t sink(xfer *x, char *p, size_t len) {
  if (x->enc == E_GZIP) return gunzip(x, p, len);
  if (x->enc == E_BAD)  /* we only ever ask for gzip */
    return fail(x, CURLE_BAD_CONTENT_ENCODING,
                "the answer has a Content-Encoding other than gzip, as asked for");
  if (x->max_body > 0 && len > x->max_body - x->body.len)
    return fail(x, CURLE_FILESIZE_EXCEEDED, NULL);
  if (buffer_reserve(&x->body, len, x->max_body) != 0) return oom(x);
  memcpy(x->body.data + x->body.len, p, len);
  x->body.len += len;
  return len;
}

/*
** Chunked framing, read here (libcurl passes it through raw:
** CURLOPT_HTTP_TRANSFER_DECODING 0) because libcurl 7.88 reads it
** leniently: a size line "5 " or "5garbage" is 5 to it, where nginx refuses
** it.  RFC 9112 7.1, as the ngx transport and the curl command transport
** read it: 1 to 15 hex digits, then only ";" extensions (blanks allowed
** before the ";"), CRLF or a bare LF; the data and its CRLF; after the
** 0-size chunk, trailer lines up to an empty one, dropped.  Bytes after
** that are not the answer's: ignored.
*/
enum { C_SIZE, C_BWS, C_EXT, C_LF, C_DATA, C_DCR, C_DLF, C_TRAILER, C_TLF, C_END };

#define CHUNK_LINE	1024	/* bytes of a size line with its extensions, line end aside */
#define BADCHUNK	"the answer's chunked encoding is malformed"

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* A size line ended: the data of a chunk next, or the trailers. */
static void sizeline(xfer *x) {
  x->cstate = x->cleft == 0 ? C_TRAILER : C_DATA;
  x->cline = 0;
}

static size_t dechunk(xfer *x, char *p, size_t len) {
  size_t i = 0;
  x->cseen = 1;
  while (i < len) {
    unsigned char c = (unsigned char)p[i];
    int h;
    switch (x->cstate) {
      case C_SIZE:
        if ((h = hexval(c)) >= 0) {  /* cline: the digits so far */
          if (++x->cline > 15) return fail(x, CURLE_RECV_ERROR, BADCHUNK);
          x->cleft = x->cleft * 16 + h;
        }
        else if (x->cline == 0) return fail(x, CURLE_RECV_ERROR, BADCHUNK);
        else if (c == ';') x->cstate = C_EXT, x->cline++;
        else if (c == ' ' || c == '\t') x->cstate = C_BWS, x->cline++;
        else if (c == '\r') x->cstate = C_LF;
        else if (c == '\n') sizeline(x);
        else return fail(x, CURLE_RECV_ERROR, BADCHUNK);
        i++;
        break;
      case C_BWS:  /* blanks only before an extension: "5 " alone is no size */
        if (c != ';' && c != ' ' && c != '\t') return fail(x, CURLE_RECV_ERROR, BADCHUNK);
        if (++x->cline > CHUNK_LINE) return fail(x, CURLE_RECV_ERROR, BADCHUNK);
        if (c == ';') x->cstate = C_EXT;
        i++;
        break;
      case C_EXT:
        if (c == '\r') x->cstate = C_LF;
        else if (c == '\n') sizeline(x);
        else if (++x->cline > CHUNK_LINE) return fail(x, CURLE_RECV_ERROR, BADCHUNK);
        i++;
        break;
      case C_LF:
        if (c != '\n') return fail(x, CURLE_RECV_ERROR, BADCHUNK);
        sizeline(x);
        i++;
        break;
      case C_DATA: {
        size_t k = len - i;
        if ((curl_off_t)k > x->cleft) k = (size_t)x->cleft;
        if (sink(x, p + i, k) != k) return 0;
        i += k;
        if ((x->cleft -= (curl_off_t)k) == 0) x->cstate = C_DCR;
        break;
      }
      case C_DCR:
        if (c == '\r') x->cstate = C_DLF;
        else if (c == '\n') x->cstate = C_SIZE, x->cline = 0;
        else return fail(x, CURLE_RECV_ERROR, BADCHUNK);
        i++;
        break;
      case C_DLF:
        if (c != '\n') return fail(x, CURLE_RECV_ERROR, BADCHUNK);
        x->cstate = C_SIZE, x->cline = 0;
        i++;
        break;
      case C_TRAILER:
        if (c == '\r') x->cstate = C_TLF;
        else if (c == '\n') {
          if (x->cline == 0) x->cstate = C_END;
          x->cline = 0;
        }
        else if (x->cline++, ++x->ctrail > HEAD_MAX)
          return fail(x, CURLE_RECV_ERROR, "the answer's trailers are too large");
        i++;
        break;
      case C_TLF:
        if (c != '\n') return fail(x, CURLE_RECV_ERROR, BADCHUNK);
        x->cstate = x->cline == 0 ? C_END : C_TRAILER;
        x->cline = 0;
        i++;
        break;
      default:  /* C_END */
        i = len;
        break;
    }
  }
  return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  xfer *x = (xfer *)ud;
  size_t len = size * n;
  if (len == 0) return 0;
  if (x->chunked) return dechunk(x, p, len);
  return sink(x, p, len);
}

static int isows(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/*
** Split the line p..nl of collected headers at its colon: the name without
** trailing blanks, the value without surrounding ones.  0: no colon.
*/
static int splitline(char *p, char *nl, char **ne, char **v, char **ve) {
  char *colon = (char *)memchr(p, ':', (size_t)(nl - p));
  if (colon == NULL) return 0;
  for (*ne = colon; *ne > p && isows((*ne)[-1]); (*ne)--) ;
  for (*v = colon + 1; *v < nl && isows(**v); (*v)++) ;
  for (*ve = nl; *ve > *v && isows((*ve)[-1]); (*ve)--) ;
  return 1;
}

/* The Content-Encoding named in the collected header lines. */
static int encoding(const buffer *b) {
  char *p = b->data, *end, *ne, *v, *ve;
  int enc = E_NONE, n = 0;
  if (b->len == 0) return E_NONE;  /* data may be NULL: no arithmetic on it */
  end = p + b->len;
  while (p < end) {
    char *nl = (char *)memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL) nl = end;
    if (*p == 'c' &&  /* (names are lowercase in head: most lines end here) */
        splitline(p, nl, &ne, &v, &ve) &&
        ieq(p, (size_t)(ne - p), "content-encoding")) {
      size_t l = (size_t)(ve - v);
      n++;
      /* the strictest reading, which every transport shares: "gzip" as it
         was asked for (not GZIP, not x-gzip); an empty value names no
         coding, and the body is then no text we can vouch for */
      if (l > 0 && ieq(v, l, "identity")) enc = E_NONE;
      else if (l == 4 && memcmp(v, "gzip", 4) == 0) enc = E_GZIP;
      else enc = E_BAD;
    }
    p = nl + 1;
  }
  return n > 1 ? E_BAD : enc;  /* stacked codings: nothing we asked for */
}

enum { T_NONE, T_CHUNKED, T_BAD };

/*
** The Transfer-Encoding named in the collected header lines.  We send no
** TE header, so chunked is the only transfer coding a server may use
** (RFC 9112 6.1, 7.4): "gzip, chunked", a second Transfer-Encoding line
** or anything else is refused, as the other transports refuse it.
*/
static int transfer(const buffer *b) {
  char *p = b->data, *end, *ne, *v, *ve;
  int te = T_NONE, n = 0;
  if (b->len == 0) return T_NONE;
  end = p + b->len;
  while (p < end) {
    char *nl = (char *)memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL) nl = end;
    if (*p == 't' && splitline(p, nl, &ne, &v, &ve) &&
        ieq(p, (size_t)(ne - p), "transfer-encoding")) {
      n++;
      te = ieq(v, (size_t)(ve - v), "chunked") ? T_CHUNKED : T_BAD;
    }
    p = nl + 1;
  }
  return n > 1 ? T_BAD : te;
}

#define BADLEN "the answer's Content-Length is malformed or given twice with two values"

/*
** 0 for a Content-Length line that libcurl would read leniently: "12abc"
** (read as 12, the rest left on the connection for the next answer) or two
** different values (libcurl takes the last): the body's end is then the
** server's word against itself, the stuff of response smuggling.
*/
static int contentlength(xfer *x, char *p, char *nl) {
  char *ne, *v, *ve, *c;
  curl_off_t n = 0;
  if (p == nl || (*p != 'c' && *p != 'C')) return 1;  /* another name */
  if (!splitline(p, nl, &ne, &v, &ve) ||
      !ieq(p, (size_t)(ne - p), "content-length"))
    return 1;
  if (v == ve) return 0;
  for (c = v; c < ve; c++) {
    if (*c < '0' || *c > '9' || n > (CURL_OFF_T_C(0x7fffffffffffffff) - 9) / 10) return 0;
    n = n * 10 + (*c - '0');
  }
  if (x->haslen && x->clen != n) return 0;
  x->haslen = 1;
  x->clen = n;
  return 1;
}

/*
** libcurl hands over one complete header line per call, status lines of
** interim (1xx) and proxy CONNECT answers included: a status line starts
** the collection afresh so only the final answer's headers remain.  The
** blank line ending a block moves the state to S_DONE; lines after it that
** are not a status line are trailers of a chunked body, dropped.
*/
static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  xfer *x = (xfer *)ud;
  size_t len = size * n, l = len;
  int folded = 0;
  char *d, *colon;
  if (x->state != S_HEAD) {
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
      x->head.len = 0;
      x->state = S_HEAD;
      x->enc = E_NONE;
      x->haslen = 0;
      x->chunked = 0;
    }
    return len;
  }
  while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == '\n')) l--;
  if (l == 0) {
    int te = transfer(&x->head);
    x->state = S_DONE;
    x->enc = (unsigned char)encoding(&x->head);
    if (te == T_BAD)
      return fail(x, CURLE_BAD_CONTENT_ENCODING,
                  "the answer has a Transfer-Encoding other than chunked");
    x->chunked = te == T_CHUNKED;
    x->cstate = C_SIZE;
    x->cleft = 0;
    x->cline = x->ctrail = 0;
    return len;
  }
  if (l >= (size_t)HEAD_MAX - x->head.len)  /* keeps head.len <= HEAD_MAX */
    return fail(x, CURLE_RECV_ERROR, "the answer's headers are too large");
  if (p[0] == ' ' || p[0] == '\t') {  /* obsolete line folding */
    if (x->head.len == 0) return fail(x, CURLE_WEIRD_SERVER_REPLY, FOLDED);
    while (l > 0 && (*p == ' ' || *p == '\t')) p++, l--;
    x->head.data[x->head.len - 1] = ' ';  /* was the previous '\n' */
    folded = 1;
  }
  if (buffer_reserve(&x->head, l + 1, 0) != 0) return oom(x);
  d = x->head.data + x->head.len;
  memcpy(d, p, l);
  if (!folded && (colon = (char *)memchr(d, ':', l)) != NULL)
    for (; d < colon; d++) *d = (char)lower((unsigned char)*d);  /* head's names are lowercase */
  x->head.data[x->head.len + l] = '\n';
  x->head.len += l + 1;
  if (!contentlength(x, p, p + l)) return fail(x, CURLE_WEIRD_SERVER_REPLY, BADLEN);
  return len;
}


/* ---- reading a request off the stack ---- */

static int typeerror(lua_State *L, int arg, const char *field,
                     const char *expected, int idx) {
  return luaL_argerror(L, arg, lua_pushfstring(L, "'%s' must be %s (got %s)",
                       field, expected, luaL_typename(L, idx)));
}

/* Seconds (> 0, the number at idx) to milliseconds, rounded up. */
long xfer_checkms(lua_State *L, int idx, int arg, const char *name) {
  double ms;
  long r;
  if (lua_type(L, idx) != LUA_TNUMBER)
    return typeerror(L, arg, name, "a number of seconds > 0", idx);
  ms = lua_tonumber(L, idx) * 1000.0;
  if (!(ms > 0))
    return luaL_argerror(L, arg, lua_pushfstring(L,
        "'%s' must be a number of seconds > 0", name));
  if (ms >= (double)MS_MAX) return MS_MAX;
  r = (long)ms;
  return (double)r < ms ? r + 1 : r;  /* 0.0001 s must not mean 0 */
}

/*
** Check the headers table and size what xfer_start copies: "Name: value"
** or "Name;" (libcurl's way to send an empty value: "Name:" deletes it).
** Values are read through a converted copy: the table is never changed.
*/
static void checkheaders(lua_State *L, int arg, int idx, xfer_req *r) {
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    size_t kl, vl;
    const char *k, *v;
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_argerror(L, arg, lua_pushfstring(L, "header names must be strings "
                    "(got %s)", luaL_typename(L, -2)));
    k = lua_tolstring(L, -2, &kl);
    if (!istoken(k, kl))
      luaL_argerror(L, arg, lua_pushfstring(L, "invalid header name '%s'", k));
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
      luaL_argerror(L, arg, lua_pushfstring(L, "header '%s' must be a string "
                    "(got %s)", k, luaL_typename(L, -1)));
    v = lua_tolstring(L, -1, &vl);
    if (strlen(v) != vl || strpbrk(v, "\r\n") != NULL)  /* never the value: */
      luaL_argerror(L, arg, lua_pushfstring(L, "header '%s' has a value "
                    "with CR, LF or NUL", k));  /* it may be the api key */
    if (kl + vl > (size_t)-1 / 2 - r->hdrlen)
      luaL_argerror(L, arg, "headers too large");
    r->hdrlen += kl + (vl > 0 ? 2 + vl : 1) + 1;
    r->nhdr++;
    if (ieq(k, kl, "expect")) r->expect = 1;
    if (ieq(k, kl, "accept-encoding")) r->acceptenc = 1;
    lua_pop(L, 1);
  }
}

/*
** Validate req (the table at arg), raising on a bad argument before
** anything is allocated or sent.  The fields stay on the stack (r points
** into them) until the transfer is set up.
*/
void xfer_checkreq(lua_State *L, int arg, xfer_req *r) {
  int base;
  size_t len;
  luaL_checktype(L, arg, LUA_TTABLE);
  memset(r, 0, sizeof *r);
  base = lua_gettop(L);
  lua_getfield(L, arg, "method");
  lua_getfield(L, arg, "url");
  lua_getfield(L, arg, "headers");
  lua_getfield(L, arg, "body");
  lua_getfield(L, arg, "timeout");
  lua_getfield(L, arg, "connect_timeout");
  lua_getfield(L, arg, "fresh");
  if (lua_type(L, base + 1) != LUA_TSTRING)
    typeerror(L, arg, "method", "a string", base + 1);
  r->method = lua_tolstring(L, base + 1, &len);
  if (!istoken(r->method, len))
    luaL_argerror(L, arg, "'method' is not a valid HTTP method");
  if (lua_type(L, base + 2) != LUA_TSTRING)
    typeerror(L, arg, "url", "a string", base + 2);
  r->url = lua_tolstring(L, base + 2, &len);
  if (strlen(r->url) != len)
    luaL_argerror(L, arg, "'url' contains a NUL byte");
  if (!lua_isnil(L, base + 3)) {
    if (!lua_istable(L, base + 3))
      typeerror(L, arg, "headers", "a table or nil", base + 3);
    checkheaders(L, arg, base + 3, r);
    r->headers = base + 3;
  }
  r->nhdr += !r->expect + !r->acceptenc;
  if (!lua_isnil(L, base + 4)) {
    if (lua_type(L, base + 4) != LUA_TSTRING)
      typeerror(L, arg, "body", "a string or nil", base + 4);
    r->body = lua_tolstring(L, base + 4, &r->bodylen);
  }
  r->timeout_ms = xfer_checkms(L, base + 5, arg, "timeout");
  r->connect_ms = lua_isnil(L, base + 6) ? -1
                : xfer_checkms(L, base + 6, arg, "connect_timeout");
  if (!lua_isnil(L, base + 7) && !lua_isboolean(L, base + 7))
    typeerror(L, arg, "fresh", "a boolean or nil", base + 7);
  r->fresh = lua_toboolean(L, base + 7);
}


/* ---- a transfer's life ---- */

xfer *xfer_new(void) {
  xfer *x = (xfer *)calloc(1, sizeof *x);
  if (x == NULL) return NULL;
  buffer_init(&x->body);
  buffer_init(&x->head);
  return x;
}

/*
** Copy the header lines and the body into x->sec, memory we own and wipe
** when the transfer ends: the lines hold the api key, the body may hold
** passwords.  libcurl is pointed at this copy (CURLOPT_HTTPHEADER takes
** our list nodes, CURLOPT_POSTFIELDS our bytes) instead of making copies
** of its own (curl_slist_append, CURLOPT_COPYPOSTFIELDS) that it would
** free unwiped.  What libcurl still copies into its send buffer, and what
** the Lua strings hold, is out of our reach.
*/
static CURLcode copysecrets(lua_State *L, xfer *x, const xfer_req *r,
                            struct curl_slist **list, char **body) {
  struct curl_slist *nodes;
  size_t nsz = r->nhdr * sizeof *nodes, need, i = 0, user;
  char *s;
  if (r->bodylen > (size_t)-1 - nsz - r->hdrlen) return CURLE_OUT_OF_MEMORY;
  need = nsz + r->hdrlen + r->bodylen;
  if (need > x->seccap) {  /* the old block was wiped when it was last used */
    free(x->sec);
    x->seccap = 0;
    if ((x->sec = (char *)malloc(need)) == NULL) return CURLE_OUT_OF_MEMORY;
    x->seccap = need;
  }
  x->seclen = need;  /* before filling: a raise below still gets it wiped */
  nodes = (struct curl_slist *)(void *)x->sec;
  s = x->sec + nsz;
  user = r->nhdr - !r->expect - !r->acceptenc;
  if (r->headers != 0) {
    lua_pushnil(L);
    while (i < user && lua_next(L, r->headers)) {
      size_t kl, vl;
      const char *k = lua_tolstring(L, -2, &kl);
      const char *v = lua_tolstring(L, -1, &vl);  /* only a number allocates */
      nodes[i++].data = s;
      memcpy(s, k, kl);
      s += kl;
      if (vl == 0) *s++ = ';';
      else {
        *s++ = ':';
        *s++ = ' ';
        memcpy(s, v, vl);
        s += vl;
      }
      *s++ = '\0';
      lua_pop(L, 1);
    }
    if (i == user) lua_pop(L, 1);  /* the key lua_next left */
  }
  /* Expect: libcurl would wait for "100 Continue" before a body > 1 MB */
  if (!r->expect) nodes[i++].data = (char *)"Expect:";
  if (!r->acceptenc) nodes[i++].data = (char *)"Accept-Encoding: gzip";
  *list = NULL;
  while (i-- > 0) {
    nodes[i].next = *list;
    *list = &nodes[i];
  }
  *body = s;
  if (r->body != NULL) memcpy(s, r->body, r->bodylen);
  return CURLE_OK;
}

#define SETOPT(opt, val) \
  do { if ((rc = curl_easy_setopt(e, opt, val)) != CURLE_OK) return rc; } while (0)

/* Options of this transfer only; the template holds everything else. */
static CURLcode setopts(xfer *x, const xfer_conf *c, const xfer_req *r,
                        struct curl_slist *list, char *body) {
  CURL *e = x->easy;
  CURLcode rc;
  SETOPT(CURLOPT_PRIVATE, (void *)x);
  SETOPT(CURLOPT_WRITEDATA, (void *)x);
  SETOPT(CURLOPT_HEADERDATA, (void *)x);
  SETOPT(CURLOPT_ERRORBUFFER, x->err);
  SETOPT(CURLOPT_SHARE, c->share);  /* a duplicate does not inherit it */
  SETOPT(CURLOPT_URL, r->url);
  SETOPT(CURLOPT_TIMEOUT_MS, r->timeout_ms);
  if (r->connect_ms >= 0) SETOPT(CURLOPT_CONNECTTIMEOUT_MS, r->connect_ms);
  if (r->body != NULL) {
    SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->bodylen);
    SETOPT(CURLOPT_POSTFIELDS, body);
    if (strcmp(r->method, "POST") != 0) SETOPT(CURLOPT_CUSTOMREQUEST, r->method);
  }
  else if (strcmp(r->method, "HEAD") == 0) {
    SETOPT(CURLOPT_NOBODY, 1L);
    /* the Content-Length of a HEAD answer is not a body coming */
    SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)0);
  }
  else if (strcmp(r->method, "GET") != 0)
    SETOPT(CURLOPT_CUSTOMREQUEST, r->method);
  /*
  ** libcurl silently sends a request again when a reused connection turns
  ** out dead before any answer: a write that may already have run would
  ** run twice (a second VM).  FRESH_CONNECT is what forbids the reuse; a
  ** new connection is never retried that way.  FORBID_REUSE closes it after
  ** the answer: a write's connection could only ever serve reads, and kept
  ** (the pool holds up to 4 x the transfers in flight) a batch of writes
  ** left hundreds of idle sockets open, until the process ran out of fds.
  */
  if (r->fresh) {
    SETOPT(CURLOPT_FRESH_CONNECT, 1L);
    SETOPT(CURLOPT_FORBID_REUSE, 1L);
  }
  SETOPT(CURLOPT_HTTPHEADER, list);
  return CURLE_OK;
}

/*
** Set x up to run r: on failure the transfer is already ended (x->rc).
** Raises only on a memory error converting a number header, with x then
** reachable from its session so that close() still wipes and frees it.
*/
CURLcode xfer_start(lua_State *L, xfer *x, const xfer_conf *c,
                    const xfer_req *r) {
  struct curl_slist *list;
  char *body;
  CURLcode rc = copysecrets(L, x, r, &list, &body);
  x->max_body = c->max_body;
  if (rc == CURLE_OK && (x->easy = curl_easy_duphandle(c->tmpl)) == NULL)
    rc = CURLE_OUT_OF_MEMORY;
  if (rc == CURLE_OK) rc = setopts(x, c, r, list, body);
  if (rc != CURLE_OK) xfer_end(x, rc, 1);
  return rc;
}

/* Free the handle, wipe the secrets, drop the inflater; x keeps the answer. */
static void release(xfer *x, int keep) {
  if (x->easy != NULL) {
    curl_easy_cleanup(x->easy);  /* done with the header list and body */
    x->easy = NULL;
  }
  wipe(x->sec, x->seclen);
  x->seclen = 0;
  if (!keep || x->seccap > SEC_KEEP) {
    free(x->sec);
    x->sec = NULL;
    x->seccap = 0;
  }
  if (x->z != NULL) {
    (void)inflateEnd(x->z);
    free(x->z);
    x->z = NULL;
  }
}

/*
** The transfer is over with libcurl's rc: decide the outcome, release the
** handle.  What libcurl takes for success is not always an answer.
*/
void xfer_end(xfer *x, CURLcode rc, int keep) {
  if (x->easy != NULL) {
    long v = 0;
    if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &v) == CURLE_OK)
      x->status = v;
    v = 0;
    if (curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &v) == CURLE_OK)
      x->sent = v > 0;
  }
  if (x->fail != CURLE_OK) {  /* our callbacks aborted: libcurl says WRITE_ERROR */
    rc = x->fail;
  }
  else if (rc == CURLE_OK) {
    /* libcurl 7.88 takes a connection closed inside the headers for an
       answer once it got a line of them */
    if (x->state != S_DONE)
      rc = CURLE_RECV_ERROR, x->failmsg = "the connection closed inside the headers";
    else if (x->chunked && x->cseen && x->cstate != C_END)
      rc = CURLE_PARTIAL_FILE, x->failmsg = "the chunked body ended early";
    else if (x->z != NULL && !x->zend)
      rc = CURLE_BAD_CONTENT_ENCODING, x->failmsg = "the gzip body ended early";
  }
  /* libcurl 7.88 refuses a header line over 100 KB as out of memory: it is
     the answer's fault, named as the other transports name it */
  else if (rc == CURLE_OUT_OF_MEMORY && x->state != S_DONE && x->sent)
    rc = CURLE_RECV_ERROR, x->failmsg = "a header line of the answer is over 100 KB";
  /* libcurl 7.88's own name for a folded first header line */
  else if (rc == CURLE_BAD_FUNCTION_ARGUMENT && x->state == S_HEAD)
    rc = CURLE_WEIRD_SERVER_REPLY, x->failmsg = FOLDED;
  /* no status line came back: the request went out, this is no "never sent" */
  else if (rc == CURLE_UNSUPPORTED_PROTOCOL && x->sent && x->state == S_START)
    rc = CURLE_WEIRD_SERVER_REPLY, x->failmsg = "the server did not answer with HTTP";
  x->rc = rc;
  release(x, keep);
}

/* Get x ready for another request (session:request reuses one). */
void xfer_reset(xfer *x) {
  buffer_reset(&x->body, BODY_KEEP);
  buffer_reset(&x->head, HEAD_KEEP);
  x->status = 0;
  x->rc = x->fail = CURLE_OK;
  x->failmsg = NULL;
  x->state = S_START;
  x->enc = E_NONE;
  x->zend = x->sent = x->haslen = 0;
  x->chunked = x->cstate = x->cseen = 0;
  x->cleft = 0;
  x->cline = x->ctrail = 0;
  x->err[0] = '\0';
}

void xfer_free(xfer *x) {
  release(x, 0);
  buffer_free(&x->body);
  buffer_free(&x->head);
  free(x);
}


/* ---- results ---- */

/*
** The answer's headers reach Lua as the block of collected lines, `head`;
** the table `headers` is built from it on first read (RESULT_MT's
** __index).  A call that succeeds reads no header: it pays one string, not
** a table and two interned strings per header.
*/

/* res.headers: {name = value, ...} from res.head, stored in res. */
static int result_index(lua_State *L) {
  size_t len;
  const char *k = lua_tostring(L, 2), *s;
  char *p, *end, *ne, *v, *ve;
  if (k == NULL || strcmp(k, "headers") != 0) return 0;
  lua_settop(L, 2);
  lua_getfield(L, 1, "head");	/* 3 */
  s = lua_tolstring(L, 3, &len);
  if (s == NULL) s = "", len = 0;
  p = (char *)s, end = p + len;	/* read only: splitline writes nothing */
  lua_newtable(L);		/* 4 */
  while (p < end) {
    char *nl = (char *)memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL) nl = end;
    if (splitline(p, nl, &ne, &v, &ve) && ne > p) {
      lua_pushlstring(L, p, (size_t)(ne - p));
      lua_pushvalue(L, -1);
      lua_rawget(L, 4);
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushlstring(L, v, (size_t)(ve - v));
      }
      else {  /* a repeated header: RFC 9110 5.3 list join */
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, v, (size_t)(ve - v));
        lua_concat(L, 3);
      }
      lua_rawset(L, 4);
    }
    p = nl + 1;
  }
  lua_pushvalue(L, 2);
  lua_pushvalue(L, 4);
  lua_rawset(L, 1);
  return 1;
}

void xfer_register(lua_State *L) {
  luaL_newmetatable(L, RESULT_MT);
  lua_pushcfunction(L, result_index);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

/*
** The outcome of an ended transfer: {status=, body=, head=} (and headers
** on demand), or nil, "NAME: message", "NAME".  Returns the number of
** values pushed.
*/
int xfer_push(lua_State *L, xfer *x) {
  if (x->rc == CURLE_FILESIZE_EXCEEDED) {  /* ours, or libcurl's (Content-Length) */
    char msg[80];
    snprintf(msg, sizeof msg, "the answer is larger than max_body (%llu bytes)",
             (unsigned long long)x->max_body);
    return xfer_pusherr(L, x->rc, msg);
  }
  if (x->rc != CURLE_OK)
    return xfer_pusherr(L, x->rc, x->failmsg ? x->failmsg
                        : x->err[0] ? x->err : curl_easy_strerror(x->rc));
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, (lua_Integer)x->status);
  lua_setfield(L, -2, "status");
  lua_pushlstring(L, x->body.data ? x->body.data : "", x->body.len);
  lua_setfield(L, -2, "body");
  lua_pushlstring(L, x->head.data ? x->head.data : "", x->head.len);
  lua_setfield(L, -2, "head");
  luaL_getmetatable(L, RESULT_MT);
  lua_setmetatable(L, -2);
  return 1;
}

/* nil, "NAME: message", "NAME" */
int xfer_pusherr(lua_State *L, CURLcode rc, const char *msg) {
  char buf[16];
  const char *name = idc_codename(rc, buf, sizeof buf);
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", name, msg);
  lua_pushstring(L, name);
  return 3;
}

#undef SETOPT
#define SETOPT(opt, val) \
  do { if ((rc = curl_easy_setopt(t, opt, val)) != CURLE_OK) return rc; } while (0)

/* What every transfer of every session shares; the session adds its own. */
CURLcode xfer_template(CURL *t) {
  CURLcode rc;
  SETOPT(CURLOPT_NOSIGNAL, 1L);  /* no SIGALRM for DNS timeouts in a host app */
#if LIBCURL_VERSION_NUM >= 0x075500
  SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
  SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  SETOPT(CURLOPT_FOLLOWLOCATION, 0L);  /* a 3xx is an answer */
  SETOPT(CURLOPT_HTTP_CONTENT_DECODING, 0L);  /* gzip is inflated by gunzip */
  SETOPT(CURLOPT_HTTP_TRANSFER_DECODING, 0L);  /* chunks are read by dechunk */
  SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
  SETOPT(CURLOPT_WRITEFUNCTION, on_body);
  SETOPT(CURLOPT_HEADERFUNCTION, on_header);
  return CURLE_OK;
}
