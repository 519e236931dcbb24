"""Catch-up: what a person missed in the chats they follow since they last looked."""
