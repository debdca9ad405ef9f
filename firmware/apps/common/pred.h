/* The PRED line: input 0 (as populated, when <= PRED_MAX_INPUT bytes) and every output
 * in hex, for bit-exact comparison against the golden reference. */
#ifndef APP_PRED_H
#define APP_PRED_H
#include <stdint.h>
#include "bt/interp.h"

#define PRED_MAX_INPUT 64u

/* Copy input 0 right after Populate: the planner may reuse its memory during Invoke. */
void pred_capture_input(bt_interp *it);
void pred_print(bt_interp *it, uint32_t iteration);

#endif
