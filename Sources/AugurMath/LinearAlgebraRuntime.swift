import CLinearAlgebra
import Foundation

/// The BLAS/LAPACK library underneath ``Matrix`` and ``CholeskyFactor``: which kernels it runs and on how many threads.
///
/// OpenBLAS picks its kernels for the CPU when it is loaded. A build older than the CPU (OpenBLAS 0.3.21 on
/// Debian 12 does not know Emerald Rapids) falls back to its generic "Prescott" SSE3 kernels, 2–4× slower than the
/// AVX2/AVX-512 ones the CPU supports; the choice can only be changed by `OPENBLAS_CORETYPE` before the library
/// loads. Executables call ``reexecuteWithOptimizedKernelsIfNeeded()`` first thing to get the right kernels.
public enum LinearAlgebraRuntime {
    /// The kernel family in use, as OpenBLAS names it.
    public static var kernelName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The library's build configuration line.
    public static var configuration: String {
        guard let configuration = openblas_get_config() else { return "unknown" }
        return String(cString: configuration)
    }

    /// Threads BLAS calls may use.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(Swift.max(newValue, 1))) }
    }

    /// The kernel family to ask for when OpenBLAS fell back to generic kernels on a CPU with AVX-512 (`SkylakeX`) or
    /// AVX2 (`Haswell`); `nil` when its own choice stands.
    public static var recommendedCoreType: String? {
        guard kernelName == "Prescott",
              let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
                .split(separator: "\n").first(where: { $0.hasPrefix("flags") })?
                .split(separator: " ").map(String.init)
        else { return nil }
        if flags.contains("avx512f") && flags.contains("avx512dq") && flags.contains("avx512vl") { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// Replaces the current process by itself with `OPENBLAS_CORETYPE` set to ``recommendedCoreType`` (and
    /// `OPENBLAS_NUM_THREADS` to `threads` if given and not already set), when OpenBLAS fell back to generic kernels
    /// and the variable is not set yet. Returns normally when nothing needs to change or the re-execution fails.
    public static func reexecuteWithOptimizedKernelsIfNeeded(threads: Int? = nil) {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, let coreType = recommendedCoreType else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        if let threads, environment["OPENBLAS_NUM_THREADS"] == nil {
            setenv("OPENBLAS_NUM_THREADS", String(threads), 1)
        }
        let arguments = CommandLine.arguments
        var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        pointers.append(nil)
        execv("/proc/self/exe", pointers)
        // Only reached if exec failed: carry on with the generic kernels.
        for pointer in pointers { free(pointer) }
    }
}
