import Foundation

/// Which OpenBLAS kernels this process runs, and a better choice when OpenBLAS's CPU detection fell short.
///
/// OpenBLAS built with `DYNAMIC_ARCH` (Debian's) picks its kernels once, when the library loads. Versions older than
/// the CPU (Debian 12 ships 0.3.21) may not recognise it and fall back to the SSE3 "Prescott" kernels, which run
/// sgemm several times slower than the AVX-512 or AVX2 ones. The fix is the environment variable `OPENBLAS_CORETYPE`,
/// which must be set before the process starts: an executable can check ``recommendedCoreType()`` at the top of
/// `main` and re-execute itself with the variable set.
public enum OpenBLASKernels {
    /// The kernel family OpenBLAS selected (`openblas_get_corename`), for example `SkylakeX`, `Haswell` or `Prescott`;
    /// `unknown` when the library does not say.
    public static var coreName: String {
        typealias CoreName = @convention(c) () -> UnsafePointer<CChar>?
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "openblas_get_corename") else { return "unknown" }
        return unsafeBitCast(symbol, to: CoreName.self)().map { String(cString: $0) } ?? "unknown"
    }

    /// `SkylakeX` (AVX-512) or `Haswell` (AVX2 with FMA) when OpenBLAS fell back to `Prescott` on a CPU that has those
    /// instructions and `OPENBLAS_CORETYPE` is not already set; `nil` otherwise.
    public static func recommendedCoreType() -> String? {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, coreName == "Prescott" else { return nil }
        let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard let flagsLine = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }
}
