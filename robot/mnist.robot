*** Settings ***
Documentation     mnist: the project's own int8 CNN classifies the ten test digits, bit-exact
...               with TFLM, within its memory and time budgets.
Resource          common.resource

*** Test Cases ***
Classifies The Test Digits
    Boot Firmware    mnist
    Predictions Should Match Reference
    FOR    ${digit}    IN RANGE    10
        Prediction Should Be    digit ${digit} (score
    END

Fits Its Budgets
    Boot Firmware    mnist    kernels=dsp    iterations=2
    Arena Should Be At Most    32768
    Invoke Ticks Should Be Below    3000000
