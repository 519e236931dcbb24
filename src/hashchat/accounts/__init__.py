"""Accounts: sign-up, log-in, profiles, follows, OAuth apps and tokens."""
