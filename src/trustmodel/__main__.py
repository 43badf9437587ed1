"""``python -m trustmodel``: the demo (or any ``trustmodel`` command given as arguments)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["demo"]))
