import AugurCore
import Foundation

/// The Halton sequence: coordinate `j` of point `n` is the radical inverse of `n` in the `j`-th prime base.
///
/// Scrambled, every digit position of every coordinate gets its own random linear permutation of the digits,
/// `d ↦ (a·d + b) mod p` with `a ≠ 0` (Matoušek's random linear digit scrambling), drawn from the seed. Scrambling
/// breaks the correlations between the high bases that make plain Halton points fall on lines, keeps the
/// stratification in each coordinate, and makes point 0 an ordinary point rather than the origin.
public struct HaltonSequence: Sendable, Hashable {
    /// The prime base of each coordinate.
    public let bases: [Int]
    public let isScrambled: Bool
    /// Per coordinate, per digit position (least significant first): the multiplier and offset of the permutation.
    private let permutations: [[DigitPermutation]]
    /// Per coordinate, entry k: what the zero digits at positions k and above add once permuted, so that a point
    /// costs one step per digit of its index rather than one per digit of `UInt64.max`.
    private let zeroTails: [[Double]]

    private struct DigitPermutation: Sendable, Hashable {
        var multiplier: Int
        var offset: Int
    }

    /// A Halton sequence in `dimensions` dimensions (at least 1); scrambled from `seed` unless `scrambled` is false.
    public init(dimensions: Int, seed: UInt64, scrambled: Bool = true) {
        let bases = Self.primes(count: max(dimensions, 1))
        var generator = SeededGenerator(seed: seed, stream: 0x4841_4C54_4F4E)  // "HALTON"
        self.bases = bases
        self.isScrambled = scrambled
        let permutations = bases.map { base in
            (0..<Self.digitCount(base: base)).map { _ in
                guard scrambled else { return DigitPermutation(multiplier: 1, offset: 0) }
                return DigitPermutation(multiplier: 1 + generator.nextIndex(below: base - 1),
                                        offset: generator.nextIndex(below: base))
            }
        }
        self.permutations = permutations
        self.zeroTails = zip(bases, permutations).map { base, digits in
            var tails = Array(repeating: 0.0, count: digits.count + 1)
            for position in digits.indices.reversed() {
                let weight = Foundation.pow(Double(base), -Double(position + 1))
                tails[position] = tails[position + 1] + Double(digits[position].offset) * weight
            }
            return tails
        }
    }

    public var dimensions: Int { bases.count }

    /// Point `index` (0, 1, 2, …) of the sequence, each coordinate in [0, 1).
    public func point(at index: UInt64) -> [Double] {
        (0..<bases.count).map { dimension in
            let base = bases[dimension]
            let digits = permutations[dimension]
            let b = UInt64(base)
            let inverseBase = 1 / Double(base)
            var remaining = index
            var factor = inverseBase
            var value = 0.0
            var position = 0
            while remaining != 0, position < digits.count {
                let digit = Int(remaining % b)
                remaining /= b
                let permutation = digits[position]
                value += Double((permutation.multiplier * digit + permutation.offset) % base) * factor
                factor *= inverseBase
                position += 1
            }
            value += zeroTails[dimension][position]
            return min(value, 1 - 0x1p-53)
        }
    }

    /// The number of base-`base` digits of `UInt64.max`: enough for every index and for 53-bit precision.
    private static func digitCount(base: Int) -> Int {
        var count = 0
        var remaining = UInt64.max
        while remaining > 0 {
            remaining /= UInt64(base)
            count += 1
        }
        return count
    }

    /// The first `count` primes.
    static func primes(count: Int) -> [Int] {
        var primes: [Int] = []
        primes.reserveCapacity(count)
        var candidate = 2
        while primes.count < count {
            var isPrime = true
            for prime in primes {
                if prime * prime > candidate { break }
                if candidate % prime == 0 {
                    isPrime = false
                    break
                }
            }
            if isPrime { primes.append(candidate) }
            candidate += 1
        }
        return primes
    }
}
