/// The CUDA driver API and cuBLAS entry points (plus NVRTC, see ``NVRTCLibrary``) Augur uses, resolved with `dlsym`.
///
/// The C prototypes are declared here as `@convention(c)` types (from `cuda.h`, `cublas_api.h`, `nvrtc.h`), so no
/// CUDA header or library is needed to build Augur. Handles (`CUcontext`, `CUmodule`, `CUfunction`,
/// `cublasHandle_t`, `nvrtcProgram`) are opaque pointers; `CUdeviceptr` is a 64-bit integer; `CUresult`,
/// `cublasStatus_t` and `nvrtcResult` are 32-bit integers where 0 means success.
final class CUDALibraries: @unchecked Sendable {
    // MARK: Driver API (libcuda)
    typealias CuInit = @convention(c) (UInt32) -> Int32
    typealias CuDeviceGetCount = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    typealias CuDeviceGet = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias CuDeviceGetName = @convention(c) (UnsafeMutablePointer<CChar>, Int32, Int32) -> Int32
    typealias CuDeviceGetAttribute = @convention(c) (UnsafeMutablePointer<Int32>, Int32, Int32) -> Int32
    typealias CuDeviceTotalMem = @convention(c) (UnsafeMutablePointer<Int>, Int32) -> Int32
    typealias CuDevicePrimaryCtxRetain = @convention(c) (UnsafeMutablePointer<OpaquePointer?>, Int32) -> Int32
    typealias CuDevicePrimaryCtxRelease = @convention(c) (Int32) -> Int32
    typealias CuCtxSetCurrent = @convention(c) (OpaquePointer?) -> Int32
    typealias CuCtxSynchronize = @convention(c) () -> Int32
    typealias CuMemAlloc = @convention(c) (UnsafeMutablePointer<UInt64>, Int) -> Int32
    typealias CuMemFree = @convention(c) (UInt64) -> Int32
    typealias CuMemcpyHtoD = @convention(c) (UInt64, UnsafeRawPointer?, Int) -> Int32
    typealias CuMemcpyDtoH = @convention(c) (UnsafeMutableRawPointer?, UInt64, Int) -> Int32
    typealias CuMemsetD32 = @convention(c) (UInt64, UInt32, Int) -> Int32
    typealias CuModuleLoadData = @convention(c) (UnsafeMutablePointer<OpaquePointer?>, UnsafeRawPointer?) -> Int32
    typealias CuModuleUnload = @convention(c) (OpaquePointer?) -> Int32
    typealias CuModuleGetFunction = @convention(c) (
        UnsafeMutablePointer<OpaquePointer?>, OpaquePointer?, UnsafePointer<CChar>
    ) -> Int32
    typealias CuLaunchKernel = @convention(c) (
        OpaquePointer?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, OpaquePointer?,
        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> Int32
    typealias CuGetErrorString = @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Int32
    typealias CuDriverGetVersion = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32

    // MARK: cuBLAS
    typealias CublasCreate = @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Int32
    typealias CublasDestroy = @convention(c) (OpaquePointer?) -> Int32
    typealias CublasGetVersion = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>) -> Int32
    typealias CublasSgemm = @convention(c) (
        OpaquePointer?, Int32, Int32, Int32, Int32, Int32,
        UnsafePointer<Float>, UnsafeRawPointer?, Int32, UnsafeRawPointer?, Int32,
        UnsafePointer<Float>, UnsafeMutableRawPointer?, Int32
    ) -> Int32

    let cuInit: CuInit
    let cuDeviceGetCount: CuDeviceGetCount
    let cuDeviceGet: CuDeviceGet
    let cuDeviceGetName: CuDeviceGetName
    let cuDeviceGetAttribute: CuDeviceGetAttribute
    let cuDeviceTotalMem: CuDeviceTotalMem
    let cuDevicePrimaryCtxRetain: CuDevicePrimaryCtxRetain
    let cuDevicePrimaryCtxRelease: CuDevicePrimaryCtxRelease
    let cuCtxSetCurrent: CuCtxSetCurrent
    let cuCtxSynchronize: CuCtxSynchronize
    let cuMemAlloc: CuMemAlloc
    let cuMemFree: CuMemFree
    let cuMemcpyHtoD: CuMemcpyHtoD
    let cuMemcpyDtoH: CuMemcpyDtoH
    let cuMemsetD32: CuMemsetD32
    let cuModuleLoadData: CuModuleLoadData
    let cuModuleUnload: CuModuleUnload
    let cuModuleGetFunction: CuModuleGetFunction
    let cuLaunchKernel: CuLaunchKernel
    let cuGetErrorString: CuGetErrorString?
    let cuDriverGetVersion: CuDriverGetVersion?

    let cublasCreate: CublasCreate
    let cublasDestroy: CublasDestroy
    let cublasGetVersion: CublasGetVersion?
    let cublasSgemm: CublasSgemm

    /// The run-time compiler, loaded on its own so kernels can be compiled (and tested) without a GPU.
    let nvrtc: NVRTCLibrary

    /// Where each library was found.
    let driverPath: String
    let cublasPath: String

    /// The library file names tried, newest first.
    static let driverNames = ["libcuda.so.1", "libcuda.so"]
    static let cublasNames = ["libcublas.so", "libcublas.so.13", "libcublas.so.12", "libcublas.so.11"]

