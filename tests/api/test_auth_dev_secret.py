"""The development secret (embedded default): created private and complete, once, and the
same for every process that starts at the same moment (`serve`, its workers, `token`)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import tokens
from infra.settings import Settings
from infra.tokens import SECRET_FILE, signing_secret


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most shells have (022): a file created without care is world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_secret_file_is_private_from_its_creation(
    tmp_path: Path, usual_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a process that would die right after creating the file (no later chmod runs),
    # when the development secret is generated, then the file is readable by its owner only
    def no_chmod(*_: object, **__: object) -> None:
        raise AssertionError("the secret file must be created private, not chmod-ed later")

    monkeypatch.setattr(Path, "chmod", no_chmod)
    monkeypatch.setattr(os, "chmod", no_chmod)
    secret = signing_secret(Settings(data_dir=tmp_path))
    path = tmp_path / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == secret
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]  # no temporary file left


def test_a_process_that_loses_the_race_keeps_the_winners_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given another process that publishes its secret while this one is generating its own
    # (after this one saw no file), when this one finishes, then both use the winner's
    real = tokens.secrets.token_urlsafe
    rival: list[str] = []

    def generate(n: int) -> str:
        if not rival:
            rival.append("")  # the rival generates with the real function
            rival[0] = signing_secret(Settings(data_dir=tmp_path))
        return real(n)

    monkeypatch.setattr(tokens.secrets, "token_urlsafe", generate)
    mine = signing_secret(Settings(data_dir=tmp_path))
    assert mine == rival[0] == (tmp_path / SECRET_FILE).read_text()


_STARTER = """
import sys, time
from pathlib import Path
from infra.settings import Settings
from infra.tokens import signing_secret
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
print(signing_secret(Settings(data_dir=Path(sys.argv[1]))))
"""


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    # given six processes waiting for the same instant, when they all start at once on an
    # empty data directory, then they all use one secret: the one in the file
    data, go = tmp_path / "var", tmp_path / "go"
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", _STARTER, str(data), str(go)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(tokens.__file__).parents[1],  # the project's root: `import infra` works
        )
        for _ in range(6)
    ]
    time.sleep(1.0)  # let every interpreter reach its wait
    go.touch()
    secrets_seen = {starter.communicate(timeout=60)[0].strip() for starter in starters}
    assert all(starter.returncode == 0 for starter in starters)
    assert secrets_seen == {(data / SECRET_FILE).read_text()}
    assert stat.S_IMODE((data / SECRET_FILE).stat().st_mode) == 0o600


def test_an_empty_secret_file_is_refused_with_a_way_out(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_text("")
    with pytest.raises(SystemExit, match="delete it"):
        signing_secret(Settings(data_dir=tmp_path))
