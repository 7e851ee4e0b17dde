#!/usr/bin/env bash
# Proves and measures the EGL GPU path on the lent GPU machine (device tool), from the repo root.
# Needs what ../shared/tools/gpu-prep.sh prepares (.gllibs, .whl; add test wheels: pypng tqdm
# pytest pluggy iniconfig packaging hypothesis attrs sortedcontainers psutil) and, for the
# corpus, a copy of ../shared's isf-corpus and isf-references in .gpudata/.  Carry all three.
# For device="cuda" also put the cuda-bindings wheel (and its cuda-pathfinder dependency) in .whl;
# cupy/torch are not needed (the bit-identity check copies back with the binding itself).
# Writes under $OUT: gpu.txt, backends.json, pytest.txt, corpus/ (per-shader report: the mismatch
# list, strict rule), corpus-gpu/ (the gpu rule's report, with classification.json: each strict
# failure classified precision-sensitive / undefined-behaviour / unexplained, with its evidence;
# turn it into unreviewed known-differences entries with python -m conformance.classify
# --write-known), bench.json, suite/, cuda.json (device="cuda" vs host fps and bit-identity at
# 1080p), nvenc.json (NVENC vs CPU encoder fps at 1080p), gpus/ (--gpus all: gpus.json with the
# per-chunk cuda_visible_devices, and whether the frames equal a one-process run; for this, add the
# dask[distributed] wheels and their dependencies to .whl).
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
  tests/test_compile_errors.py tests/test_classify.py tests/test_cuda_fake.py tests/test_cuda_dlpack.py tests/test_nvenc.py tests/test_gpus.py -s > "$OUT/pytest.txt" 2>&1
# the per-shader report (which shaders differ and by how much) comes back for classification
python3 -m conformance --corpus --images none --out "$OUT/corpus" -q > "$OUT/corpus.txt" 2>&1
python3 -m conformance --corpus --no-cases --rule gpu --classify --images none --out "$OUT/corpus-gpu" -q \
  > "$OUT/corpus-gpu.txt" 2>&1
python3 -m benchmarks.bench_render --frames 200 --blocks 3 --heavy-frames 60 --json "$OUT/bench.json" \
  > "$OUT/bench.txt" 2>&1
# the suite's offscreen-isf cells at 1080p (default and draw_flipped, which replaces the flip blit
# on GPUs) and what draw_flipped changes against the references
python3 -m benchmarks --contenders offscreen-isf --backends egl --sizes 1080p --no-cli --no-plot \
  --out "$OUT/suite" > "$OUT/suite.txt" 2>&1
python3 -m conformance --corpus --no-cases --draw-flipped --images none --out "$OUT/corpus-flipped" -q \
  > "$OUT/corpus-flipped.txt" 2>&1
# device="cuda" against the host path (and host -> numpy -> cudaMemcpy upload), 1080p, bit-identity
timeout 240 python3 - "$OUT/cuda.json" > "$OUT/cuda.txt" 2>&1 <<'PY'
import json, sys, time
import numpy as np
import offscreen_isf as oi
from cuda.bindings import runtime as rt
SHADERS = {"trivial": "/*{}*/\nvoid main(){gl_FragColor=vec4(isf_FragNormCoord,fract(TIME),1.0);}",
           "heavy": "/*{}*/\nvoid main(){vec2 p=isf_FragNormCoord*8.0;float v=0.0;for(int i=0;i<64;i++)"
                    "{v+=sin(p.x*float(i)+TIME)*cos(p.y*float(i));}gl_FragColor=vec4(vec3(fract(v)),1.0);}"}
def fps(fn, n):
    fn(0); t = time.perf_counter(); [fn(i) for i in range(n)]; return n / (time.perf_counter() - t)
def to_host(frame):
    out = np.empty(frame.shape, frame.dtype)
    assert rt.cudaMemcpy(out.ctypes.data, frame.ptr, frame.nbytes, rt.cudaMemcpyKind.cudaMemcpyDeviceToHost)[0] == 0
    return out
