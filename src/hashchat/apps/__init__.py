"""What Mastodon apps ask a server for beyond posts and accounts: search, filters, lists,
trends, suggestions, nodeinfo and the small start-up endpoints (docs/mastodon-apps.md)."""
