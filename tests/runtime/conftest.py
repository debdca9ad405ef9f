"""Fixtures for the runtime tests: host builds of bt_runtime (plain + ASan/UBSan)."""

import shutil

import pytest

from harness import hostrun


def _require(tool, hint):
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} not found: {hint}")


@pytest.fixture(scope="session")
def host_exe():
    _require("cmake", "apt-get install cmake")
    _require("cc", "apt-get install build-essential")
    return hostrun.build_host(sanitize=False)


@pytest.fixture(scope="session")
def asan_exe():
    _require("cmake", "apt-get install cmake")
    _require("cc", "apt-get install build-essential (gcc with libasan/libubsan)")
    return hostrun.build_host(sanitize=True)


@pytest.fixture(scope="session")
def hello_int8(models_dir):
    p = models_dir / "hello_world" / "hello_world_int8.tflite"
    if not p.is_file():
        pytest.fail(f"{p} missing (../shared/models)")
    return p
