"""``datasafe eval LABELS_DIR``: measure column detection against labelled files.

A labels folder holds data files and a ``labels.yaml`` (or ``*.labels.yaml``) beside them::

    root: .                       # optional: where the files are, relative to this YAML
    files:
      beneficiaries.csv:
        kind: microdata           # optional: the table kind
        columns:
          full_name: {role: direct, entity: PERSON}
          amount: {role: none, trap: true}     # a trap must never come out direct
      cash.xlsx:
        tables:
          Beneficiaries: {kind: microdata, columns: {...}}

It prints per-role precision, recall and F1 (direct, sensitive, quasi, none), the entity
accuracy on correctly-roled columns, the traps classified as direct, and the table kinds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

ROLES = ("direct", "sensitive", "quasi", "none")
# entity types that name the same thing for scoring purposes
_SAME = {"LOCATION": "PLACE", "ADMIN_AREA": "PLACE", "DATE": "DATE", "DATE_OF_BIRTH": "DOB"}


def load_labels(folder: str | Path) -> list[dict]:
    """Every labelled table under ``folder``: ``{path, table, kind, columns}``."""
    import yaml

    folder = Path(folder)
    files = sorted(folder.glob("labels.yaml")) + sorted(folder.glob("*.labels.yaml"))
    if not files:
        raise FileNotFoundError(f"no labels.yaml in {folder}")
    out = []
    for lf in files:
        doc = yaml.safe_load(lf.read_text(encoding="utf-8")) or {}
        root = (lf.parent / doc.get("root", ".")).resolve()
        for name, spec in (doc.get("files") or {}).items():
            path = root / name
            tables = spec.get("tables") or {None: spec}
            for tname, tspec in tables.items():
                out.append({"path": path, "file": name, "table": tname,
                            "kind": tspec.get("kind"), "columns": tspec.get("columns") or {}})
    return out


def score(rows: list[dict]) -> dict:
    """rows: ``{truth_role, pred_role, truth_entity, pred_entity, trap, ...}`` per column."""
    res: dict = {"columns": len(rows), "roles": {}}
    for role in ROLES:
        tp = sum(1 for r in rows if r["pred_role"] == role and r["truth_role"] == role)
        fp = sum(1 for r in rows if r["pred_role"] == role and r["truth_role"] != role)
        fn = sum(1 for r in rows if r["pred_role"] != role and r["truth_role"] == role)
        p = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
        rc = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        res["roles"][role] = {"precision": round(p, 3), "recall": round(rc, 3), "f1": round(f1, 3),
                              "support": tp + fn, "tp": tp, "fp": fp, "fn": fn}
    res["accuracy"] = round(sum(1 for r in rows if r["pred_role"] == r["truth_role"])
                            / max(1, len(rows)), 3)
    ent_rows = [r for r in rows if r["truth_role"] == r["pred_role"] and r.get("truth_entity")
                and r["truth_role"] != "none"]
    ok = sum(1 for r in ent_rows if _SAME.get(r["truth_entity"], r["truth_entity"])
             == _SAME.get(r.get("pred_entity") or "", r.get("pred_entity")))
    res["entity_accuracy"] = round(ok / max(1, len(ent_rows)), 3)
    traps = [r for r in rows if r.get("trap")]
    res["traps"] = len(traps)
    res["traps_direct"] = [f"{r['file']}:{r['column']}" for r in traps if r["pred_role"] == "direct"]
    return res


def evaluate(folders: list[str | Path], *, ner: str = "auto", phone_regions=None) -> dict:
    """Scan every labelled file and compare. Returns ``{"rows": [...], "score": {...},
    "kinds": [...], "missing": [...]}``."""
    from datasafe.pipeline import ScanOptions, scan

    labelled = []
    for f in folders:
        labelled.extend(load_labels(f))
    rows: list[dict] = []
    kinds: list[dict] = []
    missing: list[str] = []
    cache: dict = {}
    for lab in labelled:
        path = lab["path"]
        if not path.exists():
            missing.append(str(path))
            continue
        if path not in cache:
            cache[path] = scan(str(path), options=ScanOptions(ner=ner, phone_regions=phone_regions))
        result = cache[path]
        fres = result.files[0]
        tables = {t.name: t for t in fres.tables}
        table = tables.get(lab["table"]) or (fres.tables[0] if lab["table"] is None and fres.tables
                                             else None)
        if table is None:
            missing.append(f"{path}:{lab['table']}")
            continue
        if lab.get("kind"):
            kinds.append({"file": lab["file"], "table": lab["table"], "truth": lab["kind"],
                          "pred": table.kind})
        for cname, truth in lab["columns"].items():
            col = table.column(cname)
            if col is None:
                missing.append(f"{lab['file']}:{cname}")
                continue
            rows.append({"file": lab["file"], "table": lab["table"], "column": cname,
                         "truth_role": truth.get("role", "none"),
                         "truth_entity": truth.get("entity"), "trap": bool(truth.get("trap")),
                         "pred_role": col.role, "pred_entity": col.entity})
    res = score(rows)
    res["kind_accuracy"] = round(sum(1 for k in kinds if k["truth"] == k["pred"])
                                 / max(1, len(kinds)), 3)
    return {"rows": rows, "score": res, "kinds": kinds, "missing": missing}


def format_score(res: dict, title: str = "datasafe") -> str:
    lines = [f"{title}: {res['columns']} labelled columns",
             f"{'role':<10} {'precision':>9} {'recall':>7} {'F1':>6} {'support':>8}"]
    for role in ROLES:
        r = res["roles"][role]
        lines.append(f"{role:<10} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1']:>6.3f} "
                     f"{r['support']:>8}")
    lines.append(f"role accuracy {res['accuracy']:.3f}; entity accuracy (right role) "
                 f"{res['entity_accuracy']:.3f}")
    lines.append(f"traps classified direct: {len(res['traps_direct'])} of {res['traps']}"
                 + (f" ({', '.join(res['traps_direct'])})" if res["traps_direct"] else ""))
    if "kind_accuracy" in res:
        lines.append(f"table kind accuracy: {res['kind_accuracy']:.3f}")
    return "\n".join(lines) + "\n"


@click.command("eval", help="""Measure column detection on labelled files.

