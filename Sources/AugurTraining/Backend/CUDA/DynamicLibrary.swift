import Foundation

/// A shared library opened at run time with `dlopen`, so that Augur has no link-time dependency on CUDA.
///
/// Libraries stay loaded for the life of the process (unloading the CUDA driver under live contexts is unsafe, and
/// `dlopen` reference counting makes reopening cheap).
final class DynamicLibrary: @unchecked Sendable {
    /// The name or path that loaded.
    let name: String
    private let handle: UnsafeMutableRawPointer

    private init(name: String, handle: UnsafeMutableRawPointer) {
        self.name = name
        self.handle = handle
    }

    /// Opens the first of `names` that loads, trying each on the linker's search path and then in the usual CUDA
    /// folders (`$CUDA_HOME/lib64`, `$CUDA_PATH/lib64`, `/usr/local/cuda/lib64`, ...).
    /// - Throws: ``BackendError/cudaUnavailable(reason:)`` naming the library and the loader's message.
    static func open(_ names: [String], purpose: String) throws(BackendError) -> DynamicLibrary {
        let environment = ProcessInfo.processInfo.environment
        var folders: [String] = []
        for variable in ["CUDA_HOME", "CUDA_PATH"] {
            if let root = environment[variable], !root.isEmpty {
                folders += [root + "/lib64", root + "/lib", root + "/targets/x86_64-linux/lib"]
            }
        }
        folders += ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu",
                    "/usr/lib64", "/usr/lib/wsl/lib"]
        var firstError: String?
        for name in names {
            for candidate in [name] + folders.map({ $0 + "/" + name }) {
                if let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                    return DynamicLibrary(name: candidate, handle: handle)
                }
                if firstError == nil, let message = dlerror() {
                    firstError = String(cString: message)
                }
            }
        }
        throw .cudaUnavailable(
            reason: "\(purpose) could not be loaded (tried \(names.joined(separator: ", ")): \(firstError ?? "not found"))")
    }

    /// The address of `symbol` as a C function of type `Function`.
    func function<Function>(_ symbol: String, as type: Function.Type) throws(BackendError) -> Function {
        guard let address = dlsym(handle, symbol) else {
            throw .cudaUnavailable(reason: "\(name) has no symbol \(symbol) (the library is too old or not the CUDA one)")
        }
        return unsafeBitCast(address, to: type)
    }

    /// The address of `symbol` as a C function, or `nil` when the library does not export it.
    func optionalFunction<Function>(_ symbol: String, as type: Function.Type) -> Function? {
        dlsym(handle, symbol).map { unsafeBitCast($0, to: type) }
    }
}
