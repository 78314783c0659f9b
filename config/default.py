"""Settings shared by every environment. Later files override these."""

# The apex domain (and port) that tenants live under: alice.<SERVER_NAME>.
SERVER_NAME = "localhost:5000"
PREFERRED_URL_SCHEME = "http"

# Signing key for sessions and tokens. Production refuses to start with this value.
SECRET_KEY = "dev-insecure-change-me"

# None means "SQLite file in instance/": filled in by the factory, which knows the instance path.
SQLALCHEMY_DATABASE_URI = None
SQLALCHEMY_ENGINE_OPTIONS: dict = {}

# Host-only cookies: each tenant host gets its own session, never shared via Domain=.
SESSION_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"

# Largest request body accepted (uploads and imports included), in bytes.
MAX_CONTENT_LENGTH = 16 * 1024 * 1024
MAX_FORM_MEMORY_SIZE = 8 * 1024 * 1024

BCRYPT_LOG_ROUNDS = 12
WTF_CSRF_TIME_LIMIT = (
    None  # the token lives as long as the session; forms left open all day still save
)

# Redis for the page cache and rate limits when several app processes share the load.
REDIS_URL = None
CACHE_TYPE = "SimpleCache"
CACHE_DEFAULT_TIMEOUT = 300
# None: Redis when REDIS_URL is set, otherwise a SQLite file every process on this host shares
# (RATELIMIT_FILE, default next to a SQLite database or in /dev/shm), so a limit holds across
# gunicorn workers. "memory://" counts per process.
RATELIMIT_STORAGE_URI = None
RATELIMIT_FILE = None
RATELIMIT_HEADERS_ENABLED = True
RATELIMIT_SWALLOW_ERRORS = True  # a Redis outage must not take sign-in down with it

# Mail: with MAIL_SERVER unset, messages are written to instance/outbox/ as .eml files.
MAIL_SERVER = None
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = "sitemaker <no-reply@localhost>"

# Visitor HTTP caching. Browsers revalidate every visit (a cheap 304 from the page cache), so an
# owner who just published or changed the theme sees it at once rather than a minute later.
VISITOR_MAX_AGE = 0
VISITOR_S_MAXAGE = 600

# Behind nginx: 1 trusts the X-Forwarded-For/-Proto/-Host/-Port nginx sets (0 = no proxy).
PROXY_FIX_HOPS = 0

# Days a deleted site keeps its subdomain reserved and its content restorable.
DELETED_SITE_GRACE_DAYS = 30
TRASH_DAYS = 30

# Quotas (operators can override per site).
MEDIA_MAX_FILE_BYTES = 10 * 1024 * 1024
SITE_MAX_BYTES = 1024 * 1024 * 1024
SITE_MAX_PAGES = 1000

ASSETS_AUTO_BUILD = True
ASSETS_DEBUG = False

# Sign-in, sign-up and password-reset submissions, per client address and per account (the
# email typed). Read on every request, so a config file can tighten or loosen them.
RATELIMIT_AUTH = "10 per minute;100 per hour"
RATELIMIT_AUTH_ACCOUNT = "5 per minute;30 per hour"
# Failed sign-ins to one account from browsers that never signed in to it, from any address
# (a slowdown of spread-out guessing; the owner's own browser is never counted).
RATELIMIT_SIGNIN_UNKNOWN = "20 per minute;100 per hour"
# Second-factor codes typed per account (sign-in, and turning it on or off).
RATELIMIT_TWO_FACTOR = "5 per minute;20 per hour"
# The name authenticator apps show next to the account.
TOTP_ISSUER = "sitemaker"

# Structured JSON log lines (production turns this on).
LOG_JSON = False
# A URL prefix of nginx's internal media location; when set, /media answers with an
# X-Accel-Redirect to <prefix><site_id>/<stored name> instead of sending the bytes itself.
MEDIA_ACCEL_REDIRECT = None
# How long a rendered visitor page stays in the page cache. Its key holds the site's content
# version, so a publish makes it unreachable at once; this only bounds memory use.
PAGE_CACHE_SECONDS = 3600
# Finished visitor pages each app process keeps and answers before Flask runs (0 = none), and
# the memory they may take per process. Freshness comes from the site-version board.
FRONT_CACHE_ENTRIES = 2000
FRONT_CACHE_BYTES = 32 * 1024 * 1024
# The site-version board's file (shared memory) when REDIS_URL is unset; None = next to a
# SQLite database, or /dev/shm/sitemaker-site-versions-<hash of DATABASE_URL> for PostgreSQL.
SITE_VERSIONS_FILE = None

# Custom domains: the nameservers that verify `_sitemaker.<domain>` TXT records ("ip" or
# "ip:port"; empty = the system resolver), and the address tenants point an apex A record at.
DNS_NAMESERVERS: list = []
DNS_TIMEOUT = 5.0
PLATFORM_IPV4 = None

# Strict-Transport-Security max-age in seconds; 0 = no header (production sets a year).
HSTS_SECONDS = 0
# Longest page text (Markdown characters) the editor saves; rendering ~250k takes ~1.5 s.
PAGE_MAX_BODY_CHARS = 250_000

