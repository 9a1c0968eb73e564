/// A retained primary context of one CUDA device. Device buffers keep it alive, so memory is always freed before the
/// context is released, whatever order the backend and its buffers go away in.
final class CUDAContext: @unchecked Sendable {
    let libraries: CUDALibraries
    let device: Int32
    let handle: OpaquePointer?

    init(libraries: CUDALibraries, device: Int32) throws(BackendError) {
        self.libraries = libraries
        self.device = device
        var context: OpaquePointer?
        try libraries.checkDriver(libraries.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain")
        handle = context
        try makeCurrent()
    }

    deinit {
        _ = libraries.cuDevicePrimaryCtxRelease(device)
    }

    /// Binds the context to the calling thread (training may resume on another thread than the one that opened it).
    func makeCurrent() throws(BackendError) {
        try libraries.checkDriver(libraries.cuCtxSetCurrent(handle), "cuCtxSetCurrent")
    }
}
