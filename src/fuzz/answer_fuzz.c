/*
** answer_fuzz.c: libFuzzer harness for the code that reads a server's
** bytes: the header callback (status lines, folding, bare LF, the header
** cap), the Content-Encoding choice, the body callback with gunzip and the
** max_body cap, the verdict of xfer_end and the headers table of xfer_push.
**
**   make fuzz            (clang, ASan + UBSan; runs FUZZ_SECONDS, default 60)
**
** Input: byte 0 picks max_body (0: none, else n * 64), byte 1 the body
** chunk size; the rest is the answer: lines up to the first empty one go to
** on_header one by one (as libcurl hands them over), the remainder to
** on_body in chunks.  The xfer.c functions are static: it is included.
*/
#include "../xfer.c"

#include <lualib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void feed(xfer *x, const unsigned char *p, size_t n, size_t chunk) {
  const unsigned char *end = p + n;
  /* header lines until a block ends and no status line follows it */
  while (p < end && (x->state != S_DONE ||
                     ((size_t)(end - p) >= 5 && memcmp(p, "HTTP/", 5) == 0))) {
    const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
    char line[512];
    if (l > sizeof line) l = sizeof line;
    memcpy(line, p, l);  /* libcurl hands over a copy */
    if (on_header(line, 1, l, x) != l) return;
    p += l;
  }
  while (p < end) {
    size_t l = (size_t)(end - p) < chunk ? (size_t)(end - p) : chunk;
    char buf[256];
    memcpy(buf, p, l);
    if (on_body(buf, 1, l, x) != l) return;
    p += l;
  }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  static lua_State *L;
  xfer *x;
  if (size < 2) return 0;
  if (L == NULL && (L = luaL_newstate()) != NULL) xfer_register(L);  /* res.headers */
  if (L == NULL) return 0;
  if ((x = xfer_new()) == NULL) return 0;
  x->max_body = (size_t)data[0] * 64;
  feed(x, data + 2, size - 2, (size_t)data[1] % 255 + 1);
  x->status = 200;
  xfer_end(x, CURLE_OK, 0);
  if (x->max_body > 0 && x->body.len > x->max_body) abort();  /* the cap holds */
  lua_settop(L, 0);
  if (xfer_push(L, x) == 1) {
    size_t len;
    lua_getfield(L, 1, "body");
    (void)lua_tolstring(L, -1, &len);
    if (len != x->body.len) abort();
    lua_getfield(L, 1, "headers");
    if (!lua_istable(L, -1)) abort();
  }
  else if (x->rc == CURLE_OK) abort();
  lua_settop(L, 0);
  xfer_free(x);
  return 0;
}
