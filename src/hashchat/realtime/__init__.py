"""Real-time delivery: the event log, the broker (memory or Redis) and the streams."""
