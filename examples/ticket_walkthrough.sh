#!/usr/bin/env bash
# A ticket's life over HTTP, step by step: runs the walk-through block of README.md
# ("A ticket's life, step by step") against a running server, saying each step as it goes,
# and stops at the first refused step. The README's block is the only copy of the steps.
#
#   BASE=http://127.0.0.1:8000 examples/ticket_walkthrough.sh
#
# Tokens come from `econcierge token`, which must see the server's secret: run both with
# the same ECONCIERGE_DATA_DIR (or ECONCIERGE_JWT_SECRET).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."  # the block calls .venv/bin/econcierge and python
export BASE=${BASE:-http://127.0.0.1:8000}

# The block after the "<!-- walkthrough" marker, with a line announcing each numbered step.
steps=$(.venv/bin/python - README.md <<'PY'
import re, shlex, sys
readme = open(sys.argv[1], encoding="utf-8").read()
block = re.search(r"<!-- walkthrough\b[^>]*-->\n```sh\n(.*?)\n```\n", readme, re.S)
if block is None:
    sys.exit("README.md has no walk-through block")
for line in block[1].splitlines():
    if re.match(r"# \d", line):
        print("printf '\\n==> %s\\n' " + shlex.quote(line[2:]))
    print(line)
PY
)
exec bash -euo pipefail -c "$steps"
