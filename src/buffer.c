/*
** buffer.c: growable byte buffer.
*/
#include <stdlib.h>
#include <string.h>

#include "buffer.h"

#define BUFFER_MIN	256

int buffer_add(buffer *b, const void *p, size_t n) {
  if (n > b->cap - b->len) {
    size_t cap = b->cap ? b->cap : BUFFER_MIN;
    char *data;
    if (n > (size_t)-1 - b->len) return -1;  /* size_t overflow */
    while (cap - b->len < n)  /* double, but never past SIZE_MAX */
      cap = cap > (size_t)-1 / 2 ? b->len + n : cap * 2;
    data = (char *)realloc(b->data, cap);
    if (data == NULL) return -1;
    b->data = data;
    b->cap = cap;
  }
  if (n > 0) memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

void buffer_free(buffer *b) {
  free(b->data);
  buffer_init(b);
}
