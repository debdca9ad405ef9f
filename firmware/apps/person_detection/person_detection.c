/* Upstream's person_detection (person_detect.tflite, MobileNet v1 0.25, 96x96 grayscale).
 * The input blob is testdata/person.bmp then testdata/no_person.bmp as 96x96 grey bytes, rows
 * top to bottom, prepared by harness/inputs.py the way upstream's person_detection_test feeds
 * them (see there); iteration i copies image i mod count into the input. Respond prints both
 * class scores (output [1, 2]: index 0 = no person, 1 = person, as upstream's model_settings.h). */
#include <stdint.h>
#include <string.h>
#include "app.h"
#include "blobs.h"
#include "bsp/bsp.h"
#include "bt/log.h"

enum { NOT_A_PERSON = 0, PERSON = 1, SIDE = 96 };

static uint32_t image_bytes, num_images;

int app_setup(bt_interp *it)
{
    const bt_tensor *in = bt_interp_input(it, 0), *out = bt_interp_output(it, 0);
    if (!in || !out || !in->data || !out->data || in->type != BT_INT8 || out->type != BT_INT8 ||
        bt_tensor_num_elems(in) != SIDE * SIDE || bt_tensor_num_elems(out) != 2) {
        bt_printf("ERROR: person_detection needs an int8 96x96x1 input and an int8 [1, 2] output\n");
        return 1;
    }
    image_bytes = in->bytes;
    num_images = bt_input_size / image_bytes;
    if (num_images == 0 || bt_input_size % image_bytes != 0) {
        bt_printf("ERROR: person_detection: input blob of %lu bytes is not a whole number of "
                  "%lu-byte images\n", (unsigned long)bt_input_size, (unsigned long)image_bytes);
        return 1;
    }
    return 0;
}

int app_populate(bt_interp *it, uint32_t iteration)
{
    uint32_t k = iteration % num_images;
    memcpy(bt_interp_input(it, 0)->data, bt_input_data + k * image_bytes, image_bytes);
    return 0;
}

int app_invoke(bt_interp *it) { return app_invoke_model(it); }

int app_respond(bt_interp *it, uint32_t iteration)
{
    (void)iteration;
    const int8_t *scores = bt_interp_output(it, 0)->data;
    bt_printf("person score %d no person score %d\n", scores[PERSON], scores[NOT_A_PERSON]);
    bsp_led_set(scores[PERSON] > scores[NOT_A_PERSON]); /* upstream lights an LED likewise */
    return 0;
}
