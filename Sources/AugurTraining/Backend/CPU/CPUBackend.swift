import CLinearAlgebra
import Foundation

/// The CPU backend: matrix products through OpenBLAS's `cblas_sgemm`, elementwise work in plain loops over
/// contiguous buffers (written so the compiler vectorizes them).
public final class CPUBackend: ComputeBackend {
    public let deviceDescription: String

    /// Opens the CPU backend. `threads`, when given, sets OpenBLAS's thread count for the whole process
    /// (OpenBLAS has one global setting); `nil` leaves it as it is (by default, one thread per core).
    public init(threads: Int? = nil) {
        if let threads, threads > 0 {
            openblas_set_num_threads(Int32(threads))
        }
        let count = openblas_get_num_threads()
        deviceDescription = "CPU (OpenBLAS, \(count) thread\(count == 1 ? "" : "s"))"
    }

    public func makeBuffer(count: Int) throws(BackendError) -> DeviceBuffer {
        let elements = max(count, 1)
        // 64-byte alignment so AVX-512 loads never split cache lines.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: elements * MemoryLayout<Float>.stride, alignment: 64)
        let pointer = raw.initializeMemory(as: Float.self, repeating: 0, count: elements)
        return DeviceBuffer(count: count, storage: .host(pointer)) { storage in
            if case .host(let pointer) = storage {
                UnsafeMutableRawPointer(pointer).deallocate()
            }
        }
    }

    public func upload(_ values: UnsafeBufferPointer<Float>, to buffer: DeviceBuffer) throws(BackendError) {
        guard let source = values.baseAddress else { return }
        buffer.hostPointer.update(from: source, count: min(values.count, buffer.count))
    }

    public func download(_ buffer: DeviceBuffer, into values: UnsafeMutableBufferPointer<Float>) throws(BackendError) {
        guard let target = values.baseAddress else { return }
        target.update(from: buffer.hostPointer, count: min(values.count, buffer.count))
    }

