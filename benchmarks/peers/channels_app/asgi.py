"""The ASGI application, as the Channels tutorial writes it (without the HTTP part and the
origin check, which a benchmark client on 127.0.0.1 does not need).

    uvicorn benchmarks.peers.channels_app.asgi:application --port PORT
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.peers.channels_app.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from benchmarks.peers.channels_app.consumers import ChatConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter([re_path(r"^ws/chat/(?P<room_name>\w+)/$", ChatConsumer.as_asgi())]),
    }
)
