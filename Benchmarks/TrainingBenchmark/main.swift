// TrainingBenchmark: throughput of Augur's training core.
//
//   swift run -c release TrainingBenchmark [--threads N] [--keep-openblas-core]
//                                                       all sections below (N OpenBLAS threads); when OpenBLAS fell
//                                                       back to its Prescott kernels on a newer CPU, the benchmark
//                                                       restarts itself with a better OPENBLAS_CORETYPE unless told
//                                                       to keep the core
//   swift run -c release TrainingBenchmark digits [name=value ...]
//                                                       train the shipped digits with the given hyperparameters
//
// Sections: the machine and its FP32 peak, cblas_sgemm GFLOP/s for the shapes of a 784-256-256-10 MLP at batch 128,
// training samples/s of that MLP on MNIST-sized synthetic data (CPU; CUDA too when a GPU is usable), and the digits
// recipe from docs/training.md.
import AugurTraining
import CLinearAlgebra
import Foundation

var arguments = Array(CommandLine.arguments.dropFirst())

// OpenBLAS chooses its kernels when it loads, so a better OPENBLAS_CORETYPE only takes effect in a new process:
// re-execute once with it set (the pattern an Augur executable can use too). --keep-openblas-core opts out.
if let keep = arguments.firstIndex(of: "--keep-openblas-core") {
    arguments.remove(at: keep)
} else if let better = OpenBLASKernels.recommendedCoreType() {
    setenv("OPENBLAS_CORETYPE", better, 1)
    let argv = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", argv)
    // Only reached when execv failed: carry on with the kernels we have.
}
if let flag = arguments.firstIndex(of: "--threads"), flag + 1 < arguments.count, let threads = Int32(arguments[flag + 1]) {
    openblas_set_num_threads(threads)
    arguments.removeSubrange(flag...(flag + 1))
}