LABELS_DIR holds data files and a labels.yaml giving each column's true role (direct,
sensitive, quasi, none), entity and trap flag. Prints per-role precision, recall and F1.
Column values never appear in the output (only headers).

\b
Example:
  datasafe eval bench/eval/corpus
""")
@click.argument("labels_dirs", nargs=-1, required=True, type=click.Path(exists=True,
                                                                       file_okay=False))
@click.option("--ner", type=click.Choice(["auto", "on", "off"]), default="auto",
              show_default=True, help="Named-entity recognition on free-text columns.")
@click.option("--phone-regions", metavar="CC,CC", help="Phone regions for local numbers.")
@click.option("--errors", "show_errors", is_flag=True, help="List the misclassified columns.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def evaluate_cmd(labels_dirs, ner, phone_regions, show_errors, as_json):
    from datasafe.cli import fail

    regions = [r.strip().upper() for r in phone_regions.split(",")] if phone_regions else None
    try:
        out = evaluate(list(labels_dirs), ner=ner, phone_regions=regions)
    except FileNotFoundError as exc:
        fail(str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - a bad labels file is one line
        fail(f"cannot evaluate: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        return
    if as_json:
        click.echo(json.dumps({"score": out["score"], "kinds": out["kinds"],
                               "missing": out["missing"],
                               "errors": [r for r in out["rows"]
                                          if r["pred_role"] != r["truth_role"]]},
                              ensure_ascii=False, indent=2))
        return
    click.echo(format_score(out["score"]), nl=False)
    for m in out["missing"]:
        click.echo(f"missing: {m}", err=True)
    if show_errors:
        for r in out["rows"]:
            if r["pred_role"] != r["truth_role"]:
                click.echo(f"  {r['file']}:{r['column']}: truth {r['truth_role']}"
                           f"/{r['truth_entity']} predicted {r['pred_role']}/{r['pred_entity']}")
        for k in out["kinds"]:
            if k["truth"] != k["pred"]:
                click.echo(f"  kind {k['file']}:{k['table']}: truth {k['truth']} "
                           f"predicted {k['pred']}")
    sys.stdout.flush()


evaluate_cmd.name = "eval"
