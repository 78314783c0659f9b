"""`make run`: nothing to install beyond Python. SQLite in instance/, mail to instance/outbox/."""

DEBUG = True
BCRYPT_LOG_ROUNDS = 4
