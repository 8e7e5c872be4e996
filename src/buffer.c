/*
** buffer.c: growable byte buffer.
*/
#include <stdlib.h>
#include <string.h>

#include "buffer.h"

#define BUFFER_MIN	256

int buffer_reserve(buffer *b, size_t n, size_t max) {
  size_t cap, need;
  char *data;
  if (n <= b->cap - b->len) return 0;
  if (n > (size_t)-1 - b->len) return -1;  /* size_t overflow */
  need = b->len + n;
  cap = b->cap ? b->cap : BUFFER_MIN;
  while (cap < need)  /* double, but never past SIZE_MAX */
    cap = cap > (size_t)-1 / 2 ? need : cap * 2;
  /* a body cap bounds the memory too: no doubling past it */
  if (max > 0 && cap > max) cap = need > max ? need : max;
  data = (char *)realloc(b->data, cap);
  if (data == NULL) return -1;
  b->data = data;
  b->cap = cap;
  return 0;
}


void buffer_reset(buffer *b, size_t keep) {
  if (b->cap > keep) buffer_free(b);
  b->len = 0;
}

void buffer_free(buffer *b) {
  free(b->data);
  buffer_init(b);
}
