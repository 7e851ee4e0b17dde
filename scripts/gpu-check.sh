#!/usr/bin/env bash
# Proves and measures the EGL GPU path on the lent GPU machine (device tool), from the repo root.
# Needs what ../shared/tools/gpu-prep.sh prepares (.gllibs, .whl; add test wheels: pypng tqdm
# pytest pluggy iniconfig packaging hypothesis attrs sortedcontainers psutil) and, for the
# corpus, a copy of ../shared's isf-corpus and isf-references in .gpudata/.  Carry all three.
set -uo pipefail
rm -rf .site; python3 -m pip install -q --no-index --no-deps --target .site .whl/*.whl || exit 1
export PYTHONPATH=$PWD:$PWD/.site LD_LIBRARY_PATH=$PWD/.gllibs:${LD_LIBRARY_PATH:-} OFFSCREEN_ISF_BACKEND=egl
[ -e offscreen_isf/backends ] || ln -s ../backends offscreen_isf/backends   # no pip install there
if [ -d .gpudata ] && [ ! -d ../shared ]; then mkdir -p ../shared && cp -r .gpudata/. ../shared/; fi
OUT=${OUT:-out/gpu}; mkdir -p "$OUT"
nvidia-smi -L > "$OUT/gpu.txt" 2>&1
python3 -c "import offscreen_isf as oi; oi.Context('egl'); from offscreen_isf.backends import egl; \
print([d.describe() for d in egl.list_devices()])" >> "$OUT/gpu.txt" 2>&1
python3 -m offscreen_isf.farm.cli backends --json > "$OUT/backends.json" 2>&1
python3 -m pytest -q -p no:cacheprovider -m gl -k "not pyopengl_bound" tests/test_lifecycle.py \
  tests/test_lifecycle_stateful.py tests/test_bug_report.py tests/test_render_rules.py tests/test_exit.py \
  tests/test_leaks.py tests/test_bad_input.py tests/test_compat_pyvvisf.py tests/test_conformance_cases.py \
  tests/test_compile_errors.py -s > "$OUT/pytest.txt" 2>&1
python3 -m conformance --corpus --images none --out /tmp/conformance -q > "$OUT/corpus.txt" 2>&1
python3 -m benchmarks.bench_render --frames 200 --blocks 3 --heavy-frames 60 --json "$OUT/bench.json" \
  > "$OUT/bench.txt" 2>&1
# the suite's offscreen-isf cells at 1080p (default and draw_flipped, which replaces the flip blit
# on GPUs) and what draw_flipped changes against the references
python3 -m benchmarks --contenders offscreen-isf --backends egl --sizes 1080p --no-cli --no-plot \
  --out "$OUT/suite" > "$OUT/suite.txt" 2>&1
python3 -m conformance --corpus --no-cases --draw-flipped --images none --out /tmp/conformance-flip -q \
  > "$OUT/corpus-flipped.txt" 2>&1
tail -n 4 "$OUT"/gpu.txt "$OUT"/pytest.txt "$OUT"/corpus.txt "$OUT"/corpus-flipped.txt; cat "$OUT/bench.json"
sed -n '/^Throughput/,/^worker/p' "$OUT/suite/table.txt"
