"""Firmware builds shared by the tests in this folder: one CMake build per
(board, app, kernels, options), made once per test session with the documented command line."""

from __future__ import annotations

import pytest

from fwbuild import FIRMWARE, TOOLCHAIN, Build, run_logged, require_toolchain


@pytest.fixture(scope="session")
def firmware_build(tmp_path_factory, models_dir):
    """firmware_build(board, app, kernels, **cache_vars) -> Build (cached per session)."""
    cache: dict = {}
    root = tmp_path_factory.mktemp("fw")

    def build(board: str, app: str = "hello_world", kernels: str = "ref", **extra) -> Build:
        key = (board, app, kernels, tuple(sorted(extra.items())))
        if key in cache:
            return cache[key]
        require_toolchain()
        model = extra.pop("BT_MODEL", models_dir / "hello_world" / "hello_world_int8.tflite")
        bdir = root / f"{board}-{app}-{kernels}-{len(cache)}"
        defs = {"CMAKE_TOOLCHAIN_FILE": TOOLCHAIN, "BT_BOARD": board, "BT_APP": app,
                "BT_KERNELS": kernels, "BT_MODEL": model, **extra}
        bdir.mkdir(parents=True)
        run_logged(["cmake", "-S", str(FIRMWARE), "-B", str(bdir)]
             + [f"-D{k}={v}" for k, v in defs.items()], bdir / "configure.log")
        run_logged(["cmake", "--build", str(bdir), "-j4"], bdir / "build.log")
        cache[key] = Build(board, app, kernels, bdir)
        return cache[key]

    return build
