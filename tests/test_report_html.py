"""The HTML report: self-contained, escaped, fragment mode, and rendered by headless Chromium
with no console message and a screenshot that is not blank."""

from __future__ import annotations

import os
import re
import shutil
import signal
import struct
import subprocess
import zlib

import pytest

from datasafe.report import render
from datasafe.report.html import render_html
from tests.test_report import (  # noqa: F401 - the fixture applies to these tests too
    CANARIES,
    _hand_built_catalogue,
    clean_result,
    rich_result,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium package is not installed "
                             "(apt-get install chromium); .ci/run installs it")


# --------------------------------------------------------------------------- static checks


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_html_is_self_contained(lang):
    html = render(rich_result(), "html", lang=lang)
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}">' in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    low = html.lower()
    assert "<script" not in low
    assert "<link" not in low and "@import" not in low and "url(" not in low
    assert "<img" not in low and "<iframe" not in low
    # nothing to load: no src= at all, and no href to anywhere
    assert not re.search(r"\ssrc\s*=", low)
    assert not re.search(r"\shref\s*=", low)
    assert "<svg" in html


def test_html_content():
    html = render(rich_result(), "html")
    # headline verdict and sensitivity with its meaning
    assert ">FAIL<" in html and "Strictly confidential" in html
    # map of columns by role, legend with meanings
    assert 'class="colmap"' in html and "identifies a person or household on its own" in html
    # charts: findings by severity, class sizes, individual risk, riskiest combinations
    for caption in ("Findings by severity", "Equivalence-class sizes", "Individual risk",
                    "Riskiest key combinations"):
        assert caption in html, caption
    assert html.count("<svg") >= 6
    # each finding with explanation, guidance and fix
    assert "A name identifies a person on its own" in html
    assert "OCHA DRG 2021, de-identification" in html
    assert "Drop the column or replace it with keyed pseudonyms" in html
    # masked examples only; headers are escaped
    assert "+243 8•• ••• •41" in html
    assert "Observations &lt;b&gt;" in html and "Observations <b>" not in html
    for canary in CANARIES:
        assert canary not in html


def test_html_french():
    html = render(rich_result(), "html", lang="fr")
    for s in ("NON CONFORME", "Sensibilité", "Strictement confidentiel", "Colonnes par rôle",
              "Taille des classes d&#x27;équivalence", "Constats par gravité", "Correction"):
        assert s in html, s


def test_html_degrades_without_risk_extras():
    from datasafe.report.html import _above

    r = rich_result(with_histograms=False)
    html = render(r, "html")
    # class sizes derived from the k-anonymity violations; risk split at the threshold
    assert "Equivalence-class sizes" in html and "<title>3–4: 29</title>" in html
    assert "<title>5+: 1,113</title>" in html
    assert "<title>&gt; 5%: 64</title>" in html and "<title>≤ 5%: 1,136</title>" in html
    assert _above("> 5%", 0.05) and not _above("≤ 5%", 0.05) and _above("0.2–0.5", 0.05)
    r.files[0].tables[0].risk.extra = {}
    html = render(r, "html")
    assert "Riskiest key combinations" not in html and "10.78" in html
    assert "Equivalence-class sizes" not in html and "Individual risk" not in html


def test_html_fragment_for_notebooks():
    frag = render_html(rich_result(), lang="en", fragment=True)
    assert frag.startswith('<div class="dsr"') and frag.endswith("</div>")
    assert "<html" not in frag and "<body" not in frag and "<style>" in frag
    assert rich_result()._repr_html_() == frag


def test_html_all_clear():
    html = render(clean_result(), "html")
    assert ">PASS<" in html and "No personal or sensitive data found" in html