res = {}
for name, src in SHADERS.items():
    with oi.Renderer(src, size=(1920, 1080), backend="egl") as r:
        n = 300
        dev = rt.cudaMalloc(1920 * 1080 * 4)[1]
        def upload(i):
            a = r.render(i / 60)
            rt.cudaMemcpy(dev, a.ctypes.data, a.nbytes, rt.cudaMemcpyKind.cudaMemcpyHostToDevice)
        cell = {"host_render": fps(lambda i: r.render(i / 60), n),
                "host_render_then_upload": fps(upload, n),
                "cuda_render": fps(lambda i: r.render(i / 60, device="cuda"), n)}
        t = time.perf_counter(); got = list(r.render_frames([i / 60 for i in range(n)], device="cuda"))
        cell["cuda_render_frames"] = n / (time.perf_counter() - t)
        t = time.perf_counter(); [f for _, f in r.render_frames([i / 60 for i in range(n)])]
        cell["host_render_frames"] = n / (time.perf_counter() - t)
        cell["identical"] = all(np.array_equal(to_host(r.render(t_, device="cuda")), r.render(t_))
                                for t_ in (0.0, 0.37, 1.5))
        cell["identical_render_frames"] = np.array_equal(to_host(got[7][1]), r.render(7 / 60))
        cell["speedup_vs_host"] = cell["cuda_render"] / cell["host_render"]
        cell["speedup_vs_upload"] = cell["cuda_render"] / cell["host_render_then_upload"]
        rt.cudaFree(dev); del got
        res[name] = cell
json.dump(res, open(sys.argv[1], "w"), indent=1); print(json.dumps(res, indent=1))
PY
# NVENC against the CPU encoder: the same 1080p frames piped to ffmpeg
timeout 180 python3 - "$OUT/nvenc.json" > "$OUT/nvenc.txt" 2>&1 <<'PY'
import json, sys, tempfile, time
from pathlib import Path
import offscreen_isf as oi
from offscreen_isf.media.video import VideoWriter, ffmpeg_encoders, nvidia_gpu_present
frames = [f for _, f in oi.Renderer("/*{}*/\nvoid main(){gl_FragColor=vec4(isf_FragNormCoord,fract(TIME),1.0);}",
                                    size=(1920, 1080), backend="egl").render_frames([i / 30 for i in range(240)])]
res = {"gpu": nvidia_gpu_present(), "encoders": sorted(e for e in ffmpeg_encoders() if "nvenc" in e)}
for codec in ("libx264", "h264_nvenc", "hevc_nvenc"):
    if codec not in ffmpeg_encoders():
        res[codec] = "not in this ffmpeg"; continue
    with tempfile.TemporaryDirectory() as d:
        w = VideoWriter(Path(d) / "a.mp4", (1920, 1080), 30.0, codec=codec).open()
        t = time.perf_counter()
        try:
            [w.write(f) for f in frames]; w.close()
            res[codec] = {"fps": len(frames) / (time.perf_counter() - t), "bytes": (Path(d) / "a.mp4").stat().st_size}
        except Exception as exc:  # report the encoder's failure, keep measuring the others
            res[codec] = f"{type(exc).__name__}: {exc}"
json.dump(res, open(sys.argv[1], "w"), indent=1); print(json.dumps(res, indent=1))
PY
# --gpus: one Dask worker per GPU, each pinned to its GPU (needs dask[distributed] in .whl); the
# manifest says which GPU drew each chunk, and the frames must equal a one-process run's
timeout 180 bash -c 'S=offscreen_isf/examples/demo.fs; A="--size 1920x1080 --frames 0-95 --fps 30 --date 2024-06-01"
  python3 -m offscreen_isf render $S $A -o "$1/one/f_%03d.png" -q --backend egl &&
  python3 -m offscreen_isf render $S $A -o "$1/many/f_%03d.png" --gpus all --chunk-size 8 --json > "$1/gpus.json" &&
  cmp -s <(cd "$1/one" && cat f_*.png | sha256sum) <(cd "$1/many" && cat f_*.png | sha256sum) &&
  echo "gpus: identical frames" || echo "gpus: FAILED or differs"' _ "$OUT/gpus" > "$OUT/gpus.txt" 2>&1
tail -n 4 "$OUT"/gpu.txt "$OUT"/pytest.txt "$OUT"/corpus.txt "$OUT"/corpus-gpu.txt "$OUT"/corpus-flipped.txt; cat "$OUT/bench.json"
sed -n '/^Throughput/,/^worker/p' "$OUT/suite/table.txt"
grep -A4 -e 'Per-frame overhead' -e "^device='cuda'" "$OUT/suite/table.txt"
cat "$OUT/cuda.txt" "$OUT/nvenc.txt" "$OUT/gpus.txt"
