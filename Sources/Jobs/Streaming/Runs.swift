extension RandomAccessCollection where Index == Int {
    /// Calls `body` with each run of consecutive elements whose `key` is the same (a poll hands each partition's
    /// messages in runs): one dictionary lookup a run, not one an element, when the key hashes a topic's text.
    func forEachRun<Key: Equatable>(of key: (Element) -> Key, _ body: (Key, Range<Int>) -> Void) {
        var start = startIndex
        while start < endIndex {
            let current = key(self[start])
            var end = start + 1
            while end < endIndex, key(self[end]) == current { end += 1 }
            body(current, start..<end)
            start = end
        }
    }
}
