import Testing
import AugurCore
@testable import AugurAlgorithms

@Suite struct SearchGridTests {
    @Test func doubleStepOverUnitIntervalHasElevenValues() throws {
        let grid = try SearchGrid(SearchSpace([.double("x", min: 0, max: 1, step: 0.1)]))
        #expect(grid.cellCount == 11)
        let values = (0..<11).compactMap { grid.assignment(ofCell: $0)["x"]?.doubleValue }
        #expect(values == [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])
    }

    @Test func maxOffTheGridIsLeftOut() throws {
        let grid = try SearchGrid(SearchSpace([.double("x", min: 0.5, max: 1.2, step: 0.25)]))
        let values = (0..<grid.cellCount).compactMap { grid.assignment(ofCell: $0)["x"]?.doubleValue }
        #expect(values == [0.5, 0.75, 1.0])
    }

    @Test func integerStepsIncludeMaxWhenOnTheGrid() throws {
        let unit = try SearchGrid(SearchSpace([.integer("n", min: 1, max: 5)]))
        #expect((0..<unit.cellCount).map { unit.assignment(ofCell: $0)["n"] } == (1...5).map { .integer($0) })
        let stepped = try SearchGrid(SearchSpace([.integer("n", min: 0, max: 10, step: 5)]))
        #expect((0..<stepped.cellCount).map { stepped.assignment(ofCell: $0)["n"] } == [.integer(0), .integer(5), .integer(10)])
        let offGrid = try SearchGrid(SearchSpace([.integer("n", min: 0, max: 10, step: 4)]))
        #expect((0..<offGrid.cellCount).map { offGrid.assignment(ofCell: $0)["n"] } == [.integer(0), .integer(4), .integer(8)])
    }

    @Test func logScaleKeepsTheLinearLattice() throws {
        let grid = try SearchGrid(SearchSpace([.double("lr", min: 0.01, max: 0.05, scale: .log, step: 0.01)]))
        let values = (0..<grid.cellCount).compactMap { grid.assignment(ofCell: $0)["lr"]?.doubleValue }
        #expect(values == [0.01, 0.02, 0.03, 0.04, 0.05])
    }

    @Test func listsEnumerateInOrder() throws {
        let grid = try SearchGrid(SearchSpace([.discrete("batch", [64, 32, 128]), .categorical("opt", ["sgd", "adam"])]))
        #expect(grid.cellCount == 6)
        let cells = (0..<6).map { grid.assignment(ofCell: $0) }
        #expect(cells.map { $0["batch"] } == [64, 64, 32, 32, 128, 128].map { .double($0) })
        #expect(cells.map { $0["opt"] } == ["sgd", "adam", "sgd", "adam", "sgd", "adam"].map { .string($0) })
    }

    @Test func mixedGridHasEveryCombinationOnce() throws {
        let grid = try SearchGrid(Fixtures.smallGridSpace)
        #expect(grid.radices == [11, 4, 3, 2])
        #expect(grid.cellCount == 264)
        let cells = (0..<grid.cellCount).map { grid.assignment(ofCell: $0) }
        #expect(Set(cells).count == 264)
        for (index, cell) in cells.enumerated() {
            #expect(Fixtures.smallGridSpace.isValid(cell))
            #expect(grid.cell(of: cell) == index)
        }
        // The last parameter varies fastest.
        #expect(cells[0] == ["dropout": .double(0), "layers": .integer(2), "batch": .double(32), "optimizer": .string("sgd")])
        #expect(cells[1] == ["dropout": .double(0), "layers": .integer(2), "batch": .double(32), "optimizer": .string("adam")])
        #expect(cells[263] == ["dropout": .double(1), "layers": .integer(8), "batch": .double(128), "optimizer": .string("adam")])
    }

    @Test func cellOfStoredAssignmentsToleratesJSONNumbers() throws {
        let grid = try SearchGrid(Fixtures.smallGridSpace)
        // As read back from JSON: 1.0 decodes as an integer, a double carries rounding noise.
        let stored: ParameterAssignment = ["dropout": .integer(1), "layers": .double(8), "batch": .integer(128),
                                           "optimizer": .string("adam")]
        #expect(grid.cells(of: [stored]) == [263])
        let noisy: ParameterAssignment = ["dropout": .double(0.30000000000000004), "layers": .integer(2),
                                          "batch": .double(32), "optimizer": .string("sgd")]
        #expect(grid.cells(of: [noisy]) == [3 * 24])
        let offGrid: ParameterAssignment = ["dropout": .double(0.25), "layers": .integer(2), "batch": .double(32),
                                            "optimizer": .string("sgd")]
        #expect(grid.cells(of: [offGrid]).isEmpty)
        #expect(grid.cells(of: [["dropout": .double(0)]]).isEmpty)
    }

    @Test(arguments: [4, 20])
    func cellOfInvertsAssignmentOfCell(parameterCount: Int) throws {
        let space = SearchSpace((0..<parameterCount).map { ParameterSpec.categorical("p\($0)", ["a", "b"]) })
        let grid = try SearchGrid(space)
        for index in [0, 1, 5, grid.cellCount / 3, grid.cellCount - 1] {
            var assignment = grid.assignment(ofCell: index)
            #expect(grid.cell(of: assignment) == index)
            // Values of parameters the space no longer has do not matter; a missing one does.
            assignment["retired"] = .integer(3)
            #expect(grid.cell(of: assignment) == index)
            assignment["p0"] = nil
            #expect(grid.cell(of: assignment) == nil)
        }
    }

    @Test func rejectsDoubleWithoutStep() {
        #expect(throws: DesignerError.gridNeedsStep(parameter: "lr")) {
            try SearchGrid(SearchSpace([.integer("n", min: 1, max: 3), .double("lr", min: 0, max: 1)]))
        }
    }

    @Test func rejectsGridsTooLargeToCount() {
        let parameters = (0..<8).map { ParameterSpec.integer("p\($0)", min: 0, max: 999_999) }
        #expect(throws: DesignerError.gridTooLarge(parameters: parameters.map(\.name))) {
            try SearchGrid(SearchSpace(parameters))
        }
    }
}
