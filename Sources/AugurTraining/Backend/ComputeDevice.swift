import Foundation

/// Which hardware a training run asks for.
public enum ComputeDevice: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The first CUDA GPU when the CUDA libraries load and a device exists, the CPU otherwise.
    case auto
    /// The CPU backend (OpenBLAS).
    case cpu
    /// A CUDA GPU: `index` picks one (0-based, as `nvidia-smi` lists them); `nil` means GPU 0.
    /// Training fails with ``BackendError/cudaUnavailable(reason:)`` when CUDA cannot be used.
    case cuda(index: Int?)

    /// Parses `auto`, `cpu`, `cuda`, `gpu`, `cuda:N` or `gpu:N` (case-insensitive).
    public init(parsing text: String) throws(BackendError) {
        let lowered = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch lowered {
        case "auto": self = .auto
        case "cpu": self = .cpu
        case "cuda", "gpu": self = .cuda(index: nil)
        default:
            for prefix in ["cuda:", "gpu:"] where lowered.hasPrefix(prefix) {
                if let index = Int(lowered.dropFirst(prefix.count)), index >= 0 {
                    self = .cuda(index: index)
                    return
                }
            }
            throw .unknownDevice(text)
        }
    }

    /// The device for parallel trial slot `slot` (0, 1, 2, ...): with `auto` or `cuda` (no index) and `n` usable GPUs,
    /// slot `k` gets GPU `k mod n`, so parallel trials spread one per GPU; an explicit `cuda:N`, `cpu`, or `auto`
    /// without a GPU is returned unchanged.
    public func placed(inSlot slot: Int) -> ComputeDevice {
        switch self {
        case .auto, .cuda(index: nil):
            guard case .available(let count) = CUDABackend.availability(), count > 0 else { return self }
            return .cuda(index: ((slot % count) + count) % count)
        case .cpu, .cuda:
            return self
        }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .cpu: "cpu"
        case .cuda(let index): index.map { "cuda:\($0)" } ?? "cuda"
        }
    }
}
