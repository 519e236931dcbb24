"""`hashchat chats import FILE [--partial]` and `hashchat chats export`, as an operator runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.liveserver import LiveServer

GOOD = (
    "hashtag,title,day,time,time zone,recurrence,description,hosts,link\n"
    "writechat,Writers' chat,Wednesday,20:00,America/New_York,weekly,,,\n"
    "pythonchat,Python chat,Thursday,19:00,Europe/London,fortnightly,,,\n"
)
BAD_ROW = "badchat,Bad,Someday,19:00,UTC,weekly,,,\n"


def test_import_export_and_errors_from_the_command_line(tmp_path: Path) -> None:
    server = LiveServer(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    sheet = tmp_path / "chats.csv"
    sheet.write_text(GOOD + BAD_ROW, encoding="utf-8")
    failed = server.run_cli("chats", "import", str(sheet))
    assert failed.returncode == 1
    assert "1 row cannot be imported, so nothing was" in failed.stderr
    assert "line 4 (day): 'Someday' is not a day of the week" in failed.stderr
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        assert conn.execute("SELECT count(*) FROM chats").fetchone()[0] == 0
    partial = server.run_cli("chats", "import", str(sheet), "--partial")
    assert partial.returncode == 0, partial.stderr
    assert "imported 2 chats: #writechat, #pythonchat" in partial.stdout
    assert "left out 1 row:" in partial.stderr and "line 4 (day)" in partial.stderr
    again = server.run_cli("chats", "import", "-", input=GOOD)
    assert again.returncode == 1 and "#writechat is already listed" in again.stderr
    exported = server.run_cli("chats", "export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    assert sorted(c["hashtag"] for c in json.loads(exported.stdout)) == ["pythonchat", "writechat"]
    as_csv = server.run_cli("chats", "export")
    assert as_csv.stdout.splitlines()[1].startswith("#pythonchat,Python chat,Thursday,19:00")
    missing = server.run_cli("chats", "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes((GOOD.replace("Writers'", "Écrivains")).encode("latin-1"))
    refused = server.run_cli("chats", "import", str(latin))
    assert refused.returncode == 1 and "not UTF-8" in refused.stderr and "line 2" in refused.stderr
