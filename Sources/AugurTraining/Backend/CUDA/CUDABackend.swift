import Foundation

/// The CUDA backend: cuBLAS `cublasSgemm` for products and NVRTC-compiled kernels (launched through the driver
/// API) for everything elementwise. Every CUDA library is loaded at run time with `dlopen`; nothing CUDA is needed
/// to build or link Augur.
///
/// Libraries looked for: the driver `libcuda.so.1`, cuBLAS `libcublas.so[.13|.12|.11]` and NVRTC
/// `libnvrtc.so[.13|.12|.11.2]`, on the linker's search path (`LD_LIBRARY_PATH`) and under `$CUDA_HOME`,
/// `$CUDA_PATH` and `/usr/local/cuda`. Work is issued on the default stream; downloads synchronize.
public final class CUDABackend: ComputeBackend {
    /// Whether CUDA can be used in this process.
    public enum Availability: Sendable, Hashable {
        /// The libraries load and at least one device exists.
        case available(deviceCount: Int)
        /// CUDA cannot be used; the reason names the missing library or device.
        case unavailable(reason: String)
    }

    public let deviceDescription: String
    /// The 0-based device index this backend runs on.
    public let deviceIndex: Int
    private let context: CUDAContext
    private let cublas: OpaquePointer?
    private let module: OpaquePointer?
    private let kernels: [CUDAKernelSource.Name: OpaquePointer?]
    private var scratch: DeviceBuffer?
    private var libraries: CUDALibraries { context.libraries }

    /// Checks, without opening a device, whether the CUDA driver, cuBLAS and NVRTC load and a device exists.
    public static func availability() -> Availability {
        let libraries: CUDALibraries
        switch CUDALibraries.shared {
        case .failure(let error):
            if case .cudaUnavailable(let reason) = error { return .unavailable(reason: reason) }
            return .unavailable(reason: error.description)
        case .success(let loaded):
            libraries = loaded
        }
        let initResult = libraries.cuInit(0)
        guard initResult == 0 else {
            return .unavailable(reason: "cuInit failed with CUresult \(initResult) (no usable driver or device)")
        }
        var count: Int32 = 0
        guard libraries.cuDeviceGetCount(&count) == 0, count > 0 else {
            return .unavailable(reason: "the CUDA driver reports no device")
        }
        return .available(deviceCount: Int(count))
    }

