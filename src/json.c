/*
** json.c: JSON text <-> Lua values, core.json.
**
**   local decode, encode, null = core.json{array_mt = mt, null = v, max_depth = 1000}
**   decode(text)  --> value | nil, "message at byte N"
**   encode(value) --> text  | nil, "message at $.path[2]"
**
** Why a scanner of our own rather than lua-cjson or libyajl: cjson 2.1 (the
** one Debian ships) cannot tell an empty array from an empty object, reads
** every number as a float and keeps null as a value, so the SDK walked every
** decoded value a second time in Lua, which cost as much as the decode and
** still had to guess about empty tables.  libyajl would cost an indirect
** call per token, copy every string, hand numbers over as text to be parsed
** again, and add a library to ship and track.  This file pushes each value
** as it reads it, in one pass: a string without escapes goes from the text
** to lua_pushlstring with no copy, integers are read exactly, and the rules
** (below, and in lua/idcloudhost/json.lua) are the SDK's own.
**
** No C recursion: containers open and close on an explicit stack of levels,
** so a deeply nested text costs Lua stack slots (lua_checkstack) and is cut
** at max_depth, never at the C stack of whatever thread or coroutine runs
** us.  Every buffer is a Lua userdata: when an allocation raises mid-way,
** the collector takes what was built and nothing leaks.
**
** Decoding: objects are tables and a member whose value is null is absent;
** arrays are tables with array_mt, even empty ones, and a null inside an
** array (or a null at the top) is the `null` value, so lengths hold.  A
** number without fraction or exponent is an integer (a lua_Integer on 5.3+
** when it fits 64 bits, else a float; exact up to 2^53 on 5.1), so "-0" is
** the integer 0; with a fraction or exponent it is a float ("-0.0" keeps its
** sign).  A number beyond the double range is an error, never inf.  Text is
** strict RFC 8259: UTF-8 checked (no overlongs, surrogates, > U+10FFFF),
** no raw control characters, no BOM, nothing after the value; duplicate
** keys: the last wins.
**
** Encoding: `null` -> null; tables with array_mt -> arrays, even empty; other
** tables: keys 1..n -> an array, string keys -> an object, empty -> {};
** anything else is an error naming where it is.  Numbers: integers, and
** integral floats within 2^53, print as integers; other floats in the
** shortest of %.15g/%.16g/%.17g that reads back the same; NaN and inf are
** errors.  Strings must be UTF-8; only ", \ and control characters are
** escaped ("/" is not).
*/
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Upvalues of decode and encode. */
#define UV_MT		lua_upvalueindex(1)
#define UV_NULL		lua_upvalueindex(2)
#define UV_DEPTH	lua_upvalueindex(3)
#define UV_HINT		lua_upvalueindex(4)	/* decode: sizes of earlier texts' objects */

/* Depths whose object sizes a decode leaves to the next one: an API answers
   alike texts (an object, a list of alike objects), so the next text's
   first objects are made as big as the last ones, instead of growing into
   their size one rehash at a time. */
#define HINTS	4

/* Stack slots of a decode or encode call: values go above S_LVL. */
#define S_ARG	1	/* the text, or the value */
#define S_BUF	2	/* the byte buffer's userdata, once it has one */
#define S_LVL	3	/* the level stack's userdata, once it outgrows the C one */

#if LUA_VERSION_NUM >= 503
typedef lua_Integer jint;
#define JINT_MAX	LUA_MAXINTEGER
#else
typedef int jint;	/* lua_rawseti takes an int before 5.3 */
#define JINT_MAX	INT_MAX
#endif

#define TWO53	9007199254740992.0

/* Byte classes for strings: 0 plain ASCII, and what else needs a look. */
enum { C_PLAIN, C_QUOTE, C_BSLASH, C_CTRL, C_HIGH };

static const unsigned char cls[256] = {
  3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,
  3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,
  0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,2,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,
  4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,
  4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,
  4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,
  4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,
  4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,
  4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,
  4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,
};

/* Length of the UTF-8 sequence at p (p[0] >= 0x80), or 0 when it is not
   one: stray continuation bytes, overlong forms, UTF-16 surrogates,
   code points past U+10FFFF, truncated sequences (RFC 3629 section 4). */
static size_t u8len(const unsigned char *p, const unsigned char *e) {
  unsigned c = p[0], lo = 0x80, hi = 0xBF;
  if (c < 0xC2) return 0;
  if (c < 0xE0)
    return e - p >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c < 0xF0) {
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;	/* D800..DFFF are surrogates */
    return e - p >= 3 && p[1] >= lo && p[1] <= hi &&
           (p[2] & 0xC0) == 0x80 ? 3 : 0;
  }
  if (c < 0xF5) {
    if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;	/* nothing past U+10FFFF */
    return e - p >= 4 && p[1] >= lo && p[1] <= hi &&
           (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
  }
  return 0;
}


