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

    public var description: String {
        switch self {
        case .auto: "auto"
        case .cpu: "cpu"
        case .cuda(let index): index.map { "cuda:\($0)" } ?? "cuda"
        }
    }
}
