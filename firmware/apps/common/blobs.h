/* Model and optional input blob linked into flash by blobs.S (.incbin). */
#ifndef APP_BLOBS_H
#define APP_BLOBS_H
#include <stdint.h>

extern const uint8_t bt_model_data[];   /* 16-byte aligned */
extern const uint32_t bt_model_size;
extern const uint8_t bt_input_data[];   /* 16-byte aligned; empty without BT_INPUT */
extern const uint32_t bt_input_size;

#endif
