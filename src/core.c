/*
** core.c: luaopen_idcloudhost_core, and the string helpers escape/form/uuid.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "clock.h"
#include "json.h"
#include "session.h"

LUALIB_API int luaopen_idcloudhost_core(lua_State *L);


/* ---- escape ---- */

/* RFC 3986 section 2.3; spelled out so the C locale cannot matter. */
static int isunreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

/* Runs of unreserved characters go in at once: a uuid is one run. */
static void addescaped(luaL_Buffer *b, const char *s, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  size_t i = 0, run;
  while (i < len) {
    for (run = i; i < len && isunreserved((unsigned char)s[i]); i++) ;
    if (i > run) luaL_addlstring(b, s + run, i - run);
    for (; i < len && !isunreserved((unsigned char)s[i]); i++) {
      unsigned char c = (unsigned char)s[i];
      luaL_addchar(b, '%');
      luaL_addchar(b, hex[c >> 4]);
      luaL_addchar(b, hex[c & 15]);
    }
  }
}

static int core_escape(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  addescaped(&b, s, len);
  luaL_pushresult(&b);
  return 1;
}


/* ---- form ---- */

typedef struct field {
  const char *k, *v;		/* strings anchored in the argument table */
  size_t kl, vl;
  char num[32];			/* the value when v is NULL: qsort moves it */
} field;

/* 2^63: integral doubles below it convert to long long without overflow. */
#define TWO63	9223372036854775808.0

/* Integral values print as integers whatever the Lua version ("2"). */
static size_t fmtnumber(lua_State *L, int idx, char *buf, const char *key) {
  double d;
  int n;
  if (compat_isinteger(L, idx))
    n = snprintf(buf, sizeof ((field *)0)->num, "%lld",
                 (long long)lua_tointeger(L, idx));
  else {
    d = lua_tonumber(L, idx);
    if (d != d || d - d != 0)  /* nan, inf */
      luaL_error(L, "form: field '%s' is not a finite number", key);
    if (d >= -TWO63 && d < TWO63 && (double)(long long)d == d)
      n = snprintf(buf, sizeof ((field *)0)->num, "%lld", (long long)d);
    else {
      /* The fewest digits that read back as d: "0.1" stays 0.1, and an amount
         never loses a cent to %.14g.  encode.lua's number() is the same rule. */
      int p;
      for (p = 14; p <= 17; p++) {
        n = snprintf(buf, sizeof ((field *)0)->num, "%.*g", p, d);
        if (p == 17 || strtod(buf, NULL) == d) break;
      }
    }
  }
  return n > 0 ? (size_t)n : 0;
}

static int cmpfield(const void *a, const void *b) {
  const field *x = (const field *)a, *y = (const field *)b;
  int c = memcmp(x->k, y->k, x->kl < y->kl ? x->kl : y->kl);
  if (c != 0) return c;
  return x->kl < y->kl ? -1 : x->kl > y->kl;
}

/* Count the fields, raising on anything that cannot be form-encoded. */
static size_t checkform(lua_State *L) {
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    int t = lua_type(L, -1);
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "form: keys must be strings (got a %s key)",
                 luaL_typename(L, -2));
    if (t == LUA_TTABLE)
      luaL_error(L, "form: field '%s' is a table", lua_tostring(L, -2));
    if (t != LUA_TSTRING && t != LUA_TNUMBER && t != LUA_TBOOLEAN)
      luaL_error(L, "form: field '%s' has unsupported type %s",
                 lua_tostring(L, -2), luaL_typename(L, -1));
    n++;
    lua_pop(L, 1);
  }
  return n;
}

#define FORM_STACK	8	/* fields held on the C stack: a call's form, or query */

