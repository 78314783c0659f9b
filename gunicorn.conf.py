"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Environment overrides: SITEMAKER_BIND (default 127.0.0.1:8000, loopback: nginx is the only
client), WEB_CONCURRENCY (workers; default 2 x CPUs + 1), SITEMAKER_ACCESS_LOG /
SITEMAKER_ERROR_LOG (default "-": stdout / stderr, for the process supervisor's journal).
`make bench` runs this very file, with only the bind address and the logs overridden."""

import multiprocessing
import os

bind = os.environ.get("SITEMAKER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"  # requests are short; nginx buffers slow clients
# Kill a worker stuck longer than this; let in-flight requests finish this long on reload.
timeout = 30
graceful_timeout = 20
keepalive = 5  # nginx keeps upstream connections open (keepalive 32)

# The app is built once, in the master, and every worker is forked from it: a worker starts
# (and restarts) in milliseconds instead of importing the app again (about a second of CPU),
# and the workers share the app's memory. post_fork gives each worker its own database and
# Redis connections, site-version board and front cache (sitemaker/forking.py).
# Consequence for deploys: HUP (`systemctl reload`) restarts the workers from the master's
# already-loaded code; to run new code, restart the service (or USR2 + QUIT the old master).
preload_app = True

# Recycle workers now and then so a slow leak never grows without bound, but rarely and
# spread out: a recycled worker starts with an empty front cache, and with a narrow jitter all
# workers reached the limit within the same second under load (15-20 restarts in 15 s at
# max_requests = 2000, p99 1.5 s). At ~1,000 requests/s per worker, 100,000-150,000 requests
# is one restart per worker every two minutes or more, at different times for each worker.
max_requests = 100_000
max_requests_jitter = 50_000


def post_fork(server, worker):
    app = worker.app.callable  # the app the master built (preload_app)
    # Only sitemaker's app: `make bench` runs Flask's floor app with these settings too.
    if getattr(app, "import_name", None) == "sitemaker":
        from sitemaker.forking import after_fork

        after_fork(app)


accesslog = os.environ.get("SITEMAKER_ACCESS_LOG", "-")
errorlog = os.environ.get("SITEMAKER_ERROR_LOG", "-")
# One line per request with the Host (that is, the tenant) and the time taken.
access_log_format = '%(h)s "%({host}i)s" "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# X-Forwarded-* is trusted from nginx on this machine only; the app's ProxyFix
# (PROXY_FIX_HOPS) applies them.
forwarded_allow_ips = os.environ.get("SITEMAKER_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "sitemaker"
