import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// Notices reach the customer even when the receiver fails and the sender dies: the real
/// `dispatch notices send` is SIGKILLed mid-run while every third request fails, then run again.
@Suite("Notice delivery under faults", .serialized, .tags(.slow))
struct NoticeDeliveryFaultTests {
    @Test("Killed mid-run and run again: every notice received, marked sent once", arguments: Backend.all)
    func killedSenderDeliversEverything(_ backend: Backend) async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try await TestDatabase.with(backend) { database in
            let db = "--database=\(database.url)"
            try await #require(try runner.importGenerated(["--orders", "120", "--technicians", "20", "--seed", "5"], db) != nil)
            let planned = try await runner.run(
                "plan", "--date", "2026-11-23", "--commit", "--iterations", "100",
                "--now", "2026-11-22T20:00:00+08:00", db)
            try #require(planned.status == 0, "\(planned.stderr)")
            let queued = try await database.store.transaction { try $0.notices(.pending) }
            try #require(queued.count >= 40, "too few notices to interrupt: \(queued.count)")

            // Slow enough to be killed in the middle; every third request fails.
            let receiver = try await NoticeReceiver(failEvery: 3, delay: .milliseconds(15))
            defer { receiver.stop() }
            let send = [
                "notices", "send", "--sink", receiver.url, "--now", "2026-11-23T23:00:00+08:00", "--concurrency", "4",
                "--claim-seconds", "2", db,
            ]
            let first = try runner.start(send)
            // A starved machine (load 8 in one CI run) delivers slowly: wait long, the loop ends as soon as it can.
            let deadline = Date().addingTimeInterval(240)
            // Killed once a third has reached the receiver and at least one acknowledgement is recorded
            // (on a starved machine the records lag behind the deliveries).
            // A read transaction: polling must not take the write lock the sender records with.
            func recorded() async throws -> Int { try await database.store.readTransaction { try $0.notices(.sent).count } }
            while first.isRunning && Date() < deadline {
                if receiver.deliveries.count >= queued.count / 3, try await recorded() > 0 { break }
                // poll: another process's deliveries
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(first.isRunning, "the sender finished before it could be killed")
            kill(first.processIdentifier, SIGKILL)
            let atKill = receiver.deliveries.count
            await first.exited()
            #expect(first.terminationReason == .uncaughtSignal)

            let afterKill = try await database.store.transaction { try $0.notices(.sent).count }
            #expect(afterKill > 0 && afterKill < queued.count, "the kill came mid-run: \(afterKill) of \(queued.count) sent")

            // Run again, as cron would, once the killed run's claims ran out: a notice that failed
            // every attempt of a run (every third request fails) stays due for the next run.
            try await Task.sleep(for: .milliseconds(3_100))
            var runs = 0
            var last = try await runner.run(send)
            while last.status == 1 && runs < 3 {
                runs += 1
                #expect(last.stdout.contains("failed"), "\(last.stdout)")
                last = try await runner.run(send)
            }
            #expect(last.status == 0, "\(last.stderr)")
            let notices = try await database.store.transaction { try $0.notices(.all) }
            let sent = notices.filter { $0.sentAt != nil }
            #expect(sent.count == queued.count)
            let acknowledged = receiver.acknowledged
            for notice in queued { #expect(acknowledged[notice.draft.key, default: 0] >= 1, "\(notice.draft.key) never received") }
            // The kill repeats only deliveries whose acknowledgement the killed run never recorded:
            // at most the four in flight. (A request the receiver acknowledged after the sender's
            // timeout, on a loaded machine, is tried again too: the receiver dedups by key.)
            let log = receiver.deliveries
            let before = Set(log.prefix(atKill).filter { (200..<300).contains($0.status) }.map(\.key))
            let after = Set(log.dropFirst(atKill).filter { (200..<300).contains($0.status) }.map(\.key))
            let repeatedAcrossKill = before.intersection(after)
            #expect(repeatedAcrossKill.count <= 4, "repeated across the kill: \(repeatedAcrossKill.sorted())")
            #expect(receiver.deliveries.contains { $0.status == 503 })
            // Delivered pre-arrival notices locked their visits.
            let notified = try await database.store.transaction { try $0.orders(on: LocalDate(iso: "2026-11-23")!) }
                .filter { $0.state == .notified }
            #expect(notified.count >= queued.filter { $0.draft.kind == .preArrival }.count)
        }
    }
}
