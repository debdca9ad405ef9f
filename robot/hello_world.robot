*** Settings ***
Documentation     hello_world: sine predictions bit-exact with TFLM, within memory and time budgets.
Resource          common.resource

*** Test Cases ***
Predictions Match The Reference Interpreter
    Boot Firmware    hello_world
    Predictions Should Match Reference
    Prediction Should Be    x_value:

Fits Its Budgets
    Boot Firmware    hello_world
    Arena Should Be At Most    2048
    Invoke Ticks Should Be Below    20000
