#!/usr/bin/env bash
# Retrains the trained example bundles (or those named) into a temporary folder with their fixed
# seeds and checks that every artifact is byte-identical to the committed one (its SHA256SUMS line).
#   models/reproduce.sh                 # all four bundles
#   models/reproduce.sh digits
# Needs Debian's /usr/bin/python3 with python3-torch and python3-sklearn; not part of npm test
# (CI has no torch). paddleocr-det is not trained: its sample and expected output are rebuilt, and
# its third-party model.onnx is checked by prepare.mjs against the committed sha256.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ "$#" -gt 0 ]; then names=("$@"); else names=(digits breast-cancer debian-sections paddleocr-det); fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for name in "${names[@]}"; do
  start=$SECONDS
  "$here/build.sh" "$name" "$work/$name" >"$work/$name.log" 2>&1 || {
    echo "$name: build failed, see log below"
    cat "$work/$name.log"
    status=1
    continue
  }
  # Every file the build produced must carry the committed digest; committed artifacts the build does
  # not produce (the frozen corpus snapshot) are inputs and are listed as such.
  if (cd "$work/$name" && sha256sum --quiet -c --ignore-missing "$here/$name/SHA256SUMS"); then
    extra="$(comm -13 <(cut -c67- "$here/$name/SHA256SUMS" | sort) <(cut -c67- "$work/$name/SHA256SUMS" | sort))"
    if [ -n "$extra" ]; then
      echo "$name: FAIL, produced files not committed: $extra"
      status=1
    else
      inputs="$(comm -23 <(cut -c67- "$here/$name/SHA256SUMS" | sort) <(cut -c67- "$work/$name/SHA256SUMS" | sort) | tr '\n' ' ')"
      echo "$name: OK, $(wc -l <"$work/$name/SHA256SUMS") artifacts byte-identical ($((SECONDS - start)) s)${inputs:+; frozen inputs not rebuilt: $inputs}"
    fi
  else
    echo "$name: FAIL, artifacts differ from the committed SHA256SUMS"
    status=1
  fi
done
exit "$status"
