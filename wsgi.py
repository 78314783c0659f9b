"""The production entry point for gunicorn: `gunicorn -c gunicorn.conf.py wsgi:app`."""

from sitemaker import create_app

app = create_app("production")
