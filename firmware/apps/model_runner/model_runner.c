/* Runs any model (BT_MODEL) for bit-exact checks against the golden reference.
 * Inputs come from the BT_INPUT blob -- records of all inputs' bytes back to back,
 * iteration i using record i mod count (a blob shorter than one record is repeated) --
 * or, without a blob, from a deterministic xorshift32 stream seeded by the iteration.
 * The outputs are reported by the shared PRED line; Respond only reads them. */
#include <stdint.h>
#include <string.h>
#include "app.h"
#include "blobs.h"
#include "bt/log.h"

static uint32_t record_bytes;

static uint32_t xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

int app_setup(bt_interp *it)
{
    record_bytes = 0;
    for (int k = 0; k < bt_interp_num_inputs(it); ++k) {
        const bt_tensor *t = bt_interp_input(it, k);
        if (!t || !t->data) {
            bt_printf("ERROR: model_runner: input %d has no buffer\n", k);
            return 1;
        }
        record_bytes += t->bytes;
    }
    return 0;
}

static void fill_from_blob(bt_interp *it, uint32_t iteration)
{
    uint32_t pos = 0;
    if (bt_input_size >= record_bytes && record_bytes)
        pos = (iteration % (bt_input_size / record_bytes)) * record_bytes;
    for (int k = 0; k < bt_interp_num_inputs(it); ++k) {
        bt_tensor *t = bt_interp_input(it, k);
        uint8_t *dst = t->data;
        for (uint32_t b = 0; b < t->bytes;) {
            uint32_t n = bt_input_size - pos;
            if (n > t->bytes - b)
                n = t->bytes - b;
            memcpy(dst + b, bt_input_data + pos, n);
            b += n;
            pos += n;
            if (pos == bt_input_size)
                pos = 0;
        }
    }
}

static void fill_random(bt_interp *it, uint32_t iteration)
{
    uint32_t seed = (iteration + 1u) * 0x9E3779B9u;
    for (int k = 0; k < bt_interp_num_inputs(it); ++k) {
        bt_tensor *t = bt_interp_input(it, k);
        if (t->type == BT_FLOAT32) {
            float *f = t->data;
            for (uint32_t e = 0; e < t->bytes / 4u; ++e) /* uniform in [-1, 1) */
                f[e] = (float)(int32_t)xorshift32(&seed) * (1.0f / 2147483648.0f);
        } else if (t->type == BT_BOOL) {
            uint8_t *b = t->data;
            for (uint32_t e = 0; e < t->bytes; ++e)
                b[e] = (uint8_t)(xorshift32(&seed) & 1u);
        } else {
            uint8_t *b = t->data;
            for (uint32_t e = 0; e < t->bytes; ++e)
                b[e] = (uint8_t)(xorshift32(&seed) >> 24);
        }
    }
}

int app_populate(bt_interp *it, uint32_t iteration)
{
    if (bt_input_size)
        fill_from_blob(it, iteration);
    else
        fill_random(it, iteration);
    return 0;
}

int app_invoke(bt_interp *it) { return app_invoke_model(it); }

int app_respond(bt_interp *it, uint32_t iteration)
{
    (void)it;
    (void)iteration;
    return 0;
}
