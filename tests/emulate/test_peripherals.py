"""Peripheral models on their own, driven through the bus interface."""
import pytest
from harness.emulate.peripherals.flash import FlashCtrl
from harness.emulate.peripherals.nvic import Nvic
from harness.emulate.peripherals.pwr import Pwr
from harness.emulate.peripherals.rcc import Rcc
from harness.emulate.peripherals.systick import SysTick
from harness.emulate.peripherals.usart import UsartF4, UsartF7


class FakeMachine:
    def __init__(self):
        self.t = 0
        self.lines = []
        self.checks = 0
        self.timing_changes = 0
        self.nvic = Nvic(self, n_irqs=128)

    def now(self):
        return self.t

    precise_now = now

    def request_check(self):
        self.checks += 1

    timers_changed = request_check

    def clock_changed(self):
        pass

    def memory_timing_changed(self, reset_cache=False, reset_dcache=False):
        self.timing_changes += 1

    def uart_line(self, usart, line):
        self.lines.append(line)


def test_rcc_pll_handshake_and_sysclk():
    m = FakeMachine()
    rcc = Rcc(m, "rcc", 0x40023800, 0x400, attrs={"hse_hz": 8_000_000})
    assert rcc.hclk_hz() == 16_000_000  # HSI after reset
    rcc.write(0x00, 4, rcc.read(0x00, 4) | 1 << 16)
    assert rcc.read(0x00, 4) & 1 << 17  # HSERDY
    rcc.write(0x04, 4, 8 | 400 << 6 | 1 << 16 | 1 << 22)
    rcc.write(0x00, 4, rcc.read(0x00, 4) | 1 << 24)
    assert rcc.read(0x00, 4) & 1 << 25  # PLLRDY
    rcc.write(0x08, 4, 2)
    assert (rcc.read(0x08, 4) >> 2) & 3 == 2  # SWS follows SW
    assert rcc.sysclk_hz() == 100_000_000
    rcc.write(0x08, 4, 2 | 8 << 4)  # AHB /2
    assert rcc.hclk_hz() == 50_000_000
    rcc.write(0x00, 4, rcc.read(0x00, 4) & ~(1 << 24))
    assert not rcc.read(0x00, 4) & 1 << 25


def test_pwr_f7_overdrive_handshake():
    m = FakeMachine()
    pwr = Pwr(m, "pwr", 0x40007000, 0x400, attrs={"family": "f7"})
    assert pwr.read(0x04, 4) & 1 << 14  # VOSRDY
    pwr.write(0x00, 4, pwr.read(0x00, 4) | 1 << 16)
    assert pwr.read(0x04, 4) & 1 << 16 and not pwr.read(0x04, 4) & 1 << 17
    pwr.write(0x00, 4, pwr.read(0x00, 4) | 1 << 17)
    assert pwr.read(0x04, 4) & 1 << 17


def test_flash_acr_latency_reads_back_and_retimes():
    m = FakeMachine()
    f = FlashCtrl(m, "flash_ctrl", 0x40023C00, 0x400)
    f.write(0x00, 4, 5 | 1 << 8 | 1 << 9)
    assert f.read(0x00, 4) & 0xF == 5 and f.latency == 5 and f.prefetch and f.art
    assert m.timing_changes == 1
    assert f.read(0x10, 4) & 1 << 31  # CR locked
    f.write(0x04, 4, 0x45670123)
    f.write(0x04, 4, 0xCDEF89AB)
    assert not f.read(0x10, 4) & 1 << 31


def test_systick_counts_modelled_cycles():
    m = FakeMachine()
    st = SysTick(m)
    st.write(0x14, 4, 999)      # RVR: period 1000 cycles
    st.write(0x18, 4, 0)        # CVR
    st.write(0x10, 4, 7)        # enable, interrupt, core clock
    assert st.next_event(0) == 1000
    m.t = 1
    assert st.read(0x18, 4) == 999  # reloaded on the first tick
    m.t = 600
    assert st.read(0x18, 4) == 400
    assert not st.read(0x10, 4) & 1 << 16
    m.t = 1000
    st.service(m.t)
    assert 15 in m.nvic.pending
    assert st.read(0x10, 4) & 1 << 16       # COUNTFLAG, cleared by the read
    assert not st.read(0x10, 4) & 1 << 16
    assert st.next_event(1000) == 2000
    st.write(0x10, 4, 3)                    # HCLK/8
    assert st.next_event(1000) is not None


def test_usart_f4_lines_and_rx():
    m = FakeMachine()
    u = UsartF4(m, "usart6", 0x40011400, 0x400, irqs=[71])
    assert u.read(0x00, 4) & 0xC0 == 0xC0  # TXE, TC
    for b in b"hi\r\nthere\n":
        u.write(0x04, 4, b)
    assert m.lines == ["hi", "there"]
    u.write(0x0C, 4, 1 << 13 | 1 << 5 | 0xC)  # UE, RXNEIE, TE, RE
    u.feed(b"ok")
    assert u.read(0x00, 4) & 1 << 5 and 16 + 71 in m.nvic.pending
    assert bytes([u.read(0x04, 4), u.read(0x04, 4)]) == b"ok"
    assert not u.read(0x00, 4) & 1 << 5


def test_usart_f7_layout():
    m = FakeMachine()
    u = UsartF7(m, "usart1", 0x40011000, 0x400, irqs=[37])
    u.write(0x00, 4, 1 | 1 << 2 | 1 << 3)
    isr = u.read(0x1C, 4)
    assert isr & 1 << 7 and isr & 1 << 6 and isr & 1 << 21 and isr & 1 << 22  # TXE TC TEACK REACK
    for b in b"BOARDTWIN-EXIT 0\n":
        u.write(0x28, 1, b)
    assert m.lines == ["BOARDTWIN-EXIT 0"]
    u.feed(b"z")
    assert u.read(0x1C, 4) & 1 << 5 and u.read(0x24, 4) == ord("z")


def test_nvic_priorities_and_registers():
    m = FakeMachine()
    nv = m.nvic
    nv.write(0x100 + 8, 4, 1 << (71 - 64))        # ISER2: IRQ 71
    nv.write(0x400 + 71, 1, 0x40)                 # IPR byte
    nv.write(0x200 + 8, 4, 1 << (71 - 64))        # ISPR
    assert nv.best_pending() == (16 + 71, 0x40)
    assert nv.exec_priority(0, 0, 0) == 256
    assert nv.exec_priority(1, 0, 0) == 0
    assert nv.exec_priority(0, 0, 0x40) == 0x40
    assert nv.read(0x200 + 8, 4) == 1 << 7
    nv.write(0xF00, 4, 5)                          # STIR
    assert 16 + 5 in nv.pending


@pytest.mark.parametrize("board", ["f413", "f769"])
def test_uart_transmit_takes_the_frame_time(build_fw, board):
    """101 characters at 115200 baud 8N1 take 101 x 10 bit times on the board: a firmware
    printing is UART-bound (the Respond phase of an app that prints)."""
    from harness.emulate import emulate
    hz = {"f413": 100_000_000, "f769": 216_000_000}[board]
    r = emulate(build_fw("uarttime", board), board, max_cycles=100_000_000)
    assert r.exit_code == 0 and r.lines[1] == "x" * 100
    cycles = int(next(x for x in r.lines if x.startswith("cycles="))[7:])
    expected = 101 * 10 * hz / 115200   # BRR rounding: < 0.05 % off
    assert abs(cycles - expected) < 0.01 * expected, (cycles, expected)
