#!/usr/bin/env bash
# Retrains one example bundle and rewrites its artifacts and SHA256SUMS:
#   models/build.sh digits            # writes into models/digits/
#   models/build.sh digits /tmp/out   # writes into /tmp/out (used by reproduce.sh)
# Needs Debian's /usr/bin/python3 with python3-torch and python3-sklearn (python3-pil for
# paddleocr-det's sample image); not part of npm test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
name="${1:?usage: models/build.sh NAME [OUT_DIR]}"
out="${2:-$here/$name}"
mkdir -p "$out"

if [ -f "$here/$name/train.py" ]; then
  /usr/bin/python3 "$here/$name/train.py" --out "$out"
elif [ "$name" = paddleocr-det ]; then
  # Third-party weights: nothing is trained; the sample and its expected output are rebuilt.
  node "$here/prepare.mjs"
  /usr/bin/python3 "$here/$name/make_sample.py" --out "$out"
  (cd "$root" && TSX_TSCONFIG_PATH=test/tsconfig.json node --import tsx "$here/$name/expected.ts" --out "$out")
else
  echo "models/build.sh: no recipe for $name" >&2
  exit 1
fi

# The committed JSON is prettier-formatted (npm run check); formatting is part of the build so the
# hashes below cover exactly the committed bytes (corpus/ is prettier-ignored).
# Run from the repo root, where prettier finds its config and plugins.
mapfile -t json < <(find "$out" -name '*.json' ! -path '*/corpus/*' -type f | sort)
if [ "${#json[@]}" -gt 0 ]; then
  (cd "$root" && node_modules/.bin/prettier --config .prettierrc --ignore-path /dev/null --log-level warn --write "${json[@]}")
fi

sums="$(mktemp)"
# Every generated or frozen artifact, i.e. everything but sources, docs and ignored files.
(
  cd "$out"
  find . -type f ! -name SHA256SUMS ! -name README.md ! -name '*.py' ! -name '*.ts' ! -name '*.mjs' \
    ! -name '*.sh' ! -path '*/__pycache__/*' -printf '%P\n' | LC_ALL=C sort | xargs -r sha256sum
) >"$sums"
chmod 644 "$sums"
mv "$sums" "$out/SHA256SUMS"
echo "$name: wrote $(wc -l <"$out/SHA256SUMS") artifact hashes to $out/SHA256SUMS"
