#include "pred.h"
#include <string.h>
#include "bt/platform.h"

static uint8_t captured[PRED_MAX_INPUT];
static uint32_t captured_len; /* 0 = input too large to print */

void pred_capture_input(bt_interp *it)
{
    const bt_tensor *in = bt_interp_input(it, 0);
    captured_len = 0u;
    if (in && in->data && in->bytes <= PRED_MAX_INPUT) {
        memcpy(captured, in->data, in->bytes);
        captured_len = in->bytes;
    }
}

/* Hex through a small buffer: one UART write per 32 bytes instead of a printf per byte. */
static void write_hex(const uint8_t *p, uint32_t n)
{
    static const char digits[] = "0123456789abcdef";
    char buf[64];
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; ++i) {
        buf[k++] = digits[p[i] >> 4];
        buf[k++] = digits[p[i] & 0xFu];
        if (k == sizeof buf) {
            bt_platform_write(buf, k);
            k = 0;
        }
    }
    if (k)
        bt_platform_write(buf, k);
}

static void write_str(const char *s) { bt_platform_write(s, strlen(s)); }

static void write_u32(uint32_t v)
{
    char buf[11];
    int k = (int)sizeof buf;
    do {
        buf[--k] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    bt_platform_write(buf + k, sizeof buf - (size_t)k);
}

void pred_print(bt_interp *it, uint32_t iteration)
{
    write_str("PRED i=");
    write_u32(iteration);
    if (captured_len) {
        write_str(" in=");
        write_hex(captured, captured_len);
    }
    write_str(" out=");
    for (int o = 0; o < bt_interp_num_outputs(it); ++o) {
        const bt_tensor *t = bt_interp_output(it, o);
        if (o)
            write_str(",");
        if (t && t->data)
            write_hex((const uint8_t *)t->data, t->bytes);
    }
    write_str("\n");
}
