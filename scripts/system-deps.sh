#!/usr/bin/env bash
# Installs (as root, with apt) or names (otherwise) the system packages offscreen-isf needs:
# Mesa's EGL + OSMesa software rendering, glvnd's libEGL/libOpenGL, and python3-venv;
# with --browser also chromium (headless), which tests/test_gallery.py loads the gallery page in.
# Usage: scripts/system-deps.sh [--browser]   (exit 0 when everything is present afterwards)
set -euo pipefail
BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --browser) BROWSER=1 ;;
    *) echo "usage: scripts/system-deps.sh [--browser]" >&2; exit 2 ;;
  esac
done

# library soname -> Debian/Ubuntu package providing it
declare -A LIBS=(
  [libEGL.so.1]=libegl1
  [libOpenGL.so.0]=libopengl0
  [libOSMesa.so.8]=libosmesa6
)
missing=()
for lib in "${!LIBS[@]}"; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("${LIBS[$lib]}")
done
# Mesa's EGL vendor (llvmpipe through EGL) and the software DRI driver.
[ -e /usr/share/glvnd/egl_vendor.d/50_mesa.json ] || missing+=(libegl-mesa0)
compgen -G "/usr/lib/*/dri/swrast_dri.so" >/dev/null || compgen -G "/usr/lib*/dri/swrast_dri.so" >/dev/null \
  || missing+=(libgl1-mesa-dri)
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null 2>&1 || missing+=(python3)
"$PY" -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
FEDORA_EXTRA=""
if [ "$BROWSER" = 1 ]; then
  FEDORA_EXTRA=" chromium"
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
fi

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "missing system packages: ${missing[*]}" >&2
echo "  Debian/Ubuntu: sudo apt-get install -y ${missing[*]}" >&2
echo "  Fedora:        sudo dnf install -y mesa-libEGL mesa-libOSMesa mesa-dri-drivers libglvnd-opengl python3${FEDORA_EXTRA}" >&2
exit 1
