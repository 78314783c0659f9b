"""pytest. The database URL is chosen per test run by tests/conftest.py."""

TESTING = True
SERVER_NAME = "example.test"
BCRYPT_LOG_ROUNDS = 4
WTF_CSRF_ENABLED = True
RATELIMIT_ENABLED = True
# Jobs run in the committing thread, so a test sees their effect when its request returns.
JOBS_EMBEDDED = "sync"
# Tests export and import far more often than a member would; tests of the limits set them.
RATELIMIT_TRANSFER = "10000 per hour"
RATELIMIT_PREVIEW = "10000 per hour"
# Tests flush page-view counts themselves (app.extensions["sitemaker.analytics"].flush()).
ANALYTICS_FLUSH_SECONDS = 3600.0
