/// The counter-based hash that decides which units dropout keeps.
///
/// Dropout masks are not stored: both the forward and the backward pass recompute "keep unit `i`?" from a
/// per-layer, per-step key and the unit's index. The CPU loop and the CUDA kernel use this exact function
/// (the kernel source repeats it), so the two backends drop the same units and parity tests can compare them.
enum DropoutHash {
    /// Chris Wellons' "lowbias32" integer mixer.
    @inline(__always)
    static func mix(_ value: UInt32) -> UInt32 {
        var x = value
        x ^= x >> 16
        x = x &* 0x7FEB_352D
        x ^= x >> 15
        x = x &* 0x846C_A68B
        x ^= x >> 16
        return x
    }

    /// The key for one layer at one optimizer step.
    static func key(seed: UInt64, step: Int, layer: Int) -> UInt32 {
        let seedBits = mix(UInt32(truncatingIfNeeded: seed) ^ mix(UInt32(truncatingIfNeeded: seed >> 32)))
        return mix(seedBits ^ mix(UInt32(truncatingIfNeeded: step) &* 0x9E37_79B9 ^ UInt32(truncatingIfNeeded: layer)))
    }

    /// The integer threshold below which a unit is dropped: unit `i` is kept when
    /// `mix(i ^ key) >> 8 >= threshold(rate)` (24-bit uniform comparison, exact in Float32 on both backends).
    static func threshold(rate: Float) -> UInt32 {
        UInt32(min(max(Double(rate), 0), 1) * Double(1 << 24))
    }
}
