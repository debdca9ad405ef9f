"""docs/labgrid/exporter.yaml: a labgrid exporter config with, per board, the two resources
the serial target needs (virtual COM port + SWD probe of one ST-LINK)."""

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_exporter_config_declares_both_boards_with_port_and_probe():
    cfg = yaml.safe_load((REPO / "docs" / "labgrid" / "exporter.yaml").read_text())
    assert set(cfg) == {"boardtwin-f413", "boardtwin-f769"}
    for group in cfg.values():
        port, probe = group["USBSerialPort"], group["USBDebugger"]
        assert port["speed"] == 115200  # the firmware's USART baud rate
        # port and probe are the same ST-LINK: matched by the same serial number
        assert port["match"]["ID_SERIAL_SHORT"] == probe["match"]["ID_SERIAL_SHORT"]


def test_board_farm_doc_uses_options_the_suites_know():
    doc = (REPO / "docs" / "board-farm.md").read_text()
    resource = (REPO / "robot" / "common.resource").read_text()
    for var in ("TARGET", "BOARD", "PORT", "FLASHER", "PROBE"):
        assert f"--variable {var}:" in doc
        assert "${%s}" % var in resource
