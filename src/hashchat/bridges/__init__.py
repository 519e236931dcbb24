"""Bridges: posts from other networks brought into the rooms (remote.py is the common model;
bluesky/ the network's own parts, mastodon/ next)."""
