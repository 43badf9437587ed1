#!/usr/bin/env bash
# Build the HTML documentation; warnings fail the build. Offline: PyPI packages only.
#   pip install -e ".[docs]" && bash docs/build.sh
set -euo pipefail
cd "$(dirname "$0")"
python -m sphinx -W --keep-going -b html . _build/html "$@"
echo "docs: $(pwd)/_build/html/index.html"
