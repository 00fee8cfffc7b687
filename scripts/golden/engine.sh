#!/usr/bin/env bash
# The engine's pinned outputs: Tests/KVLabCLITests/EngineGolden/*.json, one per line of cases.txt.
#   scripts/golden/engine.sh --check PATH-TO-KVLAB   compare `kvlab trial` with the files (CI runs this
#                                                    with the release build; the test suite checks debug)
#   scripts/golden/engine.sh PATH-TO-KVLAB           regenerate the files, only after a deliberate change
#                                                    of the engine's numbers (with an Engine.version bump)
set -euo pipefail
check=0
if [[ "${1:-}" == "--check" ]]; then
    check=1
    shift
fi
kvlab=${1:?usage: scripts/golden/engine.sh [--check] PATH-TO-KVLAB}
dir="$(dirname "$0")/../../Tests/KVLabCLITests/EngineGolden"
failed=0
while IFS='|' read -r name args; do
    # shellcheck disable=SC2086  # the arguments are space-separated on purpose
    if ((check)); then
        if ! "$kvlab" trial $args --format json | cmp -s - "$dir/$name.json"; then
            echo "engine golden: $name differs from $dir/$name.json (kvlab trial $args)" >&2
            failed=1
        fi
    else
        "$kvlab" trial $args --format json >"$dir/$name.json"
    fi
done <"$dir/cases.txt"
if ((check)); then
    ((failed == 0)) || exit 1
    echo "engine golden: $(wc -l <"$dir/cases.txt") configs identical ($kvlab)"
else
    # The manifest records which engine version made the files; EngineGoldenTests fails when the files
    # change and the last line does not name the running engine version with their new hash.
    version=$("$kvlab" --version | sed -n 's/.*(engine \([0-9]*\),.*/\1/p')
    hash=$(while IFS='|' read -r name _; do printf '%s\n' "$name"; cat "$dir/$name.json"; done <"$dir/cases.txt" |
        sha256sum | cut -d' ' -f1)
    if grep -q "^engine $version " "$dir/manifest.txt"; then
        echo "engine golden: the files of engine $version changed; bump Engine.version first" >&2
        exit 1
    fi
    echo "engine $version $hash" >>"$dir/manifest.txt"
    echo "wrote $(wc -l <"$dir/cases.txt") files to $dir (engine $version)"
fi
