/* The texts of stackwebhook_status_string: static, in C, so that the
 * pointers returned stay valid for the life of the process. */
#include "stackwebhook.h"

const char *stackwebhook_status_string(int status) {
  switch (status) {
  case STACKWEBHOOK_OK: return "ok";
  case STACKWEBHOOK_ERR_INVALID_SECRET: return "invalid secret";
  case STACKWEBHOOK_ERR_MISSING_HEADERS: return "missing required headers";
  case STACKWEBHOOK_ERR_INVALID_HEADERS: return "invalid signature headers";
  case STACKWEBHOOK_ERR_TIMESTAMP_TOO_OLD: return "message timestamp too old";
  case STACKWEBHOOK_ERR_TIMESTAMP_TOO_NEW: return "message timestamp too new";
  case STACKWEBHOOK_ERR_NO_MATCHING_SIGNATURE: return "no matching signature found";
  case STACKWEBHOOK_ERR_INVALID_PAYLOAD: return "invalid payload";
  case STACKWEBHOOK_ERR_INVALID_ARGUMENT: return "invalid argument";
  case STACKWEBHOOK_ERR_BUFFER_TOO_SMALL: return "buffer too small";
  }
  return "unknown status";
}
