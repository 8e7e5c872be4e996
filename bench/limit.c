/*
** limit.c: the bench's own Lua module (bench_limit), built for `make bench`
** only.  It gives bench/call.lua the limit an SDK call is measured
** against, in the same Lua process, so the variants can alternate round by
** round on one heap and one connection setup:
**
**   local h = limit.new(apikey, user_agent)
**   local status, body = h:get(url)   -- one reused easy handle, keep-alive
**   local wall, cpu = limit.run(argv)  -- a fresh process: its wall and CPU s
**
** get is the least any Lua binding of libcurl can do for a call: one easy
** handle set up once and performed again (no duplicate, no multi handle),
** the SDK's request headers, the answer's header lines and body gathered
** by callbacks, the body handed to Lua as one string.  The caller then
** decodes it with cjson.decode: that and this are the limit.
*/
#define _DEFAULT_SOURCE  /* wait4 */
#define _POSIX_C_SOURCE 200809L

#include <curl/curl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

#define MT "bench_limit.handle"

#if LUA_VERSION_NUM >= 502
#define lua_objlen lua_rawlen
#endif

extern char **environ;

typedef struct sink { char *p; size_t len, cap; } sink;

typedef struct lim {
  CURL *e;
  struct curl_slist *h;
  sink body, head;
  char err[CURL_ERROR_SIZE];
} lim;

static size_t put(char *d, size_t sz, size_t n, void *ud) {
  sink *s = (sink *)ud;
  n *= sz;
  if (s->len + n > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16384;
    char *p;
    while (cap < s->len + n) cap *= 2;
    if ((p = (char *)realloc(s->p, cap)) == NULL) return 0;
    s->p = p;
    s->cap = cap;
  }
  memcpy(s->p + s->len, d, n);
  s->len += n;
  return n;
}

static struct curl_slist *add(lua_State *L, struct curl_slist *l, const char *s) {
  struct curl_slist *n = curl_slist_append(l, s);
  if (n == NULL) {
    curl_slist_free_all(l);
    luaL_error(L, "bench_limit: out of memory");
  }
  return n;
}

/* limit.new(apikey, user_agent): the options the core's template sets */
static int lim_new(lua_State *L) {
  const char *key = luaL_checkstring(L, 1), *ua = luaL_checkstring(L, 2);
  lim *l = (lim *)lua_newuserdata(L, sizeof *l);
  struct curl_slist *h = NULL;
  memset(l, 0, sizeof *l);
  luaL_getmetatable(L, MT);
  lua_setmetatable(L, -2);
  lua_pushfstring(L, "apikey: %s", key);
  h = add(L, h, lua_tostring(L, -1));
  h = add(L, h, "Accept: application/json");
  lua_pushfstring(L, "User-Agent: %s", ua);
  h = add(L, h, lua_tostring(L, -1));
  h = add(L, h, "Expect:");
  l->h = add(L, h, "Accept-Encoding: gzip");
  lua_pop(L, 2);
  if ((l->e = curl_easy_init()) == NULL) return luaL_error(L, "curl_easy_init failed");
  curl_easy_setopt(l->e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(l->e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(l->e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(l->e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  curl_easy_setopt(l->e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(l->e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(l->e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(l->e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(l->e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)64 << 20);
  curl_easy_setopt(l->e, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(l->e, CURLOPT_WRITEFUNCTION, put);
  curl_easy_setopt(l->e, CURLOPT_WRITEDATA, &l->body);
  curl_easy_setopt(l->e, CURLOPT_HEADERFUNCTION, put);
  curl_easy_setopt(l->e, CURLOPT_HEADERDATA, &l->head);
  curl_easy_setopt(l->e, CURLOPT_ERRORBUFFER, l->err);
  curl_easy_setopt(l->e, CURLOPT_HTTPHEADER, l->h);
  return 1;
}

/* h:get(url) -> status, body | nil, message */
static int lim_get(lua_State *L) {
  lim *l = (lim *)luaL_checkudata(L, 1, MT);
  const char *url = luaL_checkstring(L, 2);
  long status = 0;
  CURLcode rc;
  l->body.len = l->head.len = 0;
  l->err[0] = '\0';
  curl_easy_setopt(l->e, CURLOPT_URL, url);
  if ((rc = curl_easy_perform(l->e)) != CURLE_OK) {
    lua_pushnil(L);
    lua_pushstring(L, l->err[0] ? l->err : curl_easy_strerror(rc));
    return 2;
  }
  curl_easy_getinfo(l->e, CURLINFO_RESPONSE_CODE, &status);
  lua_pushinteger(L, (lua_Integer)status);
  lua_pushlstring(L, l->body.p ? l->body.p : "", l->body.len);
  return 2;
}

static int lim_gc(lua_State *L) {
  lim *l = (lim *)luaL_checkudata(L, 1, MT);
  if (l->e != NULL) curl_easy_cleanup(l->e);
  curl_slist_free_all(l->h);
  free(l->body.p);
  free(l->head.p);
  memset(l, 0, sizeof *l);
  return 0;
}

static double secs(struct timeval tv) {
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/*
** limit.run{"lua5.4", "-e", "..."} -> wall, cpu: a fresh process run to
** its end, its wall seconds and the user + system seconds wait4 reports.
** No shell between: its start-up would be in every figure.
*/
static int lim_run(lua_State *L) {
  int n, i, st;
  char **argv;
  pid_t pid;
  struct rusage ru;
  struct timespec t0, t1;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = (int)lua_objlen(L, 1);
  argv = (char **)lua_newuserdata(L, (size_t)(n + 1) * sizeof *argv);
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, 1, i + 1);
    argv[i] = (char *)luaL_checkstring(L, -1);  /* kept alive by the table */
    lua_pop(L, 1);
  }
  argv[n] = NULL;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
    return luaL_error(L, "cannot run %s", argv[0]);
  if (wait4(pid, &st, 0, &ru) != pid) return luaL_error(L, "wait4 failed");
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return luaL_error(L, "%s failed (status %d)", argv[n - 1], st);
  lua_pushnumber(L, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  lua_pushnumber(L, secs(ru.ru_utime) + secs(ru.ru_stime));
  return 2;
}

/* limit.cpu(): this process's CPU seconds (os.clock wraps after 72 min on 32-bit clock_t) */
static int lim_cpu(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
  return 1;
}

static const luaL_Reg methods[] = {
  {"get", lim_get}, {NULL, NULL}
};

static const luaL_Reg funcs[] = {
  {"new", lim_new}, {"run", lim_run}, {"cpu", lim_cpu}, {NULL, NULL}
};

int luaopen_bench_limit(lua_State *L);

int luaopen_bench_limit(lua_State *L) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  luaL_newmetatable(L, MT);
  lua_pushcfunction(L, lim_gc);
  lua_setfield(L, -2, "__gc");
  lua_newtable(L);
#if LUA_VERSION_NUM >= 502
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_newtable(L);
  luaL_setfuncs(L, funcs, 0);
#else
  luaL_register(L, NULL, methods);
  lua_setfield(L, -2, "__index");
  lua_newtable(L);
  luaL_register(L, NULL, funcs);
#endif
  return 1;
}