    /// The libraries, loaded once per process; the failure says which one is missing.
    static let shared: Result<CUDALibraries, BackendError> = {
        do throws(BackendError) {
            return .success(try CUDALibraries())
        } catch {
            return .failure(error)
        }
    }()

    private init() throws(BackendError) {
        let driver = try DynamicLibrary.open(Self.driverNames, purpose: "the CUDA driver (libcuda)")
        cuInit = try driver.function("cuInit", as: CuInit.self)
        cuDeviceGetCount = try driver.function("cuDeviceGetCount", as: CuDeviceGetCount.self)
        cuDeviceGet = try driver.function("cuDeviceGet", as: CuDeviceGet.self)
        cuDeviceGetName = try driver.function("cuDeviceGetName", as: CuDeviceGetName.self)
        cuDeviceGetAttribute = try driver.function("cuDeviceGetAttribute", as: CuDeviceGetAttribute.self)
        cuDeviceTotalMem = try driver.function("cuDeviceTotalMem_v2", as: CuDeviceTotalMem.self)
        cuDevicePrimaryCtxRetain = try driver.function("cuDevicePrimaryCtxRetain", as: CuDevicePrimaryCtxRetain.self)
        if let release = driver.optionalFunction("cuDevicePrimaryCtxRelease_v2", as: CuDevicePrimaryCtxRelease.self) {
            cuDevicePrimaryCtxRelease = release
        } else {
            cuDevicePrimaryCtxRelease = try driver.function("cuDevicePrimaryCtxRelease", as: CuDevicePrimaryCtxRelease.self)
        }
        cuCtxSetCurrent = try driver.function("cuCtxSetCurrent", as: CuCtxSetCurrent.self)
        cuCtxSynchronize = try driver.function("cuCtxSynchronize", as: CuCtxSynchronize.self)
        cuMemAlloc = try driver.function("cuMemAlloc_v2", as: CuMemAlloc.self)
        cuMemFree = try driver.function("cuMemFree_v2", as: CuMemFree.self)
        cuMemcpyHtoD = try driver.function("cuMemcpyHtoD_v2", as: CuMemcpyHtoD.self)
        cuMemcpyDtoH = try driver.function("cuMemcpyDtoH_v2", as: CuMemcpyDtoH.self)
        cuMemsetD32 = try driver.function("cuMemsetD32_v2", as: CuMemsetD32.self)
        cuModuleLoadData = try driver.function("cuModuleLoadData", as: CuModuleLoadData.self)
        cuModuleUnload = try driver.function("cuModuleUnload", as: CuModuleUnload.self)
        cuModuleGetFunction = try driver.function("cuModuleGetFunction", as: CuModuleGetFunction.self)
        cuLaunchKernel = try driver.function("cuLaunchKernel", as: CuLaunchKernel.self)
        cuGetErrorString = driver.optionalFunction("cuGetErrorString", as: CuGetErrorString.self)
        cuDriverGetVersion = driver.optionalFunction("cuDriverGetVersion", as: CuDriverGetVersion.self)
        driverPath = driver.name

        let cublas = try DynamicLibrary.open(Self.cublasNames, purpose: "cuBLAS (libcublas)")
        cublasCreate = try cublas.function("cublasCreate_v2", as: CublasCreate.self)
        cublasDestroy = try cublas.function("cublasDestroy_v2", as: CublasDestroy.self)
        cublasGetVersion = cublas.optionalFunction("cublasGetVersion_v2", as: CublasGetVersion.self)
        cublasSgemm = try cublas.function("cublasSgemm_v2", as: CublasSgemm.self)
        cublasPath = cublas.name

        switch NVRTCLibrary.shared {
        case .success(let loaded): nvrtc = loaded
        case .failure(let error): throw error
        }
    }

    /// Throws ``BackendError/cudaCallFailed(call:code:message:)`` unless the driver call succeeded.
    func checkDriver(_ result: Int32, _ call: String) throws(BackendError) {
        guard result != 0 else { return }
        var text: UnsafePointer<CChar>?
        let message: String
        if let cuGetErrorString, cuGetErrorString(result, &text) == 0, let text {
            message = String(cString: text)
        } else {
            message = "CUresult \(result)"
        }
        throw .cudaCallFailed(call: call, code: Int(result), message: message)
    }

    /// Throws unless the cuBLAS call succeeded.
    func checkCublas(_ status: Int32, _ call: String) throws(BackendError) {
        guard status != 0 else { return }
        let names: [Int32: String] = [
            1: "CUBLAS_STATUS_NOT_INITIALIZED", 3: "CUBLAS_STATUS_ALLOC_FAILED", 7: "CUBLAS_STATUS_INVALID_VALUE",
            8: "CUBLAS_STATUS_ARCH_MISMATCH", 11: "CUBLAS_STATUS_MAPPING_ERROR", 13: "CUBLAS_STATUS_EXECUTION_FAILED",
            14: "CUBLAS_STATUS_INTERNAL_ERROR", 15: "CUBLAS_STATUS_NOT_SUPPORTED",
        ]
        throw .cudaCallFailed(call: call, code: Int(status), message: names[status] ?? "cublasStatus_t \(status)")
    }
}
