/* bsp/bsp.h on the host: stdout console, wall-clock milliseconds, no LED, no stack paint. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bsp/bsp.h"

static struct timespec t0;

void bsp_init(void) { clock_gettime(CLOCK_MONOTONIC, &t0); }

uint32_t bsp_millis(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint32_t)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
}

void bsp_led_set(int on) { (void)on; }
size_t bsp_stack_peak(void) { return 0; }
size_t bsp_stack_size(void) { return 0; }

void bsp_exit(int code)
{
    printf("BOARDTWIN-EXIT %d\n", code);
    fflush(stdout);
    exit(code);
}
