"""The physical-board path without a board: the emulator serves the UART on a pty and
the `serial` target reads it through pyserial, with injected faults."""

import threading

import pytest

from harness import build, parse
from harness.models import fetch
from harness.targets.base import TargetDisconnected
from harness.targets.ptyserve import Faults, serve
from harness.targets.serial import SerialTarget

BOARD = "f769"


@pytest.fixture(scope="module")
def elf(models_dir):
    model = fetch("hello_world/hello_world_int8.tflite", models_dir)
    return build.build_firmware(BOARD, "hello_world", model, iterations=30).elf


def _served_run(elf, faults):
    """Serve `elf` on a pty in a thread and read it with the serial target."""
    ready = threading.Event()
    box = {}

    def on_ready(path):
        box["path"] = path
        ready.set()

    t = threading.Thread(target=lambda: box.update(info=serve(elf, BOARD, faults=faults,
                                                              ready=on_ready)), daemon=True)
    t.start()
    assert ready.wait(30), "pty server did not start"
    target = SerialTarget(port=box["path"], flasher=None)
    try:
        return target.run(elf, BOARD, timeout_s=120), box
    finally:
        t.join(60)


def _figures(log: parse.RunLog):
    return ([(p["i"], p["input"], p["outputs"]) for p in log.preds],
            [(t["unit"], t["phase"], t["cur"], t["min"], t["max"], t["avg"]) for t in log.ticks],
            log.arena, log.stack_peak, log.exit_code)


def test_clean_link_gives_the_same_log_as_the_emulator(elf):
    run, box = _served_run(elf, Faults())
    log = parse.parse_lines(run.lines)
    assert run.exit_code == 0 and log.exit_code == 0
    assert len(log.preds) == 30 and log.phase("Invoke")["avg"] > 0
    assert box["info"]["lines"] == len(run.lines)


def test_garbage_and_split_lines_lose_no_result(elf):
    clean = parse.parse_lines(_served_run(elf, Faults())[0].lines)
    run, box = _served_run(elf, Faults(garbage_every=1, split_lines=True, seed=7))
    noisy = parse.parse_lines(run.lines)
    assert box["info"]["injected"] >= 100, box["info"]
    # Every figure survives the noise: predictions, every Ticks/Cycles block, arena, stack, exit.
    assert _figures(noisy) == _figures(clean)


def test_disconnect_mid_run_is_a_clear_error_keeping_lines_read(elf):
    with pytest.raises(TargetDisconnected) as err:
        _served_run(elf, Faults(disconnect_after=20))
    assert "disconnected after" in str(err.value)
    # What arrived before the drop is kept, line for line (bytes still in the link's buffer
    # when it drops are lost, as with a real USB disconnect).
    kept = err.value.lines
    clean = _served_run(elf, Faults())[0].lines
    assert 1 <= len(kept) <= 20 and kept == clean[:len(kept)]
    assert parse.parse_lines(kept).header.get("app") == "hello_world"
