"""Compare the list throughput of two web tiers on the same data, in alternation.

    git worktree add --detach ../tracker-before 181132e
    python bench/compare.py --database-url postgresql://postgres@127.0.0.1:5432/bench \\
        --other ../tracker-before --other-workers 2 --other-threads 1

A machine whose speed drifts from one minute to the next (a shared virtual machine) makes
two `load.py` runs taken a few minutes apart hard to compare. Here both tiers run at once,
each from its own checkout and `gunicorn.conf.py` and on its own port, and wrk measures
them in turn, a few seconds each, round after round: each round's two figures were taken
within seconds of each other. Only one tier is under load at a time; the other waits.

It prints each round's requests a second for each page and tier, their medians and the
ratio of the medians. Memory is `load.py`'s to measure, one tier alone: two tiers running
side by side share their libraries' pages, which lowers both one's PSS.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import ROOT, login, start_gunicorn, wrk  # noqa: E402

PAGES = {
    "action list, filtered": "/actions?status=in_progress&institution=3&sort=-progress",
    "action list, overdue, search": "/actions?overdue=1&q=Action%201",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--other", required=True, type=Path,
                        help="the checkout of the tier to compare with this one")
    parser.add_argument("--workers", type=int, help="this tier's workers (default: its own)")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--other-workers", type=int)
    parser.add_argument("--other-threads", type=int)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    tiers = {"this": (ROOT, args.workers, args.threads, 8766),
             "other": (args.other.resolve(), args.other_workers, args.other_threads, 8767)}
    processes, cookies = {}, {}
    try:
        for name, (root, workers, threads, port) in tiers.items():
            processes[name] = start_gunicorn(args.database_url, workers, args.redis_url,
                                             threads, root=root, port=port)
            cookies[name] = login("coord@bench.example", "bench-password-2026",
                                  base=f"http://127.0.0.1:{port}")[0]
        rates = {(name, page): [] for name in tiers for page in PAGES}
        for name, (_, _, _, port) in tiers.items():  # warm-up: caches, connections
            for path in PAGES.values():
                wrk(path, cookies[name], 3, args.connections, base=f"http://127.0.0.1:{port}")
        for n in range(args.rounds):
            # Each round starts with the tier the previous one ended with.
            order = list(tiers) if n % 2 == 0 else list(reversed(tiers))
            for page, path in PAGES.items():
                for name in order:
                    port = tiers[name][3]
                    result = wrk(path, cookies[name], args.seconds, args.connections,
                                 base=f"http://127.0.0.1:{port}")
                    if set(result["statuses"]) != {"200"}:  # a redirect to sign in is fast
                        raise SystemExit(f"{name} answered {result['statuses']} on {path}")
                    rates[name, page].append(result["rps"])
            print(f"round {n + 1}: " + "; ".join(
                f"{page}: this {rates['this', page][-1]:.1f}, other {rates['other', page][-1]:.1f}"
                for page in PAGES), flush=True)
        for page in PAGES:
            this, other = (statistics.median(rates[name, page]) for name in tiers)
            print(f"{page}: median req/s this {this:.1f}, other {other:.1f}, "
                  f"this/other {this / other:.2f}")
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
