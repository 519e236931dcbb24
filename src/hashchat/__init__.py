"""hashchat: a self-hosted platform for hashtag chats."""

__version__ = "0.1.0"
