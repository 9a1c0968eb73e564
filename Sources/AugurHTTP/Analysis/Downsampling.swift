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
            // A uniform stride over every index; those already kept are simply not counted twice.
            let stride = Double(count) / Double(room)
            var position = 0.0
            while kept.count < limit, position < Double(count) {
                kept.insert(Int(position))
                position += stride
            }
        }
        return kept.sorted()
    }
}
