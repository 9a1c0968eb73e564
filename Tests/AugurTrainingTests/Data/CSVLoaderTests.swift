import Testing
@testable import AugurTraining

@Suite struct CSVLoaderTests {
    private func parse(_ text: String, _ options: CSVOptions = CSVOptions()) throws(DatasetError) -> Dataset {
        try CSVLoader.parse(Array(text.utf8), source: "samples.csv", name: "samples", options: options)
    }

    @Test func labelInTheLastColumnWithoutHeader() throws {
        let dataset = try parse("1,2,0\n3,4,1\r\n\n5,6,2\n")
        #expect(dataset.sampleCount == 3)
        #expect(dataset.featureCount == 2)
        #expect(dataset.classCount == 3)
        #expect(dataset.labels == [0, 1, 2])
        #expect(dataset.features.storage == [1, 2, 3, 4, 5, 6])
    }

    @Test func headerIsDetectedAndLabelsMayBeNames() throws {
        let dataset = try parse("species,length,width\nsetosa,1.5,0.2\nvirginica,5.5,2.1\nsetosa,1.4,0.3\n",
                                CSVOptions(labelColumn: .first))
        #expect(dataset.sampleCount == 3)
        #expect(dataset.classNames == ["setosa", "virginica"])
        #expect(dataset.labels == [0, 1, 0])
        #expect(dataset.features.storage == [1.5, 0.2, 5.5, 2.1, 1.4, 0.3])
    }

    @Test func labelColumnByName() throws {
        let dataset = try parse("a,label,b\n1,1,2\n3,0,4\n", CSVOptions(labelColumn: .named("label")))
        #expect(dataset.labels == [1, 0])
        #expect(dataset.features.storage == [1, 2, 3, 4])
    }

    @Test func scalingIsAppliedAtLoad() throws {
        let dataset = try parse("16,8,1\n0,4,0\n", CSVOptions(scaling: .divide(by: 16)))
        #expect(dataset.features.storage == [1, 0.5, 0, 0.25])
    }

    @Test func wrongFieldCountNamesTheLine() {
        #expect(throws: DatasetError.malformedCSV(
            path: "samples.csv", line: 3, column: nil, message: "expected 3 fields (as on line 1), found 2.")) {
            try parse("1,2,0\n3,4,1\n5,1\n")
        }
    }

    @Test func nonNumericFeatureNamesLineAndColumn() {
        let error = #expect(throws: DatasetError.self) { try parse("1,2,0\n3,x,1\n") }
        #expect(error?.description == "samples.csv:2, column 2: 'x' is not a finite number; every feature must be numeric.")
    }

    @Test func emptyFileIsAnError() {
        #expect(throws: DatasetError.self) { try parse("\n\n") }
    }

    @Test func missingNamedColumnListsTheHeader() {
        let error = #expect(throws: DatasetError.self) {
            try parse("a,b,c\n1,2,3\n", CSVOptions(labelColumn: .named("label")))
        }
        #expect(error?.description.contains("no column named 'label'") == true)
    }

    @Test func unreadableFileSaysWhich() {
        let error = #expect(throws: DatasetError.self) {
            try CSVLoader.load(path: "/nonexistent/augur/data.csv")
        }
        #expect(error?.description.hasPrefix("/nonexistent/augur/data.csv: cannot read the file") == true)
    }

    @Test func loadsFromDiskThroughTheCatalog() throws {
        let path = try TestSupport.temporaryFile(named: "tiny.csv", text: "0,1,2,3\n4,5,6,7\n")
        let dataset = try DatasetCatalog.load(path + "?label=first&scale=2")
        #expect(dataset.labels == [0, 4])
        #expect(dataset.features.storage == [0.5, 1, 1.5, 2.5, 3, 3.5])
    }

    @Test func shippedDigits() throws {
        let digits = try Dataset.digits()
        #expect(digits.sampleCount == 1797)
        #expect(digits.featureCount == 64)
        #expect(digits.classCount == 10)
        #expect(digits.features.storage.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(try DatasetCatalog.load("digits").sampleCount == 1797)
    }
}
