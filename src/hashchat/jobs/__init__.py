"""Background work: one reconciler loop that moves due rows on (jobs/reconciler.py)."""
