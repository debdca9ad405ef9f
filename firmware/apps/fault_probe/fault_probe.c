/* Test app for the BSP's fault path: runs the model once, then executes a permanently
 * undefined instruction (UDF) in the second Populate. UsageFault is not enabled in
 * SHCSR, so it escalates to HardFault, whose handler must print
 * "ERROR: HardFault pc=... CFSR=... HFSR=..." and "BOARDTWIN-EXIT 3". */
#include <stdint.h>
#include "app.h"

int app_setup(bt_interp *it)
{
    (void)it;
    return 0;
}

int app_populate(bt_interp *it, uint32_t iteration)
{
    (void)it;
    if (iteration == 1u)
        __asm volatile("udf #0x42");
    return 0;
}

int app_invoke(bt_interp *it) { return app_invoke_model(it); }

int app_respond(bt_interp *it, uint32_t iteration)
{
    (void)it;
    (void)iteration;
    return 0;
}
