/* firmware/apps/common/blobs.S for the host assembler (no ARM directives). */
    .section .rodata.bt_model, "a", @progbits
    .balign 16
    .global bt_model_data
bt_model_data:
    .incbin BT_MODEL_PATH
.Lmodel_end:
    .balign 4
    .global bt_model_size
bt_model_size:
    .long .Lmodel_end - bt_model_data

    .section .rodata.bt_input, "a", @progbits
    .balign 16
    .global bt_input_data
bt_input_data:
    .incbin BT_INPUT_PATH
.Linput_end:
    .balign 4
    .global bt_input_size
bt_input_size:
    .long .Linput_end - bt_input_data

    .section .note.GNU-stack, "", @progbits
