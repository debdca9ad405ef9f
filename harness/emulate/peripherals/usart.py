"""USART with the two STM32 register layouts.

F4 (RM0430): SR/DR/BRR/CR1.. ; F7 (RM0410): CR1../ISR/ICR/RDR/TDR. Transmit is
instantaneous (TXE and TC always set), so polling firmware never waits; received
bytes come from a queue filled by the harness (`uart_input`) and raise RXNE.
Transmitted bytes are split into lines and handed to the machine's console sink.
"""
from .base import Peripheral

TXE, TC, RXNE, IDLE, ORE = 1 << 7, 1 << 6, 1 << 5, 1 << 4, 1 << 3
RXNEIE, TCIE, TXEIE = 1 << 5, 1 << 6, 1 << 7


class _UsartCommon(Peripheral):
    def reset(self):
        self.rx = bytearray()
        self.tx_line = bytearray()
        self.tx_bytes = 0

    def feed(self, data: bytes):
        self.rx.extend(data)
        self._update_irq()

    def _tx(self, byte: int):
        self.tx_bytes += 1
        if byte == 0x0A:
            line = self.tx_line.decode("utf-8", "replace").rstrip("\r")
            self.tx_line.clear()
            self.m.uart_line(self, line)
        else:
            self.tx_line.append(byte & 0xFF)

    def _status(self) -> int:
        return TXE | TC | (RXNE if self.rx else 0)

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

    def read_reg(self, off):
        if off == self.SR:
            return self._status() | (self.regs.get(self.SR, 0) & ~(TXE | TC | RXNE))
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

    def read_reg(self, off):
        if off == self.ISR:
            cr1 = self._cr1()
            ack = 0
            if cr1 & 1:
                ack |= self.TEACK if cr1 & (1 << 3) else 0
                ack |= self.REACK if cr1 & (1 << 2) else 0
            return self._status() | ack
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
