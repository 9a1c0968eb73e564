#!/usr/bin/env bash
# Regenerates Sources/AugurRPC/Generated/ from Protos/ (Augur's service and the standard health service).
#
# The generated files are committed; run this after changing a .proto and commit both. It needs `protoc` (3.21 or
# later) and the two Swift plugins built from the very package versions Package.swift depends on:
#   protoc-gen-swift           from apple/swift-protobuf 1.39.0
#   protoc-gen-grpc-swift-2    from grpc/grpc-swift-protobuf 2.4.1
# Point PROTOC_PLUGIN_DIR at a directory holding both; when they are missing they are built once into a scratch
# SwiftPM package under ${TMPDIR:-/tmp} (outside this repository), which takes several minutes.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
output="$repo_root/Sources/AugurRPC/Generated"
scratch="${TMPDIR:-/tmp}/augur-protoc-plugins"
plugin_dir="${PROTOC_PLUGIN_DIR:-$scratch/.build/release}"

if ! command -v protoc >/dev/null; then
    echo "protoc is missing: install it (apt-get install protobuf-compiler, see scripts/install-deps.sh)" >&2
    exit 1
fi

if [[ ! -x "$plugin_dir/protoc-gen-swift" || ! -x "$plugin_dir/protoc-gen-grpc-swift-2" ]]; then
    echo "building protoc-gen-swift and protoc-gen-grpc-swift-2 in $scratch" >&2
    mkdir -p "$scratch/Sources/Placeholder"
    cat >"$scratch/Package.swift" <<'MANIFEST'
// swift-tools-version: 6.1
import PackageDescription

// Only here to build the two protoc plugins at the versions Augur's Package.swift uses.
let package = Package(
    name: "AugurProtocPlugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
    ],
    targets: [
        .target(name: "Placeholder", dependencies: [
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        ]),
    ]
)
MANIFEST
    echo "// Empty: the package exists to build the protoc plugins." >"$scratch/Sources/Placeholder/Placeholder.swift"
    (cd "$scratch" && swift build -c release --product protoc-gen-swift && swift build -c release --product protoc-gen-grpc-swift-2)
    plugin_dir="$scratch/.build/release"
fi

mkdir -p "$output"
rm -f "$output"/*.swift

protos=(augur/v1/augur_service.proto grpc/health/v1/health.proto)
cd "$repo_root/Protos"
protoc \
    --plugin=protoc-gen-swift="$plugin_dir/protoc-gen-swift" \
    --swift_out="$output" \
    --swift_opt=Visibility=Public \
    --swift_opt=FileNaming=PathToUnderscores \
    --plugin=protoc-gen-grpc-swift="$plugin_dir/protoc-gen-grpc-swift-2" \
    --grpc-swift_out="$output" \
    --grpc-swift_opt=Visibility=Public \
    --grpc-swift_opt=FileNaming=PathToUnderscores \
    "${protos[@]}"

echo "generated:" >&2
ls -1 "$output" >&2