# The JSON API, per token (shared across processes through Redis when REDIS_URL is set).
RATELIMIT_API = "300 per minute"

# Site search, per client address (visitor pages have no other limit; search is never cached).
RATELIMIT_SEARCH = "30 per minute"

# Background jobs (sitemaker/services/jobs.py). With REDIS_URL they go to an RQ queue that
# `flask worker` processes run; without it, to this process right after the commit: "thread"
# (a background thread, so no request waits) or "sync" (in the committing thread).
JOBS_EMBEDDED = "thread"
JOBS_QUEUE = "sitemaker"
# Seconds before each retry of a failed run (SMTP down, database dropped); then it is kept as
# failed for JOBS_FAILED_TTL seconds, listed in /ops/jobs and by `flask jobs list`.
JOBS_RETRY_INTERVALS = [10, 60, 300, 1800, 7200]
JOBS_FAILED_TTL = 30 * 24 * 3600
JOBS_TIMEOUT = 1800
# A worker reports a running job every JOBS_HEARTBEAT_SECONDS; after that plus
# JOBS_HEARTBEAT_GRACE of silence (the worker died), another worker runs it again, looking
# every JOBS_MAINTENANCE_SECONDS. JOBS_WORKER_TTL: how long an idle worker's registration lasts.
JOBS_HEARTBEAT_SECONDS = 30
JOBS_HEARTBEAT_GRACE = 60
JOBS_MAINTENANCE_SECONDS = 60
JOBS_WORKER_TTL = 420
# Where site exports and uploaded imports wait (None = MEDIA_ROOT/transfers): a path every app
# server and worker mounts, never served to visitors.
TRANSFER_ROOT = None

# Upload budgets (sitemaker/services/image_budget.py), settled from image headers before any
# decoding: files per request; pixels per file and per request (frames counted); what one
# member may upload (files, and megapixels) per window, counted in the rate limiter's storage;
# and how many images this host decodes at once (a request finding every slot busy gets 503
# at once, so uploads never hold the workers visitors need). Decoding and re-encoding costs
# about 0.2 s and 20 MB per megapixel.
MEDIA_FILES_PER_REQUEST = 20
MEDIA_MAX_PIXELS = 50_000_000
MEDIA_REQUEST_PIXELS = 60_000_000
MEDIA_UPLOADS_PER_MEMBER = "60 per minute;300 per hour"
MEDIA_PIXELS_PER_MEMBER = "200 per 10 minutes;600 per hour"
MEDIA_DECODE_SLOTS = None  # None: half the CPUs, at least 1
MEDIA_DECODE_LOCK_DIR = None

# Work an import or a preview may cause. Rendering is bounded in CPU seconds (table rows and
# nested lists cost twenty to fifty times what prose of the same length does); an import's
# images in megapixels read from their headers.
IMPORT_RENDER_SECONDS = 20.0
IMPORT_MAX_PIXELS = 500_000_000
PREVIEW_RENDER_SECONDS = 1.0
# Per member (signed-in user): previews, and imports and exports (downloads) together.
RATELIMIT_PREVIEW = "60 per minute;600 per hour"
RATELIMIT_TRANSFER = "20 per hour"

# Importing from other platforms (WordPress, Ghost, static sites): the largest export file read,
# the most pages and posts per import, and the images fetched from the old site afterwards.
IMPORT_MAX_SOURCE_BYTES = 64 * 1024 * 1024
IMPORT_MAX_ITEMS = 5000
IMPORT_MAX_REMOTE_IMAGES = 2000
IMPORT_FETCH_SECONDS = 15.0
# Tests only: the one "127.0.0.1:<port>" the image fetcher may reach (never private networks).
IMPORT_FETCH_ALLOW_LOOPBACK_FOR_TESTS = None

# Page-view analytics (sitemaker/analytics.py, docs/privacy.md): counted in each process,
# written in one batch per interval; at most MAX_KEYS paths/referrers/visitors per process
# between flushes (more are dropped); TOP_N paths and referrers kept per site and day (the
# rest add up under "(other)"); daily figures kept RETENTION_DAYS (None: for ever).
ANALYTICS_ENABLED = True
ANALYTICS_FLUSH_SECONDS = 30.0
ANALYTICS_MAX_KEYS = 10_000
ANALYTICS_TOP_N = 100
ANALYTICS_RETENTION_DAYS = None

# Readers following a site by email (services/subscribers.py, services/newsletter.py).
# Subscribe attempts per client address and per site (each sends at most one confirmation).
RATELIMIT_SUBSCRIBE_CLIENT = "5 per minute;20 per hour"
RATELIMIT_SUBSCRIBE_SITE = "60 per hour;300 per day"
# Messages one site may send per UTC day; operators override it per site in /ops.
NEWSLETTER_DAILY_QUOTA = 20000
# Subscribers per sending job: each job is one SMTP connection.
NEWSLETTER_BATCH = 500
# A post first seen visible later than this after its publication time (an import, a
# backdated post) is not mailed.
NEWSLETTER_MAX_AGE_HOURS = 48
