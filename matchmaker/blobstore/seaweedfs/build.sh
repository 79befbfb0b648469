#!/usr/bin/env bash
# Builds SeaweedFS's `weed` from this tools module into bin/weed once and
# prints the binary's path. The first build takes about six minutes on two
# cores; afterwards this returns at once. bin/weed.stamp records what the
# binary was built from (go.mod, go.sum and the build flags): when that
# changes the binary is rebuilt, so a stale one is never used. Concurrent
# callers (make, parallel test processes) wait on one build (flock).
# Used by `make seaweedfs` and by s3test.EnsureBinary.
set -euo pipefail
cd "$(dirname "$0")"
flags='-trimpath -ldflags=-s -w'
stamp=$( (cat go.mod go.sum; echo "$flags") | sha256sum | cut -d' ' -f1)
current() { [ -x bin/weed ] && [ "$(cat bin/weed.stamp 2>/dev/null)" = "$stamp" ]; }
if current; then echo "$PWD/bin/weed"; exit 0; fi
mkdir -p bin
exec 9>bin/.lock
flock 9
if current; then echo "$PWD/bin/weed"; exit 0; fi
rm -f bin/weed.stamp
echo "seaweedfs: building weed $(sed -n 's/^\tgithub.com\/seaweedfs\/seaweedfs \(v[^ ]*\).*/\1/p' go.mod) (about six minutes on two cores the first time)" >&2
start=$SECONDS
go build -trimpath -ldflags='-s -w' -o bin/weed.tmp github.com/seaweedfs/seaweedfs/weed
mv bin/weed.tmp bin/weed
echo "$stamp" > bin/weed.stamp.tmp
mv bin/weed.stamp.tmp bin/weed.stamp
echo "seaweedfs: built bin/weed in $((SECONDS - start)) s" >&2
echo "$PWD/bin/weed"
