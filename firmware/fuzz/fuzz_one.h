/* The one fuzz body shared by the libFuzzer target and the standalone driver,
 * so a crash found by either replays identically in the other. */
#ifndef BT_FUZZ_ONE_H
#define BT_FUZZ_ONE_H
#include <stddef.h>
#include <stdint.h>
#include "bt/status.h"

/* Fixed arena: large enough for every staged model (person_detect needs
 * ~85 kB), small enough that absurd mutated shapes end in ARENA_TOO_SMALL. */
#ifndef BT_FUZZ_ARENA_BYTES
#define BT_FUZZ_ARENA_BYTES (256u * 1024u)
#endif

typedef enum bt_fuzz_stage {
  BT_FUZZ_RAN = 0,        /* init and invoke both returned BT_OK */
  BT_FUZZ_INIT_ERROR,     /* init rejected the model with a status */
  BT_FUZZ_INVOKE_ERROR    /* init succeeded, invoke returned a status */
} bt_fuzz_stage;

typedef struct bt_fuzz_result {
  bt_fuzz_stage stage;
  bt_status status;
  const char *error;      /* bt_interp_error(), valid until the next call */
} bt_fuzz_result;

/* Init with the static arena, fill inputs deterministically, invoke once if
 * init succeeded. Contract violations on the error path abort() with a
 * "BT_FUZZ_ASSERT" line on stderr, so every harness counts them as crashes. */
bt_fuzz_result bt_fuzz_one(const uint8_t *data, size_t size);

#endif