    /// Opens GPU `deviceIndex`, creates a cuBLAS handle and loads the kernels.
    ///
    /// - Throws: ``BackendError/cudaUnavailable(reason:)`` when a library or the device is missing, or a CUDA
    ///   error when initialization fails.
    public init(deviceIndex: Int = 0) throws(BackendError) {
        let libraries: CUDALibraries
        switch CUDALibraries.shared {
        case .failure(let error): throw error
        case .success(let loaded): libraries = loaded
        }
        try libraries.checkDriver(libraries.cuInit(0), "cuInit")
        var count: Int32 = 0
        try libraries.checkDriver(libraries.cuDeviceGetCount(&count), "cuDeviceGetCount")
        guard deviceIndex >= 0, deviceIndex < Int(count) else {
            throw .cudaUnavailable(
                reason: count == 0 ? "the CUDA driver reports no device"
                    : "GPU \(deviceIndex) was requested but only \(count) device\(count == 1 ? " exists" : "s exist") (0…\(count - 1))")
        }
        var device: Int32 = 0
        try libraries.checkDriver(libraries.cuDeviceGet(&device, Int32(deviceIndex)), "cuDeviceGet")
        var nameBuffer = [CChar](repeating: 0, count: 256)
        try libraries.checkDriver(libraries.cuDeviceGetName(&nameBuffer, 255, device), "cuDeviceGetName")
        let name = String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var major: Int32 = 0
        var minor: Int32 = 0
        try libraries.checkDriver(libraries.cuDeviceGetAttribute(&major, 75, device), "cuDeviceGetAttribute(major)")
        try libraries.checkDriver(libraries.cuDeviceGetAttribute(&minor, 76, device), "cuDeviceGetAttribute(minor)")
        var memory = 0
        _ = libraries.cuDeviceTotalMem(&memory, device)

        context = try CUDAContext(libraries: libraries, device: device)
        var handle: OpaquePointer?
        try libraries.checkCublas(libraries.cublasCreate(&handle), "cublasCreate_v2")
        cublas = handle
        var cublasVersion: Int32 = 0
        _ = libraries.cublasGetVersion?(handle, &cublasVersion)

        let compiled: (ptx: [CChar], architecture: String)
        do {
            compiled = try CUDAKernelCompiler.ptx(libraries: libraries.nvrtc, major: major, minor: minor)
        } catch {
            _ = libraries.cublasDestroy(handle)
            throw error
        }
        var loadedModule: OpaquePointer?
        let loadResult = compiled.ptx.withUnsafeBytes { bytes in
            libraries.cuModuleLoadData(&loadedModule, bytes.baseAddress)
        }
        if loadResult != 0 { _ = libraries.cublasDestroy(handle) }
        try libraries.checkDriver(loadResult, "cuModuleLoadData")
        module = loadedModule
        var functions: [CUDAKernelSource.Name: OpaquePointer?] = [:]
        for kernel in CUDAKernelSource.Name.allCases {
            var function: OpaquePointer?
            let result = libraries.cuModuleGetFunction(&function, loadedModule, kernel.rawValue)
            if result != 0 {
                _ = libraries.cuModuleUnload(loadedModule)
                _ = libraries.cublasDestroy(handle)
            }
            try libraries.checkDriver(result, "cuModuleGetFunction(\(kernel.rawValue))")
            functions[kernel] = function
        }
        kernels = functions
        self.deviceIndex = deviceIndex
        let gibibytes = Double(memory) / Double(1 << 30)
        let versionText = cublasVersion > 0 ? ", cuBLAS \(cublasVersion / 10000).\((cublasVersion / 100) % 100)" : ""
        deviceDescription = "CUDA device \(deviceIndex): \(name) (compute capability \(major).\(minor), "
            + "\(String(format: "%.0f", gibibytes)) GiB\(versionText), kernels built for \(compiled.architecture))"
    }

    deinit {
        try? context.makeCurrent()
        _ = libraries.cuCtxSynchronize()
        scratch = nil
        _ = libraries.cuModuleUnload(module)
        _ = libraries.cublasDestroy(cublas)
    }

    // MARK: Memory

    public func makeBuffer(count: Int) throws(BackendError) -> DeviceBuffer {
        try context.makeCurrent()
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        var address: UInt64 = 0
        let result = libraries.cuMemAlloc(&address, bytes)
        if result == 2 { throw .outOfMemory(bytes: bytes, device: deviceDescription) }
        try libraries.checkDriver(result, "cuMemAlloc_v2")
        try libraries.checkDriver(libraries.cuMemsetD32(address, 0, max(count, 1)), "cuMemsetD32_v2")
        let owner = context
        return DeviceBuffer(count: count, storage: .device(address)) { storage in
            if case .device(let address) = storage {
                try? owner.makeCurrent()
                _ = owner.libraries.cuMemFree(address)
            }
        }
    }

    public func upload(_ values: UnsafeBufferPointer<Float>, to buffer: DeviceBuffer) throws(BackendError) {
        guard let source = values.baseAddress, values.count > 0 else { return }
        try context.makeCurrent()
        let count = min(values.count, buffer.count)
        try libraries.checkDriver(
            libraries.cuMemcpyHtoD(buffer.deviceAddress, source, count * MemoryLayout<Float>.stride), "cuMemcpyHtoD_v2")
    }

