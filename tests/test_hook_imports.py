"""The hook imports only what a file needs (its time budget: within twice `import pandas`;
measured in bench/bench_hook.py, not asserted here)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from datasafe.cli import run
sys.argv = ["datasafe", "hook", *sys.argv[1:]]
try:
    run()
except SystemExit as exc:
    code = exc.code or 0
heavy = ("spacy", "presidio_analyzer", "great_expectations", "jinja2", "scipy", "sklearn",
         "dask", "openpyxl", "cryptography", "pandas", "pyarrow")
print(code, " ".join(sorted(m for m in heavy if m in sys.modules)))
"""


def probe(cwd, *files):
    r = subprocess.run([sys.executable, "-c", PROBE, *files], cwd=cwd, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    code, _, mods = r.stdout.strip().splitlines()[-1].partition(" ")
    return int(code), set(mods.split())


def test_clean_csv_needs_no_nlp_no_templates(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "stock.csv").write_text("item,unit,quantity\nrice,kg,1200\nbeans,kg,800\n",
                                        encoding="utf-8")
    code, mods = probe(tmp_path, "stock.csv")
    assert code == 0
    assert mods <= {"pandas", "pyarrow"}, mods


def test_no_data_file_imports_nothing_heavy(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "README.md").write_text("# notes\n", encoding="utf-8")
    code, mods = probe(tmp_path, "README.md")
    assert code == 0 and mods == set()
