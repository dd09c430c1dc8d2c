/// When a re-planned visit counts as changed for the customer and the technician, and what a
/// re-plan pays to change one (DOMAIN soft rule 4: a re-plan changes as few published visits as
/// it can). The nightly diff, the new-confirmation rule of publishing and the planner's
/// objective all read these, so they agree on what "moved" means.
public enum Stability {
    /// A start that moves by more than this has moved.
    public static let slackMinutes = 15
    /// What moving or reassigning one published visit costs a re-plan, in minutes of travel.
    public static let movedVisitTravelMinutes = 30

    /// Whether `start` lies more than the slack away from the published start.
    public static func retimed(_ start: Instant, from published: Instant) -> Bool {
        abs(start.secondsSinceEpoch - published.secondsSinceEpoch) > slackMinutes * 60
    }

    /// Whether `visit` changed against its published version: another technician, or retimed.
    public static func changed(_ visit: PlannedVisit, from published: PlannedVisit) -> Bool {
        visit.technician != published.technician || retimed(visit.start, from: published.start)
    }
}
