/// Float32 memory owned by one ``ComputeBackend``: host memory for the CPU backend, device memory for CUDA.
///
/// The memory is released when the last reference goes away.
public final class DeviceBuffer {
    /// Where the floats live.
    enum Storage {
        case host(UnsafeMutablePointer<Float>)
        case device(UInt64)
    }

    /// The number of floats.
    public let count: Int
    let storage: Storage
    private let release: (Storage) -> Void

    init(count: Int, storage: Storage, release: @escaping (Storage) -> Void) {
        self.count = count
        self.storage = storage
        self.release = release
    }

    deinit {
        release(storage)
    }

    /// The host pointer of a CPU buffer (a CUDA buffer never reaches the CPU backend's code paths).
    var hostPointer: UnsafeMutablePointer<Float> {
        switch storage {
        case .host(let pointer): return pointer
        case .device: preconditionFailure("a CUDA buffer was passed to the CPU backend")
        }
    }

    /// The device address of a CUDA buffer.
    var deviceAddress: UInt64 {
        switch storage {
        case .device(let address): return address
        case .host: preconditionFailure("a CPU buffer was passed to the CUDA backend")
        }
    }
}
