"""Bluesky: reading the network's posts (Jetstream, a relay's or PDS's firehose) into rooms."""
