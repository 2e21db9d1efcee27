"""The sandbox token file under many writers at once.

A scheduler's workers each open their own vault on ``AR_SYNC_HOME``'s token file and save
rotated tokens at about the same moment (every QuickBooks realm's access token expires an
hour after it was connected); a manual ``ar-sync sync`` may run beside ``ar-sync serve``. The
1,000-org day of ``make bench`` once lost tokens and read the file half written
("JSONDecodeError: Extra data"). Every entry saved must be there afterwards, and every read
must see a whole document.
"""

from __future__ import annotations

import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ar_sync.connect.vaults import sandbox_vault
from ar_sync.errors import ConfigError

WRITERS, SAVES = 8, 40
PROCESS_SAVES = 300  # enough that the two processes' saves overlap, whatever their start-up
WRITE_ENTRIES = """
import sys
from pathlib import Path
from ar_sync.connect.vaults import sandbox_vault
path, name = Path(sys.argv[1]), sys.argv[2]
for i in range({saves}):
    sandbox_vault(path).save(f"{{name}}-{{i}}", {{"token": {{"refresh_token": f"{{name}}/{{i}}"}}}})
"""


def _secret(writer: str, index: int) -> dict[str, object]:
    return {"client_id": writer, "token": {"refresh_token": f"{writer}/{index}" * (index + 1)}}


def test_threads_with_their_own_vaults_lose_no_entry_and_never_read_half_a_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sandbox-keyring.cfg"
    failures: list[BaseException] = []

    def write(writer: str) -> None:
        try:
            for index in range(SAVES):
                vault = sandbox_vault(path)  # as each job opens its own
                vault.save(f"{writer}-{index}", _secret(writer, index))
                assert vault.load(f"{writer}-0") == _secret(writer, 0)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(f"w{n}",)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    vault = sandbox_vault(path)
    for n in range(WRITERS):
        for index in range(SAVES):
            assert vault.load(f"w{n}-{index}") == _secret(f"w{n}", index)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_two_processes_saving_at_once_keep_both_sets(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-keyring.cfg"
    script = WRITE_ENTRIES.format(saves=PROCESS_SAVES)
    processes = [
        subprocess.Popen([sys.executable, "-c", script, str(path), name])
        for name in ("serve", "manual")
    ]
    assert [process.wait(timeout=120) for process in processes] == [0, 0]

    vault = sandbox_vault(path)
    for name in ("serve", "manual"):
        for index in range(PROCESS_SAVES):
            assert vault.load(f"{name}-{index}") == {"token": {"refresh_token": f"{name}/{index}"}}


def test_a_reader_sees_a_token_another_process_rotated(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-keyring.cfg"
    vault = sandbox_vault(path)
    vault.save("conn", {"token": {"refresh_token": "first"}})
    assert vault.load("conn") == {"token": {"refresh_token": "first"}}  # read, and kept

    rotate = (
        "import sys; from pathlib import Path; from ar_sync.connect.vaults import sandbox_vault; "
        "sandbox_vault(Path(sys.argv[1])).save('conn', {'token': {'refresh_token': 'secon'}})"
    )  # the same length as "first": a change of bytes, not of size
    subprocess.run([sys.executable, "-c", rotate, str(path)], check=True, timeout=120)

    assert vault.load("conn") == {"token": {"refresh_token": "secon"}}
    vault.delete("conn")
    assert sandbox_vault(path).load("conn") is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b'{"ar-sync": {"conn": "x"}\n,,', "is not valid JSON (line 2)"),
     (b"[]", "is not a JSON object"),
     (b"\xff\xfe\x00", "is not valid JSON")],
)
def test_a_broken_token_file_is_one_line_naming_it(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "sandbox-keyring.cfg"
    path.write_bytes(content)
    expected = (f"{path}: the sandbox token file {problem}; delete it and connect the sandbox "
                "orgs again (`ar-sync connect PLATFORM --sandbox URL`)")
    for use in (lambda v: v.load("conn"), lambda v: v.save("conn", {"token": {}})):
        with pytest.raises(ConfigError) as raised:
            use(sandbox_vault(path))
        assert str(raised.value) == expected
    assert path.read_bytes() == content  # left as it was
