/// The largest values FieldDispatch accepts, one table for the scenario loader, the command line
/// and the HTTP API (docs/formats.md, "Limits"). Anything past them is refused with a message
/// naming the field, never stored.
public enum InputLimits {
    /// Ids of orders, technicians, customers, crews, groups, territories: 1–64 characters.
    public static let idLength = 64
    /// Free text (names, addresses, notes, reasons, phone numbers): at most 2,000 characters.
    public static let textLength = 2_000
    /// Orders in one scenario file or one generated day.
    public static let orders = 1_000_000
    /// Technicians in one scenario file or one generated day.
    public static let technicians = 100_000
    /// A completion's speed-test result, in Mbit/s (above zero, at most 100 Gbit/s).
    public static let speedTestMbps: ClosedRange<Double> = 0.001...100_000
    /// Completion details of one status report.
    public static let details = 20
    /// A number among the completion details: at most this far from zero.
    public static let detailNumber = 1_000_000_000.0
    /// Characters of the name a change is recorded under (`--actor`, a token's subject).
    public static let actorLength = 64
}
