#!/usr/bin/env bash
# Adds the runtime's new public API to each build's PublicAPI.Unshipped.txt, from the analyzer's RS0016 errors.
# Run it after adding public API on purpose, then read the diff: every line is a promise to users.
set -euo pipefail
cd "$(dirname "$0")/../runtime/DenseGen"
for target in net8.0 netstandard2.0 netstandard2.1; do
  file="PublicAPI/$target/PublicAPI.Unshipped.txt"
  new=$(dotnet build -c Release -f "$target" 2>&1 | grep RS0016 | sed -E "s/.*Symbol '(.*)' is not part of the declared public API.*/\1/" | sort -u || true)
  [ -z "$new" ] && continue
  { head -n 1 "$file"; { tail -n +2 "$file"; echo "$new"; } | LC_ALL=C sort -u; } > "$file.new"
  mv "$file.new" "$file"
  echo "$target: $(echo "$new" | wc -l) new line(s)"
done
