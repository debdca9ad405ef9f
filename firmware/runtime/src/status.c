#include "bt/status.h"

static const char *const names[BT_STATUS_COUNT] = {
  "OK", "ARG", "MODEL_TRUNCATED", "MODEL_MALFORMED", "MODEL_IDENTIFIER",
  "MODEL_VERSION", "MODEL_ALIGNMENT", "GRAPH", "UNSUPPORTED_OP",
  "UNSUPPORTED_TYPE", "SHAPE", "QUANT", "ARENA_TOO_SMALL", "LIMIT", "STATE",
  "INTERNAL",
};

const char *bt_status_str(bt_status s) {
  if ((unsigned)s < BT_STATUS_COUNT) return names[s];
  return "UNKNOWN";
}