    public func download(_ buffer: DeviceBuffer, into values: UnsafeMutableBufferPointer<Float>) throws(BackendError) {
        guard let target = values.baseAddress, values.count > 0 else { return }
        try context.makeCurrent()
        let count = min(values.count, buffer.count)
        try libraries.checkDriver(
            libraries.cuMemcpyDtoH(target, buffer.deviceAddress, count * MemoryLayout<Float>.stride), "cuMemcpyDtoH_v2")
    }

    // MARK: Products

    public func gemm(
        transposeA: Bool, transposeB: Bool, rows: Int, columns: Int, inner: Int,
        alpha: Float, a: DeviceBuffer, b: DeviceBuffer, beta: Float, c: DeviceBuffer
    ) throws(BackendError) {
        try context.makeCurrent()
        // Row-major C (rows × columns) is column-major Cᵀ, and Cᵀ = op(B)ᵀ · op(A)ᵀ: swap the operands and keep
        // each one's transpose flag and leading dimension.
        let lda = Int32(max(transposeA ? rows : inner, 1))
        let ldb = Int32(max(transposeB ? inner : columns, 1))
        var alphaValue = alpha
        var betaValue = beta
        let status = libraries.cublasSgemm(
            cublas, transposeB ? 1 : 0, transposeA ? 1 : 0, Int32(columns), Int32(rows), Int32(inner),
            &alphaValue, UnsafeRawPointer(bitPattern: UInt(b.deviceAddress)), ldb,
            UnsafeRawPointer(bitPattern: UInt(a.deviceAddress)), lda,
            &betaValue, UnsafeMutableRawPointer(bitPattern: UInt(c.deviceAddress)), Int32(max(columns, 1)))
        try libraries.checkCublas(status, "cublasSgemm_v2")
    }

    // MARK: Elementwise

    public func activate(
        _ activation: Activation, preActivation: DeviceBuffer, output: DeviceBuffer, count: Int
    ) throws(BackendError) {
        try launch(.activate, elements: count, [
            .int32(activation.kernelCode), .pointer(preActivation), .pointer(output), .int64(Int64(count)),
        ])
    }

    public func multiplyByActivationDerivative(
        _ activation: Activation, preActivation: DeviceBuffer, gradient: DeviceBuffer, count: Int
    ) throws(BackendError) {
        try launch(.activationDerivative, elements: count, [
            .int32(activation.kernelCode), .pointer(preActivation), .pointer(gradient), .int64(Int64(count)),
        ])
    }

    public func applyDropout(
        to buffer: DeviceBuffer, count: Int, key: UInt32, threshold: UInt32, scale: Float
    ) throws(BackendError) {
        try launch(.dropout, elements: count, [
            .pointer(buffer), .int64(Int64(count)), .uint32(key), .uint32(threshold), .float(scale),
        ])
    }

    public func softmaxCrossEntropy(
        logits: DeviceBuffer, labels: DeviceBuffer, rows: Int, classes: Int,
        gradient: DeviceBuffer?, gradientScale: Float
    ) throws(BackendError) -> LossSummary {
        guard rows > 0 else { return LossSummary(lossSum: 0, correct: 0) }
        if (scratch?.count ?? 0) < 2 * rows {
            scratch = nil
            scratch = try makeBuffer(count: 2 * rows)
        }
        guard let scratch else { return LossSummary(lossSum: 0, correct: 0) }
        let correctAddress = scratch.deviceAddress + UInt64(rows * MemoryLayout<Float>.stride)
        try launch(.softmaxCrossEntropy, elements: rows, [
            .pointer(logits), .pointer(labels), .int32(Int32(rows)), .int32(Int32(classes)),
            .address(gradient?.deviceAddress ?? 0), .int32(gradient == nil ? 0 : 1), .float(gradientScale),
            .pointer(scratch), .address(correctAddress),
        ])
        var values = [Float](repeating: 0, count: 2 * rows)
        try values.withUnsafeMutableBufferPointer { (target) throws(BackendError) in
            try download(scratch, into: target)
        }
        var lossSum = 0.0
        var correct = 0
        for row in 0..<rows {
            lossSum += Double(values[row])
            correct += values[rows + row] > 0.5 ? 1 : 0
        }
        return LossSummary(lossSum: lossSum, correct: correct)
    }

