"""In-app notifications (Mastodon's API shape), kept as rows, and their email outbox."""
