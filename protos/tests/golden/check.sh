#!/bin/sh
# Re-runs the Go golden program (fabric-protos-go-apiv2 v0.3.7, pinned in go.mod/go.sum)
# and fails if its output differs from the committed golden.txt: the golden bytes the
# Rust test compares against are provably Go's.
set -eu
cd "$(dirname "$0")"
GOFLAGS=-mod=mod go run . > golden.txt.new
if diff -u golden.txt golden.txt.new; then
    rm -f golden.txt.new
    echo "golden.txt matches the Go program's output"
else
    rm -f golden.txt.new
    echo "golden.txt differs from the Go program's output" >&2
    exit 1
fi
