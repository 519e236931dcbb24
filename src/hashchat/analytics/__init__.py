"""Analytics of a chat's sessions: who took part, how much, when, and how far it reached."""
