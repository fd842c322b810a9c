#!/usr/bin/env bash
# Create the separate environment that holds GrowthBook's gbstats 0.8.0, the reference the
# experiments statistics tests compare against. gbstats pins numpy<2 and pandas<2, which
# prodloop's own environment cannot share, so the tests call it through a subprocess
# (benchmarks/gbstats_runner.py).
#
#   tools/gbstats-venv.sh [PYTHON] [DIRECTORY]     # defaults: python3, .venv-gbstats
set -euo pipefail

python="${1:-python3}"
directory="${2:-.venv-gbstats}"

"$python" -m venv "$directory"
# The environment is a build product: keep it out of git without touching .gitignore.
printf '*\n' > "$directory/.gitignore"
"$directory/bin/python" -m pip install --quiet --upgrade pip
"$directory/bin/python" -m pip install --quiet "gbstats==0.8.0"
"$directory/bin/python" -c "import gbstats.gbstats"
