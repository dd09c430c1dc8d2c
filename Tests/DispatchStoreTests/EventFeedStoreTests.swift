import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Synchronization
import Testing

/// The event feed's numbering (docs/integration.md): numbers follow commit order, so a reader
/// going on from the last number it saw never skips an event committed later with a lower one.
@Suite("Event feed order")
struct EventFeedStoreTests {
    @Test(
        "Writers commit at once; a reader paging meanwhile sees every number once, each after the one below it",
        arguments: Backend.all)
    func commitOrder(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            let writers = try (0..<3).map { _ in try TestDatabase.sibling(of: database) }
            let reader = try TestDatabase.sibling(of: database)
            let perWriter = 30
            let expected = writers.count * perWriter * 2
            let writing = Atomic<Bool>(true)
            let writes = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, store) in writers.enumerated() {
                        group.addTask {
                            for round in 0..<perWriter {
                                try await store.transaction { tx in
                                    // Two events a transaction, with a read between (the transaction lasts).
                                    for half in 0..<2 {
                                        tx.emit("fielddispatch.test", subject: "\(index)", at: Instant(secondsSinceEpoch: 1_800_000_000)) {
                                            _ in
                                            ["writer": index.json, "round": round.json, "half": half.json]
                                        }
                                        _ = try tx.lastEventNumber()
                                    }
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                writing.store(false, ordering: .sequentiallyConsistent)
            }
            var cursor = 0
            var seen: [FeedEvent] = []
            var readsWhileWriting = 0
            while seen.count < expected {
                let during = writing.load(ordering: .sequentiallyConsistent)
                let after = cursor
                let page = try await reader.readTransaction { try $0.feed(after: after, limit: 7) }
                if during, !page.events.isEmpty { readsWhileWriting += 1 }
                for event in page.events {
                    #expect(event.seq == cursor + 1, "number \(event.seq) seen right after \(cursor)")
                    cursor = event.seq
                    seen.append(event)
                }
                if page.events.isEmpty, !writing.load(ordering: .sequentiallyConsistent) { break }
            }
            try await writes.value
            #expect(seen.count == expected)
            // The case occurred: pages were read while the writers were still committing.
            #expect(readsWhileWriting > 1)
            // Each writer's events in the order it wrote them; the two of a transaction adjacent.
            for writer in 0..<writers.count {
                let mine = seen.filter { $0.subject == "\(writer)" }
                #expect(mine.count == perWriter * 2)
                for (first, second) in zip(mine, mine.dropFirst()) { #expect(first.seq < second.seq) }
                for pair in stride(from: 0, to: mine.count - 1, by: 2) { #expect(mine[pair + 1].seq == mine[pair].seq + 1) }
            }
            for store in writers + [reader] { await store.close() }
        }
    }

    @Test("Pruning removes a prefix of the feed and remembers where it ends; numbering goes on", arguments: Backend.all)
    func pruning(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await database.store.migrate()
            let old = Instant(secondsSinceEpoch: 1_800_000_000)
            for offset in [0, 60, 86_400 * 3] {
                try await database.store.transaction { tx in
                    tx.emit("fielddispatch.test", subject: nil, at: old.adding(minutes: offset / 60)) { _ in ["offset": offset.json] }
                }
            }
            let removed = try await database.store.transaction { tx in
                try tx.pruneEvents(before: old.adding(minutes: 24 * 60), keysBefore: old)
            }
            #expect(removed == 2)
            let page = try await database.store.readTransaction { try $0.feed(after: 0, limit: 10) }
            #expect(page.prunedThrough == 2 && page.events.map(\.seq) == [3])
            try await database.store.transaction { tx in
                tx.emit("fielddispatch.test", subject: nil, at: old) { _ in [:] }
            }
            #expect(try await database.store.readTransaction { try $0.feed(after: 3, limit: 10) }.events.map(\.seq) == [4])
        }
    }
}
