/// The JSON file `--export` writes: every seed's curves, for Benchmarks/optuna_pruners_benchmark.py.
struct CurveExport: Codable {
    struct CurveSet: Codable {
        var seed: UInt64
        var curves: [SyntheticCurves.Curve]
    }

    var steps: Int
    var noise: Double
    var sets: [CurveSet]
}
