*** Settings ***
Documentation     The board boots the firmware: clock, UART, SysTick and DWT work.
Resource          common.resource

*** Test Cases ***
Boots And Reports Its Configuration
    Boot Firmware    hello_world    iterations=5
    Wait For Line On Uart    boardtwin app=hello_world board=${BOARD}
    Wait For Line On Uart    [RecordingMicroAllocator] Arena allocation total
    Wait For Line On Uart    Cycles for Invoke
    Wait For Line On Uart    BOARDTWIN-EXIT 0

Core Clock Is The One The Board Runs At
    Boot Firmware    hello_world    iterations=2
    ${hz}=    Get Record Field    core_hz
    IF    '${BOARD}' == 'f413'
        Should Be Equal As Integers    ${hz}    100000000
    ELSE
        Should Be Equal As Integers    ${hz}    216000000
    END

Renode-Style Boot Script Works Too
    Boot Firmware    hello_world    iterations=2
    ${elf}=    Get Record Field    elf
    Reset Emulation
    Execute Command    mach create
    IF    '${BOARD}' == 'f413'
        Execute Command    machine LoadPlatformDescription @platforms/stm32f413h_discovery.repl
    ELSE
        Execute Command    machine LoadPlatformDescription @platforms/stm32f769i_discovery.repl
    END
    Execute Command    sysbus LoadELF @${elf}
    Create Terminal Tester    sysbus.usart6
    Start Emulation
    Wait For Line On Uart    Ticks for Invoke
    Wait For Line On Uart    BOARDTWIN-EXIT 0
