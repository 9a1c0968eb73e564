/// The backend a run will use, and a sentence saying how it was chosen.
public struct BackendSelection {
    /// The opened backend.
    public let backend: any ComputeBackend
    /// For logs: for example `auto: CUDA is not usable (the CUDA driver (libcuda) could not be loaded (...)); using
    /// CPU (OpenBLAS, 2 threads)`, or `auto: using CUDA device 0: <name> (compute capability <major>.<minor>, ...)`.
    public let note: String

    public init(backend: any ComputeBackend, note: String) {
        self.backend = backend
        self.note = note
    }

    /// Opens the backend for `device`. `cpuThreads` sets OpenBLAS's (process-wide) thread count when the CPU is used.
    ///
    /// - Throws: ``BackendError/cudaUnavailable(reason:)`` when `device` is `cuda` and CUDA cannot be used, or a CUDA
    ///   error when the GPU exists but fails to initialize.
    public static func open(_ device: ComputeDevice, cpuThreads: Int? = nil) throws(BackendError) -> BackendSelection {
        switch device {
        case .cpu:
            let backend = CPUBackend(threads: cpuThreads)
            return BackendSelection(backend: backend, note: "cpu: using \(backend.deviceDescription)")
        case .cuda(let index):
            let backend = try CUDABackend(deviceIndex: index ?? 0)
            return BackendSelection(backend: backend, note: "cuda: using \(backend.deviceDescription)")
        case .auto:
            switch CUDABackend.availability() {
            case .available:
                do {
                    let backend = try CUDABackend(deviceIndex: 0)
                    return BackendSelection(backend: backend, note: "auto: using \(backend.deviceDescription)")
                } catch {
                    let backend = CPUBackend(threads: cpuThreads)
                    return BackendSelection(
                        backend: backend,
                        note: "auto: the CUDA device failed to start (\(error.description)); using \(backend.deviceDescription)")
                }
            case .unavailable(let reason):
                let backend = CPUBackend(threads: cpuThreads)
                return BackendSelection(
                    backend: backend, note: "auto: CUDA is not usable (\(reason)); using \(backend.deviceDescription)")
            }
        }
    }
}