    public func gemm(
        transposeA: Bool, transposeB: Bool, rows: Int, columns: Int, inner: Int,
        alpha: Float, a: DeviceBuffer, b: DeviceBuffer, beta: Float, c: DeviceBuffer
    ) throws(BackendError) {
        let lda = transposeA ? rows : inner
        let ldb = transposeB ? inner : columns
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(rows), Int32(columns), Int32(inner), alpha,
            a.hostPointer, Int32(max(lda, 1)), b.hostPointer, Int32(max(ldb, 1)),
            beta, c.hostPointer, Int32(max(columns, 1))
        )
    }

    public func activate(
        _ activation: Activation, preActivation: DeviceBuffer, output: DeviceBuffer, count: Int
    ) throws(BackendError) {
        let z = UnsafePointer(preActivation.hostPointer)
        let out = output.hostPointer
        switch activation {
        case .relu:
            for i in 0..<count { out[i] = max(z[i], 0) }
        case .tanh:
            for i in 0..<count { out[i] = Foundation.tanh(z[i]) }
        case .sigmoid:
            for i in 0..<count { out[i] = 1 / (1 + exp(-z[i])) }
        case .gelu:
            for i in 0..<count { out[i] = 0.5 * z[i] * (1 + erf(z[i] * Float(0.5).squareRoot())) }
        }
    }

    public func multiplyByActivationDerivative(
        _ activation: Activation, preActivation: DeviceBuffer, gradient: DeviceBuffer, count: Int
    ) throws(BackendError) {
        let z = UnsafePointer(preActivation.hostPointer)
        let g = gradient.hostPointer
        switch activation {
        case .relu:
            for i in 0..<count { g[i] = z[i] > 0 ? g[i] : 0 }
        case .tanh:
            for i in 0..<count {
                let t = Foundation.tanh(z[i])
                g[i] *= 1 - t * t
            }
        case .sigmoid:
            for i in 0..<count {
                let s = 1 / (1 + exp(-z[i]))
                g[i] *= s * (1 - s)
            }
        case .gelu:
            let inverseRootTwo = Float(0.5).squareRoot()
            let inverseRootTwoPi = 1 / Float(2 * Double.pi).squareRoot()
            for i in 0..<count {
                let x = z[i]
                let cdf = 0.5 * (1 + erf(x * inverseRootTwo))
                let pdf = exp(-0.5 * x * x) * inverseRootTwoPi
                g[i] *= cdf + x * pdf
            }
        }
    }

    public func applyDropout(
        to buffer: DeviceBuffer, count: Int, key: UInt32, threshold: UInt32, scale: Float
    ) throws(BackendError) {
        let values = buffer.hostPointer
        for i in 0..<count {
            let bits = DropoutHash.mix(UInt32(truncatingIfNeeded: i) ^ key) >> 8
            values[i] = bits >= threshold ? values[i] * scale : 0
        }
    }

    public func softmaxCrossEntropy(
        logits: DeviceBuffer, labels: DeviceBuffer, rows: Int, classes: Int,
        gradient: DeviceBuffer?, gradientScale: Float
    ) throws(BackendError) -> LossSummary {
        let z = UnsafePointer(logits.hostPointer)
        let y = UnsafePointer(labels.hostPointer)
        let g = gradient?.hostPointer
        var lossSum = 0.0
        var correct = 0
        for row in 0..<rows {
            let base = row * classes
            let label = Int(y[row])
            var largest = z[base]
            var best = 0
            for j in 1..<max(classes, 1) where z[base + j] > largest {
                largest = z[base + j]
                best = j
            }
            var total: Float = 0
            for j in 0..<classes { total += exp(z[base + j] - largest) }
            let logTotal = log(total)
            lossSum += Double(logTotal - (z[base + label] - largest))
            if best == label { correct += 1 }
            if let g {
                let inverseTotal = 1 / total
                for j in 0..<classes {
                    let probability = exp(z[base + j] - largest) * inverseTotal
                    g[base + j] = (probability - (j == label ? 1 : 0)) * gradientScale
                }
            }
        }
        return LossSummary(lossSum: lossSum, correct: correct)
    }

    public func sgdStep(
        parameters: DeviceBuffer, gradients: DeviceBuffer, velocity: DeviceBuffer, count: Int, settings: SGDStepSettings
    ) throws(BackendError) {
        let w = parameters.hostPointer
        let dw = UnsafePointer(gradients.hostPointer)
        let v = velocity.hostPointer
        let rate = settings.learningRate
        let momentum = settings.momentum
        let decay = settings.weightDecay
        if momentum == 0 {
            for i in 0..<count { w[i] -= rate * (dw[i] + decay * w[i]) }
        } else if settings.nesterov {
            for i in 0..<count {
                let g = dw[i] + decay * w[i]
                let velocityValue = momentum * v[i] + g
                v[i] = velocityValue
                w[i] -= rate * (g + momentum * velocityValue)
            }
        } else {
            for i in 0..<count {
                let g = dw[i] + decay * w[i]
                let velocityValue = momentum * v[i] + g
                v[i] = velocityValue
                w[i] -= rate * velocityValue
            }
        }
    }

    public func adamStep(
        parameters: DeviceBuffer, gradients: DeviceBuffer, firstMoment: DeviceBuffer, secondMoment: DeviceBuffer,
        count: Int, settings: AdamStepSettings
    ) throws(BackendError) {
        let w = parameters.hostPointer
        let dw = UnsafePointer(gradients.hostPointer)
        let m = firstMoment.hostPointer
        let v = secondMoment.hostPointer
        let rate = settings.learningRate
        let beta1 = settings.beta1
        let beta2 = settings.beta2
        let epsilon = settings.epsilon
        let inverseCorrection1 = 1 / settings.biasCorrection1
        let inverseCorrection2 = 1 / settings.biasCorrection2
        let coupledDecay = settings.decoupledWeightDecay ? 0 : settings.weightDecay
        let shrink = settings.decoupledWeightDecay ? 1 - rate * settings.weightDecay : 1
        for i in 0..<count {
            let weight = w[i] * shrink
            let g = dw[i] + coupledDecay * w[i]
            let first = beta1 * m[i] + (1 - beta1) * g
            let second = beta2 * v[i] + (1 - beta2) * g * g
            m[i] = first
            v[i] = second
            let denominator = (second * inverseCorrection2).squareRoot() + epsilon
            w[i] = weight - rate * (first * inverseCorrection1) / denominator
        }
    }
}
