/* The .tflite (BT_MODEL) and the optional raw input blob (BT_INPUT) in flash, read in
 * place by the runtime. 16-byte alignment so constant tensors inside the flatbuffer keep
 * the alignment the converter gave them. BT_MODEL_PATH / BT_INPUT_PATH come from CMake. */
    .syntax unified

    .section .rodata.bt_model, "a", %progbits
    .balign 16
    .global bt_model_data
    .type bt_model_data, %object
bt_model_data:
    .incbin BT_MODEL_PATH
.Lmodel_end:
    .size bt_model_data, .Lmodel_end - bt_model_data
    .balign 4
    .global bt_model_size
    .type bt_model_size, %object
bt_model_size:
    .word .Lmodel_end - bt_model_data
    .size bt_model_size, 4

    .section .rodata.bt_input, "a", %progbits
    .balign 16
    .global bt_input_data
    .type bt_input_data, %object
bt_input_data:
#ifdef BT_INPUT_PATH
    .incbin BT_INPUT_PATH
#endif
.Linput_end:
    .size bt_input_data, .Linput_end - bt_input_data
    .balign 4
    .global bt_input_size
    .type bt_input_size, %object
bt_input_size:
    .word .Linput_end - bt_input_data
    .size bt_input_size, 4