/* ---- buffers owned by Lua ---- */

typedef struct jbuf {
  char *p;
  size_t n, cap;
} jbuf;

/* Room for k more bytes: a bigger userdata takes the old one's slot. */
static void jb_grow(lua_State *L, jbuf *b, size_t k) {
  size_t cap = b->cap ? b->cap : 256;
  char *p;
  if (k > (size_t)-1 - b->n) luaL_error(L, "json: text too large");
  while (cap - b->n < k)
    cap = cap > (size_t)-1 / 2 ? b->n + k : cap * 2;
  p = (char *)lua_newuserdata(L, cap);
  if (b->n > 0) memcpy(p, b->p, b->n);
  lua_replace(L, S_BUF);
  b->p = p;
  b->cap = cap;
}

#define jb_room(L, b, k)	((b)->cap - (b)->n < (k) ? jb_grow(L, b, k) : (void)0)
#define jb_char(L, b, c)	(jb_room(L, b, 1), (b)->p[(b)->n++] = (char)(c))

static void jb_add(lua_State *L, jbuf *b, const void *s, size_t k) {
  if (k == 0) return;
  jb_room(L, b, k);
  memcpy(b->p + b->n, s, k);
  b->n += k;
}

#define jb_lit(L, b, s)	jb_add(L, b, s, sizeof(s) - 1)

/* One open container.  n: items so far (decode) or in all (encode); i:
   the encoder's current index; t: the encoder's stack slot of the table. */
typedef struct level {
  jint n, i;
  int obj, t;
  jint size[2][2];	/* decode: the last two arrays' [0] and objects' [1]
			   sizes at this depth, to size the next one */
} level;

typedef struct lstack {
  level *v;
  int cap, used;
  level inl[16];	/* the common depths need no allocation */
} lstack;

static void ls_init(lstack *s) {
  s->v = s->inl;
  s->cap = (int)(sizeof s->inl / sizeof s->inl[0]);
  s->used = 0;
}

/* The level at depth i (0-based, at most one deeper than before), growing
   the stack into a userdata. */
static level *ls_at(lua_State *L, lstack *s, int i) {
  if (i >= s->cap) {
    int cap = s->cap > INT_MAX / 2 ? INT_MAX : s->cap * 2;
    level *v = (level *)lua_newuserdata(L, (size_t)cap * sizeof *v);
    memcpy(v, s->v, (size_t)s->cap * sizeof *v);
    lua_replace(L, S_LVL);
    s->v = v;
    s->cap = cap;
  }
  if (i >= s->used) {
    memset(&s->v[i], 0, sizeof s->v[i]);
    s->used = i + 1;
  }
  return &s->v[i];
}

/* The locale's decimal point when it is not ".", else NULL: strtod and
   snprintf follow LC_NUMERIC, which a host may have set. */
static const char *odd_point(void) {
  const char *dp = localeconv()->decimal_point;
  return dp == NULL || dp[0] == '\0' || (dp[0] == '.' && dp[1] == '\0') ? NULL : dp;
}


/* ---- decode ---- */

typedef struct dec {
  lua_State *L;
  const char *s, *e;	/* the text */
  const char *err, *at;	/* what went wrong, where */
  int maxdepth, hasmt;
  jint *hint;		/* [HINTS]: the last object's size at each depth */
  jbuf b;
  lstack lv;
} dec;

/* Messages compared by address: their text needs the input or options. */
static const char M_UNEXPECTED[] = "unexpected";
static const char M_EOF[] = "unexpected end of input";
static const char M_DEPTH[] = "nesting deeper than max_depth";

static const char *dfail(dec *d, const char *at, const char *msg) {
  d->err = msg;
  d->at = at;
  return NULL;
}

static void dpusherror(dec *d) {
  char buf[128];
  unsigned long at = (unsigned long)(d->at - d->s) + 1;
  unsigned char c = d->at < d->e ? (unsigned char)*d->at : 0;
  if (d->err == M_UNEXPECTED && d->at >= d->e)
    d->err = M_EOF;
  if (d->err == M_UNEXPECTED && c > 0x20 && c < 0x7F)
    snprintf(buf, sizeof buf, "unexpected '%c' at byte %lu", c, at);
  else if (d->err == M_UNEXPECTED)
    snprintf(buf, sizeof buf, "unexpected byte 0x%02X at byte %lu", c, at);
  else if (d->err == M_DEPTH)
    snprintf(buf, sizeof buf, "nesting deeper than %d at byte %lu", d->maxdepth, at);
  else
    snprintf(buf, sizeof buf, "%s at byte %lu", d->err, at);
  lua_pushnil(d->L);
  lua_pushstring(d->L, buf);
}

