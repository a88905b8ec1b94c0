import GongshiTesting
import Testing

@testable import Workbooks

/// A workbook's shared strings, kept on disk: every string read back as it was appended, forward
/// (the window), from further back (read on its own, then from its slot) and from the head in
/// memory, whatever the slots hold: few slots, so that strings evict one another, and a small
/// budget, so that some are never kept.
@Suite("A workbook's shared-string table")
struct SharedStringTableTests {
    @Test("every string reads back as appended, in any order, with slots colliding and the budget spent", arguments: [(8, 600), (1 << 16, 4 << 20)])
    func readsBack(slots: Int, budget: Int) {
        var generator = SeededGenerator(seed: 39)
        // Short and long, Chinese and ASCII, some past a slot's 1 KiB and past the 1 MiB window.
        let strings: [[UInt8]] = (0..<4_000).map { index in
            let length = [0, 1, 6, 22, 300, 1_500, 3_000][Int.random(in: 0..<7, using: &generator)] + (index == 2_000 ? 1 << 20 : 0)
            return Array(String(repeating: index % 2 == 0 ? "字" : "a", count: length / (index % 2 == 0 ? 3 : 1)).utf8) + Array("\(index)".utf8)
        }
        let table = SharedStringTable(backSlots: slots, backBytesLimit: budget)
        for string in strings { table.append(string) }
        table.finish()
        #expect(table.count == strings.count)
        // Forward through the table, each string followed by one from further back, met twice or more.
        var order: [Int] = []
        for index in strings.indices {
            order.append(index)
            let back = Int.random(in: 0...index, using: &generator)
            order += [back, back, back / 7 * 7]
        }
        order += [strings.count, -1]  // no such strings
        var wrong = 0
        for index in order {
            var bytes = Array("前缀".utf8)
            let found = table.append(index, to: &bytes)
            if index < 0 || index >= strings.count {
                if found || bytes != Array("前缀".utf8) { wrong += 1 }
            } else if !found || bytes != Array("前缀".utf8) + strings[index] {
                wrong += 1
            }
        }
        #expect(wrong == 0)
    }
}