    public func sgdStep(
        parameters: DeviceBuffer, gradients: DeviceBuffer, velocity: DeviceBuffer, count: Int, settings: SGDStepSettings
    ) throws(BackendError) {
        try launch(.sgd, elements: count, [
            .pointer(parameters), .pointer(gradients), .pointer(velocity), .int64(Int64(count)),
            .float(settings.learningRate), .float(settings.momentum), .int32(settings.nesterov ? 1 : 0),
            .float(settings.weightDecay),
        ])
    }

    public func adamStep(
        parameters: DeviceBuffer, gradients: DeviceBuffer, firstMoment: DeviceBuffer, secondMoment: DeviceBuffer,
        count: Int, settings: AdamStepSettings
    ) throws(BackendError) {
        let coupledDecay = settings.decoupledWeightDecay ? 0 : settings.weightDecay
        let shrink = settings.decoupledWeightDecay ? 1 - settings.learningRate * settings.weightDecay : 1
        try launch(.adam, elements: count, [
            .pointer(parameters), .pointer(gradients), .pointer(firstMoment), .pointer(secondMoment),
            .int64(Int64(count)), .float(settings.learningRate), .float(settings.beta1), .float(settings.beta2),
            .float(settings.epsilon), .float(coupledDecay), .float(shrink),
            .float(1 / settings.biasCorrection1), .float(1 / settings.biasCorrection2),
        ])
    }

    // MARK: Launching

    /// One kernel argument, stored in an 8-byte slot whose address goes into `kernelParams`.
    private enum KernelArgument {
        case pointer(DeviceBuffer)
        case address(UInt64)
        case int32(Int32)
        case uint32(UInt32)
        case int64(Int64)
        case float(Float)
    }

    private static let threadsPerBlock = 256
    private static let maximumBlocks = 4096

    private func launch(_ name: CUDAKernelSource.Name, elements: Int, _ arguments: [KernelArgument]) throws(BackendError) {
        guard elements > 0 else { return }
        try context.makeCurrent()
        guard let function = kernels[name] ?? nil else {
            throw .cudaCallFailed(call: "cuLaunchKernel(\(name.rawValue))", code: -1, message: "kernel not loaded")
        }
        let blocks = min((elements + Self.threadsPerBlock - 1) / Self.threadsPerBlock, Self.maximumBlocks)
        var slots = [UInt64](repeating: 0, count: arguments.count)
        let result = slots.withUnsafeMutableBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return 1 }
            for (index, argument) in arguments.enumerated() {
                let offset = index * 8
                switch argument {
                case .pointer(let buffer): raw.storeBytes(of: buffer.deviceAddress, toByteOffset: offset, as: UInt64.self)
                case .address(let address): raw.storeBytes(of: address, toByteOffset: offset, as: UInt64.self)
                case .int32(let value): raw.storeBytes(of: value, toByteOffset: offset, as: Int32.self)
                case .uint32(let value): raw.storeBytes(of: value, toByteOffset: offset, as: UInt32.self)
                case .int64(let value): raw.storeBytes(of: value, toByteOffset: offset, as: Int64.self)
                case .float(let value): raw.storeBytes(of: value, toByteOffset: offset, as: Float.self)
                }
            }
            var pointers: [UnsafeMutableRawPointer?] = (0..<arguments.count).map { base + $0 * 8 }
            return pointers.withUnsafeMutableBufferPointer { parameterPointers in
                libraries.cuLaunchKernel(
                    function, UInt32(blocks), 1, 1, UInt32(Self.threadsPerBlock), 1, 1, 0, nil,
                    parameterPointers.baseAddress, nil)
            }
        }
        // Keep the buffers alive until the launch call has read the arguments.
        withExtendedLifetime(arguments) {}
        try libraries.checkDriver(result, "cuLaunchKernel(\(name.rawValue))")
    }
}
