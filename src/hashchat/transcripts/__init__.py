"""Transcripts: a session read back afterwards, exported and embedded."""
