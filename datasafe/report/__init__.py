"""Reports: render a :class:`~datasafe.model.ScanResult` as text, JSON, Markdown, HTML or SARIF.

Each format is its own module, imported only when asked for."""

from __future__ import annotations

FORMATS = ("text", "json", "markdown", "html", "sarif")
EXTENSIONS = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html",
              ".htm": "html", ".sarif": "sarif", ".txt": "text"}


def languages() -> list[str]:
    """Languages of the text, Markdown and HTML reports: one message catalogue each in
    ``datasafe/report/locales/<code>.yaml`` (adding a language adds a file, no code)."""
    from pathlib import Path

    found = sorted(p.stem for p in (Path(__file__).parent / "locales").glob("*.yaml"))
    return found or ["en"]


def format_for_path(path: str) -> str | None:
    import os

    return EXTENSIONS.get(os.path.splitext(str(path))[1].lower())


def render(result, fmt: str = "text", *, lang: str = "en", color: bool = False,
           quiet: bool = False) -> str:
    if fmt == "json":
        import json

        from datasafe.report.common import masked_dict

        return json.dumps(masked_dict(result), ensure_ascii=False, indent=2) + "\n"
    if fmt == "text":
        from datasafe.report.text import render_text

        return render_text(result, lang=lang, color=color, quiet=quiet)
    if fmt == "markdown":
        from datasafe.report.markdown import render_markdown

        return render_markdown(result, lang=lang)
    if fmt == "html":
        from datasafe.report.html import render_html

        return render_html(result, lang=lang)
    if fmt == "sarif":
        from datasafe.report.sarif import render_sarif

        return render_sarif(result)
    raise ValueError(f"unknown report format: {fmt}")
