"""`python -m bench`: see bench/README.md for the settings (all BENCH_* environment variables)."""

from .runner import main
from .settings import from_env

if __name__ == "__main__":
    main(from_env())
