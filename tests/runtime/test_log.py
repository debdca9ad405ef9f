"""bt_printf (hand-written, allocation-free) against Python's printf-style
formatting, plus fixed-point spot values known from TFLM."""

import subprocess

from harness import hostrun

EXPECTED = [
    "d|%d|%d|%d|%i" % (0, -1, 2147483647, -2147483648),
    "u|%u|%u|%lu" % (0, 4294967295, 1234567890),
    "x|%x|%X|%08x|%02x" % (0xDEADBEEF, 0xABC, 0x1F, 5),
    "w|%5d|%-5d|%05d|%3s|%-3s|" % (42, 42, -42, "a", "b"),
    "s|%s|%.2s|%c|%%" % ("hello", "hello", "z"),
    "f|%f|%.3f|%.0f|%f|%f" % (0.314159, -2.5, 2.5, 1e-7, 123456.789),
    "f2|x_value: %f, y_value: %f" % (0.314159, 0.304000),
    "ll|%d|%d|%d" % (-9000000000, 18000000000, 77),
    "sn|11|truncat",
    # QuantizeMultiplier(0.0011): frexp -> 0.5632 * 2^-9, round(0.5632 * 2^31)
    "qm|%d|%d" % (round(0.0011 * 2**9 * 2**31), -9),
    "srdhm|2147483647|536870912",
    "rdbpot|3|-3|-2",
]


def test_printf_and_fixed_point(host_exe):
    exe = host_exe.parent / "bt_selftest"
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == EXPECTED


def test_hostrun_builds_selftest():
    assert (hostrun.build_host().parent / "bt_selftest").is_file()