static int core_form(lua_State *L) {
  size_t n, i = 0;
  field *f, small[FORM_STACK];
  luaL_Buffer b;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  if ((n = checkform(L)) == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  if (n > (size_t)-1 / sizeof *f) return luaL_error(L, "form: too many fields");
  /* more: a userdata, not malloc, so a raise below leaves it to the collector */
  f = n <= FORM_STACK ? small : (field *)lua_newuserdata(L, n * sizeof *f);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    field *e = &f[i++];
    e->k = lua_tolstring(L, -2, &e->kl);
    switch (lua_type(L, -1)) {
      case LUA_TSTRING:
        e->v = lua_tolstring(L, -1, &e->vl);
        break;
      case LUA_TBOOLEAN:
        e->v = lua_toboolean(L, -1) ? "true" : "false";
        e->vl = strlen(e->v);
        break;
      default:
        e->vl = fmtnumber(L, -1, e->num, e->k);
        e->v = NULL;
        break;
    }
    lua_pop(L, 1);
  }
  qsort(f, n, sizeof *f, cmpfield);
  luaL_buffinit(L, &b);
  for (i = 0; i < n; i++) {
    if (i > 0) luaL_addchar(&b, '&');
    addescaped(&b, f[i].k, f[i].kl);
    luaL_addchar(&b, '=');
    addescaped(&b, f[i].v != NULL ? f[i].v : f[i].num, f[i].vl);
  }
  luaL_pushresult(&b);
  return 1;
}


/* ---- uuid ---- */

static int ishex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
** core.uuid(v) -> v in lower case when v is a string of 8-4-4-4-12 hex
** digits, else nil: check.lua's uuid test, which a Lua pattern runs at
** ~150 instructions a character, on every call that names a resource.  An
** all-lowercase v is handed back as is (no new string to intern).
*/
static int core_uuid(lua_State *L) {
  char low[36];
  size_t len, i;
  const char *s;
  int upper = 0;
  if (lua_type(L, 1) != LUA_TSTRING) return 0;
  s = lua_tolstring(L, 1, &len);
  if (len != 36) return 0;
  for (i = 0; i < 36; i++) {
    unsigned char c = (unsigned char)s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return 0;
    }
    else if (!ishex(c)) return 0;
    else if (c >= 'A' && c <= 'F') c = (unsigned char)(c + ('a' - 'A')), upper = 1;
    low[i] = (char)c;
  }
  if (upper) lua_pushlstring(L, low, 36);
  else lua_settop(L, 1);
  return 1;
}


/* ---- module ---- */

static const luaL_Reg core_funcs[] = {
  {"escape", core_escape},
  {"form", core_form},
  {"uuid", core_uuid},
  {"json", json_new},
  {"session", session_new},
  {"now", idc_lnow},
  {"sleep", idc_lsleep},
  {NULL, NULL}
};

/*
** "libcurl/7.88.1 OpenSSL/3.0.19 zlib/1.2.13 nghttp2/1.52.0": what carries
** our bytes.  Not curl_version(): it initializes LDAP and SASL to name
** them, memory that is lost when the module is unloaded.
*/
static void pushversion(lua_State *L, const curl_version_info_data *v) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "libcurl/");
  luaL_addstring(&b, v != NULL ? v->version : "?");
  if (v != NULL && v->ssl_version != NULL) {
    luaL_addchar(&b, ' ');
    luaL_addstring(&b, v->ssl_version);
  }
  luaL_addstring(&b, " zlib/");
  luaL_addstring(&b, zlibVersion());  /* the one gunzip runs on */
  if (v != NULL && v->age >= CURLVERSION_FIFTH && v->nghttp2_version != NULL) {
    luaL_addstring(&b, " nghttp2/");
    luaL_addstring(&b, v->nghttp2_version);
  }
  luaL_pushresult(&b);
}

LUALIB_API int luaopen_idcloudhost_core(lua_State *L) {
  /* curl_global_init is process-wide: once, for every Lua state */
  static int initialized = 0;
  const curl_version_info_data *v;
  if (!initialized) {
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
      return luaL_error(L, "idcloudhost.core: curl_global_init failed: %s",
                        curl_easy_strerror(rc));
    initialized = 1;
  }
  session_register(L);
  xfer_register(L);
  idc_clock_register(L);
  compat_newlib(L, core_funcs);
  /* libcurl's, not the SDK's: the SDK's version is the Lua side's */
  v = curl_version_info(CURLVERSION_NOW);
  lua_pushstring(L, v != NULL ? v->version : "?");
  lua_setfield(L, -2, "curl_version");
  pushversion(L, v);
  lua_setfield(L, -2, "version");
  return 1;
}
