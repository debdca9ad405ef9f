/* TFLM's hello_world: the model approximates sin(x). x sweeps [0, 2*pi) over the run's
 * iterations; Populate quantizes x with the input tensor's scale/zero point, Respond
 * dequantizes y, prints it in the seed's format and lights the LED while y > 0. */
#include <stdint.h>
#include "app.h"
#include "bsp/bsp.h"
#include "bt/log.h"

#define TWO_PI 6.28318530718f

static float x_value;

static int32_t round_to_int(float v) { return (int32_t)(v + (v >= 0.0f ? 0.5f : -0.5f)); }

static int8_t quantize_int8(float v, float scale, int32_t zero_point)
{
    int32_t q = round_to_int(v / scale) + zero_point;
    if (q < -128)
        q = -128;
    if (q > 127)
        q = 127;
    return (int8_t)q;
}

static int supported(const bt_tensor *t)
{
    return t && t->data && (t->type == BT_INT8 || t->type == BT_FLOAT32) &&
           bt_tensor_num_elems(t) >= 1;
}

int app_setup(bt_interp *it)
{
    bt_log_enable_float();   /* Respond prints x and y with %f */
    const bt_tensor *in = bt_interp_input(it, 0), *out = bt_interp_output(it, 0);
    if (!supported(in) || !supported(out)) {
        bt_printf("ERROR: hello_world needs an int8 or float32 input and output\n");
        return 1;
    }
    if ((in->type == BT_INT8 && bt_tensor_scale(in, 0) == 0.0f) ||
        (out->type == BT_INT8 && bt_tensor_scale(out, 0) == 0.0f)) {
        bt_printf("ERROR: hello_world: int8 tensor without quantization parameters\n");
        return 1;
    }
    return 0;
}

int app_populate(bt_interp *it, uint32_t iteration)
{
    bt_tensor *in = bt_interp_input(it, 0);
    x_value = TWO_PI * (float)iteration / (float)BT_ITERATIONS;
    if (in->type == BT_INT8)
        *(int8_t *)in->data =
            quantize_int8(x_value, bt_tensor_scale(in, 0), bt_tensor_zero_point(in, 0));
    else
        *(float *)in->data = x_value;
    return 0;
}

int app_invoke(bt_interp *it) { return app_invoke_model(it); }

int app_respond(bt_interp *it, uint32_t iteration)
{
    (void)iteration;
    const bt_tensor *out = bt_interp_output(it, 0);
    float y;
    if (out->type == BT_INT8)
        y = (float)(*(const int8_t *)out->data - bt_tensor_zero_point(out, 0)) *
            bt_tensor_scale(out, 0);
    else
        y = *(const float *)out->data;
    bt_printf("x_value: %f, y_value: %f\n", (double)x_value, (double)y);
    bsp_led_set(y > 0.0f);
    return 0;
}
