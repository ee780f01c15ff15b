#!/usr/bin/env bash
# Makes docs/report.png, the sample report the README shows: the generated sample drop folder
# (tests/support/samples/demo.py: every shipped kind, no real data, one file of no known kind) loaded into a
# throw-away database named report_sample, built and analysed, then photographed in headless Chromium.
# Needs psql, chromium and the project's dev environment:  pipenv run bash docs/report-screenshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."

host=${PGHOST:-127.0.0.1} port=${PGPORT:-5432} user=${PGUSER:-postgres}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

PGOPTIONS="--client-min-messages=warning" psql -q -X -h "$host" -p "$port" -U "$user" -d postgres \
    -c "DROP DATABASE IF EXISTS report_sample" -c "CREATE DATABASE report_sample"
export DB_STRING="postgresql://$user@$host:$port/report_sample" EMBEDDED_POSTGRES=false SETTLE_SECONDS=0.2 \
    IMPORTS_DIR="$work/imports" EXPORTS_DIR="$work/exports" LOGS_DIR="$work/logs"

python -m tests.support.samples.demo "$work/imports"
python main.py --once "$work/imports" >/dev/null
python main.py --pipeline >/dev/null
python main.py --analysis >/dev/null

chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --user-data-dir="$work/profile" --hide-scrollbars --window-size=960,16000 \
    --screenshot="$work/page.png" "file://$work/exports/report.html" 2>/dev/null
# The page without the blank below it, in 64 colours (a fifth of the bytes; text and charts stay sharp).
python - "$work/page.png" docs/report.png <<'PY'
import sys

from PIL import Image, ImageChops

page = Image.open(sys.argv[1]).convert("RGB")
content = ImageChops.difference(page, Image.new("RGB", page.size, "white")).getbbox()
assert content is not None, "the page is blank"
page = page.crop((0, 0, page.width, min(page.height, content[3] + 40)))
page.quantize(colors=64, dither=Image.Dither.NONE).save(sys.argv[2], optimize=True)
print(f"{sys.argv[2]}: {page.width}x{page.height}")
PY
