"""The wheel ships the data files (checks, profiles, report schema) and an installed wheel finds
them without the source tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling", reason="the dev extra installs hatchling")
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "--no-index", "-q", "-w", str(out), str(REPO)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    wheels = list(out.glob("datasafe-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_data_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    profiles = sorted(n for n in names if n.startswith("datasafe/_data/profiles/"))
    checks = sorted(n for n in names if n.startswith("datasafe/_data/checks/"))
    assert "datasafe/_data/profiles/default.yaml" in profiles
    assert {Path(p).name for p in profiles} == {p.name for p in (REPO / "profiles").glob("*.yaml")}
    assert {Path(c).name for c in checks} >= {c.name for c in (REPO / "checks").glob("*.yaml")}
    assert "datasafe/schema/report.schema.json" in names
    # the words people read: report messages and --help in every language
    assert {"datasafe/report/locales/fr.yaml", "datasafe/cli/locales/fr.yaml"} <= names
    schema = json.loads(zipfile.ZipFile(wheel).read("datasafe/schema/report.schema.json"))
    assert schema["properties"]["schema_version"] == {"const": "1"}
    # the console script is declared
    entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "datasafe = datasafe.cli:run" in zipfile.ZipFile(wheel).read(entry).decode()
    # nothing from the repository's other folders leaks into the wheel
    assert not any(n.startswith(("tests/", "examples/", "bench/")) for n in names)


def test_installed_wheel_finds_shipped_profiles(wheel, tmp_path):
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                        "--target", str(target), str(wheel)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    code = (
        "import json, datasafe, datasafe.resources as r;"
        "print(json.dumps({'pkg': datasafe.__file__,"
        " 'profiles': str(r.data_dir('profiles')), 'checks': str(r.data_dir('checks')),"
        " 'names': sorted(p.name for p in r.data_dir('profiles').glob('*.yaml')),"
        " 'schema': r.package_file('schema', 'report.schema.json').is_file()}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    # -S: no site-packages, so the editable install of the source tree cannot answer; cwd
    # outside the repository, so the source tree is not on sys.path either.
    r = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                       env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert Path(got["pkg"]).is_relative_to(target)
    assert Path(got["profiles"]) == target / "datasafe" / "_data" / "profiles"
    assert Path(got["checks"]) == target / "datasafe" / "_data" / "checks"
    assert "default.yaml" in got["names"] and got["schema"]

    # with site-packages too (pyyaml for the loader): the wheel's copy still wins
    code = ("import datasafe, datasafe.profiles as p, datasafe.resources as r;"
            "prof = p.load_profile('default');"
            "print(datasafe.__file__); print(r.data_dir('profiles')); print(prof.name)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    pkg, profiles, name = r.stdout.split()
    assert Path(pkg).is_relative_to(target) and Path(profiles).is_relative_to(target)
    assert name == "default"
