"""`make run`: nothing to install beyond Python. SQLite in instance/, mail to instance/outbox/."""

DEBUG = True
BCRYPT_LOG_ROUNDS = 4
# Themes and templates change under a developer's hands, which no content version records:
# keep no rendered pages, so every reload shows the edit.
FRONT_CACHE_ENTRIES = 0
CACHE_TYPE = "NullCache"
# NullCache is meant here (see above): Flask-Caching's warning that it disables caching is noise
# on every `flask` command.
CACHE_NO_NULL_WARNING = True
