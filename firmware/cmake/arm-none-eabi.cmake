# Toolchain file for the board images: Debian's arm-none-eabi-gcc + newlib-nano.
#   cmake -S firmware -B build/x -DCMAKE_TOOLCHAIN_FILE=firmware/cmake/arm-none-eabi.cmake -DBT_BOARD=f413 ...
# The CPU/FPU flags are chosen here from BT_BOARD (a -D cache variable is visible to the
# toolchain file) so that every target -- the runtime library included -- is compiled for
# the same core and float ABI; mixing ABIs would fail at link time.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

find_program(BT_ARM_GCC arm-none-eabi-gcc)
if(NOT BT_ARM_GCC)
  message(FATAL_ERROR "arm-none-eabi-gcc not found -- install it with: "
                      "sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi")
endif()
get_filename_component(_bt_tc_dir "${BT_ARM_GCC}" DIRECTORY)
set(CMAKE_C_COMPILER "${_bt_tc_dir}/arm-none-eabi-gcc")
set(CMAKE_ASM_COMPILER "${_bt_tc_dir}/arm-none-eabi-gcc")
set(CMAKE_OBJCOPY "${_bt_tc_dir}/arm-none-eabi-objcopy" CACHE FILEPATH "objcopy")
set(CMAKE_SIZE "${_bt_tc_dir}/arm-none-eabi-size" CACHE FILEPATH "size")

# No host libraries or programs for a bare-metal target; compiler checks cannot link
# without a linker script, so they build a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES BT_BOARD)

if(BT_BOARD STREQUAL "f413")
  set(_bt_cpu "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
elseif(BT_BOARD STREQUAL "f769")
  set(_bt_cpu "-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard")
else()
  message(FATAL_ERROR "arm-none-eabi.cmake: BT_BOARD must be f413 or f769 (got '${BT_BOARD}')")
endif()

set(CMAKE_C_FLAGS_INIT "${_bt_cpu} -ffunction-sections -fdata-sections -fno-common")
set(CMAKE_ASM_FLAGS_INIT "${_bt_cpu} -x assembler-with-cpp")
# newlib-nano for memcpy/memset-level libc only; nosys stubs so nothing pulls in syscalls.
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "${_bt_cpu} --specs=nano.specs --specs=nosys.specs -nostartfiles -Wl,--gc-sections")
