import AugurCore

/// The Sobol sequence with Joe and Kuo's direction numbers (up to `maximumDimensions` coordinates), in Gray-code
/// order, with 32 bits per coordinate.
///
/// Scrambled, each coordinate's generator matrix is multiplied by a random lower-triangular binary matrix with a unit
/// diagonal and the result gets a random digital shift (Matoušek's linear matrix scramble plus shift, as in SciPy),
/// drawn from the seed. Both keep every (t, m, s)-net property of the sequence: the first 2^k points still put exactly
/// one point in each of the 2^k slabs of width 2^-k along each coordinate.
public struct SobolSequence: Sendable, Hashable {
    /// The most coordinates the direction-number table covers.
    public static let maximumDimensions = 1024
    /// The number of points: indices run from 0 to `pointCount - 1`.
    public static let pointCount: UInt64 = 1 << 32

    public let isScrambled: Bool
    /// Per coordinate, the direction numbers V_1 … V_32 (the columns of its generator matrix, most significant bit
    /// first), after scrambling.
    private let directions: [[UInt32]]
    /// Per coordinate, the digital shift (0 unscrambled).
    private let shifts: [UInt32]

    /// A Sobol sequence in `dimensions` dimensions (at least 1); scrambled from `seed` unless `scrambled` is false.
    ///
    /// - Throws: `DesignerError.tooManyDimensions` above `maximumDimensions`.
    public init(dimensions: Int, seed: UInt64, scrambled: Bool = true) throws(DesignerError) {
        guard dimensions <= Self.maximumDimensions else {
            throw .tooManyDimensions(sequence: .sobol, dimensions: dimensions, maximum: Self.maximumDimensions)
        }
        let table = Array(Self.unscrambledDirections.prefix(max(dimensions, 1)))
        isScrambled = scrambled
        guard scrambled else {
            directions = table
            shifts = Array(repeating: 0, count: table.count)
            return
        }
        var generator = SeededGenerator(seed: seed, stream: 0x534F_424F_4C)  // "SOBOL"
        var scrambledDirections: [[UInt32]] = []
        var shifts: [UInt32] = []
        for columns in table {
            // Row r of the lower-triangular matrix acts on output digit r (bit 31 - r): a 1 on the diagonal and random
            // bits for the more significant input digits.
            let rows: [UInt32] = (0..<32).map { row in
                let diagonal: UInt32 = 1 << (31 - row)
                let above = UInt32(truncatingIfNeeded: ~((UInt64(1) << (32 - row)) - 1))
                return diagonal | (UInt32(truncatingIfNeeded: generator.next()) & above)
            }
            scrambledDirections.append(columns.map { column in
                var result: UInt32 = 0
                for (row, mask) in rows.enumerated() where (mask & column).nonzeroBitCount % 2 == 1 {
                    result |= 1 << (31 - row)
                }
                return result
            })
            shifts.append(UInt32(truncatingIfNeeded: generator.next()))
        }
        self.directions = scrambledDirections
        self.shifts = shifts
    }

    public var dimensions: Int { directions.count }

    /// Point `index` of the sequence (`index < pointCount`; higher bits are ignored), each coordinate in [0, 1).
    /// Unscrambled, point 0 is the origin.
    public func point(at index: UInt64) -> [Double] {
        let gray = UInt32(truncatingIfNeeded: index ^ (index >> 1))
        return zip(directions, shifts).map { columns, shift in
            var x = shift
            var remaining = gray
            var bit = 0
            while remaining != 0 {
                if remaining & 1 == 1 { x ^= columns[bit] }
                remaining >>= 1
                bit += 1
            }
            return Double(x) * 0x1p-32
        }
    }

    /// The direction numbers of every dimension in the table, built once from `joeKuoDirectionNumbers` with the
    /// recurrence of Bratley and Fox (Joe and Kuo's reference code).
    private static let unscrambledDirections: [[UInt32]] = {
        var table: [[UInt32]] = [(1...32).map { 1 << (32 - $0) }]
        for line in joeKuoDirectionNumbers.split(separator: "\n") {
            let fields = line.split(separator: " ").compactMap { Int($0) }
            guard fields.count >= 4 else { continue }
            let degree = fields[1]
            let coefficients = fields[2]
            let initial = fields.dropFirst(3)
            guard degree >= 1, degree <= 31, initial.count == degree else { continue }
            var v = [UInt32](repeating: 0, count: 33)
            for (i, m) in zip(1...degree, initial) {
                v[i] = UInt32(truncatingIfNeeded: m) << (32 - i)
            }
            for i in (degree + 1)...32 {
                v[i] = v[i - degree] ^ (v[i - degree] >> degree)
                for k in stride(from: 1, to: degree, by: 1) where (coefficients >> (degree - 1 - k)) & 1 == 1 {
                    v[i] ^= v[i - k]
                }
            }
            table.append(Array(v[1...32]))
        }
        return table
    }()
}
