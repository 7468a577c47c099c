"""The guided tour for workshops: ``datasafe demo [--lang fr] [--no-pause]``.

Scan a bundled beneficiary list with the workshop profile, explain the findings in plain words,
show the re-identification risk, redact with the public profile, rescan and see it pass. Every
step calls the same library functions as the CLI; texts live in ``texts.yaml``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from datasafe.resources import data_dir, package_file

DEMO_FILE = "beneficiary_registration.csv"


def texts(lang: str) -> dict[str, str]:
    import yaml

    data = yaml.safe_load(package_file("demo", "texts.yaml").read_text(encoding="utf-8"))
    out = dict(data["en"])
    out.update(data.get(lang, {}))
    return out


def run_demo(*, lang: str = "en", pause: Callable[[str], None] | None = None,
             echo: Callable[[str], None] = print, workdir: str | os.PathLike | None = None) -> int:
    """Run the tour; returns 0 when the redacted copy passes the public profile, 1 otherwise.
    The redacted copy is written to ``workdir``, else to a temporary folder removed at the end."""
    t = texts(lang)
    if workdir:
        Path(workdir).mkdir(parents=True, exist_ok=True)
        return _tour(t, lang, pause, echo, Path(workdir))
    work = Path(tempfile.mkdtemp(prefix="datasafe-demo-"))
    try:  # the copy of synthetic data is not kept unless a --workdir asks for it
        return _tour(t, lang, pause, echo, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _tour(t: dict[str, str], lang: str, pause, echo, work: Path) -> int:
    from datasafe.pipeline import scan
    from datasafe.redact import redact
    from datasafe.report import render
    from datasafe.report.common import Messages, localize, said_number

    m = Messages(lang)
    source = data_dir("examples") / DEMO_FILE
    out = work / "beneficiary_registration.public.csv"

    def step(title: str) -> None:
        if pause:
            pause(t["pause"])
        echo("")
        echo(title)
        echo("=" * len(title))

    echo(t["welcome"].rstrip())
    step(t["step1"])
    echo(t["step1_cmd"].format(file=DEMO_FILE))
    result = scan(str(source), profile="workshop", lang=lang)
    echo(render(result, "text", lang=lang))

    step(t["step2"])
    if not result.findings:
        echo(t["step2_none"])
    seen = set()
    for f in result.findings:
        lf = localize(f, lang)
        key = (f.check, f.column)
        if key in seen:
            continue
        seen.add(key)
        where = f" [{f.column}]" if f.column else ""
        echo(f"- {f.check}{where}{m.colon}{lf.message}")
        if lf.explanation:
            echo(f"    {lf.explanation.strip()}")
        if lf.fix:
            echo(f"    → {lf.fix.strip()}")

    step(t["step3"])
    echo(t["step3_intro"].rstrip())
    risks = [tb.risk for tb in result.tables if tb.risk is not None]
    if not risks:
        echo(t["step3_none"])
    for r in risks:
        echo(t["k_min"].format(k=r.k_min))
        echo(t["below_k"].format(k=r.k_threshold, n=m.num(r.records_below_k, 0)))
        echo(t["global_risk"].format(risk=m.pct(r.global_risk)))
        # about 1200 people, or 49.7: one decimal, none when whole
        n = round(float(r.expected_reidentifications or 0.0), 1)
        echo(t["expected"].format(n=said_number(m, int(n) if n.is_integer() else n)))

    step(t["step4"])
    echo(t["step4_cmd"].format(file=DEMO_FILE, out=out.name))
    key = secrets.token_hex(32)
    red = redact(str(source), profile="hdx-public", output=str(out), key=key, lang=lang)
    echo(t["step4_key"])
    echo(red.summary())

    step(t["step5"])
    after = scan(str(out), profile="hdx-public", lang=lang)
    echo(render(after, "text", lang=lang))
    passed = after.exit_code == 0
    echo(t["passed"] if passed else t["failed"])
    echo("")
    echo(t["bye"])
    return 0 if passed else 1
