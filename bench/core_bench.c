/*
** core_bench.c: what a GET costs on one reused libcurl easy handle, and on
** a duplicate of a template handle per request (what idcloudhost.core
** does, to be safe from libcurl 7.88's reused-handle state), against a
** local keep-alive server.  Run by bench/limit.sh.
**
**   core_bench URL [N [ROUNDS]]
**
** Both loops do the same work around curl_easy_perform: the same request
** headers, a body and a header buffer filled by callbacks, the status
** read back.  The rounds alternate the two modes; the median of each is
** printed in microseconds per request.
*/
#define _POSIX_C_SOURCE 200809L

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct sink { char *p; size_t len, cap; } sink;

static size_t put(char *d, size_t sz, size_t n, void *ud) {
  sink *s = (sink *)ud;
  n *= sz;
  if (s->len + n > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 4096;
    while (cap < s->len + n) cap *= 2;
    if ((s->p = (char *)realloc(s->p, cap)) == NULL) return 0;
    s->cap = cap;
  }
  memcpy(s->p + s->len, d, n);
  s->len += n;
  return n;
}

static double clockof(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void) { return clockof(CLOCK_MONOTONIC); }
static double cpu(void) { return clockof(CLOCK_PROCESS_CPUTIME_ID); }

/* the client's CPU seconds per request of the last loop */
static double lastcpu;

static void check(CURLcode rc, CURL *e) {
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK || status != 200) {
    fprintf(stderr, "request failed: %s, status %ld\n", curl_easy_strerror(rc), status);
    exit(1);
  }
}

static struct curl_slist *headers(void) {
  struct curl_slist *l = NULL;
  l = curl_slist_append(l, "apikey: 0123456789abcdef0123456789abcdef");
  l = curl_slist_append(l, "Accept: application/json");
  l = curl_slist_append(l, "User-Agent: idcloudhost-lua/bench");
  l = curl_slist_append(l, "Expect:");
  return curl_slist_append(l, "Accept-Encoding: gzip");
}

static void common(CURL *e) {
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)64 << 20);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, put);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, put);
}

/* one handle, options set once, performed n times */
static double reuse(const char *url, int n, struct curl_slist *h) {
  sink body = {0}, head = {0};
  char err[CURL_ERROR_SIZE];
  CURL *e = curl_easy_init();
  double t0;
  int i;
  common(e);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &head);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
  check(curl_easy_perform(e), e);  /* connect outside the clock */
  lastcpu = cpu();
  t0 = now();
  for (i = 0; i < n; i++) {
    body.len = head.len = 0;
    check(curl_easy_perform(e), e);
  }
  t0 = now() - t0;
  lastcpu = (cpu() - lastcpu) / n;
  curl_easy_cleanup(e);
  free(body.p);
  free(head.p);
  return t0 / n;
}

/* what the core shares between transfers: DNS, TLS sessions, connections */
static void shareall(CURLSH *sh) {
  curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
}

/* a duplicate of template t with the per-transfer options the core sets */
static CURL *duplicate(CURL *t, sink *body, sink *head, char *err, CURLSH *sh, const char *url,
                       struct curl_slist *h) {
  CURL *e = curl_easy_duphandle(t);
  if (e == NULL) {
    fprintf(stderr, "core_bench: curl_easy_duphandle failed\n");
    exit(1);
  }
  curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, head);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(e, CURLOPT_SHARE, sh);
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
  return e;
}

/* a template set once; per request: duplicate, per-transfer options, clean up */
static double dup(const char *url, int n, struct curl_slist *h) {
  sink body = {0}, head = {0};
  char err[CURL_ERROR_SIZE];
  CURL *t = curl_easy_init();
  CURLSH *sh = curl_share_init();
  double t0 = 0;
  int i;
  shareall(sh);
  common(t);
  for (i = -1; i < n; i++) {  /* i = -1 connects outside the clock */
    CURL *e;
    if (i == 0) t0 = now(), lastcpu = cpu();
    body.len = head.len = 0;
    e = duplicate(t, &body, &head, err, sh, url, h);
    check(curl_easy_perform(e), e);
    curl_easy_cleanup(e);
  }
  t0 = now() - t0;
  lastcpu = (cpu() - lastcpu) / n;
  curl_easy_cleanup(t);
  curl_share_cleanup(sh);
  free(body.p);
  free(head.p);
  return t0 / n;
}

/* the same, each duplicate driven on one multi handle kept across requests */
static double dupmulti(const char *url, int n, struct curl_slist *h) {
  sink body = {0}, head = {0};
  char err[CURL_ERROR_SIZE];
  CURL *t = curl_easy_init();
  CURLSH *sh = curl_share_init();
  CURLM *m = curl_multi_init();
  double t0 = 0;
  int i;
  shareall(sh);
  common(t);
  for (i = -1; i < n; i++) {
    CURL *e;
    CURLMsg *msg;
    CURLcode rc = CURLE_OK;
    int running = 1, left;
    if (i == 0) t0 = now(), lastcpu = cpu();
    body.len = head.len = 0;
    e = duplicate(t, &body, &head, err, sh, url, h);
    curl_multi_add_handle(m, e);
    for (;;) {
      curl_multi_perform(m, &running);
      if (!running) break;
      curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    while ((msg = curl_multi_info_read(m, &left)) != NULL)
      if (msg->msg == CURLMSG_DONE) rc = msg->data.result;
    curl_multi_remove_handle(m, e);
    check(rc, e);
    curl_easy_cleanup(e);
  }
  t0 = now() - t0;
  lastcpu = (cpu() - lastcpu) / n;
  curl_multi_cleanup(m);
  curl_easy_cleanup(t);
  curl_share_cleanup(sh);
  free(body.p);
  free(head.p);
  return t0 / n;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof v[0], cmp);
  return v[n / 2];
}

int main(int argc, char **argv) {
  int n = argc > 2 ? atoi(argv[2]) : 20000, rounds = argc > 3 ? atoi(argv[3]) : 5, r, k;
  static const char *const names[] = {
    "C, reused easy handle:        ",
    "C, duplicate, easy_perform:   ",
    "C, duplicate, one multi:      "
  };
  double wall[3][64], cpus[3][64], base = 0, basecpu = 0;
  struct curl_slist *h;
  if (argc < 2 || n <= 0 || rounds <= 0 || rounds > 64) {
    fprintf(stderr, "usage: core_bench URL [N [ROUNDS]]\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  h = headers();
  for (r = 0; r < rounds; r++) {  /* alternate: load from elsewhere hits all alike */
    wall[0][r] = reuse(argv[1], n, h), cpus[0][r] = lastcpu;
    wall[1][r] = dup(argv[1], n, h), cpus[1][r] = lastcpu;
    wall[2][r] = dupmulti(argv[1], n, h), cpus[2][r] = lastcpu;
  }
  for (k = 0; k < 3; k++) {
    double w = median(wall[k], rounds) * 1e6, c = median(cpus[k], rounds) * 1e6;
    if (k == 0) base = w, basecpu = c;
    printf("%s %7.2f us/request wall (%.3fx), %6.2f us CPU (%.3fx)\n",
           names[k], w, w / base, c, c / basecpu);
  }
  printf("(medians of %d rounds of %d requests)\n", rounds, n);
  curl_slist_free_all(h);
  curl_global_cleanup();
  return 0;
}
