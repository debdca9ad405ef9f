"""Every example application builds, unchanged, for both boards and both kernel sets, with
its real model and input blob, through the documented CMake build (harness.build)."""

from __future__ import annotations

import pytest

from harness import build

from appcommon import APPS, BOARDS, KERNELS


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("app", APPS)
def test_app_builds(app, board, kernels, app_image, prepared):
    img = app_image(app, board, kernels)
    assert img.elf.is_file() and img.map.is_file()
    sizes = build.image_sizes(img.elf)
    # The input blob is linked into flash (.rodata.bt_input), whole.
    blob = prepared(app).blob.stat().st_size
    assert sizes["flash"] > blob
    assert "bt_input_data" in img.map.read_text()
