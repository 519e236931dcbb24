"""The smallest Django settings for a Channels chat room (the tutorial's, minus the database)."""

import os

SECRET_KEY = "benchmark-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["channels"]
ROOT_URLCONF = "benchmarks.peers.channels_app.urls"
ASGI_APPLICATION = "benchmarks.peers.channels_app.asgi.application"
USE_TZ = True
DATABASES: dict[str, object] = {}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [os.environ.get("CHANNELS_REDIS_URL", "redis://127.0.0.1:6379/0")],
            "capacity": 10_000,
            "expiry": 60,
        },
    }
}
