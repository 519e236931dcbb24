"""Storage: the engine, sessions, the declarative base and migrations."""
