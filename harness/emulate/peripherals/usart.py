"""USART with the two STM32 register layouts.

F4 (RM0430): SR/DR/BRR/CR1.. ; F7 (RM0410): CR1../ISR/ICR/RDR/TDR. Received bytes
come from a queue filled by the harness (`uart_input`) and raise RXNE. Transmitted bytes
are split into lines and handed to the machine's console sink.

Transmit takes the time the real USART takes: a frame (start + 8/9 data + stop bits) at
the baud rate the firmware programmed (BRR, OVER8, the APB clock from RCC), through the
hardware's two stages (TDR/DR, then the shift register): TXE clears while both are full,
TC only when both are empty. A firmware that busy-waits on TXE/TC spends those cycles on
the board, so a status read that finds the transmitter busy advances the clock to when the
flag it waits for sets, as a WFI does, instead of emulating the spin loop read by read.
"""
from .base import Peripheral

TXE, TC, RXNE, IDLE, ORE = 1 << 7, 1 << 6, 1 << 5, 1 << 4, 1 << 3
RXNEIE, TCIE, TXEIE = 1 << 5, 1 << 6, 1 << 7


class _UsartCommon(Peripheral):
    # USART1/USART6 sit on APB2, USART2/3 and UART4.. on APB1 (both families).
    APB2 = ("usart1", "usart6")

    def reset(self):
        self.rx = bytearray()
        self.tx_line = bytearray()
        self.tx_bytes = 0
        self.shift_end = 0      # cycle at which the shift register finishes its frame
        self.tx_pending = False  # a byte waits in DR/TDR for the shift register
        self.polls_since_write = 0

    # -- transmit timing -------------------------------------------------------
    def _frame_cycles(self) -> int:
        """Core cycles per transmitted frame, 0 when the timing is unknown (USART or
        transmitter off, BRR 0): then transmission is instantaneous."""
        cr1, brr = self._cr1(), self._brr()
        if not (self._enabled() and cr1 & (1 << 3)) or brr < 16:
            return 0
        if cr1 & (TXEIE | TCIE):
            # Interrupt-driven transmit would need the IRQ raised when a frame ends (a
            # timer event); not modelled yet: such firmware transmits instantly.
            return 0
        pclk = self.m.rcc.pclk_hz(2 if self.name in self.APB2 else 1) if self.m.rcc else 0
        if not pclk:
            return 0
        # baud = pclk / div with div in 1/16 (OVER8=0) or 1/8 (OVER8=1) bit periods
        over8 = cr1 & (1 << 15)
        div = self._brr_div(brr, over8)
        bits = 1 + (9 if self._nine_bits(cr1) else 8) + self._stop_bits()
        return -(-bits * div * self.m.core_hz() // pclk)   # ceil

    def _settle(self, now: int) -> None:
        """The shift register takes the waiting byte once its frame ends."""
        if self.tx_pending and now >= self.shift_end:
            self.shift_end += self._frame_cycles()
            self.tx_pending = False

    def _start_tx(self) -> None:
        frame = self._frame_cycles()
        if not frame:
            return
        now = self.m.now()
        self._settle(now)
        if now >= self.shift_end:
            self.shift_end = now + frame      # shift register idle: the byte goes straight in
        else:
            self.tx_pending = True            # waits in DR/TDR (a second one would overrun it)

    def _tx_flags(self) -> int:
        now = self.m.now()
        self._settle(now)
        txe = 0 if self.tx_pending else TXE
        return txe | (TC if not self.tx_pending and now >= self.shift_end else 0)

    def _polled_tx_flags(self) -> int:
        """TXE/TC for a firmware read of the status register. A firmware that finds TXE
        clear is waiting for it: time runs on to the moment it sets. TXE set but TC clear
        on a second read with no write in between means it waits for TC (a flush):
        time runs on to the end of the frame. Either is one poll iteration off at most."""
        self.polls_since_write += 1
        flags = self._tx_flags()
        if not flags & TXE or (not flags & TC and self.polls_since_write > 1):
            wait = max(0, self.shift_end - self.m.now())
            self.m.counter.add(wait)
            self.m.uart_wait_cycles += wait
            flags = self._tx_flags()
        return flags

    def feed(self, data: bytes):
        self.rx.extend(data)
        self._update_irq()

    def _tx(self, byte: int):
        self._start_tx()
        self.polls_since_write = 0
        self.tx_bytes += 1
        if byte == 0x0A:
            line = self.tx_line.decode("utf-8", "replace").rstrip("\r")
            self.tx_line.clear()
            self.m.uart_line(self, line)
        else:
            self.tx_line.append(byte & 0xFF)

    def _status(self, poll: bool = False) -> int:
        """Status flags; `poll` = the firmware reads the status register (it may be
        waiting on TXE or TC), not the interrupt logic looking."""
        flags = self._polled_tx_flags() if poll else self._tx_flags()
        return flags | (RXNE if self.rx else 0)

    def _update_irq(self):
        cr1 = self._cr1()
        st = self._status()
        level = bool((cr1 & RXNEIE and st & RXNE) or (cr1 & TXEIE and st & TXE) or (cr1 & TCIE and st & TC))
        self.irq(level and self._enabled())

    def _pop_rx(self) -> int:
        if not self.rx:
            return 0
        b = self.rx.pop(0)
        self._update_irq()
        return b


class UsartF4(_UsartCommon):
    SR, DR, BRR, CR1, CR2, CR3, GTPR = 0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18

    def reset(self):
        super().reset()
        self.regs = {self.SR: TXE | TC}

    def _cr1(self):
        return self.regs.get(self.CR1, 0)

    def _enabled(self):
        return bool(self._cr1() & (1 << 13))

    def _brr(self):
        return self.regs.get(self.BRR, 0) & 0xFFFF

    @staticmethod
    def _brr_div(brr, over8):
        # RM0430 26.3.4: USARTDIV = mantissa + fraction/16 (OVER8=0) or /8 (OVER8=1);
        # baud = pclk / (8 x (2 - OVER8) x USARTDIV)
        return brr if not over8 else (brr >> 4) * 8 + (brr & 7)

    @staticmethod
    def _nine_bits(cr1):
        return bool(cr1 & (1 << 12))

    def _stop_bits(self):
        return {0: 1, 1: 1, 2: 2, 3: 2}[(self.regs.get(self.CR2, 0) >> 12) & 3]  # 0.5/1.5 rounded

    def read_reg(self, off):
        if off == self.SR:
            return self._status(poll=True) | (self.regs.get(self.SR, 0) & ~(TXE | TC | RXNE))
        if off == self.DR:
            return self._pop_rx()
        return self.regs.get(off, 0)

    def write_reg(self, off, value):
        if off == self.DR:
            self._tx(value)
            return
        super().write_reg(off, value)
        if off in (self.CR1, self.SR):
            self._update_irq()


class UsartF7(_UsartCommon):
    CR1, CR2, CR3, BRR, GTPR, RTOR, RQR, ISR, ICR, RDR, TDR = (
        0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x28)
    TEACK, REACK = 1 << 21, 1 << 22

    def reset(self):
        super().reset()
        self.regs = {}

    def _cr1(self):
        return self.regs.get(self.CR1, 0)

    def _enabled(self):
        return bool(self._cr1() & 1)

    def _brr(self):
        return self.regs.get(self.BRR, 0) & 0xFFFF

    @staticmethod
    def _brr_div(brr, over8):
        # RM0410 34.5.7: OVER8=0: BRR = USARTDIV, baud = fck / USARTDIV; OVER8=1:
        # USARTDIV = BRR[15:4] << 4 | BRR[2:0] << 1, baud = 2 fck / USARTDIV
        return brr if not over8 else (((brr & 0xFFF0) | ((brr & 7) << 1)) + 1) // 2

    @staticmethod
    def _nine_bits(cr1):
        return bool(cr1 & (1 << 12)) and not cr1 & (1 << 28)  # M1:M0 = 01

    def _stop_bits(self):
        return {0: 1, 1: 1, 2: 2, 3: 2}[(self.regs.get(self.CR2, 0) >> 12) & 3]

    def read_reg(self, off):
        if off == self.ISR:
            cr1 = self._cr1()
            ack = 0
            if cr1 & 1:
                ack |= self.TEACK if cr1 & (1 << 3) else 0
                ack |= self.REACK if cr1 & (1 << 2) else 0
            return self._status(poll=True) | ack
        if off == self.RDR:
            return self._pop_rx()
        if off in (self.ICR, self.TDR, self.RQR):
            return 0
        return self.regs.get(off, 0)

    def write_reg(self, off, value):
        if off == self.TDR:
            self._tx(value)
            return
        if off == self.RQR:
            if value & (1 << 3):  # RXFRQ: flush receive data
                self.rx.clear()
            return
        if off == self.ICR:
            return
        super().write_reg(off, value)
        if off == self.CR1:
            self._update_irq()
