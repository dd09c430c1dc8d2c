import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// The live board's changes (`deskChange`): a preview is the operation itself, rolled back; a
/// change says what it did and how to undo it; the undo puts the day back.
@Suite("Desk changes", .serialized)
struct DeskChangeTests {
    func triples(_ plan: PublishedPlan?) -> Set<String> {
        Set((plan?.visits ?? []).map { "\($0.order)|\($0.technician)|\($0.start.secondsSinceEpoch)" })
    }

    @Test(
        "A preview stores nothing and says what the change does; the change does just that; its undo puts it back", arguments: Backend.all)
    func previewApplyUndo(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, _, plan) = try await OperationFixtures.publishedDay(database)
            let repair = try #require(plan.visits.first { $0.order == "WO-R" })
            let target = repair.technician == "T1" ? "T2" : "T1"
            let change = DeskChange.assign(order: "WO-R", technician: target, start: nil, pin: false)
            let events = try await operations.lastEventNumber()
            let history = try await operations.history(order: "WO-R").count
            let pending = try await operations.notices(.pending).count

            let preview = try await operations.deskChange(change, basedOn: 1, preview: true, actor: "anna")
            #expect(!preview.applied)
            #expect(preview.versions.map(\.version) == [2])
            #expect(preview.moved.map(\.to.order) == ["WO-R"] && preview.moved.first?.to.technician == target)
            // The receiving day grows, the giving day shrinks, each by what it drives and works.
            let gained = try #require(preview.routes.first { $0.technician == target })
            let lost = try #require(preview.routes.first { $0.technician == repair.technician })
            #expect(gained.addedMinutes > 0 && gained.visitsAfter == gained.visitsBefore + 1)
            #expect(lost.addedMinutes < 0 && lost.visitsAfter == lost.visitsBefore - 1)
            #expect(preview.undo == .assign(order: "WO-R", technician: repair.technician, start: repair.start, pin: false))
            // Nothing of it was stored: the plan, the order's history, the feed, the notices.
            let stillPublished = try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) }
            #expect(stillPublished?.version == 1 && triples(stillPublished) == triples(plan))
            #expect(try await operations.history(order: "WO-R").count == history)
            #expect(try await operations.lastEventNumber() == events)
            #expect(try await operations.notices(.pending).count == pending)

            let applied = try await operations.deskChange(change, basedOn: 1, actor: "anna")
            #expect(applied.applied && applied.summary == preview.summary && applied.moved == preview.moved)
            #expect(applied.routes == preview.routes && applied.notices == preview.notices)
            let after = try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) }
            #expect(after?.version == 2 && after?.visits.first { $0.order == "WO-R" }?.technician == target)
            // The order's history says who put it where.
            #expect(
                try await operations.history(order: "WO-R").contains {
                    $0.actor == "anna" && ($0.reason ?? "").hasPrefix("assigned to \(target) at ")
                        && ($0.reason ?? "").hasSuffix("by hand (plan version 2)")
                })
            #expect(try await OperationFixtures.hardRuleViolations(database) == [])

            // The undo, based on the version the change published, puts every visit back.
            let undo = try #require(applied.undo)
            _ = try await operations.deskChange(undo, basedOn: 2, actor: "anna")
            let back = try await database.store.transaction { try $0.publishedPlan(on: OperationFixtures.date) }
            #expect(back?.version == 3 && triples(back) == triples(plan))
            // Undone once someone else changed the day meanwhile: a conflict, not a silent overwrite.
            await #expect(throws: OperationError.self) {
                _ = try await operations.deskChange(undo, basedOn: 2, actor: "anna")
            }
        }
    }

    @Test(
        "A notified visit is refused in the preview as in the change, naming H7; an unassign previews its broken promise",
        arguments: Backend.all)
    func refusals(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let (operations, clock, plan) = try await OperationFixtures.publishedDay(database)
            // Unassigning an order without a promise sends it back to new; unassigning a coordinated
            // visit with an appointment breaks its promise (rebooking, a notice). The previews say so,
            // and nothing happens until the change is made.
            let repair = try #require(plan.visits.first { $0.order == "WO-R" })
            let free = try await operations.deskChange(.unassign(order: "WO-R"), preview: true, actor: "anna")
            #expect(free.removed.map(\.order) == ["WO-R"] && free.unassigned == ["WO-R"] && free.rebooked.isEmpty)
            #expect(free.undo == .assign(order: "WO-R", technician: repair.technician, start: repair.start, pin: false))
            let pair = plan.visits.filter { $0.group == "G-1" }
            try #require(pair.count == 2)
            let promise = try await operations.deskChange(.unassign(order: "WO-B1"), preview: true, actor: "anna")
            #expect(Set(promise.removed.map(\.order)) == ["WO-B1", "WO-B2"] && Set(promise.rebooked) == ["WO-B1", "WO-B2"])
            #expect(promise.notices > 0)
            // A visit done by two technicians cannot be put back by one assignment: no undo is
            // offered; one done by one technician goes back to them where it fits best.
            let split = Set(pair.map(\.technician)).count > 1
            #expect(
                promise.undo
                    == (split ? nil : .assign(order: "WO-B1", technician: pair[0].technician, start: nil, pin: false)))
            #expect(try await database.store.transaction { try $0.order("WO-B1")?.state } == .scheduled)
            #expect(try await database.store.transaction { try $0.order("WO-R")?.state } == .scheduled)
            let visitA = try #require(plan.visits.first { $0.order == "WO-A" })
            clock.set(ServiceTimeZone.utc.rfc3339(visitA.start.adding(minutes: -30)))
            _ = try await operations.sendNotices(to: CollectingSink())
            #expect(try await database.store.transaction { try $0.order("WO-A")?.state } == .notified)
            let other = visitA.technician == "T1" ? "T2" : "T1"
            for preview in [true, false] {
                await #expect {
                    _ = try await operations.deskChange(
                        .assign(order: "WO-A", technician: other, start: nil, pin: false), preview: preview, actor: "anna")
                } throws: { error in
                    (error as? OperationError)?.message.hasPrefix("refused (H7): WO-A is notified") == true
                }
            }
        }
    }

    @Test("What a rolled-back transaction read under the revision it raised is not kept for the next one", arguments: Backend.all)
    func rolledBackRevisionNotCached(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            _ = try await OperationFixtures.publishedDay(database)
            let day = OperationFixtures.date
            let store = database.store
            struct Rollback: Error {}
            // A preview pins WO-R (raising the day's revision), reads the day, and rolls back.
            await #expect(throws: Rollback.self) {
                try await store.transaction { tx -> Int in
                    let locked = try tx.lockDays([day])
                    try tx.setPin("WO-R", Pin(technicianID: "T1", start: nil), locked: locked)
                    #expect(try tx.cachedScenario(on: day)?.orders.first { $0.id == "WO-R" }?.pin?.technicianID == "T1")
                    throw Rollback()
                }
            }
            // Another change raises the revision to the same number, and commits.
            try await store.transaction { tx in
                let locked = try tx.lockDays([day])
                try tx.setPin("WO-A", Pin(technicianID: "T2", start: nil), locked: locked)
            }
            let read = try await store.transaction { tx in try tx.cachedScenario(on: day) }
            #expect(read?.orders.first { $0.id == "WO-R" }?.pin == nil)
            #expect(read?.orders.first { $0.id == "WO-A" }?.pin?.technicianID == "T2")
        }
    }
}
