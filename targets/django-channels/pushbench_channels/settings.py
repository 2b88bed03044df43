"""The smallest Django Channels project that serves pushbench: one group, an in-memory channel layer."""

SECRET_KEY = "pushbench-benchmark-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
INSTALLED_APPS = ["channels"]
# No CsrfViewMiddleware: the publish endpoint is an async view, and Django 3.2's csrf_exempt does
# not wrap an async view (it returns an unawaited coroutine, hence a 500). Nothing else is needed.
MIDDLEWARE = []
ROOT_URLCONF = "pushbench_channels.urls"
ASGI_APPLICATION = "pushbench_channels.asgi.application"
DATABASES = {}
USE_TZ = True
# The in-memory layer drops a message silently when a consumer's queue is full (ChannelFull is
# swallowed by group_send); a capacity well above one poll interval of messages keeps every one.
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 10000}}}
# Nothing logged on the hot path; errors still reach stderr.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
