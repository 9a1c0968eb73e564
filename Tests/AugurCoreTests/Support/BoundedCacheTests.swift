import AugurCore
import Testing

@Suite struct BoundedCacheTests {
    @Test func keepsAtMostItsCapacityAndForgetsTheLeastRecentlyUsedFirst() {
        let cache = BoundedCache<Int, String>(capacity: 4)
        for key in 0..<4 { cache.set("v\(key)", for: key) }
        // Touch 0 and 1: 2 and 3 are now the least recently used.
        #expect(cache[0] == "v0" && cache[1] == "v1")
        cache.set("v4", for: 4)
        #expect(cache.count <= 4)
        #expect(cache[0] == "v0" && cache[1] == "v1" && cache[4] == "v4")
        #expect(cache[2] == nil && cache[3] == nil)
    }

    @Test(arguments: [1, 2, 7, 64]) func neverGrowsPastItsCapacity(capacity: Int) {
        let cache = BoundedCache<Int, Int>(capacity: capacity)
        var generator = SeededGenerator(seed: UInt64(capacity))
        for _ in 0..<1_000 {
            let key = Int.random(in: 0..<200, using: &generator)
            if Bool.random(using: &generator) { cache.set(key, for: key) } else { _ = cache[key] }
            #expect(cache.count <= capacity)
        }
    }

    @Test func replacingAKeyKeepsEveryOtherEntry() {
        let cache = BoundedCache<String, Int>(capacity: 2)
        cache.set(1, for: "a")
        cache.set(2, for: "b")
        cache.set(3, for: "a")
        #expect(cache["a"] == 3 && cache["b"] == 2)
        #expect(cache.value(for: "b") { 99 } == 2)
        cache.remove("b")
        #expect(cache.value(for: "b") { 99 } == 99)
    }
}
