"""Shared web pieces: dependencies, error answers, CSRF, templates and request parameters."""
