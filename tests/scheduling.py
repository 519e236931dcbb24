"""The order pytest-xdist hands modules to workers (``make test`` runs ``--dist loadscope``).

xdist hands out the modules with the most tests first, so the browser tests (a few tests a
module, up to a minute each) and the other long modules came last, and the run ended with one
or two workers busy for five minutes while the others sat idle. Handing the long ones out first
lets the many short modules fill in around them."""

from __future__ import annotations

from typing import Any

LONG = (
    "tests/browser/",
    "tests/test_openapi_fuzz.py",
    "tests/realtime/test_faults.py",
    "tests/storage/test_durability.py",
    "tests/live/test_presence.py",
    "tests/clients/",
    "tests/test_bench_smoke.py",
    "tests/realtime/test_processes.py",
)


def long_first_scheduler(config: Any, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class LongFirst(LoadScopeScheduling):  # type: ignore[misc]
        ordered = False

        def _assign_work_unit(self, node: Any) -> None:
            if not self.ordered:  # the queue is complete at the first assignment
                self.ordered = True
                for scope in [s for s in self.workqueue if s.startswith(LONG)][::-1]:
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return LongFirst(config, log)
