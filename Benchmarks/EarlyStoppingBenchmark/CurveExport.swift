/// The JSON file `--export` writes: one seed's curves, for the Optuna comparison script.
struct CurveExport: Codable {
    var seed: UInt64
    var steps: Int
    var noise: Double
    var curves: [SyntheticCurves.Curve]
}
