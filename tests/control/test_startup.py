"""A process of the runtime refuses to start, saying why and showing no key, when the
control plane's store was sealed with another secret key."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from destinations.perkville import destination as perkville
from framework.runtime.control.opened import open_control
from framework.runtime.delivery.config import load_config
from framework.tooling.cli import main
from tests.delivery.support import ENV, write_config


def test_a_wrong_secret_key_is_a_clear_start_up_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    path.write_text(path.read_text() + '\n[control]\nsecret_key = "env:CONTROL_KEY"\n')
    sealing, other = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CONTROL_KEY", sealing)
    open_control(load_config(path), tmp_path, {"perkville": perkville}, seed=True).close()

    monkeypatch.setenv("CONTROL_KEY", other)
    assert main(["worker", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("actions: WRONG_SECRET_KEY: ")
    assert "another secret key" in err
    assert sealing not in err
    assert other not in err
    assert "Traceback" not in err
