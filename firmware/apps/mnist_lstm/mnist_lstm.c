/* Upstream's mnist_lstm (trained_lstm_int8.tflite): a 28-step LSTM reading one image row per
 * step. The input blob is samples/sample<d>.png (d = 0..9) quantized with the model's input
 * scale/zero point by harness/inputs.py, so image k has label k. Iteration i feeds image
 * i mod count. The LSTM's state tensors persist across invokes (TFLM semantics), so they are
 * reset before every image (bt_interp_reset), as upstream's evaluation does with
 * interpreter.reset(); Respond prints the argmax, its int8 score and the expected label. */
#include <stdint.h>
#include <string.h>
#include "app.h"
#include "blobs.h"
#include "bt/log.h"

static uint32_t image_bytes, num_images, current;

int app_setup(bt_interp *it)
{
    const bt_tensor *in = bt_interp_input(it, 0), *out = bt_interp_output(it, 0);
    if (!in || !out || !in->data || !out->data || in->type != BT_INT8 || out->type != BT_INT8 ||
        bt_tensor_num_elems(in) != 28 * 28 || bt_tensor_num_elems(out) != 10) {
        bt_printf("ERROR: mnist_lstm needs an int8 [1, 28, 28] input and an int8 [1, 10] output\n");
        return 1;
    }
    image_bytes = in->bytes;
    num_images = bt_input_size / image_bytes;
    if (num_images == 0 || bt_input_size % image_bytes != 0) {
        bt_printf("ERROR: mnist_lstm: input blob of %lu bytes is not a whole number of %lu-byte "
                  "images\n", (unsigned long)bt_input_size, (unsigned long)image_bytes);
        return 1;
    }
    return 0;
}

int app_populate(bt_interp *it, uint32_t iteration)
{
    current = iteration % num_images;
    bt_interp_reset(it); /* fresh LSTM state per image */
    memcpy(bt_interp_input(it, 0)->data, bt_input_data + current * image_bytes, image_bytes);
    return 0;
}

int app_invoke(bt_interp *it) { return app_invoke_model(it); }

int app_respond(bt_interp *it, uint32_t iteration)
{
    (void)iteration;
    const int8_t *scores = bt_interp_output(it, 0)->data;
    int best = 0;
    for (int k = 1; k < 10; ++k) /* first maximum wins, like numpy.argmax */
        if (scores[k] > scores[best])
            best = k;
    bt_printf("digit %d (score %d) expected %lu\n", best, scores[best], (unsigned long)current);
    return 0;
}