# --------------------------------------------------------------------------- Chromium


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, raw pixels) of an 8-bit non-interlaced PNG."""
    import numpy as np

    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = depth = color = interlace = None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype, chunk = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if ctype == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
        elif ctype == b"IDAT":
            idat.append(chunk)
        elif ctype == b"IEND":
            break
    assert depth == 8 and interlace == 0, (depth, interlace)
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int64)
    for y in range(height):
        off = y * (stride + 1)
        ftype = raw[off]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=off + 1).astype(np.int64)
        if ftype == 0:
            cur = line
        elif ftype == 1:  # Sub: running sum per channel
            cur = np.empty_like(line)
            for c in range(bpp):
                cur[c::bpp] = np.cumsum(line[c::bpp]) & 0xFF
        elif ftype == 2:  # Up
            cur = (line + prev) & 0xFF
        else:  # Average or Paeth: sequential along the row
            vals, above = line.tolist(), prev.tolist()
            for i in range(stride):
                a = vals[i - bpp] if i >= bpp else 0
                b = above[i]
                if ftype == 3:
                    vals[i] = (vals[i] + ((a + b) >> 1)) & 0xFF
                else:
                    c = above[i - bpp] if i >= bpp else 0
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    vals[i] = (vals[i] + pred) & 0xFF
            cur = np.array(vals, dtype=np.int64)
        out[y] = cur
        prev = cur
    return width, height, bpp, out.tobytes()


def run_chromium(url: str, workdir, *extra: str) -> tuple[int, str, str]:
    """Run headless Chromium once with a fresh profile; return (code, stdout, stderr)."""
    profile = workdir / "chromium-profile"
    profile.mkdir(exist_ok=True)
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
            "--hide-scrollbars", *extra, url]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, "HOME": str(workdir)})
    try:
        out, err = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the browser and its own child processes only
        out, err = proc.communicate()
        pytest.fail("chromium did not finish in 180 s")
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def console_messages(stderr: str) -> list[str]:
    """Messages a page wrote to the console (errors, CSP violations, failed loads)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@needs_chromium
def test_console_detection_catches_a_broken_page(tmp_path):
    """The console check is not vacuous: a page that breaks its CSP and throws is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
                   "content=\"default-src 'none'\"></head><body><p>x</p>"
                   '<img src="http://192.0.2.1/x.png"><script>missing()</script></body></html>',
                   encoding="utf-8")
    code, _, err = run_chromium(bad.as_uri(), tmp_path, "--dump-dom")
    assert code == 0
    assert console_messages(err), err[-2000:]


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_html_renders_in_chromium(tmp_path, lang):
    import numpy as np

    page = tmp_path / f"report-{lang}.html"
    page.write_text(render(rich_result(), "html", lang=lang), encoding="utf-8")
    shot = tmp_path / "shot.png"
    code, _, err = run_chromium(page.as_uri(), tmp_path, f"--screenshot={shot}",
                                "--window-size=1100,1300")
    assert code == 0, err[-2000:]
    assert console_messages(err) == [], console_messages(err)
    assert shot.is_file()

    width, height, bpp, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (1100, 1300)
    px = np.frombuffer(pixels, dtype=np.uint8).reshape(height, width, bpp)[:, :, :3]
    flat = px.reshape(-1, 3).astype(int)
    non_white = (flat < 245).any(axis=1).mean()
    assert non_white > 0.03, f"screenshot is nearly blank ({non_white:.2%} non-white)"
    assert len(np.unique(flat[::5], axis=0)) > 50  # text, charts and colours, not a flat fill
    # the FAIL banner (#c0392b) is drawn near the top
    top = flat[: width * 250]
    banner = (np.abs(top - np.array([0xC0, 0x39, 0x2B])).sum(axis=1) < 12).mean()
    assert banner > 0.02, banner

    # the DOM Chromium built holds the verdict and the charts
    code, dom, err = run_chromium(page.as_uri(), tmp_path, "--dump-dom")
    assert code == 0 and console_messages(err) == []
    assert ("NON CONFORME" if lang == "fr" else "FAIL") in dom
    assert dom.count("<svg") >= 6
    for canary in CANARIES:
        assert canary not in dom


def test_label_colours_are_readable_with_white_text():
    """Medium labels were white on #e59400 (2.45:1): unreadable on a projector."""
    from datasafe.report.html import SENS_COLOR, SEV_COLOR, VERDICT_COLOR

    def lum(h):
        def f(c):
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b = (int(h[i:i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)

    for colour in [*SEV_COLOR.values(), *SENS_COLOR.values(), *VERDICT_COLOR.values()]:
        assert 1.05 / (lum(colour) + 0.05) >= 4.5, colour
