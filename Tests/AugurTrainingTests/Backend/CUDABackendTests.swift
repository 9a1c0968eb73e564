import Foundation
import Testing
@testable import AugurTraining

/// The CUDA backend: graceful absence everywhere, and CPU/GPU parity where a GPU is present.
@Suite struct CUDABackendTests {
    static let gpuPresent: Bool = {
        if case .available = CUDABackend.availability() { return true }
        return false
    }()

    @Test func unavailableCUDAIsReportedClearly() throws {
        guard case .unavailable(let reason) = CUDABackend.availability() else {
            print("CUDABackendTests: a GPU is present; the absent-CUDA checks do not apply")
            return
        }
        #expect(!reason.isEmpty)
        let error = #expect(throws: BackendError.self) { try BackendSelection.open(.cuda(index: nil)) }
        #expect(error?.description.contains("device 'cuda' was requested but CUDA is not usable") == true)
        let automatic = try BackendSelection.open(.auto)
        #expect(automatic.backend is CPUBackend)
        #expect(automatic.note.hasPrefix("auto: CUDA is not usable ("))

        var configuration = TrainingConfiguration()
        configuration.device = .cuda(index: nil)
        let dataset = try TestSupport.blobs(samples: 20, features: 2, classes: 2, seed: 1)
        #expect(throws: TrainingError.self) { try Trainer().train(on: dataset, configuration: configuration) }
    }

    @Test func parallelSlotsSpreadOverGPUs() {
        #expect(ComputeDevice.cpu.placed(inSlot: 3) == .cpu)
        #expect(ComputeDevice.cuda(index: 2).placed(inSlot: 5) == .cuda(index: 2))
        switch CUDABackend.availability() {
        case .available(let count):
            #expect(ComputeDevice.auto.placed(inSlot: count + 1) == .cuda(index: 1 % count))
        case .unavailable:
            #expect(ComputeDevice.auto.placed(inSlot: 1) == .auto)
        }
    }

    @Test func missingGPUIndexIsReported() {
        #expect(throws: BackendError.self) { try CUDABackend(deviceIndex: 4096) }
    }

    @Test func elementwiseOperationsMatchTheCPU() throws {
        guard Self.gpuPresent else {
            print("CUDABackendTests.elementwiseOperationsMatchTheCPU: skipped, no CUDA device on this machine")
            return
        }
        let cpu = CPUBackend()
        let gpu = try CUDABackend()
        var random = TrainingRandom(seed: 3)
        let count = 1000
        let input = (0..<count).map { _ in Float(4 * random.nextUnit() - 2) }
        let gradient = (0..<count).map { _ in Float(random.nextUnit() - 0.5) }
        for activation in Activation.allCases {
            var results: [[Float]] = []
            for backend in [cpu, gpu] as [any ComputeBackend] {
                let z = try TestSupport.buffer(input, on: backend)
                let out = try backend.makeBuffer(count: count)
                let g = try TestSupport.buffer(gradient, on: backend)
                try backend.activate(activation, preActivation: z, output: out, count: count)
                try backend.multiplyByActivationDerivative(activation, preActivation: z, gradient: g, count: count)
                try backend.applyDropout(to: out, count: count, key: 1234, threshold: DropoutHash.threshold(rate: 0.3), scale: 1 / 0.7)
                results.append(try TestSupport.values(of: out, on: backend) + TestSupport.values(of: g, on: backend))
            }
            for (a, b) in zip(results[0], results[1]) {
                #expect(abs(a - b) <= 1e-5 * max(1, abs(a)), "\(activation)")
            }
        }
    }

    @Test func trainingMatchesTheCPU() throws {
        guard Self.gpuPresent else {
            print("CUDABackendTests.trainingMatchesTheCPU: skipped, no CUDA device on this machine")
            return
        }
        let dataset = try Dataset.digits()
        var configuration = TrainingConfiguration()
        configuration.epochs = 3
        configuration.dropout = 0.1
        configuration.device = .cpu
        let cpu = try Trainer().train(on: dataset, configuration: configuration)
        configuration.device = .cuda(index: 0)
        let gpu = try Trainer().train(on: dataset, configuration: configuration)
        print("CUDABackendTests: \(gpu.deviceNote)")
        for (a, b) in zip(cpu.epochs, gpu.epochs) {
            #expect(abs(a.trainingLoss - b.trainingLoss) < 1e-3 * max(1, a.trainingLoss))
            #expect(abs(a.validationLoss - b.validationLoss) < 1e-3 * max(1, a.validationLoss))
            #expect(abs(a.validationAccuracy - b.validationAccuracy) <= 2.0 / Double(cpu.validationSamples))
        }
    }
}
