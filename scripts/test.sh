#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need, runs every test project,
# prints one totals line ("N passed, N failed, N skipped") and fails when anything failed or nothing ran.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages the tests use: Pillow + numpy (independent references for preprocessing, masks and outputs).
need_apt=()
/usr/bin/python3 -c "import PIL, numpy" 2>/dev/null || need_apt+=(python3-pil python3-numpy)
# The system libjpeg-turbo (SIMD) for JPEG decoding; without it the slower copy inside SkiaSharp is used.
ldconfig -p 2>/dev/null | grep -q libturbojpeg.so.0 || need_apt+=(libturbojpeg0)
# PostgreSQL's server programs (initdb, pg_ctl): the Postgres tests start a throw-away server of their own. Debian keeps
# them in /usr/lib/postgresql/VERSION/bin, off PATH; the tests look there too.
command -v initdb >/dev/null || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Azurite (the Azure Storage emulator), pinned in package.json; the tests start it themselves on free loopback ports.
if [ ! -x node_modules/.bin/azurite ]; then
  command -v npm >/dev/null || { as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
  npm ci --no-audit --no-fund --loglevel=error
fi

results="${TEST_RESULTS:-$PWD/artifacts/test-results}"
rm -rf "$results"
mkdir -p "$results"

# MAE_HOME keeps generated checkpoints and built graphs out of the user's cache.
export MAE_HOME="${MAE_HOME:-$PWD/artifacts/mae-home}"
status=0
dotnet test Mae.Cluster.sln -c Release --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?

# The installable tool, as a user gets it: packed, installed from that package alone, and run.
./scripts/tool-install-check.sh || status=$?

/usr/bin/python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(c.get("passed")); failed += int(c.get("failed")) + int(c.get("error")) + int(c.get("timeout")) + int(c.get("aborted"))
    skipped += int(c.get("total")) - int(c.get("executed"))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
totals=$?
[ "$status" -eq 0 ] && [ "$totals" -eq 0 ]
