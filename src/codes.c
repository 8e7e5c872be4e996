/*
** codes.c: CURLcode enum names without "CURLE_", the error names the core
** reports (luv's convention: Lua keys its policy on names, never numbers).
** Spelled out rather than taken from curl.h so that the same number gives
** the same name whatever libcurl the core was built against; codes past
** the table or retired by libcurl ("OBSOLETE") become "CURL_<n>".
*/
#include <stdio.h>

#include "codes.h"

static const char *const names[] = {
  "OK",                          /* 0 */
  "UNSUPPORTED_PROTOCOL",        /* 1 */
  "FAILED_INIT",                 /* 2 */
  "URL_MALFORMAT",               /* 3 */
  "NOT_BUILT_IN",                /* 4 */
  "COULDNT_RESOLVE_PROXY",       /* 5 */
  "COULDNT_RESOLVE_HOST",        /* 6 */
  "COULDNT_CONNECT",             /* 7 */
  "WEIRD_SERVER_REPLY",          /* 8 */
  "REMOTE_ACCESS_DENIED",        /* 9 */
  "FTP_ACCEPT_FAILED",           /* 10 */
  "FTP_WEIRD_PASS_REPLY",        /* 11 */
  "FTP_ACCEPT_TIMEOUT",          /* 12 */
  "FTP_WEIRD_PASV_REPLY",        /* 13 */
  "FTP_WEIRD_227_FORMAT",        /* 14 */
  "FTP_CANT_GET_HOST",           /* 15 */
  "HTTP2",                       /* 16 */
  "FTP_COULDNT_SET_TYPE",        /* 17 */
  "PARTIAL_FILE",                /* 18 */
  "FTP_COULDNT_RETR_FILE",       /* 19 */
  NULL,                          /* 20 */
  "QUOTE_ERROR",                 /* 21 */
  "HTTP_RETURNED_ERROR",         /* 22 */
  "WRITE_ERROR",                 /* 23 */
  NULL,                          /* 24 */
  "UPLOAD_FAILED",               /* 25 */
  "READ_ERROR",                  /* 26 */
  "OUT_OF_MEMORY",               /* 27 */
  "OPERATION_TIMEDOUT",          /* 28 */
  NULL,                          /* 29 */
  "FTP_PORT_FAILED",             /* 30 */
  "FTP_COULDNT_USE_REST",        /* 31 */
  NULL,                          /* 32 */
  "RANGE_ERROR",                 /* 33 */
  "HTTP_POST_ERROR",             /* 34 */
  "SSL_CONNECT_ERROR",           /* 35 */
  "BAD_DOWNLOAD_RESUME",         /* 36 */
  "FILE_COULDNT_READ_FILE",      /* 37 */
  "LDAP_CANNOT_BIND",            /* 38 */
  "LDAP_SEARCH_FAILED",          /* 39 */
  NULL,                          /* 40 */
  "FUNCTION_NOT_FOUND",          /* 41 */
  "ABORTED_BY_CALLBACK",         /* 42 */
  "BAD_FUNCTION_ARGUMENT",       /* 43 */
  NULL,                          /* 44 */
  "INTERFACE_FAILED",            /* 45 */
  NULL,                          /* 46 */
  "TOO_MANY_REDIRECTS",          /* 47 */
  "UNKNOWN_OPTION",              /* 48 */
  "SETOPT_OPTION_SYNTAX",        /* 49 */
  NULL,                          /* 50 */
  NULL,                          /* 51 */
  "GOT_NOTHING",                 /* 52 */
  "SSL_ENGINE_NOTFOUND",         /* 53 */
  "SSL_ENGINE_SETFAILED",        /* 54 */
  "SEND_ERROR",                  /* 55 */
  "RECV_ERROR",                  /* 56 */
  NULL,                          /* 57 */
  "SSL_CERTPROBLEM",             /* 58 */
  "SSL_CIPHER",                  /* 59 */
  "PEER_FAILED_VERIFICATION",    /* 60 */
  "BAD_CONTENT_ENCODING",        /* 61 */
  NULL,                          /* 62 */
  "FILESIZE_EXCEEDED",           /* 63 */
  "USE_SSL_FAILED",              /* 64 */
  "SEND_FAIL_REWIND",            /* 65 */
  "SSL_ENGINE_INITFAILED",       /* 66 */
  "LOGIN_DENIED",                /* 67 */
  "TFTP_NOTFOUND",               /* 68 */
  "TFTP_PERM",                   /* 69 */
  "REMOTE_DISK_FULL",            /* 70 */
  "TFTP_ILLEGAL",                /* 71 */
  "TFTP_UNKNOWNID",              /* 72 */
  "REMOTE_FILE_EXISTS",          /* 73 */
  "TFTP_NOSUCHUSER",             /* 74 */
  NULL,                          /* 75 */
  NULL,                          /* 76 */
  "SSL_CACERT_BADFILE",          /* 77 */
  "REMOTE_FILE_NOT_FOUND",       /* 78 */
  "SSH",                         /* 79 */
  "SSL_SHUTDOWN_FAILED",         /* 80 */
  "AGAIN",                       /* 81 */
  "SSL_CRL_BADFILE",             /* 82 */
  "SSL_ISSUER_ERROR",            /* 83 */
  "FTP_PRET_FAILED",             /* 84 */
  "RTSP_CSEQ_ERROR",             /* 85 */
  "RTSP_SESSION_ERROR",          /* 86 */
  "FTP_BAD_FILE_LIST",           /* 87 */
  "CHUNK_FAILED",                /* 88 */
  "NO_CONNECTION_AVAILABLE",     /* 89 */
  "SSL_PINNEDPUBKEYNOTMATCH",    /* 90 */
  "SSL_INVALIDCERTSTATUS",       /* 91 */
  "HTTP2_STREAM",                /* 92 */
  "RECURSIVE_API_CALL",          /* 93 */
  "AUTH_ERROR",                  /* 94 */
  "HTTP3",                       /* 95 */
  "QUIC_CONNECT_ERROR",          /* 96 */
  "PROXY",                       /* 97 */
  "SSL_CLIENTCERT",              /* 98 */
  "UNRECOVERABLE_POLL",          /* 99 */
};

const char *idc_codename(CURLcode rc, char *buf, size_t size) {
  size_t i = (size_t)rc;
  if ((int)rc >= 0 && i < sizeof names / sizeof names[0] && names[i] != NULL)
    return names[i];
  snprintf(buf, size, "CURL_%d", (int)rc);
  return buf;
}
