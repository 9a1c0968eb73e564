import Testing
@testable import AugurCore

@Suite struct SeededGeneratorTests {
    @Test func sameSeedGivesSameSequence() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
    }

    @Test func unitDrawsStayInHalfOpenInterval() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<10_000 {
            let u = generator.nextUnit()
            #expect(u >= 0 && u < 1)
        }
    }

    @Test func streamsDiffer() {
        var a = SeededGenerator(seed: 1, stream: 1)
        var b = SeededGenerator(seed: 1, stream: 2)
        #expect(a.next() != b.next())
    }
}
