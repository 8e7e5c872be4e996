-- libcurl's CURLcode numbers and their names without "CURLE_", for Lua: the curl command's exit
-- codes (transport/spawn.lua) and old-style numeric codes from a user's transport
-- (transport/init.lua).  The C core names its own failures from src/codes.c; this table is the
-- same one (spec/unit/transport/codes_spec.lua reads src/codes.c and holds them equal), so one
-- number is one name on every transport.  Codes past the table or retired by libcurl are
-- "CURL_<n>".
local NAMES = {
  [1] = "UNSUPPORTED_PROTOCOL", [2] = "FAILED_INIT", [3] = "URL_MALFORMAT", [4] = "NOT_BUILT_IN",
  [5] = "COULDNT_RESOLVE_PROXY", [6] = "COULDNT_RESOLVE_HOST", [7] = "COULDNT_CONNECT",
  [8] = "WEIRD_SERVER_REPLY", [9] = "REMOTE_ACCESS_DENIED", [10] = "FTP_ACCEPT_FAILED",
  [11] = "FTP_WEIRD_PASS_REPLY", [12] = "FTP_ACCEPT_TIMEOUT", [13] = "FTP_WEIRD_PASV_REPLY",
  [14] = "FTP_WEIRD_227_FORMAT", [15] = "FTP_CANT_GET_HOST", [16] = "HTTP2",
  [17] = "FTP_COULDNT_SET_TYPE", [18] = "PARTIAL_FILE", [19] = "FTP_COULDNT_RETR_FILE",
  [21] = "QUOTE_ERROR", [22] = "HTTP_RETURNED_ERROR", [23] = "WRITE_ERROR", [25] = "UPLOAD_FAILED",
  [26] = "READ_ERROR", [27] = "OUT_OF_MEMORY", [28] = "OPERATION_TIMEDOUT",
  [30] = "FTP_PORT_FAILED", [31] = "FTP_COULDNT_USE_REST", [33] = "RANGE_ERROR",
  [34] = "HTTP_POST_ERROR", [35] = "SSL_CONNECT_ERROR", [36] = "BAD_DOWNLOAD_RESUME",
  [37] = "FILE_COULDNT_READ_FILE", [38] = "LDAP_CANNOT_BIND", [39] = "LDAP_SEARCH_FAILED",
  [41] = "FUNCTION_NOT_FOUND", [42] = "ABORTED_BY_CALLBACK", [43] = "BAD_FUNCTION_ARGUMENT",
  [45] = "INTERFACE_FAILED", [47] = "TOO_MANY_REDIRECTS", [48] = "UNKNOWN_OPTION",
  [49] = "SETOPT_OPTION_SYNTAX", [52] = "GOT_NOTHING", [53] = "SSL_ENGINE_NOTFOUND",
  [54] = "SSL_ENGINE_SETFAILED", [55] = "SEND_ERROR", [56] = "RECV_ERROR",
  [58] = "SSL_CERTPROBLEM", [59] = "SSL_CIPHER", [60] = "PEER_FAILED_VERIFICATION",
  [61] = "BAD_CONTENT_ENCODING", [63] = "FILESIZE_EXCEEDED", [64] = "USE_SSL_FAILED",
  [65] = "SEND_FAIL_REWIND", [66] = "SSL_ENGINE_INITFAILED", [67] = "LOGIN_DENIED",
  [68] = "TFTP_NOTFOUND", [69] = "TFTP_PERM", [70] = "REMOTE_DISK_FULL", [71] = "TFTP_ILLEGAL",
  [72] = "TFTP_UNKNOWNID", [73] = "REMOTE_FILE_EXISTS", [74] = "TFTP_NOSUCHUSER",
  [77] = "SSL_CACERT_BADFILE", [78] = "REMOTE_FILE_NOT_FOUND", [79] = "SSH",
  [80] = "SSL_SHUTDOWN_FAILED", [81] = "AGAIN", [82] = "SSL_CRL_BADFILE",
  [83] = "SSL_ISSUER_ERROR", [84] = "FTP_PRET_FAILED", [85] = "RTSP_CSEQ_ERROR",
  [86] = "RTSP_SESSION_ERROR", [87] = "FTP_BAD_FILE_LIST", [88] = "CHUNK_FAILED",
  [89] = "NO_CONNECTION_AVAILABLE", [90] = "SSL_PINNEDPUBKEYNOTMATCH",
  [91] = "SSL_INVALIDCERTSTATUS", [92] = "HTTP2_STREAM", [93] = "RECURSIVE_API_CALL",
  [94] = "AUTH_ERROR", [95] = "HTTP3", [96] = "QUIC_CONNECT_ERROR", [97] = "PROXY",
  [98] = "SSL_CLIENTCERT", [99] = "UNRECOVERABLE_POLL",
}

local codes = { NAMES = NAMES }

--- The name of CURLcode n: "COULDNT_CONNECT" for 7, "CURL_<n>" for one the table lacks.
function codes.name(n)
  return NAMES[n] or ("CURL_" .. tostring(n))
end

return codes
