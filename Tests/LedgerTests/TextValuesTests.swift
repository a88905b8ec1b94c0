import Foundation
import GRDB
@testable import SQLiteLedger
import Testing

/// The ledger's repeated texts, each stored once and referred to by number (v13): the numbers
/// remembered for the last texts asked for are the table's.
@Suite("Ledger text numbers")
struct TextValuesTests {
    @Test("texts asked for in any order, alternating or repeated, get the number the table holds for each; each is stored once")
    func numbersAsStored() throws {
        let path = LedgerTests.freshPath()
        _ = try Ledger.open(path: path)
        let queue = try DatabaseQueue(path: path)
        let texts = ["甲.csv", "乙.csv", "情节严重", "情节较轻", String(repeating: "a", count: 64)]
        var generator = SystemRandomNumberGenerator()
        // Runs of one text, two texts in turn (as a record version asks: its file, its reason), three in turn, and at random.
        var asked: [String] = Array(repeating: texts[0], count: 3)
        for _ in 0..<20 { asked += [texts[0], texts[2]] }
        for _ in 0..<20 { asked += [texts[1], texts[3], texts[4]] }
        for _ in 0..<300 { asked.append(texts.randomElement(using: &generator)!) }
        try queue.write { db in
            var numbers = TextValues(db)
            for text in asked {
                let number = try numbers.number(text)
                #expect(try Int64.fetchOne(db, sql: "SELECT id FROM text_value WHERE text = ?", arguments: [text]) == number, "\(text)")
            }
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM text_value") == texts.count)
        }
    }

    @Test("texts that are canonically equivalent but not the same bytes (é and e + ◌́) get two numbers, each the table's own")
    func byBytes() throws {
        let path = LedgerTests.freshPath()
        _ = try Ledger.open(path: path)
        let queue = try DatabaseQueue(path: path)
        let composed = "Caf\u{E9}.csv"
        let decomposed = "Cafe\u{301}.csv"
        #expect(composed == decomposed)  // Swift's `==`: canonical equivalence
        try queue.write { db in
            var numbers = TextValues(db)
            // Asked in turn (the last-two memory) and again after two others (the table's memory).
            let asked = [composed, decomposed, composed, "甲.csv", "乙.csv", decomposed, composed]
            for text in asked {
                let number = try numbers.number(text)
                let stored = try String.fetchOne(db, sql: "SELECT text FROM text_value WHERE id = ?", arguments: [number])
                #expect(stored.map { Array($0.utf8) } == Array(text.utf8), "\(Array(text.utf8))")
            }
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM text_value") == 4)
        }
    }
}
