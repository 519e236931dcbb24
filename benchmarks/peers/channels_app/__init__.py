"""Django Channels with channels-redis group sends, as the Channels tutorial's chat room."""
