import DisclosureCore
import Testing

/// ``SIMDMask/anyLane`` and ``SIMDMask/firstLane`` read the mask's lanes from its two halves; the
/// CSV scanner and the fast check's text passes rely on them to say where a block's byte is.
@Suite("SIMD lanes")
struct SIMDLanesTests {
    @Test("the first set lane is found in either half, whatever lanes follow it", arguments: 0..<16)
    func firstLane(lane: Int) {
        for later in [nil, 15, lane + 1, lane + 7] as [Int?] {
            var bytes = SIMD16<UInt8>(repeating: 0x41)
            bytes[lane] = 0x2C
            if let later, later < 16, later > lane { bytes[later] = 0x2C }
            let mask = bytes .== SIMD16<UInt8>(repeating: 0x2C)
            #expect(mask.firstLane == lane, "lane \(lane), later \(String(describing: later))")
            #expect(mask.anyLane)
        }
    }

    @Test("a mask with no lane set has no first lane")
    func none() {
        let mask = SIMD16<UInt8>(repeating: 0x41) .== SIMD16<UInt8>(repeating: 0x2C)
        #expect(mask.firstLane == nil)
        #expect(!mask.anyLane)
    }
}