static const char *skipws(const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  return p;
}

static int hex4(const char *p) {
  int i, v = 0;
  for (i = 0; i < 4; i++) {
    int c = (unsigned char)p[i];
    if (c >= '0' && c <= '9') c -= '0';
    else if (c >= 'a' && c <= 'f') c -= 'a' - 10;
    else if (c >= 'A' && c <= 'F') c -= 'A' - 10;
    else return -1;
    v = v * 16 + c;
  }
  return v;
}

static void addutf8(lua_State *L, jbuf *b, unsigned long x) {
  char u[4];
  size_t n;
  if (x < 0x80) { u[0] = (char)x; n = 1; }
  else if (x < 0x800) {
    u[0] = (char)(0xC0 | (x >> 6)); u[1] = (char)(0x80 | (x & 0x3F)); n = 2;
  } else if (x < 0x10000) {
    u[0] = (char)(0xE0 | (x >> 12)); u[1] = (char)(0x80 | ((x >> 6) & 0x3F));
    u[2] = (char)(0x80 | (x & 0x3F)); n = 3;
  } else {
    u[0] = (char)(0xF0 | (x >> 18)); u[1] = (char)(0x80 | ((x >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((x >> 6) & 0x3F)); u[3] = (char)(0x80 | (x & 0x3F));
    n = 4;
  }
  jb_add(L, b, u, n);
}

/* The escape at p (a backslash) into the buffer; returns what follows. */
static const char *descape(dec *d, const char *p) {
  const char *e = d->e;
  long x, lo;
  char c;
  if (e - p < 2) return dfail(d, e, M_EOF);
  switch (p[1]) {
    case '"': case '\\': case '/': c = p[1]; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u':
      if (e - p < 6 || (x = hex4(p + 2)) < 0)
        return dfail(d, p, "invalid \\u escape");
      if (x >= 0xDC00 && x <= 0xDFFF)
        return dfail(d, p, "lone surrogate in a \\u escape");
      if (x >= 0xD800 && x <= 0xDBFF) {	/* must pair with a low one */
        if (e - p < 12 || p[6] != '\\' || p[7] != 'u')
          return dfail(d, p, "lone surrogate in a \\u escape");
        if ((lo = hex4(p + 8)) < 0)
          return dfail(d, p + 6, "invalid \\u escape");
        if (lo < 0xDC00 || lo > 0xDFFF)
          return dfail(d, p, "lone surrogate in a \\u escape");
        addutf8(d->L, &d->b, 0x10000 + (((unsigned long)x - 0xD800) << 10) +
                             ((unsigned long)lo - 0xDC00));
        return p + 12;
      }
      addutf8(d->L, &d->b, (unsigned long)x);
      return p + 6;
    default:
      return dfail(d, p, "invalid escape in a string");
  }
  jb_char(d->L, &d->b, c);
  return p + 2;
}

/* The string whose quote is at p0: pushes it, returns what follows. */
static const char *dstring(dec *d, const char *p0) {
  const unsigned char *p = (const unsigned char *)p0 + 1, *run = p;
  const unsigned char *e = (const unsigned char *)d->e;
  int copied = 0;
  size_t k;
  for (;;) {
    while (p < e && cls[*p] == C_PLAIN) p++;
    if (p >= e) return dfail(d, p0, "unterminated string");
    switch (cls[*p]) {
      case C_QUOTE:
        if (copied) {
          jb_add(d->L, &d->b, run, (size_t)(p - run));
          lua_pushlstring(d->L, d->b.p, d->b.n);
        } else
          lua_pushlstring(d->L, (const char *)run, (size_t)(p - run));
        return (const char *)p + 1;
      case C_HIGH:
        if ((k = u8len(p, e)) == 0)
          return dfail(d, (const char *)p, "invalid UTF-8 in a string");
        p += k;
        break;
      case C_CTRL:
        return dfail(d, (const char *)p, "control character in a string");
      default:	/* a backslash: from here on the string is built */
        if (!copied) { d->b.n = 0; copied = 1; }
        jb_add(d->L, &d->b, run, (size_t)(p - run));
        if ((p = (const unsigned char *)descape(d, (const char *)p)) == NULL)
          return NULL;
        run = p;
        break;
    }
  }
}

/* An object's key and its colon, at p (after whitespace). */
static const char *dkey(dec *d, const char *p) {
  if (p >= d->e) return dfail(d, p, M_EOF);
  if (*p != '"') return dfail(d, p, "expected a string key");
  if ((p = dstring(d, p)) == NULL) return NULL;
  p = skipws(p, d->e);
  if (p >= d->e) return dfail(d, p, M_EOF);
  if (*p != ':') return dfail(d, p, "expected ':' after a key");
  return p + 1;
}

static const double pow10s[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

#define isdig(c)	((c) >= '0' && (c) <= '9')

/* The float s..e (a valid JSON number) through strtod, whatever the locale. */
static int slowfloat(dec *d, const char *s, const char *e, double *v) {
  const char *dp = odd_point();
  char *end;
  if (dp == NULL) {	/* the text is a Lua string: NUL-terminated */
    *v = strtod(s, &end);
    return end == e;
  }
  d->b.n = 0;
  for (; s < e; s++) {
    if (*s == '.') jb_add(d->L, &d->b, dp, strlen(dp));
    else jb_char(d->L, &d->b, *s);
  }
  jb_char(d->L, &d->b, '\0');
  *v = strtod(d->b.p, &end);
  return end == d->b.p + d->b.n - 1;
}

/* The number at p0: pushes it, returns what follows. */
static const char *dnumber(dec *d, const char *p0) {
  const char *p = p0, *e = d->e;
  unsigned long long m = 0;	/* significant digits while they fit */
  int neg = 0, isint = 1, exact = 1;
  long e10 = 0;
  double v;
  if (*p == '-') { neg = 1; p++; }
  if (p >= e || !isdig(*p)) return dfail(d, p0, "invalid number");
  if (*p == '0') {
    if (++p < e && isdig(*p)) return dfail(d, p0, "invalid number (leading zero)");
  } else
    for (; p < e && isdig(*p); p++) {
      if (m < 1000000000000000000ULL) m = m * 10 + (unsigned)(*p - '0');
      else { exact = 0; e10++; }
    }
  if (p < e && *p == '.') {
    isint = 0;
    if (++p >= e || !isdig(*p)) return dfail(d, p0, "invalid number");
    for (; p < e && isdig(*p); p++)
      if (m < 1000000000000000000ULL) { m = m * 10 + (unsigned)(*p - '0'); e10--; }
      else exact = 0;
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    long x = 0;
    int eneg = 0;
    isint = 0;
    if (++p < e && (*p == '+' || *p == '-')) eneg = *p++ == '-';
    if (p >= e || !isdig(*p)) return dfail(d, p0, "invalid number");
    for (; p < e && isdig(*p); p++)
      if (x < 100000) x = x * 10 + (*p - '0');	/* past that: 0 or out of range */
    e10 += eneg ? -x : x;
  }
  if (isint && exact) {
#if LUA_VERSION_NUM >= 503
    if (!neg && m <= (unsigned long long)LUA_MAXINTEGER) {
      lua_pushinteger(d->L, (lua_Integer)m);
      return p;
    }
    if (neg && m <= (unsigned long long)LUA_MAXINTEGER + 1) {
      lua_pushinteger(d->L, m > (unsigned long long)LUA_MAXINTEGER ?
                            LUA_MININTEGER : -(lua_Integer)m);
      return p;
    }
#else
    if (m <= (unsigned long long)TWO53) {	/* "-0" is 0, as on 5.3+ */
      lua_pushnumber(d->L, m == 0 ? 0.0 : neg ? -(lua_Number)m : (lua_Number)m);
      return p;
    }
#endif
  }
  /* Exact operands and one rounding: m and 10^|e10| are both exact doubles
     (Clinger's fast path); everything else goes through strtod. */
  if (exact && m <= (unsigned long long)TWO53 && e10 >= -22 && e10 <= 22) {
    v = e10 < 0 ? (double)m / pow10s[-e10] : (double)m * pow10s[e10];
    if (neg) v = -v;
  } else {
    if (!slowfloat(d, p0, p, &v)) return dfail(d, p0, "invalid number");
    if (v - v != 0) return dfail(d, p0, "number out of range");
  }
  lua_pushnumber(d->L, (lua_Number)v);
  return p;
}

static const char *dliteral(dec *d, const char *p, const char *lit, size_t n) {
  if ((size_t)(d->e - p) < n || memcmp(p, lit, n) != 0)
    return dfail(d, p, M_UNEXPECTED);
  return p + n;
}

/* The whole text: leaves its value on the stack, or returns -1. */
static int decode(dec *d) {
  lua_State *L = d->L;
  const char *p = d->s, *e = d->e;
  level *lv = NULL;
  int depth = 0, isnull;
  if (e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
    dfail(d, p, "a byte order mark (not JSON)");
    return -1;
  }
  for (;;) {
    /* a value starts at p */
    p = skipws(p, e);
    if (p >= e) { dfail(d, p, M_EOF); return -1; }
    isnull = 0;
    switch (*p) {
      case '[': case '{': {
        int obj = *p == '{';
        if (depth >= d->maxdepth) { dfail(d, p, M_DEPTH); return -1; }
        if (!lua_checkstack(L, 6)) {
          dfail(d, p, "nesting too deep for the Lua stack");
          return -1;
        }
        p = skipws(p + 1, e);
        if (p < e && *p == (obj ? '}' : ']')) {
          lua_newtable(L);
          lv = NULL;
        } else {
          /* Lists hold alike items: a table as big as the last two at this
             depth saves the rehashes of growing it (and never costs more
             memory than those two took text).  An earlier text's size, for
             the first objects of this one, is held to what the rest of this
             text can fill (a member takes 4 bytes at least). */
          jint n;
          lv = ls_at(L, &d->lv, depth);
          n = lv->size[obj][0] < lv->size[obj][1] ? lv->size[obj][0] : lv->size[obj][1];
          if (n > 1 << 20) n = 1 << 20;
          if (obj && n > (e - p) / 4) n = (jint)((e - p) / 4);
          lua_createtable(L, obj ? 0 : (int)n, obj ? (int)n : 0);
        }
        if (!obj && d->hasmt) {
          lua_pushvalue(L, UV_MT);
          lua_setmetatable(L, -2);
        }
        if (lv == NULL) { p++; break; }
        depth++;
        lv->obj = obj;
        lv->n = 0;
        if (obj && (p = dkey(d, p)) == NULL) return -1;
        continue;
      }
      case '"':
        if ((p = dstring(d, p)) == NULL) return -1;
        break;
      case 't':
        if ((p = dliteral(d, p, "true", 4)) == NULL) return -1;
        lua_pushboolean(L, 1);
        break;
      case 'f':
        if ((p = dliteral(d, p, "false", 5)) == NULL) return -1;
        lua_pushboolean(L, 0);
        break;
      case 'n':
        if ((p = dliteral(d, p, "null", 4)) == NULL) return -1;
        if (depth > 0 && lv->obj) isnull = 1;
        else lua_pushvalue(L, UV_NULL);
        break;
      case '-': case '0': case '1': case '2': case '3': case '4':
      case '5': case '6': case '7': case '8': case '9':
        if ((p = dnumber(d, p)) == NULL) return -1;
        break;
      default:
        dfail(d, p, M_UNEXPECTED);
        return -1;
    }
    /* a value is complete (an object's null pushed nothing): store it, and
       close every container that ends right after it */
    for (;;) {
      if (depth == 0) {
        p = skipws(p, e);
        if (p < e) { dfail(d, p, M_UNEXPECTED); return -1; }
        return 0;
      }
      lv = &d->lv.v[depth - 1];
      if (!lv->obj) {
        if (lv->n == JINT_MAX) { dfail(d, p, "array too long"); return -1; }
        lua_rawseti(L, -2, ++lv->n);
      } else if (!isnull) {
        lua_rawset(L, -3);
        lv->n++;
      } else {	/* the last member wins: a null removes an earlier one */
        lua_pushvalue(L, -1);
        lua_rawget(L, -3);
        if (lua_isnil(L, -1))
          lua_pop(L, 2);
        else {
          lua_pop(L, 1);
          lua_pushnil(L);
          lua_rawset(L, -3);
        }
        isnull = 0;
      }
      p = skipws(p, e);
      if (p < e && *p == ',') {
        p = skipws(p + 1, e);
        if (lv->obj && (p = dkey(d, p)) == NULL) return -1;
        break;
      }
      if (p < e && *p == (lv->obj ? '}' : ']')) {
        lv->size[lv->obj][1] = lv->size[lv->obj][0];
        lv->size[lv->obj][0] = lv->n;
        if (lv->obj && depth <= HINTS) d->hint[depth - 1] = lv->n;
        p++;
        depth--;
        continue;
      }
      dfail(d, p, M_UNEXPECTED);
      return -1;
    }
  }
}

static int json_decode(lua_State *L) {
  dec d;
  size_t len;
  int i;
  if (lua_type(L, 1) != LUA_TSTRING) {
    lua_pushnil(L);
    lua_pushfstring(L, "expected a JSON text (string), got %s", luaL_typename(L, 1));
    return 2;
  }
  d.L = L;
  d.s = lua_tolstring(L, 1, &len);
  d.e = d.s + len;
  d.err = d.at = NULL;
  d.maxdepth = (int)lua_tointeger(L, UV_DEPTH);
  d.hasmt = !lua_isnil(L, UV_MT);
  d.b.p = NULL;
  d.b.n = d.b.cap = 0;
  d.hint = (jint *)lua_touserdata(L, UV_HINT);
  ls_init(&d.lv);
  for (i = 0; i < HINTS; i++) {  /* the levels ls_at would zero, seeded */
    memset(&d.lv.v[i], 0, sizeof d.lv.v[i]);
    d.lv.v[i].size[1][0] = d.lv.v[i].size[1][1] = d.hint[i];
  }
  d.lv.used = HINTS;
  lua_settop(L, S_LVL);
  if (decode(&d) != 0) {
    lua_settop(L, S_LVL);
    dpusherror(&d);
    return 2;
  }
  return 1;
}


/* ---- encode ---- */

typedef struct enc {
  lua_State *L;
  jbuf b;
  lstack lv;
  int depth, maxdepth, hasmt;
  int own;		/* the error is about the innermost open table itself */
  char msg[96];
} enc;

/* fmt has at most one %s, for arg. */
static int efail(enc *x, int own, const char *fmt, const char *arg) {
  x->own = own;
  snprintf(x->msg, sizeof x->msg, fmt, arg != NULL ? arg : "");
  return -1;
}

/* "$.vms[2].name": where the failing value sits, from the open levels. */
static void epushpath(enc *x, char *out, size_t cap) {
  lua_State *L = x->L;
  size_t n = 1;
  int i, top = x->depth - (x->own ? 1 : 0);
  out[0] = '$';
  out[1] = '\0';
  for (i = 0; i < top && n + 48 < cap; i++) {
    level *lv = &x->lv.v[i];
    char seg[48];
    if (!lv->obj)
      snprintf(seg, sizeof seg, "[%lld]", (long long)lv->i);
    else {
      size_t kl, j, k = 0, ident;
      const char *key = lua_tolstring(L, lv->t + 1, &kl);
      ident = kl > 0 && kl <= 40 && !isdig(key[0]);
      for (j = 0; j < kl && ident; j++) {
        unsigned char c = (unsigned char)key[j];
        ident = c == '_' || isdig(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      }
      seg[k++] = ident ? '.' : '[';
      if (!ident) seg[k++] = '"';
      for (j = 0; j < kl && j < 40; j++) {
        unsigned char c = (unsigned char)key[j];
        seg[k++] = c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? (char)c : '?';
      }
      if (!ident) {
        if (kl > 40) { seg[k++] = '.'; seg[k++] = '.'; seg[k++] = '.'; }
        seg[k++] = '"';
        seg[k++] = ']';
      }
      seg[k] = '\0';
    }
    n += (size_t)snprintf(out + n, cap - n, "%s", seg);
  }
  if (i < top) snprintf(out + n, cap - n, "...");
}

static int estring(enc *x, int idx, int iskey) {
  static const char hex[] = "0123456789abcdef";
  lua_State *L = x->L;
  size_t len, k;
  const unsigned char *s = (const unsigned char *)lua_tolstring(L, idx, &len);
  const unsigned char *p = s, *e = s + len, *run = s;
  jb_char(L, &x->b, '"');
  while (p < e) {
    char esc[6];
    switch (cls[*p]) {
      case C_PLAIN: p++; continue;
      case C_HIGH:
        if ((k = u8len(p, e)) == 0)
          return efail(x, 0, "invalid UTF-8 in a %s", iskey ? "key" : "string");
        p += k;
        continue;
      default: break;
    }
    jb_add(L, &x->b, run, (size_t)(p - run));
    esc[0] = '\\';
    k = 2;
    switch (*p) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      default:
        esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
        esc[4] = hex[*p >> 4]; esc[5] = hex[*p & 15];
        k = 6;
        break;
    }
    jb_add(L, &x->b, esc, k);
    run = ++p;
  }
  jb_add(L, &x->b, run, (size_t)(p - run));
  jb_char(L, &x->b, '"');
  return 0;
}

/* Shortest of %.15g, %.16g, %.17g that reads back as d (17 always does). */
static int fmtfloat(char *buf, size_t cap, double d) {
  int prec, n = 0;
  const char *dp;
  for (prec = 15; prec <= 17; prec++) {
    n = snprintf(buf, cap, "%.*g", prec, d);
    if (strtod(buf, NULL) == d) break;	/* same locale both ways */
  }
  if ((dp = odd_point()) != NULL) {	/* back to "." */
    char *q = strstr(buf, dp);
    size_t k = strlen(dp);
    if (q != NULL) {
      *q = '.';
      memmove(q + 1, q + k, strlen(q + k) + 1);
      n -= (int)k - 1;
    }
  }
  return n;
}

static int enumber(enc *x) {
  lua_State *L = x->L;
  char buf[64];
  int n;
  double d;
#if LUA_VERSION_NUM >= 503
  if (lua_isinteger(L, -1)) {
    n = snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, -1));
    jb_add(L, &x->b, buf, (size_t)n);
    return 0;
  }
#endif
  d = (double)lua_tonumber(L, -1);
  if (d - d != 0) return efail(x, 0, "cannot encode %s", d == d ? "infinity" : "NaN");
  if (d >= -TWO53 && d <= TWO53 && (double)(long long)d == d)
    n = snprintf(buf, sizeof buf, "%lld", (long long)d);
  else
    n = fmtfloat(buf, sizeof buf, d);
  jb_add(L, &x->b, buf, (size_t)n);
  return 0;
}

/* Keys 1..n and nothing else: returns n, or -1 naming what is wrong. */
static jint earraylen(enc *x, int t) {
  lua_State *L = x->L;
  jint n = 0, max = 0;
  char what[64];
  lua_pushnil(L);
  while (lua_next(L, t)) {
    jint k = 0;
    lua_pop(L, 1);
    switch (lua_type(L, -1)) {
      case LUA_TNUMBER: {
#if LUA_VERSION_NUM >= 503
        if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1)
          k = lua_tointeger(L, -1);
#else
        lua_Number f = lua_tonumber(L, -1);
        if (f >= 1 && f <= INT_MAX && (lua_Number)(int)f == f) k = (int)f;
#endif
        if (k == 0)
          return efail(x, 0, "a table with a key that is not a positive integer", NULL);
        break;
      }
      case LUA_TSTRING:
        return efail(x, 0, "a table with both number and string keys", NULL);
      default:
        return efail(x, 0, "a table with a %s key", luaL_typename(L, -1));
    }
    n++;
    if (k > max) max = k;
  }
  if (max != n) {
    snprintf(what, sizeof what, "%lld of %lld", (long long)n, (long long)max);
    return efail(x, 0, "a sparse array (%s indexes set)", what);
  }
  return n;
}

