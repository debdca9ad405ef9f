#include "recognize.h"
#include <string.h>

void rc_init(rc_state *rc) { memset(rc, 0, sizeof *rc); }

int rc_process(rc_state *rc, uint32_t time_ms, const int8_t scores[RC_LABELS], int *label,
               int *score)
{
    if (rc->count == RC_MAX_RESULTS) { /* only with a stride finer than 16 ms: drop the oldest */
        rc->first = (rc->first + 1u) % RC_MAX_RESULTS;
        rc->count--;
    }
    rc_result *r = &rc->ring[(rc->first + rc->count) % RC_MAX_RESULTS];
    r->time_ms = time_ms;
    memcpy(r->scores, scores, RC_LABELS);
    rc->count++;
    /* Keep the results of the last RC_WINDOW_MS: time_ms - t < window. */
    while (rc->count && time_ms - rc->ring[rc->first].time_ms >= RC_WINDOW_MS) {
        rc->first = (rc->first + 1u) % RC_MAX_RESULTS;
        rc->count--;
    }
    if (rc->count < RC_MIN_COUNT)
        return 0;

    int32_t sum[RC_LABELS] = {0};
    for (uint32_t k = 0; k < rc->count; ++k) {
        const rc_result *h = &rc->ring[(rc->first + k) % RC_MAX_RESULTS];
        for (int l = 0; l < RC_LABELS; ++l)
            sum[l] += h->scores[l];
    }
    int top = 0;
    int32_t top_avg = sum[0] / (int32_t)rc->count; /* C division: truncates toward zero */
    for (int l = 1; l < RC_LABELS; ++l) {
        int32_t avg = sum[l] / (int32_t)rc->count;
        if (avg > top_avg) {
            top = l;
            top_avg = avg;
        }
    }
    if (top < RC_FIRST_COMMAND || top_avg < RC_THRESHOLD)
        return 0;
    if (rc->detected_before && time_ms - rc->last_detect_ms < RC_SUPPRESSION_MS)
        return 0;
    rc->detected_before = 1;
    rc->last_detect_ms = time_ms;
    *label = top;
    *score = (int)top_avg;
    return 1;
}
