"""Production. SERVER_NAME, SECRET_KEY and DATABASE_URL come from instance/config.py,
APP_CONFIG_FILE or SITEMAKER_* environment variables; the factory refuses to start without them."""

DEBUG = False
SERVER_NAME = None
PREFERRED_URL_SCHEME = "https"
SESSION_COOKIE_SECURE = True
REMEMBER_COOKIE_SECURE = True
PROXY_FIX_HOPS = 1
# No pool_pre_ping: it costs a round trip on every request. A connection the server dropped
# (a restart) fails its next statement instead; SQLAlchemy sees the disconnect and invalidates
# the whole pool, that request answers 503 (errors.py) and the next ones open fresh
# connections (tests/test_faults.py covers the restart).
SQLALCHEMY_ENGINE_OPTIONS = {
    "pool_pre_ping": False,
    "pool_size": 5,
    "max_overflow": 10,
    "pool_timeout": 5,
}
ASSETS_AUTO_BUILD = False
HSTS_SECONDS = 31536000
# One JSON line per log record on stderr, with host and tenant (sitemaker/logging.py).
LOG_JSON = True
LOG_LEVEL = "INFO"
# nginx serves media through an internal location: the /media view answers with
# X-Accel-Redirect: <this prefix><site_id>/<stored name> (see nginx/sitemaker.conf).
MEDIA_ACCEL_REDIRECT = "/_media/"
