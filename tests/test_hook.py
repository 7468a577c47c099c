"""The pre-commit hook, run by the real ``pre-commit`` program on real commits.

A temporary git repository uses this checkout as a hook repository the way
``pre-commit try-repo`` does: pre-commit's own try-repo code makes a snapshot of the checkout
(a shadow commit when the tree has uncommitted changes) and the config it would write names
that snapshot. ``try-repo`` itself installs the hook environment in a temporary store that it
deletes on exit, so running it once per scenario would build the environment (a virtualenv
with pandas, pyarrow, spaCy, Presidio…) each time; here the store lives in a module-scoped
``PRE_COMMIT_HOME`` and is built once (about 1–2 minutes on the 2-core machine). The literal
``pre-commit try-repo`` command is tested too, but it builds a second environment, so it runs
only with ``DATASAFE_TEST_TRY_REPO=1``.

pip inside the hook environment uses the index, find-links and cache configured for pip on
this machine (environment and pip.conf are passed through unchanged).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PHONES = ["+243 812 345 678", "+243 998 877 665", "+243 970 001 122", "+243 815 550 199",
          "+243 899 120 034", "+243 853 004 417"]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    shutil.which("git") is None or not (REPO / ".git").exists()
    or not (REPO / ".pre-commit-hooks.yaml").is_file(),
    reason="needs git and a git checkout of datasafe (with .pre-commit-hooks.yaml)")]


def _pre_commit() -> list[str]:
    pytest.importorskip("pre_commit")
    return [sys.executable, "-m", "pre_commit"]


def _git(repo: Path, *args: str, env=None, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True,
                          check=check)


def contacts_csv(n: int = 6) -> str:
    rows = [f"HH-{i:03d},{PHONES[i % len(PHONES)]},Goma,{3 + i % 5}" for i in range(n)]
    return "household_id,phone_number,territory,household_size\n" + "\n".join(rows) + "\n"


STOCK_CSV = "item,unit,quantity\nrice,kg,1200\nbeans,kg,800\noil,l,300\nsalt,kg,90\n"


class DataRepo:
    def __init__(self, path: Path, env: dict[str, str]):
        self.path = path
        self.env = env

    def write(self, name: str, text: str) -> Path:
        p = self.path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        return p

    def commit(self, *names: str, message: str = "add data") -> subprocess.CompletedProcess:
        """``git add`` + ``git commit`` (the installed pre-commit hook runs). On failure the
        files are unstaged and removed so that the next test starts from a clean index."""
        _git(self.path, "add", "--", *names, env=self.env)
        r = _git(self.path, "commit", "-m", message, env=self.env, check=False)
        if r.returncode != 0:
            _git(self.path, "rm", "-q", "--cached", "--ignore-unmatch", "--", *names,
                 env=self.env, check=False)
            for n in names:
                (self.path / n).unlink(missing_ok=True)
        return r

    def datasafe(self, *args: str) -> subprocess.CompletedProcess:
        """Run the datasafe installed in the hook environment (the same code as the hook)."""
        home = Path(self.env["PRE_COMMIT_HOME"])
        found = sorted(home.glob("*/py_env-*/bin/datasafe")) + sorted(
            home.glob("*/py_env-*/Scripts/datasafe.exe"))
        cmd = [str(found[0])] if found else [sys.executable, "-m", "datasafe"]
        return subprocess.run([*cmd, *args], cwd=self.path, env=self.env, capture_output=True,
                              text=True)


@pytest.fixture(scope="module")
def data_repo(tmp_path_factory) -> DataRepo:
    """A git repository whose pre-commit config uses this checkout (as try-repo does) and whose
    hook environment is built once for the module."""
    pre_commit = _pre_commit()
    base = tmp_path_factory.mktemp("hook")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(PRE_COMMIT_HOME=str(base / "pre-commit-home"), PRE_COMMIT_COLOR="never",
               NO_COLOR="1", GIT_AUTHOR_NAME="Test Officer", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="Test Officer", GIT_COMMITTER_EMAIL="t@example.org")
    env.pop("DATASAFE_DEBUG", None)

    # 1. the hook repository, exactly as `pre-commit try-repo REPO` picks it
    snap_dir = base / "try-repo"
    snap_dir.mkdir()
    code = ("import sys\nfrom pre_commit.commands.try_repo import _repo_ref\n"
            "repo, ref = _repo_ref(sys.argv[1], sys.argv[2], None)\nprint(repo); print(ref)")
    r = subprocess.run([sys.executable, "-c", code, str(snap_dir), str(REPO)], env=env,
                       capture_output=True, text=True)
    if r.returncode == 0:
        hook_repo, rev = r.stdout.split()[-2:]
    else:  # pre-commit changed its internals: use the checkout's HEAD
        hook_repo = str(REPO)
        rev = _git(REPO, "rev-parse", "HEAD").stdout.strip()

    # 2. the data repository
    path = base / "data-repo"
    path.mkdir()
    _git(path, "init", "-q", env=env)
    config = ("repos:\n"
              f"  - repo: {hook_repo}\n"
              f"    rev: {rev}\n"
              "    hooks:\n"
              "      - id: datasafe\n")
    (path / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    (path / "README.md").write_text("# field data\n", encoding="utf-8")
    _git(path, "add", ".pre-commit-config.yaml", "README.md", env=env)
    _git(path, "commit", "-q", "-m", "init", env=env)
    r = subprocess.run([*pre_commit, "install"], cwd=path, env=env, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    # 3. the one hook environment (pip install of the snapshot and its dependencies)
    r = subprocess.run([*pre_commit, "install-hooks"], cwd=path, env=env, capture_output=True,
                       text=True)
    if r.returncode != 0:
        log = Path(env["PRE_COMMIT_HOME"]) / "pre-commit.log"
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
        pytest.fail("pre-commit could not build the hook environment:\n"
                    + (r.stdout + r.stderr)[-3000:] + "\n" + tail)
    return DataRepo(path, env)


def test_commit_with_phone_numbers_fails(data_repo):
    data_repo.write("registration/contacts.csv", contacts_csv())
    r = data_repo.commit("registration/contacts.csv")
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "datasafe" in out and "Failed" in out
    assert "exit code: 1" in out
    assert "registration/contacts.csv" in out and "column 'phone_number'" in out
    assert "DR-" in out
    assert "datasafe baseline update" in out
    for p in PHONES:  # the message never shows a number
        assert p not in out and p.replace(" ", "") not in out
    # nothing was committed
    assert "contacts.csv" not in _git(data_repo.path, "ls-files").stdout


def test_clean_file_passes_quietly(data_repo):
    data_repo.write("logistics/stock.csv", STOCK_CSV)
    r = data_repo.commit("logistics/stock.csv")
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "Passed" in out
    # quiet on success: with --verbose pre-commit shows the hook's own output; there is none
    r = subprocess.run([*_pre_commit(), "run", "datasafe", "--verbose", "--files",
                        "logistics/stock.csv"], cwd=data_repo.path, env=data_repo.env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    hook_lines = [ln for ln in r.stdout.splitlines()
                  if ln.strip() and not ln.startswith(("datasafe", "- hook id", "- duration"))]
    assert hook_lines == [], r.stdout


def test_non_data_files_are_not_passed_to_the_hook(data_repo):
    data_repo.write("notes.md", "call " + PHONES[0] + "\n")
    r = data_repo.commit("notes.md")
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "no files to check" in out and "Skipped" in out


def test_accepted_finding_passes_and_new_finding_fails(data_repo):
    data_repo.write("partners/focal_points.csv", contacts_csv(8))
    _git(data_repo.path, "add", "partners/focal_points.csv", env=data_repo.env)
    r = data_repo.datasafe("baseline", "create")
    assert r.returncode == 0, r.stdout + r.stderr
    r = data_repo.datasafe("baseline", "audit", "--yes", "--reason",
                           "partner focal points consented to share their work numbers")
    assert r.returncode == 0, r.stdout + r.stderr
    r = data_repo.commit("partners/focal_points.csv", ".datasafe-baseline.json")
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "Passed" in out
    baseline = (data_repo.path / ".datasafe-baseline.json").read_text(encoding="utf-8")
    assert "Test Officer" in baseline and "consented" in baseline
    for p in PHONES:
        assert p not in baseline and p.replace(" ", "") not in baseline
    # a new column of phone numbers in the same file is a new finding: the commit fails
    text = contacts_csv(8).splitlines()
    text = [text[0] + ",alt_phone"] + [ln + "," + PHONES[i % len(PHONES)]
                                       for i, ln in enumerate(text[1:])]
    data_repo.write("partners/focal_points.csv", "\n".join(text) + "\n")
    _git(data_repo.path, "add", "partners/focal_points.csv", env=data_repo.env)
    r = _git(data_repo.path, "commit", "-m", "more", env=data_repo.env, check=False)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "column 'alt_phone'" in out
    assert "column 'phone_number'" not in out  # the accepted one is not reported as new
    _git(data_repo.path, "checkout", "HEAD", "--", "partners/focal_points.csv",
         env=data_repo.env)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DATASAFE_TEST_TRY_REPO"),
                    reason="builds a second hook environment; set DATASAFE_TEST_TRY_REPO=1")
def test_try_repo_command(tmp_path):
    """The literal `pre-commit try-repo` (its own, temporary hook environment)."""
    pre_commit = _pre_commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(PRE_COMMIT_COLOR="never", PRE_COMMIT_HOME=str(tmp_path / "home"))
    _git(tmp_path, "init", "-q")
    (tmp_path / "contacts.csv").write_text(contacts_csv(), encoding="utf-8")
    (tmp_path / "stock.csv").write_text(STOCK_CSV, encoding="utf-8")
    _git(tmp_path, "add", "contacts.csv", "stock.csv")
    r = subprocess.run([*pre_commit, "try-repo", str(REPO), "datasafe", "--files", "stock.csv",
                        "contacts.csv"], cwd=tmp_path, env=env, capture_output=True, text=True)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "contacts.csv" in out and "column 'phone_number'" in out
    assert "stock.csv" not in out


def test_a_blocked_commit_is_explained_in_the_teams_language(data_repo):
    """`lang: fr` in the repository's .datasafe.yaml: the real hook's message is French (the
    place, the check's own French message and fix), and still shows no phone number."""
    cfg = data_repo.write(".datasafe.yaml", "lang: fr\n")
    try:
        data_repo.write("registration/contacts_fr.csv", contacts_csv())
        r = data_repo.commit("registration/contacts_fr.csv")
        out = r.stdout + r.stderr
        assert r.returncode != 0, out
        assert "le commit est bloqué" in out and "colonne « phone_number »" in out
        assert "             correction : " in out
        assert "acceptez-les : datasafe baseline update" in out
        assert "the commit is blocked" not in out and "column 'phone_number'" not in out
        for p in PHONES:
            assert p not in out and p.replace(" ", "") not in out
    finally:
        cfg.unlink()
