import json
import subprocess
import sys

from click.testing import CliRunner

from datasafe.cli import main
from tests.conftest import validate_report


def test_version_and_help():
    runner = CliRunner()
    r = runner.invoke(main, ["--version"])
    assert r.exit_code == 0 and "datasafe" in r.output
    r = runner.invoke(main, ["--help"])
    assert r.exit_code == 0 and "datasafe scan" in r.output


def test_scan_json_keeps_text_and_validates(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("name,phone,code\nAmina,+243812345678,00123\nJean,+243998877665,00456\n",
                 encoding="utf-8")
    r = CliRunner().invoke(main, ["scan", str(f), "--format", "json"])
    report = json.loads(r.output)
    validate_report(report)
    table = report["files"][0]["tables"][0]
    assert table["rows"] == 2
    assert [c["name"] for c in table["columns"]] == ["name", "phone", "code"]


def test_missing_file_exit_2_one_line(tmp_path):
    missing = tmp_path / "absent.csv"
    r = subprocess.run([sys.executable, "-m", "datasafe", "scan", str(missing)],
                       capture_output=True, text=True)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(missing) in lines[0] and "no such file" in lines[0]
    assert "Traceback" not in r.stderr
