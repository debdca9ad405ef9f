/* Upstream's micro_speech as a streaming keyword spotter: 16 kHz PCM from the input blob
 * -> audio front end (bt_frontend, bit-exact with audio_preprocessor_int8.tflite) -> a
 * 49 x 40 int8 feature window -> micro_speech_quantized -> command recogniser.
 *
 * Input blob (little-endian, built by harness/inputs.py):
 *   char magic[4] = "BTAU"; uint32 count;
 *   count x { uint32 samples; char name[16] (NUL-padded) };
 *   int16 pcm[] -- the clips' samples back to back.
 * The clips are one continuous stream (a microphone that hears them in turn), looped when
 * the iterations outlast it; the front end keeps its noise estimate across clips.
 *
 * Each iteration consumes one 20 ms stride of new audio: Populate runs the front end on the
 * next 30 ms window, shifts the feature window by one frame and appends the new one (like
 * upstream's FeatureProvider, only the new slice is computed). Respond feeds the scores to
 * the recogniser once the window holds a full second of real audio (before that it is
 * padded with -128, which the model was never trained on) and prints
 *   clip <index> <name> @<ms>ms        when a clip's audio starts
 *   Heard <word> (<avg score>) @<ms>ms when a command is recognised
 * Times are milliseconds of audio consumed, independent of the CPU speed. */
#include <stdint.h>
#include <string.h>
#include "app.h"
#include "blobs.h"
#include "bsp/bsp.h"
#include "bt/frontend.h"
#include "bt/log.h"
#include "recognize.h"

#define FRAMES 49
#define CHANNELS BT_FRONTEND_NUM_FEATURES
#define WINDOW BT_FRONTEND_WINDOW_SAMPLES
#define STRIDE BT_FRONTEND_STRIDE_SAMPLES
#define SAMPLES_PER_MS 16u
#define MAX_CLIPS 32u
#define NAME_LEN 16u
#define MAGIC "BTAU"

static const char *const labels[RC_LABELS] = {"silence", "unknown", "yes", "no"};

static struct {
    uint32_t count, total;           /* clips, samples in the whole stream */
    uint32_t samples[MAX_CLIPS];
    char names[MAX_CLIPS][NAME_LEN + 1];
    const uint8_t *pcm;              /* int16 LE, 2-byte aligned (header size is even) */
} blob;

static bt_frontend fe;
static rc_state rc;
static int8_t features[FRAMES * CHANNELS]; /* oldest frame first */
static int16_t wrapped[WINDOW];            /* a window that runs past the end of the stream */
static uint32_t frame_start;               /* stream offset of the next window */
static uint64_t consumed;                  /* samples heard so far (unwrapped) */
static uint64_t next_clip_at;              /* unwrapped offset where the next clip starts */
static uint32_t clip;                      /* clip currently playing */
static int clip_started;                   /* Respond announces it */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int parse_blob(void)
{
    const uint8_t *p = bt_input_data;
    uint32_t size = bt_input_size;
    if (size < 8u || memcmp(p, MAGIC, 4) != 0) {
        bt_printf("ERROR: micro_speech: input blob is not a '" MAGIC "' audio blob "
                  "(build it with harness/inputs.py)\n");
        return 1;
    }
    blob.count = rd32(p + 4);
    uint32_t header = 8u + blob.count * (4u + NAME_LEN);
    if (blob.count == 0 || blob.count > MAX_CLIPS || header > size) {
        bt_printf("ERROR: micro_speech: %lu clips (1..%u allowed) in a %lu-byte blob\n",
                  (unsigned long)blob.count, MAX_CLIPS, (unsigned long)size);
        return 1;
    }
    blob.total = 0;
    for (uint32_t c = 0; c < blob.count; ++c) {
        const uint8_t *e = p + 8u + c * (4u + NAME_LEN);
        blob.samples[c] = rd32(e);
        memcpy(blob.names[c], e + 4, NAME_LEN);
        blob.names[c][NAME_LEN] = '\0';
        /* >= one window: at most one clip starts per stride, so each start is announced. */
        if (blob.samples[c] < WINDOW) {
            bt_printf("ERROR: micro_speech: clip %lu has %lu samples (at least %u needed)\n",
                      (unsigned long)c, (unsigned long)blob.samples[c], WINDOW);
            return 1;
        }
        blob.total += blob.samples[c];
    }
    if ((size - header) / 2u != blob.total || (size - header) % 2u) {
        bt_printf("ERROR: micro_speech: header announces %lu samples, blob holds %lu bytes of PCM\n",
                  (unsigned long)blob.total, (unsigned long)(size - header));
        return 1;
    }
    blob.pcm = p + header;
    return 0;
}