/* The value on top of the stack, and all it holds. */
static int encode(enc *x) {
  lua_State *L = x->L;
  level *lv;
  lua_pushvalue(L, S_ARG);
  for (;;) {
    /* the value on top: a scalar is written and popped; a table opens */
    if (lua_rawequal(L, -1, UV_NULL))
      jb_lit(L, &x->b, "null");
    else switch (lua_type(L, -1)) {
      case LUA_TNIL: jb_lit(L, &x->b, "null"); break;
      case LUA_TBOOLEAN:
        if (lua_toboolean(L, -1)) jb_lit(L, &x->b, "true");
        else jb_lit(L, &x->b, "false");
        break;
      case LUA_TNUMBER:
        if (enumber(x)) return -1;
        break;
      case LUA_TSTRING:
        if (estring(x, -1, 0)) return -1;
        break;
      case LUA_TTABLE: {
        int t = lua_gettop(L), marked = 0;
        jint n;
        if (x->depth >= x->maxdepth) {
          char m[32];
          snprintf(m, sizeof m, "%d", x->maxdepth);
          return efail(x, 0, "tables nested deeper than %s (a cycle?)", m);
        }
        if (!lua_checkstack(L, 6))
          return efail(x, 0, "tables nested too deep for the Lua stack", NULL);
        if (x->hasmt && lua_getmetatable(L, t)) {
          marked = lua_rawequal(L, -1, UV_MT);
          lua_pop(L, 1);
        }
        lua_pushnil(L);
        if (!lua_next(L, t)) {
          if (marked) jb_lit(L, &x->b, "[]");
          else jb_lit(L, &x->b, "{}");
          break;
        }
        if (lua_type(L, -2) == LUA_TSTRING) {	/* an object: write as we go */
          if (marked) return efail(x, 0, "an array (marked) with a string key", NULL);
          lv = ls_at(L, &x->lv, x->depth++);
          lv->obj = 1;
          lv->t = t;
          jb_char(L, &x->b, '{');
          if (estring(x, -2, 1)) return -1;
          jb_char(L, &x->b, ':');
          continue;
        }
        lua_pop(L, 2);
        if ((n = earraylen(x, t)) < 0) return -1;
        lv = ls_at(L, &x->lv, x->depth++);
        lv->obj = 0;
        lv->t = t;
        lv->n = n;
        lv->i = 1;
        jb_char(L, &x->b, '[');
        lua_rawgeti(L, t, 1);
        continue;
      }
      default:
        return efail(x, 0, "cannot encode a %s", luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    /* next: the following item of the innermost open table, or close it */
    for (;;) {
      if (x->depth == 0) return 0;
      lv = &x->lv.v[x->depth - 1];
      if (lv->obj) {	/* stack: table, key */
        if (lua_next(L, lv->t)) {
          if (lua_type(L, -2) != LUA_TSTRING)
            return efail(x, 1, "a table with both string and %s keys",
                         luaL_typename(L, -2));
          jb_char(L, &x->b, ',');
          if (estring(x, -2, 1)) return -1;
          jb_char(L, &x->b, ':');
          break;
        }
        jb_char(L, &x->b, '}');
      } else {	/* stack: table */
        if (lv->i < lv->n) {
          jb_char(L, &x->b, ',');
          lua_rawgeti(L, lv->t, ++lv->i);
          break;
        }
        jb_char(L, &x->b, ']');
      }
      lua_pop(L, 1);
      x->depth--;
    }
  }
}

static int json_encode(lua_State *L) {
  enc x;
  x.L = L;
  x.b.p = NULL;
  x.b.n = x.b.cap = 0;
  x.depth = 0;
  x.own = 0;
  x.maxdepth = (int)lua_tointeger(L, UV_DEPTH);
  x.hasmt = !lua_isnil(L, UV_MT);
  ls_init(&x.lv);
  lua_settop(L, S_LVL);
  if (encode(&x) != 0) {
    char path[256];
    epushpath(&x, path, sizeof path);
    lua_pushnil(L);
    lua_pushfstring(L, "%s at %s", x.msg, path);
    return 2;
  }
  lua_pushlstring(L, x.b.p != NULL ? x.b.p : "", x.b.n);
  return 1;
}


/* ---- core.json ---- */

static const char *const options[] = {"array_mt", "null", "max_depth", NULL};

int json_new(lua_State *L) {
  lua_Number depth = 1000;
  int i;
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  if (!lua_istable(L, 1))
    return luaL_error(L, "core.json: options must be a table, got %s", luaL_typename(L, 1));
  lua_settop(L, 1);
  lua_pushnil(L);
  while (lua_next(L, 1)) {	/* a misspelt option must not pass silently */
    lua_pop(L, 1);
    for (i = 0; lua_type(L, -1) == LUA_TSTRING && options[i] != NULL; i++)
      if (strcmp(lua_tostring(L, -1), options[i]) == 0) break;
    if (lua_type(L, -1) != LUA_TSTRING || options[i] == NULL)
      return luaL_error(L, "core.json: unknown option %s",
        lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1));
  }
  lua_getfield(L, 1, "array_mt");	/* 2 */
  if (!lua_isnil(L, 2) && !lua_istable(L, 2))
    return luaL_error(L, "core.json: 'array_mt' must be a table");
  lua_getfield(L, 1, "null");	/* 3 */
  switch (lua_type(L, 3)) {
    case LUA_TNIL:	/* the same value as cjson.null and ngx.null */
      lua_pop(L, 1);
      lua_pushlightuserdata(L, NULL);
      break;
    case LUA_TTABLE: case LUA_TUSERDATA: case LUA_TLIGHTUSERDATA: break;
    default: return luaL_error(L, "core.json: 'null' must be a table or a userdata");
  }
  lua_getfield(L, 1, "max_depth");	/* 4 */
  if (!lua_isnil(L, 4)) {
    depth = lua_isnumber(L, 4) ? lua_tonumber(L, 4) : 0;
    if (lua_type(L, 4) != LUA_TNUMBER || !(depth >= 1 && depth <= 1e6) ||
        (lua_Number)(int)depth != depth)
      return luaL_error(L, "core.json: 'max_depth' must be an integer from 1 to 1000000");
  }
  for (i = 0; i < 2; i++) {
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    lua_pushinteger(L, (lua_Integer)depth);
    if (i == 0) memset(lua_newuserdata(L, HINTS * sizeof(jint)), 0, HINTS * sizeof(jint));
    lua_pushcclosure(L, i == 0 ? json_decode : json_encode, i == 0 ? 4 : 3);
  }
  lua_pushvalue(L, 3);
  return 3;
}
