/*
** codes.h: the name of a CURLcode, as the core reports failures.
*/
#ifndef IDC_CODES_H
#define IDC_CODES_H

#include <stddef.h>
#include <curl/curl.h>

#include "compat.h"

/* CURLE_COULDNT_CONNECT -> "COULDNT_CONNECT"; an unknown code is written
   into buf as "CURL_<n>" (16 bytes are enough). */
IDC_HIDDEN const char *idc_codename(CURLcode rc, char *buf, size_t size);

#endif
