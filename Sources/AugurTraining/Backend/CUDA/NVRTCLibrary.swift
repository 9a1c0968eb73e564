/// The NVRTC entry points (`nvrtc.h`) Augur uses to compile its CUDA kernels at run time, resolved with `dlsym`.
/// `nvrtcProgram` is an opaque pointer and `nvrtcResult` a 32-bit integer where 0 means success.
final class NVRTCLibrary: @unchecked Sendable {
    typealias NvrtcCreateProgram = @convention(c) (
        UnsafeMutablePointer<OpaquePointer?>, UnsafePointer<CChar>, UnsafePointer<CChar>?, Int32,
        UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?
    ) -> Int32
    typealias NvrtcCompileProgram = @convention(c) (OpaquePointer?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
    typealias NvrtcGetSize = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int>) -> Int32
    typealias NvrtcGetText = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>) -> Int32
    typealias NvrtcDestroyProgram = @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Int32
    typealias NvrtcGetErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias NvrtcVersion = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Int32

    let nvrtcCreateProgram: NvrtcCreateProgram
    let nvrtcCompileProgram: NvrtcCompileProgram
    let nvrtcGetPTXSize: NvrtcGetSize
    let nvrtcGetPTX: NvrtcGetText
    let nvrtcGetProgramLogSize: NvrtcGetSize
    let nvrtcGetProgramLog: NvrtcGetText
    let nvrtcDestroyProgram: NvrtcDestroyProgram
    let nvrtcGetErrorString: NvrtcGetErrorString?
    let nvrtcVersion: NvrtcVersion?

    /// Where the library was found.
    let path: String

    /// The library file names tried, newest first.
    static let names = ["libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1"]

    /// The library, loaded once per process.
    static let shared: Result<NVRTCLibrary, BackendError> = {
        do throws(BackendError) {
            return .success(try NVRTCLibrary())
        } catch {
            return .failure(error)
        }
    }()

    private init() throws(BackendError) {
        let library = try DynamicLibrary.open(Self.names, purpose: "NVRTC (libnvrtc)")
        nvrtcCreateProgram = try library.function("nvrtcCreateProgram", as: NvrtcCreateProgram.self)
        nvrtcCompileProgram = try library.function("nvrtcCompileProgram", as: NvrtcCompileProgram.self)
        nvrtcGetPTXSize = try library.function("nvrtcGetPTXSize", as: NvrtcGetSize.self)
        nvrtcGetPTX = try library.function("nvrtcGetPTX", as: NvrtcGetText.self)
        nvrtcGetProgramLogSize = try library.function("nvrtcGetProgramLogSize", as: NvrtcGetSize.self)
        nvrtcGetProgramLog = try library.function("nvrtcGetProgramLog", as: NvrtcGetText.self)
        nvrtcDestroyProgram = try library.function("nvrtcDestroyProgram", as: NvrtcDestroyProgram.self)
        nvrtcGetErrorString = library.optionalFunction("nvrtcGetErrorString", as: NvrtcGetErrorString.self)
        nvrtcVersion = library.optionalFunction("nvrtcVersion", as: NvrtcVersion.self)
        path = library.name
    }

    /// Throws unless the NVRTC call succeeded.
    func checkNVRTC(_ result: Int32, _ call: String) throws(BackendError) {
        guard result != 0 else { return }
        let message = nvrtcGetErrorString?(result).map { String(cString: $0) } ?? "nvrtcResult \(result)"
        throw .cudaCallFailed(call: call, code: Int(result), message: message)
    }
}
