/* Host driver for the micro_speech app's own logic (front end, feature window, clip
 * announcements, recogniser) without the runtime: the app's sources run against this stub
 * interpreter, whose "invoke" returns the scores the wheel computed for that iteration
 * (a file of iterations x 4 int8). Prints each populated input as "IN <i> <hex>" and the
 * app's lines, for test_app_host.py to compare with harness.inputs.golden_micro_speech. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "bsp/bsp.h"
#include "bt/log.h"

static _Alignas(16) uint8_t in_buf[49 * 40];
static _Alignas(16) uint8_t out_buf[4];
static bt_tensor in_t = {.data = in_buf, .bytes = sizeof in_buf, .type = BT_INT8};
static bt_tensor out_t = {.data = out_buf, .bytes = sizeof out_buf, .type = BT_INT8};
static FILE *scores;
static bt_interp interp;

bt_tensor *bt_interp_input(bt_interp *it, int i) { (void)it; return i == 0 ? &in_t : NULL; }
bt_tensor *bt_interp_output(bt_interp *it, int i) { (void)it; return i == 0 ? &out_t : NULL; }
int32_t bt_tensor_num_elems(const bt_tensor *t) { return (int32_t)t->bytes; }
void bsp_led_set(int on) { (void)on; }

int bt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int app_invoke_model(bt_interp *it)
{
    (void)it;
    return fread(out_buf, 1, sizeof out_buf, scores) == sizeof out_buf ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 3 || !(scores = fopen(argv[1], "rb"))) {
        fprintf(stderr, "usage: host_stub SCORES.bin ITERATIONS\n");
        return 2;
    }
    uint32_t n = (uint32_t)strtoul(argv[2], NULL, 10);
    if (app_setup(&interp))
        return 1;
    for (uint32_t i = 0; i < n; ++i) {
        if (app_populate(&interp, i))
            return 1;
        printf("IN %lu ", (unsigned long)i);
        for (uint32_t k = 0; k < sizeof in_buf; ++k)
            printf("%02x", in_buf[k]);
        printf("\n");
        if (app_invoke(&interp) || app_respond(&interp, i))
            return 1;
    }
    return 0;
}