func readFile(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

/// FP32 peak of this machine, from /proc/cpuinfo: cores × clock × SIMD lanes × 2 (FMA) × 2 (FMA ports per core).
func machinePeak() -> (model: String, cores: Int, megahertz: Double, lanes: Int, gigaflops: Double) {
    let info = readFile("/proc/cpuinfo")
    let lines = info.split(separator: "\n")
    func field(_ name: String) -> String? {
        lines.first { $0.hasPrefix(name) }.flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }
    let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
    let lanes = flags.contains("avx512f") ? 16 : (flags.contains("fma") ? 8 : 4)
    let megahertz = Double(field("cpu MHz") ?? "") ?? 0
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let gigaflops = Double(cores) * megahertz / 1000 * Double(lanes) * 2 * 2
    return (field("model name") ?? "unknown CPU", cores, megahertz, lanes, gigaflops)
}

func sgemmSection(peak: Double) {
    print("\n## cblas_sgemm, shapes of a 784-256-256-10 MLP at batch 128 (row-major)")
    print("OpenBLAS core \(OpenBLASKernels.coreName), \(openblas_get_num_threads()) thread(s)")
    print("shape (M×K · K×N)               purpose                    GFLOP/s   % of peak")
    // (m, n, k, transA, transB, purpose)
    let shapes: [(Int, Int, Int, Bool, Bool, String)] = [
        (128, 256, 784, false, false, "layer 1 forward"),
        (128, 256, 256, false, false, "layer 2 forward"),
        (128, 10, 256, false, false, "layer 3 forward"),
        (784, 256, 128, true, false, "layer 1 weight gradient"),
        (256, 256, 128, true, false, "layer 2 weight gradient"),
        (128, 256, 256, false, true, "layer 2 input gradient"),
        (128, 256, 10, false, true, "layer 3 input gradient"),
    ]
    for (m, n, k, transA, transB, purpose) in shapes {
        var random = TrainingRandom(seed: 7)
        let a = (0..<(m * k)).map { _ in Float(random.nextUnit() - 0.5) }
        let b = (0..<(k * n)).map { _ in Float(random.nextUnit() - 0.5) }
        var c = [Float](repeating: 0, count: m * n)
        let lda = Int32(transA ? m : k)
        let ldb = Int32(transB ? k : n)
        func run() {
            cblas_sgemm(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, lda, b, ldb, 0, &c, Int32(n))
        }
        for _ in 0..<20 { run() }
        var repetitions = 0
        let start = Date()
        while Date().timeIntervalSince(start) < 0.4 {
            for _ in 0..<20 { run() }
            repetitions += 20
        }
        let seconds = Date().timeIntervalSince(start)
        let gflops = 2 * Double(m * n * k) * Double(repetitions) / seconds / 1e9
        let shape = "\(transA ? "(\(k)×\(m))ᵀ" : "\(m)×\(k)") · \(transB ? "(\(n)×\(k))ᵀ" : "\(k)×\(n)")"
        let columns = shape.padding(toLength: 31, withPad: " ", startingAt: 0) + " "
            + purpose.padding(toLength: 25, withPad: " ", startingAt: 0)
        print(columns + String(format: " %7.1f   %5.1f%%", gflops, 100 * gflops / peak))
    }
}

func syntheticMNIST(samples: Int, seed: UInt64) -> Dataset? {
    var random = TrainingRandom(seed: seed)
    let values = (0..<(samples * 784)).map { _ in Float(random.nextUnit()) }
    let labels = (0..<samples).map { _ in random.nextIndex(below: 10) }
    guard let features = Tensor(rows: samples, columns: 784, values: values) else { return nil }
    return try? Dataset(name: "synthetic-mnist", features: features, labels: labels, classCount: 10)
}

/// Training samples/s of the 784-256-256-10 MLP (median epoch of epochs 2-4), with the device it ran on.
func measureThroughput(device: ComputeDevice) -> (samplesPerSecond: Double, device: String)? {
    var configuration = TrainingConfiguration()
    configuration.hiddenLayers = [256, 256]
    configuration.batchSize = 128
    configuration.optimizer = .sgd
    configuration.momentum = 0.9
    configuration.learningRate = 0.01
    configuration.schedule = .constant
    configuration.epochs = 4
    configuration.device = device
    guard let training = syntheticMNIST(samples: 12_800, seed: 1), let validation = syntheticMNIST(samples: 128, seed: 2) else {
        print("could not build the synthetic data")
        return nil
    }
    do {
        let result = try Trainer().train(training: training, validation: validation, configuration: configuration)
        // The first epoch warms caches and allocators; take the median of the rest.
        let seconds = result.epochs.dropFirst().map(\.seconds).sorted()
        return (12_800 / seconds[seconds.count / 2], result.device)
    } catch {
        print("\(device): \(error)")
        return nil
    }
}

/// Runs Benchmarks/pytorch_mlp_benchmark.py with the project's .venv, if both exist; returns its samples/s.
func measurePyTorch(threads: Int32, device: String) -> (samplesPerSecond: Double, line: String)? {
    let python = FileManager.default.currentDirectoryPath + "/.venv/bin/python"
    let script = FileManager.default.currentDirectoryPath + "/Benchmarks/pytorch_mlp_benchmark.py"
    guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: script) else {
        return nil
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [script, "--threads", String(threads), "--device", device]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return nil
    }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0, let line = output.split(separator: "\n").last.map(String.init),
          let range = line.range(of: #"(\d+) samples/s"#, options: .regularExpression),
          let value = Double(line[range].split(separator: " ")[0]) else { return nil }
    return (value, line)
}

/// Alternates Augur and PyTorch rounds (best of `rounds` each, which is what survives a busy shared machine).
func throughputSection(device: ComputeDevice, pytorchDevice: String, rounds: Int = 3) {
    var augurBest = 0.0
    var deviceName = ""
    var pytorchBest: Double?
    var pytorchLine = ""
    for round in 1...rounds {
        if let measured = measureThroughput(device: device) {
            augurBest = max(augurBest, measured.samplesPerSecond)
            deviceName = measured.device
            print(String(format: "round %d  Augur   %8.0f samples/s", round, measured.samplesPerSecond))
        }
        if let torch = measurePyTorch(threads: openblas_get_num_threads(), device: pytorchDevice) {
            pytorchBest = max(pytorchBest ?? 0, torch.samplesPerSecond)
            pytorchLine = torch.line
            print(String(format: "round %d  PyTorch %8.0f samples/s", round, torch.samplesPerSecond))
        }
    }
    print(String(format: "Augur on %@: %.0f samples/s (best of %d)", deviceName as NSString, augurBest, rounds))
    if let pytorchBest {
        print("reference: \(pytorchLine)")
        print(String(format: "PyTorch best of %d: %.0f samples/s; Augur / PyTorch = %.2f", rounds, pytorchBest, augurBest / pytorchBest))
    } else {
        print("PyTorch: not measured (needs .venv/bin/python with torch; see Benchmarks/README.md)")
    }
}

func digitsSection(overrides: [String: String]) {
    do {
        let dataset = try Dataset.digits()
        let configuration = try TrainingConfiguration(hyperparameters: overrides)
        let start = Date()
        let result = try Trainer().train(on: dataset, configuration: configuration) { report in
            print(String(format: "epoch %2d  train loss %.4f  val loss %.4f  val acc %.4f  %.3f s",
                         report.epoch, report.trainingLoss, report.validationLoss, report.validationAccuracy, report.seconds))
            return .continue
        }
        print(result.deviceNote)
        print(String(format: "digits: final validation accuracy %.4f (best %.4f) in %.2f s, %d train / %d validation samples",
                     result.finalReport?.validationAccuracy ?? 0, result.bestValidationAccuracy ?? 0,
                     Date().timeIntervalSince(start), result.trainingSamples, result.validationSamples))
    } catch {
        print("digits: \(error)")
    }
}

if arguments.first == "digits" {
    var overrides: [String: String] = [:]
    for pair in arguments.dropFirst() {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2 { overrides[parts[0]] = parts[1] }
    }
    digitsSection(overrides: overrides)
} else {
    let peak = machinePeak()
    print("# TrainingBenchmark")
    print("machine: \(peak.model), \(peak.cores) cores at \(String(format: "%.0f", peak.megahertz)) MHz, \(peak.lanes) FP32 lanes")
    print(String(format: "assumed FP32 peak: %.0f GFLOP/s = cores × clock × lanes × 2 (FMA) × 2 (FMA ports/core)", peak.gigaflops))
    if let better = OpenBLASKernels.recommendedCoreType() {
        print("note: OpenBLAS fell back to its SSE3 Prescott kernels on this CPU (kept as asked); "
              + "OPENBLAS_CORETYPE=\(better) selects faster ones")
    }
    let threads = min(Int(openblas_get_num_threads()), peak.cores)
    let threadPeak = peak.gigaflops * Double(threads) / Double(max(peak.cores, 1))
    print(String(format: "peak for the %d OpenBLAS thread(s) used below: %.0f GFLOP/s", threads, threadPeak))
    sgemmSection(peak: threadPeak)
    print("\n## MLP 784-256-256-10, batch 128, SGD momentum, training samples/s")
    throughputSection(device: .cpu, pytorchDevice: "cpu")
    switch CUDABackend.availability() {
    case .available:
        throughputSection(device: .cuda(index: 0), pytorchDevice: "cuda")
    case .unavailable(let reason):
        print("CUDA: skipped, \(reason)")
    }
    print("\n## digits with the documented defaults")
    digitsSection(overrides: [:])
}
