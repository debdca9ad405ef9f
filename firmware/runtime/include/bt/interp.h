/* Public API of the boardtwin inference runtime: a TFLite flatbuffer
 * interpreter that reads the model in place and allocates everything
 * from one caller-provided arena (no malloc), like TFLM. */
#ifndef BT_INTERP_H
#define BT_INTERP_H
#include <stddef.h>
#include <stdint.h>
#include "bt/status.h"
#include "bt/tensor.h"

/* The complete struct is in bt/interp_impl.h so applications can allocate
 * it statically (no malloc); treat its fields as private. */
#include "bt/interp_impl.h"

/* Parse + validate the model, plan memory and prepare every operator.
 * On BT_ERR_ARENA_TOO_SMALL, bt_interp_arena_needed() tells the bytes needed. */
bt_status bt_interp_init(bt_interp *it, const uint8_t *model, size_t model_len,
                         uint8_t *arena, size_t arena_len);
bt_status bt_interp_invoke(bt_interp *it);
/* Reset variable (state) tensors, e.g. LSTM/SVDF state, like TFLM's
 * MicroInterpreter::Reset(): int8 to its zero point, others to 0. Done by
 * init too; call it between independent sequences. */
void bt_interp_reset(bt_interp *it);

int bt_interp_num_inputs(const bt_interp *it);
int bt_interp_num_outputs(const bt_interp *it);
bt_tensor *bt_interp_input(bt_interp *it, int i);
bt_tensor *bt_interp_output(bt_interp *it, int i);

/* Arena figures as TFLM's RecordingMicroAllocator reports them. */
size_t bt_interp_arena_head(const bt_interp *it);
size_t bt_interp_arena_tail(const bt_interp *it);
size_t bt_interp_arena_needed(const bt_interp *it);
/* Print the "[RecordingMicroAllocator] ..." lines through bt_printf. */
void bt_interp_print_allocations(const bt_interp *it);
/* Human-readable detail of the last error (op index/name, bytes needed...). */
const char *bt_interp_error(const bt_interp *it);

/* Per-operator profiling (TFLM MicroProfiler formats) when enabled. */
void bt_interp_enable_profiling(bt_interp *it, int on);
void bt_interp_print_profile(const bt_interp *it);      /* "<tag> took <t> ticks (<ms> ms)." */
void bt_interp_print_profile_csv(const bt_interp *it);  /* "Event","Tag","Ticks" */

#endif
