import Testing
@testable import AugurTraining

/// The CUDA kernels compile with NVRTC wherever libnvrtc loads, even on a machine without a GPU
/// (for example with `LD_LIBRARY_PATH` pointing at the `nvidia-cuda-nvrtc` Python wheel's `lib` folder).
@Suite struct CUDAKernelCompilerTests {
    @Test(arguments: ["compute_75", "compute_90"])
    func kernelsCompileToPTX(architecture: String) throws {
        guard case .success(let nvrtc) = NVRTCLibrary.shared else {
            print("CUDAKernelCompilerTests: skipped, libnvrtc is not on this machine's library path")
            return
        }
        let ptx = try CUDAKernelCompiler.compile(libraries: nvrtc, architecture: architecture)
        let text = String(decoding: ptx.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for kernel in CUDAKernelSource.Name.allCases {
            #expect(text.contains(".entry \(kernel.rawValue)("), "PTX lacks \(kernel.rawValue)")
        }
    }
}
