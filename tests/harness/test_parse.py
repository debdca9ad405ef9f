"""The one log parser: the seed's sample lines, our protocol, TFLM's formats, noise."""

from harness.parse import parse_lines, parse_text


def _seed_lines(shared_dir, start, count):
    lines = (shared_dir / "seed" / "evaluation-notes.txt").read_text().splitlines()
    i = next(n for n, l in enumerate(lines) if l.startswith(start))
    return lines[i:i + count]


def test_seed_allocator_lines_exactly_as_printed(shared_dir):
    log = parse_lines(_seed_lines(shared_dir, "[RecordingMicroAllocator] Arena allocation total", 8))
    assert log.arena == {"total": 904, "head": 52, "tail": 852}
    kinds = {k["kind"]: k for k in log.arena_kinds}
    assert kinds["TfLiteEvalTensor data"] == dict(kind="TfLiteEvalTensor data", used=144, requested=144,
                                                  count=12, what="allocations")
    assert kinds["Persistent buffer data"]["used"] == 212
    assert kinds["Persistent buffer data"]["requested"] == 172
    assert kinds["NodeAndRegistration struct"]["what"] == "NodeAndRegistration structs"
    assert len(kinds) == 5


def test_seed_ticks_lines_exactly_as_printed(shared_dir):
    log = parse_lines(_seed_lines(shared_dir, "TIMESTAMP:", 4))
    df = log.ticks_frame()
    assert list(df.phase) == ["Populate", "Invoke", "Respond"]
    assert set(df.unit) == {"ms"} and set(df.timestamp_ms) == {16039}
    # The seed's last line has text glued after it in the extraction; it must not parse as 13.
    assert log.phase("Populate", "ms") == dict(timestamp_ms=16039, unit="ms", phase="Populate",
                                               cur=15, min=11, max=444, avg=13)
    assert log.phase("Invoke", "ms")["avg"] == 49


def test_our_protocol_and_tflm_profiler_formats():
    text = """\
boardtwin app=hello_world board=f413 kernels=ref core_hz=100000000 model_bytes=2704 arena_bytes=4096
[RecordingMicroAllocator] Arena allocation total 620 bytes
x_value: 0.000000, y_value: 0.024000
PRED i=0 in=80 out=05
PRED i=1 in=81 out=07,ff
TIMESTAMP: 3 ms
Cycles for Invoke (cur/min/max/avg): 1200/1100/1300/1234
FULLY_CONNECTED took 400 ticks (0 ms).
"Event","Tag","Ticks"
0,FULLY_CONNECTED,400
1,FULLY_CONNECTED,350
"Tag","Total ticks across all events with that tag."
FULLY_CONNECTED, 750
Stack peak 812 bytes
BOARDTWIN-EXIT 0
"""
    log = parse_text(text)
    assert log.header["core_hz"] == 100_000_000 and log.header["app"] == "hello_world"
    assert log.preds[1] == dict(i=1, input=b"\x81", outputs=[b"\x07", b"\xff"])
    assert log.phase("Invoke")["avg"] == 1234 and log.phase("Invoke")["timestamp_ms"] == 3
    assert [p["ticks"] for p in log.profile] == [400, 400, 350]
    assert log.profile_totals == {"FULLY_CONNECTED": 750}
    assert log.stack_peak == 812 and log.exit_code == 0 and log.complete
    assert log.other == ["x_value: 0.000000, y_value: 0.024000"]


def test_noise_partial_lines_and_garbage_are_tolerated():
    text = ("\x00\xff garbage \x1b[0m\n"
            "junk!!Ticks for Invoke (cur/min/max/avg): 1/2/3/4\n"
            "Ticks for Populate (cur/min/max/av\n"   # cut off mid-line
            "PRED i=3 out=zz\n"                       # not hex: noise, not a crash
            "PRED i=4 out=abc\n"                      # odd-length hex (dropped byte)
            "ERROR: HardFault pc=0x08000123\n"
            "BOARDTWIN-EXIT 3\n")
    log = parse_text(text)
    assert [t["phase"] for t in log.ticks] == ["Invoke"]
    assert log.preds == []
    assert log.errors == ["HardFault pc=0x08000123"] and log.exit_code == 3
    assert len(log.other) == 4


def test_incomplete_log_is_not_complete():
    log = parse_text("Cycles for Invoke (cur/min/max/avg): 1/1/1/1\n")
    assert not log.complete and log.exit_code is None
