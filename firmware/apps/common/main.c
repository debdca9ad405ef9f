/* The shared main loop: Populate -> Invoke -> Respond, each phase timed in SysTick
 * milliseconds and DWT cycles, printing the console protocol of docs/architecture.md. */
#include <stdint.h>
#include "app.h"
#include "arena.h"
#include "blobs.h"
#include "bsp/bsp.h"
#include "bt/interp.h"
#include "bt/log.h"
#include "bt/platform.h"
#include "pred.h"
#include "stats.h"

#ifndef BT_REPORT_EVERY
#define BT_REPORT_EVERY 10
#endif
#ifndef BT_PROFILE
#define BT_PROFILE 0
#endif

enum { EXIT_OK = 0, EXIT_INIT = 2, EXIT_APP = 4 };
enum { PH_POPULATE, PH_INVOKE, PH_RESPOND, PH_COUNT };
static const char *const phase_name[PH_COUNT] = {"Populate", "Invoke", "Respond"};

static bt_interp interp;
static uint8_t arena[APP_ARENA_BYTES] __attribute__((aligned(16), section(APP_ARENA_SECTION)));
static phase_stat ms_stat[PH_COUNT], cyc_stat[PH_COUNT];

typedef int (*phase_fn)(bt_interp *it, uint32_t iteration);

static int do_invoke(bt_interp *it, uint32_t iteration)
{
    (void)iteration;
    return app_invoke(it);
}

static const phase_fn phase_fns[PH_COUNT] = {app_populate, do_invoke, app_respond};

static void report(void)
{
    bt_printf("TIMESTAMP: %lu ms\n", (unsigned long)bsp_millis());
    for (int p = 0; p < PH_COUNT; ++p)
        bt_printf("Ticks for %s (cur/min/max/avg): %lu/%lu/%lu/%lu\n", phase_name[p],
                  (unsigned long)ms_stat[p].cur, (unsigned long)ms_stat[p].min,
                  (unsigned long)ms_stat[p].max, (unsigned long)stat_avg(&ms_stat[p]));
    for (int p = 0; p < PH_COUNT; ++p)
        bt_printf("Cycles for %s (cur/min/max/avg): %lu/%lu/%lu/%lu\n", phase_name[p],
                  (unsigned long)cyc_stat[p].cur, (unsigned long)cyc_stat[p].min,
                  (unsigned long)cyc_stat[p].max, (unsigned long)stat_avg(&cyc_stat[p]));
}

int app_invoke_model(bt_interp *it)
{
    bt_status s = bt_interp_invoke(it);
    if (s != BT_OK) {
        bt_printf("ERROR: invoke failed: %s: %s\n", bt_status_str(s), bt_interp_error(it));
        return 1;
    }
    return 0;
}

int main(void)
{
    bsp_init();
    bt_printf("boardtwin app=%s board=%s kernels=%s core_hz=%lu model_bytes=%lu arena_bytes=%lu\n",
              BT_APP_NAME, BT_BOARD_NAME, BT_KERNELS_NAME, (unsigned long)bt_platform_core_hz(),
              (unsigned long)bt_model_size, (unsigned long)sizeof arena);

    bt_status s = bt_interp_init(&interp, bt_model_data, bt_model_size, arena, sizeof arena);
    if (s != BT_OK) {
        bt_printf("ERROR: init failed: %s: %s", bt_status_str(s), bt_interp_error(&interp));
        if (s == BT_ERR_ARENA_TOO_SMALL)
            bt_printf(" (arena needs %lu bytes)", (unsigned long)bt_interp_arena_needed(&interp));
        bt_printf("\n");
        bsp_exit(EXIT_INIT);
    }
    bt_interp_print_allocations(&interp);
    if (BT_PROFILE)
        bt_interp_enable_profiling(&interp, 1);
    if (app_setup(&interp) != 0)
        bsp_exit(EXIT_APP);

    for (uint32_t i = 0; i < (uint32_t)BT_ITERATIONS; ++i) {
        for (int p = 0; p < PH_COUNT; ++p) {
            uint32_t t0 = bsp_millis();
            uint32_t c0 = bt_platform_cycles();
            int rc = phase_fns[p](&interp, i);
            uint32_t c1 = bt_platform_cycles();
            uint32_t t1 = bsp_millis();
            if (rc != 0)
                bsp_exit(EXIT_APP);
            stat_add(&cyc_stat[p], c1 - c0);
            stat_add(&ms_stat[p], t1 - t0);
            if (p == PH_POPULATE)
                pred_capture_input(&interp); /* outside the timed window */
        }
        pred_print(&interp, i);
        if ((i + 1u) % (uint32_t)BT_REPORT_EVERY == 0u || i + 1u == (uint32_t)BT_ITERATIONS)
            report();
    }

    if (BT_PROFILE) {
        bt_interp_print_profile(&interp);
        bt_interp_print_profile_csv(&interp);
    }
    bt_printf("Stack peak %lu bytes\n", (unsigned long)bsp_stack_peak());
    bsp_exit(EXIT_OK);
}
