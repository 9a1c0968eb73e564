import Testing
import AugurCore
@testable import AugurAlgorithms

@Suite struct GridDesignerTests {
    @Test func proposesCellsInGridOrderThenNothing() throws {
        let designer = try GridDesigner(searchSpace: Fixtures.smallGridSpace)
        #expect(designer.historyScope == .parameters)
        let all = try Fixtures.run(designer, total: 1_000, batch: 7)
        #expect(all.count == 264)
        #expect(all == (0..<264).map { designer.grid.assignment(ofCell: $0) })
        #expect(try Fixtures.suggest(designer, count: 5, after: Fixtures.trials(all)).isEmpty)
    }

    @Test func batchHasNoDuplicates() throws {
        let designer = try GridDesigner(searchSpace: Fixtures.smallGridSpace)
        let batch = try Fixtures.suggest(designer, count: 100)
        #expect(batch.count == 100)
        #expect(Set(batch).count == 100)
    }

    @Test(arguments: TrialState.allCases)
    func skipsCellsOfTrialsInEveryState(state: TrialState) throws {
        let designer = try GridDesigner(searchSpace: Fixtures.smallGridSpace)
        let taken = [0, 1, 5, 200].map { designer.grid.assignment(ofCell: $0) }
        let next = try Fixtures.suggest(designer, count: 4, after: Fixtures.trials(taken, state: state))
        #expect(next == [2, 3, 4, 6].map { designer.grid.assignment(ofCell: $0) })
    }

    @Test func skipsPendingAssignmentsEvenWithoutHistory() throws {
        let designer = try GridDesigner(searchSpace: Fixtures.smallGridSpace)
        let request = DesignRequest(count: 2, trialCount: 1, pending: [designer.grid.assignment(ofCell: 0)])
        #expect(try designer.suggest(request) == [1, 2].map { designer.grid.assignment(ofCell: $0) })
    }

    @Test func parallelWorkersNeverShareACell() throws {
        // Trials handed out but still ACTIVE must not be handed out again.
        let designer = try GridDesigner(searchSpace: Fixtures.smallGridSpace)
        let all = try Fixtures.run(designer, total: 264, batch: 5, state: .active)
        #expect(Set(all).count == 264)
    }

    @Test func exhaustionReturnsFewerThenNone() throws {
        let designer = try GridDesigner(searchSpace: SearchSpace([.categorical("opt", ["sgd", "adam", "adagrad"])]))
        let first = try Fixtures.suggest(designer, count: 2)
        #expect(first.count == 2)
        let second = try Fixtures.suggest(designer, count: 2, after: Fixtures.trials(first))
        #expect(second == [["opt": .string("adagrad")]])
        #expect(try Fixtures.suggest(designer, count: 2, after: Fixtures.trials(first + second)).isEmpty)
    }

    @Test func offGridHistoryDoesNotBlockCells() throws {
        let designer = try GridDesigner(searchSpace: SearchSpace([.double("x", min: 0, max: 1, step: 0.5)]))
        let next = try Fixtures.suggest(designer, count: 5, after: Fixtures.trials([["x": .double(0.25)]]))
        #expect(next.compactMap { $0["x"]?.doubleValue } == [0, 0.5, 1])
    }

    @Test func millionCellGridSkipsLongHistoryQuickly() throws {
        // 100 · 100 · 100 cells; the first 20,000 are taken. Nothing is materialized beyond the requested cells.
        let space = SearchSpace((0..<3).map { ParameterSpec.integer("p\($0)", min: 0, max: 99) })
        let designer = try GridDesigner(searchSpace: space)
        #expect(designer.grid.cellCount == 1_000_000)
        let history = Fixtures.trials((0..<20_000).map { designer.grid.assignment(ofCell: $0) })
        let next = try Fixtures.suggest(designer, count: 3, after: history)
        #expect(next == [20_000, 20_001, 20_002].map { designer.grid.assignment(ofCell: $0) })
    }

    @Test func deterministic() throws {
        let designer = try GridDesigner(searchSpace: Fixtures.smallGridSpace)
        #expect(try Fixtures.run(designer, total: 50, batch: 3) == Fixtures.run(designer, total: 50, batch: 7))
    }
}
