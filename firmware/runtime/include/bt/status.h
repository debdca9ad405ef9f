/* Status codes shared by the runtime, kernels and tools. Kept as a plain enum
 * (not errno) so a board can print a stable name for every failure. */
#ifndef BT_STATUS_H
#define BT_STATUS_H

typedef enum bt_status {
  BT_OK = 0,
  BT_ERR_ARG,              /* NULL pointer / bad argument from the caller */
  BT_ERR_MODEL_TRUNCATED,  /* a read would leave the model buffer */
  BT_ERR_MODEL_MALFORMED,  /* structurally invalid flatbuffer / schema data */
  BT_ERR_MODEL_IDENTIFIER, /* file identifier is not "TFL3" */
  BT_ERR_MODEL_VERSION,    /* schema version is not 3 */
  BT_ERR_MODEL_ALIGNMENT,  /* constant data not aligned to its element size */
  BT_ERR_GRAPH,            /* bad tensor index, double write, cycle, ... */
  BT_ERR_UNSUPPORTED_OP,   /* no kernel registered for a builtin / custom op */
  BT_ERR_UNSUPPORTED_TYPE, /* kernel exists but not for these tensor types */
  BT_ERR_SHAPE,            /* shapes inconsistent for the op */
  BT_ERR_QUANT,            /* missing / invalid quantization parameters */
  BT_ERR_ARENA_TOO_SMALL,  /* see bt_interp_arena_needed() */
  BT_ERR_LIMIT,            /* a compile-time limit (BT_MAX_*) was exceeded */
  BT_ERR_STATE,            /* call order violated (invoke before init ...) */
  BT_ERR_INTERNAL,
  BT_STATUS_COUNT
} bt_status;

/* Stable upper-case name, e.g. "ARENA_TOO_SMALL"; never NULL. */
const char *bt_status_str(bt_status s);

/* For prepare functions and other init-time code (once per operator, never per
 * element): GCC compiles them exactly as -Os (plain `cold` still inlined like -O2:
 * ~0.1 kB more per image) and groups them in .text.unlikely, while the eval loops
 * in the same file keep the file's -O2. clang has no optimize attribute. */
#ifndef BT_COLD
#if defined(__GNUC__) && !defined(__clang__)
#define BT_COLD __attribute__((cold, optimize("Os")))
#else
#define BT_COLD __attribute__((cold))
#endif
#endif
#ifndef BT_COLD_OS
#define BT_COLD_OS BT_COLD   /* former name of the same thing */
#endif

#endif
