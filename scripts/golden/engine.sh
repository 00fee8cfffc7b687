#!/usr/bin/env bash
# Regenerates Tests/KVLabCLITests/EngineGolden/*.json from cases.txt with the given kvlab binary.
# Only after a deliberate change of the engine's numbers (with an Engine.version bump):
#   scripts/golden/engine.sh .build/debug/kvlab
set -euo pipefail
kvlab=${1:?usage: scripts/golden/engine.sh PATH-TO-KVLAB}
dir="$(dirname "$0")/../../Tests/KVLabCLITests/EngineGolden"
while IFS='|' read -r name args; do
    # shellcheck disable=SC2086  # the arguments are space-separated on purpose
    "$kvlab" trial $args --format json >"$dir/$name.json"
done <"$dir/cases.txt"
echo "wrote $(wc -l <"$dir/cases.txt") files to $dir"
