/* Command recogniser for micro_speech's streaming classifier output, after upstream's
 * RecognizeCommands: average each label's score over the last RC_WINDOW_MS of results,
 * and report a command when the top average is a command word above RC_THRESHOLD, at
 * least RC_MIN_COUNT results are averaged and the last detection is RC_SUPPRESSION_MS back.
 * Integer-only so harness/inputs.py can mirror it exactly. Times are audio milliseconds. */
#ifndef MICRO_SPEECH_RECOGNIZE_H
#define MICRO_SPEECH_RECOGNIZE_H
#include <stdint.h>

#define RC_LABELS 4
#define RC_FIRST_COMMAND 2   /* labels: silence, unknown, yes, no -- only yes/no are commands */
#define RC_WINDOW_MS 1000u
#define RC_THRESHOLD 72      /* int8 score; = upstream's 200 on its 0..255 scale (p ~ 0.78) */
#define RC_SUPPRESSION_MS 1500u
#define RC_MIN_COUNT 3u
#define RC_MAX_RESULTS 64u   /* > RC_WINDOW_MS / 20 ms stride */

typedef struct {
    uint32_t time_ms;
    int8_t scores[RC_LABELS];
} rc_result;

typedef struct {
    rc_result ring[RC_MAX_RESULTS];
    uint32_t first, count;     /* oldest entry, entries held */
    uint32_t last_detect_ms;
    int detected_before;
} rc_state;

void rc_init(rc_state *rc);
/* Add one result (times must not decrease). Returns 1 and sets *label / *score (the
 * label's average int8 score) when a new command is recognised, else 0. */
int rc_process(rc_state *rc, uint32_t time_ms, const int8_t scores[RC_LABELS], int *label,
               int *score);

#endif
