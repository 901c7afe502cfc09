#!/usr/bin/env bash
# The package as a user gets it: build the wheel, install it (not editable) into a fresh venv, and run
# `hybrid-rg devices` and `hybrid-rg validate` from a folder outside the checkout. Catches data the code reads at
# run time that a wheel does not carry (the device snapshots once lived at the repository root, and an installed
# hybrid-rg said "known devices: []").
#
# Fast (~10-30 s): the fresh venv has no pip and installs no dependencies; a .pth line lends it the project
# venv's site-packages (a directory named by a .pth line is put on sys.path, but the .pth files inside it, such
# as the editable install's, are not run, so `hybrid_rg` can only come from the wheel).
#
#     .ci/wheel_check.sh [PYTHON]        PYTHON: the project venv's interpreter (default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
unset PYTHONPATH                        # it would put the checkout itself ahead of the installed wheel
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$PY" -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir "$tmp/dist" . >"$tmp/build.log" 2>&1 \
    || { cat "$tmp/build.log"; echo "wheel_check: the wheel did not build"; exit 1; }
wheel=$(ls "$tmp"/dist/hybrid_rg-*.whl)
"$PY" -m zipfile -l "$wheel" > "$tmp/contents.txt"
grep -q "hybrid_rg/devices/snapshots/quera_aquila.toml" "$tmp/contents.txt" \
    || { echo "wheel_check: $wheel holds no device snapshot"; exit 1; }

"$PY" -m venv --without-pip "$tmp/venv"
site=$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$site/project_venv.pth"
# the project venv's pip, run by the fresh venv's interpreter, installs there (console script included);
# --ignore-installed: never touch the editable install it can see in the project venv
"$tmp/venv/bin/python" -m pip install --quiet --no-deps --no-index --ignore-installed --no-warn-script-location \
    "$wheel"

mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
where=$("$tmp/venv/bin/python" -c 'import hybrid_rg; print(hybrid_rg.__file__)')
case "$where" in
    "$site"/*) ;;
    *) echo "wheel_check: hybrid_rg was imported from $where, not from the installed wheel"; exit 1 ;;
esac
"$tmp/venv/bin/hybrid-rg" devices | tee devices.txt
grep -q "quera_aquila" devices.txt || { echo "wheel_check: 'hybrid-rg devices' lists no quera_aquila"; exit 1; }
"$tmp/venv/bin/python" -c 'from hybrid_rg.testing.conformance import standard_program
print(standard_program().to_json())' > program.json
"$tmp/venv/bin/hybrid-rg" validate program.json --device quera_aquila
echo "wheel_check: ok ($(basename "$wheel") installed outside the checkout: devices listed, program validated)"
