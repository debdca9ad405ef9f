"""The example applications run in boardtwin's emulator on both boards: the right answers
(Heard yes / no, the digits, person vs no person) and, bit for bit, the tflite-micro wheel's
outputs (PRED) and Respond lines replayed in Python on the same inputs (harness.inputs)."""

from __future__ import annotations

import re

import pytest

from harness import inputs
from harness.parse import parse_lines

from appcommon import BOARDS, KERNELS, iterations
from test_app_inputs import heard

MAX_CYCLES = 20_000_000_000
RESPOND = inputs.RESPOND


def run(app, board, kernels, app_image, prepared):
    from harness.emulate import emulate  # the emulator is its own package; import late
    img = app_image(app, board, kernels)
    res = emulate(img.elf, board, max_cycles=MAX_CYCLES)
    text = "\n".join(res.lines)
    log = parse_lines(res.lines)
    assert res.exit_code == 0 and log.exit_code == 0 and not log.errors, text[-3000:]
    assert log.header["app"] == app and log.header["board"] == board
    assert [p["i"] for p in log.preds] == list(range(iterations(app, prepared(app))))
    return log, [ln.rstrip("\r") for ln in res.lines if RESPOND[app].match(ln)]


def check_golden(log, lines, gold):
    assert lines == gold.lines
    got = [[bytes(o) for o in p["outputs"]] for p in log.preds]
    bad = [i for i, (g, w) in enumerate(zip(got, gold.outputs)) if g != w]
    assert not bad and len(got) == len(gold.outputs), (
        f"PRED differs from the wheel at iterations {bad[:10]}: first got "
        f"{got[bad[0]] if bad else None}, want {gold.outputs[bad[0]] if bad else None}")
    assert all(p["input"] is None for p in log.preds)  # inputs > 64 bytes: PRED omits in=


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("board", BOARDS)
def test_micro_speech(board, kernels, app_image, prepared, golden):
    log, lines = run("micro_speech", board, kernels, app_image, prepared)
    words = [w for w, _ in heard(lines)]
    assert words == ["yes", "no"], lines
    check_golden(log, lines, golden("micro_speech"))


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("app", ["mnist", "mnist_lstm"])
def test_digits(app, board, kernels, app_image, prepared, golden):
    log, lines = run(app, board, kernels, app_image, prepared)
    labels = prepared(app).expected["labels"]
    assert [int(ln.split()[1]) for ln in lines] == labels, lines
    check_golden(log, lines, golden(app))


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("board", BOARDS)
def test_person_detection(board, kernels, app_image, prepared, golden):
    log, lines = run("person_detection", board, kernels, app_image, prepared)
    scores = [tuple(map(int, re.findall(r"-?\d+", ln))) for ln in lines]
    (p0, n0), (p1, n1) = scores
    assert p0 > n0 and n1 > p1, lines  # person.bmp: person; no_person.bmp: no person
    check_golden(log, lines, golden("person_detection"))
