"""Posts (statuses): writing, reading, threads, reposts, likes and hashtags."""
