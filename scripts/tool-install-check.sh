#!/usr/bin/env bash
# Packs the `mae` tool for this machine's platform, installs it with `dotnet tool install --tool-path` from that
# package alone (as a user would), and runs a whole job with it: `mae run` on the sample photos, then `mae verify`.
# Packs the client library too, and checks that an application referencing it gets no CLI or silo code.
# Prints the packages' sizes; fails when any step does, or the linux-x64 tool package is over its 120 MB budget.
set -euo pipefail
cd "$(dirname "$0")/.."

rid="$(dotnet --info | awk '/^ *RID:/ {print $2; exit}')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dotnet pack src/Cli -c Release --nologo -v quiet -o "$work/packages" -p:ToolPackageRuntimeIdentifiers="$rid" >/dev/null
package="$work/packages/Mae.Cluster.Cli.$rid.0.1.0.nupkg"
bytes=$(stat -c %s "$package")
# A private NuGet cache, so the install takes the package just built, never a copy cached by an earlier run.
NUGET_PACKAGES="$work/nuget" dotnet tool install Mae.Cluster.Cli --version 0.1.0 --tool-path "$work/tool" \
  --add-source "$work/packages" --ignore-failed-sources >/dev/null
installed=$(du -sm "$work/tool" | cut -f1)

dotnet pack src/Client -c Release --nologo -v quiet -o "$work/library" >/dev/null
library="$work/library/Mae.Cluster.Client.0.1.0.nupkg"
# Its dependencies: the contracts and pipeline packages and Orleans' client, never System.CommandLine or the silo's grains.
/usr/bin/python3 - "$library" <<'PY'
import re, sys, zipfile
package = zipfile.ZipFile(sys.argv[1])
ids = set(re.findall(r'<dependency id="([^"]+)"', package.read("Mae.Cluster.Client.nuspec").decode()))
forbidden = ids & {"System.CommandLine", "Spectre.Console", "Mae.Cluster.Grains", "Mae.Cluster.Embedded", "Mae.Cluster.Cli", "Microsoft.Orleans.Server"}
if forbidden:
    sys.exit(f"the client library package depends on {', '.join(sorted(forbidden))}")
if "lib/net10.0/Mae.Cluster.Client.xml" not in package.namelist():
    sys.exit("the client library package has no XML docs")
PY

export MAE_HOME="$work/mae-home"
"$work/tool/mae" run tests/data/photos --output "$work/out" --model tiny
"$work/tool/mae" verify "$work/out"
test -f "$work/out/_SUCCESS"

echo "tool package: Mae.Cluster.Cli.$rid $((bytes / 1048576)) MB ($bytes bytes), ${installed} MB installed; mae run and mae verify from it: ok"
echo "library package: Mae.Cluster.Client $(( $(stat -c %s "$library") / 1024 )) KB, no CLI or silo dependencies: ok"
if [ "$rid" = linux-x64 ] && [ "$bytes" -gt $((120 * 1048576)) ]; then
  echo "the linux-x64 tool package is over its 120 MB budget" >&2
  exit 1
fi
