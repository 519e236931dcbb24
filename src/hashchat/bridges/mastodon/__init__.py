"""The Mastodon bridge: linked accounts on any server (OAuth with PKCE), the chats' hashtags read
on the servers their hosts chose (streaming, with the gaps filled), and posting out from the
room. Remote accounts and posts are the common model's (bridges/remote.py)."""
