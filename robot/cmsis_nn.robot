*** Settings ***
Documentation     CMSIS_NN=OFF vs ON: the DSP kernels give the same predictions as the
...               reference kernels on the same inputs, in fewer Invoke cycles.
Resource          common.resource

*** Test Cases ***
Micro Speech Is Faster With DSP Kernels And Predicts The Same
    ${ref}=    Run Benchmark    micro_speech    kernels=ref    iterations=10
    ${dsp}=    Run Benchmark    micro_speech    kernels=dsp    iterations=10
    Predictions Should Be Equal    ${ref}    ${dsp}
    Invoke Speed-up Should Be At Least    ${ref}    ${dsp}    30

MNIST Is Faster With DSP Kernels And Predicts The Same
    ${ref}=    Run Benchmark    mnist    kernels=ref    iterations=3
    ${dsp}=    Run Benchmark    mnist    kernels=dsp    iterations=3
    Predictions Should Be Equal    ${ref}    ${dsp}
    Invoke Speed-up Should Be At Least    ${ref}    ${dsp}    50
