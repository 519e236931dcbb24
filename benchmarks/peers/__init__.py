"""The peers: the same chat room written with the libraries a developer would otherwise use, each
the way its own documentation shows. Every peer speaks the same small protocol over WebSocket so
that one load generator drives them all: a viewer joins a room, a publisher sends a post to a
room, and the server passes the post on to everyone in it, untouched.

- websockets: ``{"join": "<room>"}`` then ``{"room": "<room>", "text": "..."}``, ``broadcast()``
- socket.io: ``emit("join", room)`` and ``emit("post", {"room": ..., "text": ...})``, rooms
- Channels: the room in the URL (``/ws/chat/<room>/``) as in its tutorial, group sends
- socketify: as websockets, with uWebSockets' native publish/subscribe
"""
