import Foundation
import SourceDecoders

/// A shared-string table whose XML breaks (cut off, a malformed tag): read again `<si>` by `<si>`,
/// each item parsed alone, so that every string keeps its index — the items before and after the
/// break are read, the broken one is unreadable (a cell that uses it has no value). The workbook
/// still fails as a whole (``WorkbookSource/next()`` throws the table's error); this serves only
/// ``WorkbookSource/salvageRows(_:)``, which tracks the decisions of a failed file.
///
/// Memory holds a window of the part and one item (an item over ``itemLimit`` is unreadable and
/// passed over, not held).
enum SharedStringsSalvage {
    static let window = 1 << 20
    static let itemLimit = 16 << 20

    static func read(descriptor: Int32, into table: SharedStringTable) {
        var data: [UInt8] = []
        var position = 0
        var atEnd = false
        var root: [UInt8]?
        var rootName: [UInt8] = Array("sst".utf8)
        var chunk = [UInt8](repeating: 0, count: window)
        // Where the item being cut starts (nil before the first, or past one too long).
        var itemStart: Int?
        var searchFrom = 0
        var open: [UInt8] = Array("<si".utf8)
        var close: [UInt8] = Array("</si>".utf8)
        while true {
            if !atEnd {
                let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, window, off_t(position)) }
                if count > 0 {
                    data += chunk[0..<count]
                    position += count
                } else {
                    atEnd = true
                }
            }
            if root == nil {
                if let (tag, name) = SheetSalvage.rootTag(in: data) {
                    root = tag
                    rootName = name
                    if let colon = name.firstIndex(of: 0x3A) {
                        let prefix = Array(name[...colon])
                        open = Array("<".utf8) + prefix + Array("si".utf8)
                        close = Array("</".utf8) + prefix + Array("si>".utf8)
                    }
                } else if data.count >= SheetSalvage.rootLimit || atEnd {
                    return  // no root element: nothing to index
                } else {
                    continue
                }
            }
            var index = searchFrom
            // Up to where a marker may still be cut by the window's end (to the end at the part's end).
            let scanEnd = atEnd ? data.count : max(0, data.count - close.count)
            while index < scanEnd {
                if let start = itemStart, SheetSalvage.matches(data[...], at: index, close) {
                    parse(data[start..<(index + close.count)], root: root ?? [], rootName: rootName, into: table)
                    itemStart = nil
                    index += close.count
                    continue
                }
                if let empty = itemStartsAt(data, index, open: open) {
                    // A new item while one is open: the open one's end tag was lost.
                    if itemStart != nil { table.appendUnreadable() }
                    if empty {
                        table.append([])
                        itemStart = nil
                    } else {
                        itemStart = index
                    }
                    index += open.count + 1
                    continue
                }
                index += 1
            }
            if atEnd {
                if itemStart != nil { table.appendUnreadable() }  // cut off inside its last item
                return
            }
            // Keep the item being cut and what is not scanned yet; an item over the limit is given up.
            if let start = itemStart, index - start > itemLimit {
                table.appendUnreadable()
                itemStart = nil
            }
            let keep = min(itemStart ?? index, index)
            data.removeSubrange(0..<keep)
            itemStart = itemStart.map { $0 - keep }
            searchFrom = index - keep
        }
    }

    /// Whether an item starts at `index`: nil if not, else whether it is empty (`<si/>`). (`<si>`,
    /// `<si …>`, `<si/>`; not `<sid…`.)
    static func itemStartsAt(_ data: [UInt8], _ index: Int, open: [UInt8]) -> Bool? {
        guard SheetSalvage.isElement(data[...], at: index, open) else { return nil }
        // `<si/>` or `<si …/>`: empty when its tag closes with `/>`.
        guard let end = SheetSalvage.tagEnd(data[...], from: index) else { return false }
        return data[end - 1] == 0x2F
    }

    /// One item, parsed alone inside the part's root element; unreadable if it does not parse.
    static func parse(_ item: ArraySlice<UInt8>, root: [UInt8], rootName: [UInt8], into table: SharedStringTable) {
        let document = root + Array(item) + Array("</".utf8) + rootName + Array(">".utf8)
        var found: [UInt8]?
        var offset = 0
        do {
            try SharedStringsReader.forEach(read: { target in
                let count = min(target.count, document.count - offset)
                guard count > 0 else { return 0 }
                document.withUnsafeBytes { target.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
                offset += count
                return count
            }) { string in
                if found == nil { found = copy string }
            }
        } catch {
            found = nil
        }
        if let found { table.append(found) } else { table.appendUnreadable() }
    }
}
