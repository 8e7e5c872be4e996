/*
** buffer.h: a growable byte buffer in C memory, filled from libcurl
** callbacks (which must not touch the Lua state).
*/
#ifndef IDC_BUFFER_H
#define IDC_BUFFER_H

#include <stddef.h>

#include "compat.h"

typedef struct buffer {
  char *data;
  size_t len;
  size_t cap;
} buffer;

#define buffer_init(b)	((b)->data = NULL, (b)->len = (b)->cap = 0)

/* Room for n more bytes, never growing the capacity past max (0: no
   bound) unless len + n needs it; 0 on success, -1 when out of memory
   (b is unchanged). */
IDC_HIDDEN int buffer_reserve(buffer *b, size_t n, size_t max);
/* Empty b for reuse, keeping its memory only up to keep bytes. */
IDC_HIDDEN void buffer_reset(buffer *b, size_t keep);
/* Release the memory; b is empty and reusable afterwards. */
IDC_HIDDEN void buffer_free(buffer *b);

#endif
