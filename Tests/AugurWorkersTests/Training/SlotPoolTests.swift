@testable import AugurWorkers
import Testing

@Suite struct SlotPoolTests {
    @Test func parallelTrialsGetTheLowestFreeSlot() {
        let pool = SlotPool()
        #expect(pool.acquire() == 0)
        #expect(pool.acquire() == 1)
        pool.release(0)
        #expect(pool.acquire() == 0)
        #expect(pool.acquire() == 2)
    }
}
