"""Fan-out on one hot hashtag, on its own: V SSE viewers of hashchat, posts at R per second
through the API, measured by the compiled load generator (the same as ``benchmarks.run``'s
hot-tag scenario, for one size and one system).

    python -m benchmarks.fanout --viewers 1000 --rate 100 --seconds 5 [--system websockets]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from benchmarks import report, scenarios
from benchmarks.harness import pin_self, raise_nofile
from benchmarks.systems import SYSTEMS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--tags", type=int, default=1)
    parser.add_argument("--system", default="hashchat", choices=sorted(SYSTEMS))
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    args = parser.parse_args()
    raise_nofile()
    pin_self(1)
    system = SYSTEMS[args.system]
    out = Path(tempfile.mkdtemp(prefix="hcbench-fanout-")) / "fanout"
    with system.serve() as running:
        row = scenarios.fanout(running, out, viewers=args.viewers, rate=args.rate,
                               seconds=args.seconds, tags=args.tags)  # fmt: skip
    row = {"system": system.name, "kind": system.kind, "scenario": "hot", **row}
    print(json.dumps(row, indent=2) if args.json else report.one_line(row))


if __name__ == "__main__":
    main()
