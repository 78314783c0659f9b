"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Environment overrides: SITEMAKER_BIND (default 127.0.0.1:8000, loopback: nginx is the only
client), WEB_CONCURRENCY (workers; default 2 x CPUs + 1), SITEMAKER_ACCESS_LOG /
SITEMAKER_ERROR_LOG (default "-": stdout / stderr, for the process supervisor's journal)."""

import multiprocessing
import os

bind = os.environ.get("SITEMAKER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"  # requests are short; nginx buffers slow clients
# Kill a worker stuck longer than this; let in-flight requests finish this long on reload.
timeout = 30
graceful_timeout = 20
keepalive = 5  # nginx keeps upstream connections open (keepalive 32)
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200

accesslog = os.environ.get("SITEMAKER_ACCESS_LOG", "-")
errorlog = os.environ.get("SITEMAKER_ERROR_LOG", "-")
# One line per request with the Host (that is, the tenant) and the time taken.
access_log_format = '%(h)s "%({host}i)s" "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# X-Forwarded-* is trusted from nginx on this machine only; the app's ProxyFix
# (PROXY_FIX_HOPS) applies them.
forwarded_allow_ips = os.environ.get("SITEMAKER_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "sitemaker"
