/* What an application supplies to the shared Populate -> Invoke -> Respond loop
 * (main.c). Each hook returns 0 on success; on failure it prints "ERROR: ..." itself
 * and returns nonzero, which ends the run with BOARDTWIN-EXIT 4. */
#ifndef APP_APP_H
#define APP_APP_H
#include <stdint.h>
#include "bt/interp.h"

/* Once, after bt_interp_init: check the model's inputs/outputs suit the app. */
int app_setup(bt_interp *it);
/* Fill the input tensor(s) for this iteration. */
int app_populate(bt_interp *it, uint32_t iteration);
/* Run the model (normally app_invoke_model). */
int app_invoke(bt_interp *it);
/* Use the outputs: print the app's line(s), drive the LED... */
int app_respond(bt_interp *it, uint32_t iteration);

/* Shared helper: bt_interp_invoke with the protocol's error line. */
int app_invoke_model(bt_interp *it);

#endif