int app_setup(bt_interp *it)
{
    const bt_tensor *in = bt_interp_input(it, 0), *out = bt_interp_output(it, 0);
    if (!in || !out || !in->data || !out->data || in->type != BT_INT8 || out->type != BT_INT8 ||
        in->bytes != FRAMES * CHANNELS || bt_tensor_num_elems(out) != RC_LABELS) {
        bt_printf("ERROR: micro_speech needs an int8 49x40 input and an int8 [1, 4] output\n");
        return 1;
    }
    if (parse_blob() != 0)
        return 1;
    bt_frontend_init(&fe);
    rc_init(&rc);
    memset(features, -128, sizeof features); /* the lowest feature value: nothing heard yet */
    frame_start = 0;
    consumed = 0;
    clip = 0;
    next_clip_at = blob.samples[0];
    clip_started = 0;
    return 0;
}

/* The next WINDOW samples of the looped stream, in place when they do not wrap. */
static const int16_t *window_samples(void)
{
    if (frame_start + WINDOW <= blob.total)
        return (const int16_t *)(const void *)(blob.pcm + 2u * frame_start);
    uint32_t pos = frame_start;
    for (uint32_t k = 0; k < WINDOW; ++k) {
        memcpy(&wrapped[k], blob.pcm + 2u * pos, 2);
        if (++pos == blob.total)
            pos = 0;
    }
    return wrapped;
}

int app_populate(bt_interp *it, uint32_t iteration)
{
    int8_t frame[CHANNELS];
    bt_frontend_process(&fe, window_samples(), frame);
    memmove(features, features + CHANNELS, (FRAMES - 1) * CHANNELS);
    memcpy(features + (FRAMES - 1) * CHANNELS, frame, CHANNELS);
    /* The planner may reuse the input buffer during Invoke, so the window lives outside it. */
    memcpy(bt_interp_input(it, 0)->data, features, sizeof features);

    consumed = (uint64_t)iteration * STRIDE + WINDOW;
    frame_start = (frame_start + STRIDE) % blob.total;
    clip_started = (iteration == 0);
    while (consumed > next_clip_at) { /* the first sample of the next clip has been heard */
        clip = (clip + 1u) % blob.count;
        next_clip_at += blob.samples[clip];
        clip_started = 1;
    }
    return 0;
}

int app_invoke(bt_interp *it) { return app_invoke_model(it); }

int app_respond(bt_interp *it, uint32_t iteration)
{
    const int8_t *scores = bt_interp_output(it, 0)->data;
    if (clip_started)
        bt_printf("clip %lu %s @%lums\n", (unsigned long)clip, blob.names[clip],
                  (unsigned long)((next_clip_at - blob.samples[clip]) / SAMPLES_PER_MS));
    if (iteration + 1u < FRAMES)
        return 0; /* the window is still partly padding */
    int label, score;
    uint32_t now_ms = (uint32_t)(consumed / SAMPLES_PER_MS);
    if (rc_process(&rc, now_ms, scores, &label, &score)) {
        bt_printf("Heard %s (%d) @%lums\n", labels[label], score, (unsigned long)now_ms);
        bsp_led_set(label == RC_FIRST_COMMAND); /* like upstream's responders: light on "yes" */
    }
    return 0;
}
