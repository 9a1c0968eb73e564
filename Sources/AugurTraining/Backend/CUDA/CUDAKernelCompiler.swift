import Foundation
import Synchronization

/// Compiles ``CUDAKernelSource`` to PTX with NVRTC, once per process and target architecture.
enum CUDAKernelCompiler {
    private static let cache = Mutex<[String: [CChar]]>([:])

    /// NUL-terminated PTX for `compute_<major><minor>`. When NVRTC does not know that architecture (a GPU newer than
    /// the NVRTC library), it falls back to older ones the device can still run (`compute_90`, `_80`, `_75`, `_70`:
    /// the driver JIT-compiles PTX forward to newer GPUs; CUDA 13's NVRTC no longer accepts `compute_70`).
    static func ptx(
        libraries: NVRTCLibrary, major: Int32, minor: Int32
    ) throws(BackendError) -> (ptx: [CChar], architecture: String) {
        var lastError: BackendError?
        let device = Int(major) * 10 + Int(minor)
        let fallbacks = [90, 80, 75, 70].filter { $0 < device }.map { "compute_\($0)" }
        for architecture in ["compute_\(major)\(minor)"] + fallbacks {
            if let cached = cache.withLock({ $0[architecture] }) {
                return (cached, architecture)
            }
            do {
                let ptx = try compile(libraries: libraries, architecture: architecture)
                cache.withLock { $0[architecture] = ptx }
                return (ptx, architecture)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? .kernelCompilationFailed(log: "no architecture was tried")
    }

    /// Compiles the kernel source for `architecture` (for example `compute_90`).
    static func compile(libraries: NVRTCLibrary, architecture: String) throws(BackendError) -> [CChar] {
        var program: OpaquePointer?
        try libraries.checkNVRTC(
            libraries.nvrtcCreateProgram(&program, CUDAKernelSource.text, "augur_kernels.cu", 0, nil, nil),
            "nvrtcCreateProgram")
        defer { _ = libraries.nvrtcDestroyProgram(&program) }
        let options = ["--gpu-architecture=\(architecture)", "--std=c++14"]
        let optionStrings = options.map { strdup($0) }
        defer { optionStrings.forEach { free($0) } }
        let optionPointers: [UnsafePointer<CChar>?] = optionStrings.map { $0.map { UnsafePointer($0) } }
        let status = optionPointers.withUnsafeBufferPointer { pointers in
            libraries.nvrtcCompileProgram(program, Int32(pointers.count), pointers.baseAddress)
        }
        if status != 0 {
            var logSize = 0
            _ = libraries.nvrtcGetProgramLogSize(program, &logSize)
            var log = [CChar](repeating: 0, count: max(logSize, 1))
            _ = libraries.nvrtcGetProgramLog(program, &log)
            let text = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .kernelCompilationFailed(log: "\(architecture): \(text.isEmpty ? "nvrtcResult \(status)" : text)")
        }
        var size = 0
        try libraries.checkNVRTC(libraries.nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize")
        var ptx = [CChar](repeating: 0, count: max(size, 1))
        try libraries.checkNVRTC(libraries.nvrtcGetPTX(program, &ptx), "nvrtcGetPTX")
        return ptx
    }
}
