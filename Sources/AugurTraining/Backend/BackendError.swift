/// Why a compute backend could not be opened or failed.
public enum BackendError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `device: cuda` was asked for but CUDA cannot be used here; `reason` says which library or device is missing.
    case cudaUnavailable(reason: String)
    /// A CUDA driver, cuBLAS or NVRTC call returned an error.
    case cudaCallFailed(call: String, code: Int, message: String)
    /// The CUDA kernels did not compile; `log` is NVRTC's compiler log.
    case kernelCompilationFailed(log: String)
    /// The device string is not `auto`, `cpu`, `cuda` or `cuda:N`.
    case unknownDevice(String)
    /// A buffer of the requested size could not be allocated.
    case outOfMemory(bytes: Int, device: String)

    public var description: String {
        switch self {
        case .cudaUnavailable(let reason):
            return "device 'cuda' was requested but CUDA is not usable on this machine: \(reason). "
                + "Use device 'auto' to fall back to the CPU, or install the NVIDIA driver, cuBLAS and NVRTC "
                + "(set LD_LIBRARY_PATH or CUDA_HOME if they live outside the linker's search path)."
        case .cudaCallFailed(let call, let code, let message):
            return "CUDA call \(call) failed with error \(code) (\(message))."
        case .kernelCompilationFailed(let log):
            return "NVRTC could not compile Augur's CUDA kernels; compiler log:\n\(log)"
        case .unknownDevice(let text):
            return "unknown device '\(text)'; write 'auto', 'cpu', 'cuda' or 'cuda:N' (N is a GPU index)."
        case .outOfMemory(let bytes, let device):
            return "could not allocate \(bytes) bytes on \(device); use a smaller batch size or width."
        }
    }
}
