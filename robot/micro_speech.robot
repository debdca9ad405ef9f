*** Settings ***
Documentation     micro_speech: the recogniser hears "yes" and "no" in the 6 s test stream,
...               every inference bit-exact with TFLM, within its memory and time budgets.
Resource          common.resource

*** Test Cases ***
Hears Yes And No In The Stream
    Boot Firmware    micro_speech
    Predictions Should Match Reference
    Prediction Should Be    Heard yes
    Prediction Should Be    Heard no

Fits Its Budgets
    Boot Firmware    micro_speech    iterations=20
    Arena Should Be At Most    8192
    # A regression guard: the reference kernels measured 7.64 M cycles on the emulated
    # F413 (2026-12-05); the F769 needs fewer.
    Invoke Ticks Should Be Below    8500000
