"""Other Private Peripheral Bus blocks (ITM, FPB, TPIU, ETM, ROM tables): registers
stored, no behaviour. CMSIS start-up code touches some of them."""
from .base import Peripheral


class PpbStub(Peripheral):
    pass
