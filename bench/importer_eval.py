"""Score the report importer on real reports: recall and spurious drafts, by group.

The evaluation set is bench/importer_eval.json: for each report its address, language,
source (web page or PDF), layout (recommendations in prose, in a list, or none at all)
and the first words of each recommendation it holds. The texts themselves are not in
the repository (they belong to their publishers): keep local copies, one file
`<id>.txt` per report, in a folder given with --texts.

A recommendation is found when a draft's text contains its first words (compared as
the importer compares words: no case, accents or Arabic hamza forms); a draft is
spurious when it contains none of the report's expected first words. Lower-confidence
drafts (what a report states without recommending it) are counted apart: by default
only the drafts the importer proposes as recommendations are scored.

    python bench/importer_eval.py --texts /work/import-eval [--all] [--show ID] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.importing.parser import find_drafts  # noqa: E402
from tracker.importing.suggest import normalise  # noqa: E402

DATA = Path(__file__).with_name("importer_eval.json")


def score(report: dict, drafts: list[dict]) -> tuple[int, int, int, list[str]]:
    """Return (expected, found, spurious drafts, missed first words) for one report."""
    texts = [normalise(d["text"]) for d in drafts]
    keys = [normalise(k) for k in report["expected"]]
    missed = [k for k, norm in zip(report["expected"], keys, strict=True)
              if not any(norm in t for t in texts)]
    spurious = sum(1 for t in texts if not any(k in t for k in keys))
    return len(keys), len(keys) - len(missed), spurious, missed


def main() -> int:
    """Print recall and spurious rates per language, source and layout; 1 below target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", required=True, help="folder holding <id>.txt for each report")
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--all", action="store_true", help="score lower-confidence drafts too")
    parser.add_argument("--show", help="print the drafts of one report")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    reports = json.loads(Path(args.data).read_text(encoding="utf-8"))
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    rows = []
    for report in reports:
        path = Path(args.texts) / f"{report['id']}.txt"
        if not path.exists():
            print(f"missing: {path}", file=sys.stderr)
            continue
        drafts = find_drafts(path.read_text(encoding="utf-8"))
        if not args.all:
            drafts = [d for d in drafts if d.get("confidence", "high") == "high"]
        expected, found, spurious, missed = score(report, drafts)
        rows.append({"id": report["id"], "expected": expected, "found": found,
                     "drafts": len(drafts), "spurious": spurious, "missed": missed})
        if args.show == report["id"]:
            for draft in drafts:
                print(f"- [{draft.get('confidence', 'high')}] {draft['title']}")
                print(f"    {draft['text']}")
        for key in ("all", f"lang={report['language']}", f"source={report['source']}",
                    f"layout={report['layout']}",
                    f"{report['language']}/{report['source']}/{report['layout']}"):
            group = groups[key]
            group[0] += 1
            group[1] += expected
            group[2] += found
            group[3] += len(drafts)
            group[4] += spurious
    summary = {key: {"reports": g[0], "expected": g[1], "found": g[2], "drafts": g[3],
                     "spurious": g[4],
                     "recall": round(100 * g[2] / g[1], 1) if g[1] else None,
                     "spurious_pct": round(100 * g[4] / g[3], 1) if g[3] else 0.0}
               for key, g in sorted(groups.items())}
    if args.json:
        print(json.dumps({"reports": rows, "groups": summary}, ensure_ascii=False, indent=2))
    else:
        print(f"{'group':<24} {'reports':>7} {'recall':>13} {'spurious':>13}")
        for key, s in summary.items():
            recall = f"{s['found']}/{s['expected']} {s['recall']}%" if s["expected"] else "-"
            print(f"{key:<24} {s['reports']:>7} {recall:>13} "
                  f"{s['spurious']}/{s['drafts']} {s['spurious_pct']}%".rstrip())
        for row in rows:
            if row["missed"] or row["spurious"]:
                print(f"  {row['id']}: missed {row['missed']}, spurious {row['spurious']}"
                      f" of {row['drafts']}")
    total = summary.get("all", {})
    ok = (total.get("recall") or 0) >= 90 and total.get("spurious_pct", 100) <= 10
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
