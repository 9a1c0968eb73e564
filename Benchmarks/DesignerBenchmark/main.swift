// Suggestion throughput of the random, quasi-random and grid designers over a 6-D mixed search space, and what history
// costs the designers that read it (grid, random over a small finite space).
//
//     swift run -c release DesignerBenchmark
import AugurAlgorithms
import AugurCore
import Foundation

/// Log-scale and linear doubles, linear and log-scale integers, a discrete and a categorical list.
let mixedSpace = SearchSpace([
    .double("lr", min: 1e-5, max: 1e-1, scale: .log),
    .double("dropout", min: 0, max: 0.5),
    .integer("layers", min: 1, max: 8),
    .integer("units", min: 16, max: 1024, scale: .log),
    .discrete("batch", [32, 64, 128, 256]),
    .categorical("optimizer", ["sgd", "adam", "rmsprop"]),
])

/// The same six parameters with steps: 100 · 11 · 8 · 64 · 4 · 3 = 6,758,400 cells.
let griddedSpace = SearchSpace([
    .double("lr", min: 0.001, max: 0.1, scale: .log, step: 0.001),
    .double("dropout", min: 0, max: 0.5, step: 0.05),
    .integer("layers", min: 1, max: 8),
    .integer("units", min: 16, max: 1024, step: 16, scale: .log),
    .discrete("batch", [32, 64, 128, 256]),
    .categorical("optimizer", ["sgd", "adam", "rmsprop"]),
])

/// A finite space small enough (20 · 10 · 8 · 3 = 4,800 points) for random search to avoid repeats.
let smallFiniteSpace = SearchSpace([
    .double("lr", min: 0.005, max: 0.1, step: 0.005),
    .double("dropout", min: 0.05, max: 0.5, step: 0.05),
    .integer("layers", min: 1, max: 8),
    .categorical("optimizer", ["sgd", "adam", "rmsprop"]),
])

func trials(_ assignments: [ParameterAssignment]) -> [Trial] {
    assignments.enumerated().map { offset, parameters in
        Trial(id: offset + 1, study: "bench", parameters: parameters, state: .completed,
              createdAt: Date(timeIntervalSince1970: 0))
    }
}

/// The best of three runs of `measure`: the machine is shared, and the best run is the one least disturbed.
func throughput(_ designer: some Designer, count: Int, history: [Trial] = []) throws -> Double {
    try (0..<3).map { _ in try measure(designer, count: count, history: history) }.max() ?? 0
}

/// Calls `designer` with `count`-sized requests after `history` until about `budget` has passed; suggestions per second.
func measure(_ designer: some Designer, count: Int, history: [Trial], budget: Duration = .milliseconds(300)) throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    var suggestions = 0
    var calls = 0
    var checksum = 0
    repeat {
        let request = DesignRequest(count: count, history: designer.historyScope == .countsOnly ? [] : history,
                                    trialCount: history.count + calls * count)
        let batch = try designer.suggest(request)
        suggestions += batch.count
        checksum &+= batch.count
        calls += 1
    } while clock.now - start < budget
    let elapsed = clock.now - start
    precondition(checksum == suggestions)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return Double(suggestions) / seconds
}

func row(_ name: String, _ count: Int, _ history: Int, _ rate: Double) {
    let rateText = String(format: "%12.0f", rate)
    let perCall = String(format: "%10.1f", 1e6 * Double(count) / rate)
    print("\(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(String(format: "%6d", count)) "
        + "\(String(format: "%8d", history)) \(rateText) \(perCall)")
}

print("Designer suggestion throughput (6-D mixed space, one process, one core)")
print("designer                            batch  history  suggestions/s  µs/call")

let random = try RandomDesigner(searchSpace: mixedSpace, seed: 1)
let halton = try QuasiRandomDesigner(searchSpace: mixedSpace, sequence: .halton, seed: 1)
let sobol = try QuasiRandomDesigner(searchSpace: mixedSpace, sequence: .sobol, seed: 1)
for count in [1, 100] {
    row("random", count, 0, try throughput(random, count: count))
    row("quasirandom halton (scrambled)", count, 0, try throughput(halton, count: count))
    row("quasirandom sobol (scrambled)", count, 0, try throughput(sobol, count: count))
}

let grid = try GridDesigner(searchSpace: griddedSpace)
print("grid: \(grid.grid.cellCount) cells")
for historySize in [0, 10_000, 100_000] {
    let history = trials((0..<historySize).map { grid.grid.assignment(ofCell: $0 * 3) })
    for count in [1, 100] {
        row("grid", count, historySize, try throughput(grid, count: count, history: history))
    }
}

let finiteRandom = try RandomDesigner(searchSpace: smallFiniteSpace, seed: 1)
let finiteGrid = try SearchGrid(smallFiniteSpace)
print("random over a small finite space: \(finiteGrid.cellCount) points, no repeats")
for historySize in [0, 2_400, 4_700] {
    let history = trials((0..<historySize).map { finiteGrid.assignment(ofCell: ($0 * 7) % finiteGrid.cellCount) })
    row("random (finite, avoids repeats)", 1, historySize, try throughput(finiteRandom, count: 1, history: history))
}
