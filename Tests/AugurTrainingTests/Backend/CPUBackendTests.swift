import Testing
@testable import AugurTraining

@Suite struct CPUBackendTests {
    /// Row-major `gemm` with every transpose combination against a plain triple loop.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesNaiveProduct(transposeA: Bool, transposeB: Bool) throws {
        let backend = CPUBackend()
        let (rows, columns, inner) = (3, 4, 5)
        var random = TrainingRandom(seed: 1)
        let aValues = (0..<(rows * inner)).map { _ in Float(random.nextUnit() - 0.5) }
        let bValues = (0..<(inner * columns)).map { _ in Float(random.nextUnit() - 0.5) }
        let cValues = (0..<(rows * columns)).map { _ in Float(random.nextUnit() - 0.5) }
        // op(A)[i][p] and op(B)[p][j] read from the stored (possibly transposed) layouts.
        func a(_ i: Int, _ p: Int) -> Float { transposeA ? aValues[p * rows + i] : aValues[i * inner + p] }
        func b(_ p: Int, _ j: Int) -> Float { transposeB ? bValues[j * inner + p] : bValues[p * columns + j] }
        let c = try TestSupport.buffer(cValues, on: backend)
        try backend.gemm(
            transposeA: transposeA, transposeB: transposeB, rows: rows, columns: columns, inner: inner,
            alpha: 2, a: try TestSupport.buffer(aValues, on: backend), b: try TestSupport.buffer(bValues, on: backend),
            beta: 0.5, c: c)
        let result = try TestSupport.values(of: c, on: backend)
        for i in 0..<rows {
            for j in 0..<columns {
                let expected = 2 * (0..<inner).reduce(Float(0)) { $0 + a(i, $1) * b($1, j) } + 0.5 * cValues[i * columns + j]
                #expect(abs(result[i * columns + j] - expected) < 1e-5)
            }
        }
    }

    @Test func activationsMatchTheirDefinitions() throws {
        let backend = CPUBackend()
        let inputs: [Float] = [-2, -0.5, 0, 0.5, 2]
        for activation in Activation.allCases {
            let z = try TestSupport.buffer(inputs, on: backend)
            let out = try backend.makeBuffer(count: inputs.count)
            try backend.activate(activation, preActivation: z, output: out, count: inputs.count)
            let values = try TestSupport.values(of: out, on: backend)
            #expect(zip(values, inputs).allSatisfy { abs($0 - activation.apply($1)) < 1e-6 }, "\(activation)")
        }
    }

    @Test func openBLASReportsItsKernels() {
        #expect(!OpenBLASKernels.coreName.isEmpty)
        if OpenBLASKernels.coreName != "Prescott" {
            #expect(OpenBLASKernels.recommendedCoreType() == nil)
        }
    }
}
