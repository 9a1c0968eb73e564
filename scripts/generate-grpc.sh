#!/usr/bin/env bash
# Regenerates the committed gRPC code from Protos/:
#   Sources/AugurRPC/Generated/     Augur's own service and the standard health service
#   Sources/AugurVizier/Generated/  OSS Vizier's service (Protos/vizier, from google-vizier 0.1.24) and the
#                                   google.longrunning / google.rpc messages it uses (Protos/google, from
#                                   googleapis-common-protos 1.66.0); see the README.md in each folder
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

# generate OUTPUT_DIR PROTOC_ARGUMENTS…: messages and services of the given files into a fresh OUTPUT_DIR.
generate() {
    local output="$1"
    shift
    mkdir -p "$output"
    rm -f "$output"/*.swift
    protoc \
        --plugin=protoc-gen-swift="$plugin_dir/protoc-gen-swift" \
        --swift_out="$output" \
        --swift_opt=Visibility=Public \
        --swift_opt=FileNaming=PathToUnderscores \
        --plugin=protoc-gen-grpc-swift="$plugin_dir/protoc-gen-grpc-swift-2" \
        --grpc-swift_out="$output" \
        --grpc-swift_opt=Visibility=Public \
        --grpc-swift_opt=FileNaming=PathToUnderscores \
        "$@"
    # The gRPC plugin writes a file for every input; those of files without a service hold only imports.
    local file
    for file in "$output"/*.grpc.swift; do
        grep -q "ServiceDescriptor" "$file" || rm "$file"
    done
    echo "generated in $output:" >&2
    ls -1 "$output" >&2
}

cd "$repo_root/Protos"
generate "$output" augur/v1/augur_service.proto grpc/health/v1/health.proto
# Vizier's files import each other by bare name ("study.proto"), so Protos/vizier is an import root of its own.
# Only what the façade serves is generated: the google/api files are needed to read the others (their options are
# annotations for REST gateways and client generators), not by the Swift code.
generate "$repo_root/Sources/AugurVizier/Generated" -I vizier -I . \
    vizier/key_value.proto vizier/study.proto vizier/vizier_service.proto \
    google/longrunning/operations.proto google/rpc/status.proto
