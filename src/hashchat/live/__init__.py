"""Live rooms: one chat's hashtag (or several, in the mixer) as it happens."""
