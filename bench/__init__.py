"""The visitor-path benchmark: `python -m bench` (or `make bench`).

Seeds PostgreSQL at two sizes, starts the real app and a floor app under identical gunicorn
settings, drives both with wrk, and writes bench/results/<date>.json, a table and a chart."""
