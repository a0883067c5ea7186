#!/usr/bin/env bash
# Counts the storage requests of one `mae run` onto Azurite, by method and object: runs the sample photos (27 images)
# in shards of 3 from a local folder to az://out/job on a private Azurite with its request log on, then tallies it.
# usage: scripts/storage-requests.sh [MAE_DLL]   (default: this checkout's Release build of src/Cli)
set -euo pipefail
cd "$(dirname "$0")/.."
dll="${1:-src/Cli/bin/Release/net10.0/mae.dll}"
work="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
node node_modules/azurite/dist/src/blob/main.js --blobHost 127.0.0.1 --blobPort "$port" --location "$work/data" \
  --skipApiVersionCheck --loose --disableTelemetry --debug "$work/requests.log" > "$work/azurite.log" 2>&1 &
azurite=$!
trap 'kill $azurite 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 3
# Azurite's well-known development account (public, not a secret).
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$port/devstoreaccount1;"
export MAE_HOME="$work/mae-home"
dotnet "$dll" run tests/data/photos --output az://out/job --model tiny --shard-size 3 2>&1 | tail -1
echo "storage requests: $(grep -c 'BlobStorageContextMiddleware: RequestMethod=' "$work/requests.log")"
grep -o 'RequestMethod=[A-Z]* RequestURL=[^ ]*' "$work/requests.log" \
  | sed -E 's|RequestURL=http://127.0.0.1/devstoreaccount1/out/?(job/)?||; s/[0-9]{5,6}/N/g; s/\.mae-write-probe-[0-9a-f]+/.mae-write-probe-*/; s/RequestMethod=//' \
  | sort | uniq -c | sort -rn
