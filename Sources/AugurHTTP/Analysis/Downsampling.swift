/// Server-side downsampling of the series the dashboard plots, so that a large study is never shipped whole.
public enum Downsampling {
    /// The indices to keep of `count` points when at most `limit` may be shown: all of them when they fit; otherwise
    /// every index in `mustKeep` (the best-so-far improvements, say; at most `limit` of them, the latest first given
    /// up) and the first and last point, then a uniform stride over the rest until `limit` is reached. Sorted, no
    /// duplicates, and the same for the same input.
    public static func indices(count: Int, limit: Int, mustKeep: [Int] = []) -> [Int] {
        guard count > 0, limit > 0 else { return [] }
        if count <= limit { return Array(0..<count) }
        var kept = Set<Int>()
        for index in [0, count - 1] + mustKeep where index >= 0 && index < count && kept.count < limit {
            kept.insert(index)
        }
        let room = limit - kept.count
        if room > 0 {
            // A uniform stride over the indices not kept yet, filling the room exactly.
            let rest = (0..<count).filter { !kept.contains($0) }
            for step in 0..<min(room, rest.count) {
                kept.insert(rest[step * rest.count / room])
            }
        }
        return kept.sorted()
    }
}
