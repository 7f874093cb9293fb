import GTABackendKit
import Testing

@Suite("The shared statement cache")
struct StatementCacheTests {
    final class Discarded {
        var names: [String] = []
    }

    @Test func theLeastRecentlyUsedIsDiscardedFirst() {
        let discarded = Discarded()
        var cache = StatementCache<String>(capacity: 3, discard: { discarded.names.append($0) })
        for sql in ["a", "b", "c"] { _ = cache.insert("stmt-" + sql, for: sql) }
        let a = cache.statement(for: "a")  // a is now the most recent
        #expect(a == "stmt-a")
        _ = cache.insert("stmt-d", for: "d")
        #expect(discarded.names == ["stmt-b"])
        let b = cache.statement(for: "b")
        #expect(b == nil)
        #expect(cache.keysByRecency == ["d", "a", "c"])
        _ = cache.insert("stmt-e", for: "e")
        #expect(discarded.names == ["stmt-b", "stmt-c"])
        #expect(cache.count == 3)
    }

    @Test func replacingRemovingAndClearingDiscard() {
        let discarded = Discarded()
        var cache = StatementCache<String>(capacity: 4, discard: { discarded.names.append($0) })
        _ = cache.insert("old", for: "a")
        _ = cache.insert("new", for: "a")
        #expect(discarded.names == ["old"])
        #expect(cache.count == 1)
        _ = cache.insert("b1", for: "b")
        cache.remove("a")
        cache.remove("missing")
        #expect(discarded.names == ["old", "new"])
        #expect(cache.keysByRecency == ["b"])
        cache.removeAll()
        #expect(discarded.names == ["old", "new", "b1"])
        #expect(cache.count == 0 && cache.keysByRecency.isEmpty)
    }

    @Test func theWeightLimitEvictsTheLeastRecentlyUsed() {
        let discarded = Discarded()
        var cache = StatementCache<String>(capacity: 10, weightLimit: 100, discard: { discarded.names.append($0) })
        let kept1 = cache.insert("a", for: "a", weight: 40)
        #expect(kept1)
        let kept2 = cache.insert("b", for: "b", weight: 40)
        #expect(kept2)
        _ = cache.statement(for: "a")
        let kept3 = cache.insert("c", for: "c", weight: 30)
        #expect(kept3)  // 110 > 100: b, the least recently used, goes
        #expect(discarded.names == ["b"])
        #expect(cache.keysByRecency == ["c", "a"] && cache.weight == 70)
        // Heavier than the limit alone: not kept, nothing evicted.
        let kept4 = cache.insert("huge", for: "huge", weight: 101)
        #expect(!kept4)
        #expect(cache.count == 2 && discarded.names == ["b"])
        // Replacing a statement replaces its weight.
        let kept5 = cache.insert("a2", for: "a", weight: 10)
        #expect(kept5)
        #expect(cache.weight == 40 && discarded.names == ["b", "a"])
        cache.removeAll()
        #expect(cache.weight == 0)
    }

    @Test func aCapacityOfZeroKeepsNothing() {
        var cache = StatementCache<Int>(capacity: 0)
        let inserted = cache.insert(1, for: "a")
        #expect(!inserted)
        let found = cache.statement(for: "a")
        #expect(found == nil)
        #expect(StatementCache<Int>(capacity: -5).capacity == 0)
    }

    @Test func matchesASimpleModelUnderRandomUse() {
        var generator = SystemRandomNumberGenerator()
        var cache = StatementCache<Int>(capacity: 5)
        var model: [String] = []  // most recent first
        var mismatches: [Int] = []
        for step in 0..<2000 {
            let key = "k\(Int.random(in: 0..<9, using: &generator))"
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                let hit = cache.statement(for: key)
                if (hit != nil) != model.contains(key) { mismatches.append(step) }
                if hit != nil { model.removeAll { $0 == key }; model.insert(key, at: 0) }
            case 1:
                _ = cache.insert(step, for: key)
                model.removeAll { $0 == key }
                model.insert(key, at: 0)
                if model.count > 5 { model.removeLast() }
            default:
                cache.remove(key)
                model.removeAll { $0 == key }
            }
            if cache.keysByRecency != model { mismatches.append(step) }
        }
        #expect(mismatches.isEmpty)
    }
}
