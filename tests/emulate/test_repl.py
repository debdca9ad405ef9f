import pytest

from harness.emulate import boards, repl
from harness.emulate.errors import EmulationError


def _plat(name):
    return repl.parse(boards.platforms_dir() / name)


def test_f413_platform():
    p = _plat("stm32f413h_discovery.repl")
    assert p.cpu_type == "cortex-m4f"
    mem = {m.name: (m.address, m.size) for m in p.memories()}
    assert mem["flash"] == (0x08000000, 0x180000)
    assert mem["sram1"] == (0x20000000, 0x40000)
    assert mem["sram2"] == (0x20040000, 0x10000)
    e = p.entries
    assert (e["usart6"].address, e["usart6"].size) == (0x40011400, 0x400)
    assert ("0", "nvic", 71) in [(str(s), t, n) for s, t, n in e["usart6"].irqs]
    assert e["rcc"].address == 0x40023800 and e["pwr"].address == 0x40007000
    assert e["flash_ctrl"].address == 0x40023C00
    assert e["nvic"].irqs == [("IRQ", "cpu", 0)]
    assert e["gpioPortA"].attrs["modeResetValue"] == 0xA8000000


def test_f769_platform():
    p = _plat("stm32f769i_discovery.repl")
    assert p.cpu_type == "cortex-m7"
    mem = {m.name: (m.address, m.size) for m in p.memories()}
    assert mem["itcm_ram"] == (0x00000000, 0x4000)
    assert mem["flash"] == (0x08000000, 0x200000)
    assert mem["dtcm"] == (0x20000000, 0x20000)
    assert mem["sram1"] == (0x20020000, 0x5C000)
    assert mem["sram2"] == (0x2007C000, 0x4000)
    assert p.entries["usart1"].type == "UART.STM32F7_USART"
    assert p.entries["usart1"].address == 0x40011000
    assert [n for _s, _t, n in p.entries["usart1"].irqs] == [37]


def test_resc_files_name_their_repl():
    d = boards.platforms_dir()
    for b in ("stm32f413h_discovery", "stm32f769i_discovery"):
        text = (d / f"{b}.resc").read_text()
        assert f"LoadPlatformDescription @platforms/{b}.repl" in text
        assert "sysbus LoadELF $elf" in text and "showAnalyzer" in text


def test_inline_attributes_ranges_and_using(tmp_path):
    (tmp_path / "base.repl").write_text('mem: Memory.MappedMemory @ sysbus 0x1000 { size: 0x2000 }\n')
    (tmp_path / "top.repl").write_text(
        'using "base.repl"\n'
        '/* block\n comment */\n'
        'exti: IRQControllers.EXTI @ sysbus <0x4001_3C00, +0x400>\n'
        '    [0-1] -> nvic@[6-7]   // two lines\n'
        'mem:\n    size: 0x4000\n')
    p = repl.parse(tmp_path / "top.repl")
    assert p.entries["mem"].attrs["size"] == 0x4000
    assert p.entries["exti"].address == 0x40013C00 and p.entries["exti"].size == 0x400
    assert p.entries["exti"].irqs == [(0, "nvic", 6), (1, "nvic", 7)]


@pytest.mark.parametrize("text,line,what", [
    ("cpu: CPU.CortexM @ sysbus\n    cpuType \"cortex-m4\"\n", 2, "expected 'key: value'"),
    ("flash Memory.MappedMemory @ sysbus 0x0\n", 1, "expected 'name: Type"),
    ("uart: UART.X @ sysbus <0x4000, 0x400>\n", 1, "bad address"),
    ("    size: 3\n", 1, "outside an entry"),
    ("u: UART.X @ sysbus 0x0\n    name: \"abc\n", 2, "unterminated string"),
])
def test_syntax_errors_name_file_and_line(tmp_path, text, line, what):
    f = tmp_path / "bad.repl"
    f.write_text(text)
    with pytest.raises(repl.ReplSyntaxError) as ei:
        repl.parse(f)
    assert str(ei.value).startswith(f"{f}:{line}: ")
    assert what in str(ei.value)
    assert isinstance(ei.value, EmulationError)
