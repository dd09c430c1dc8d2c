/// Kinds of work (the regulation's work order). New kinds join this list; everything else keys on it.
public enum WorkType: String, CaseIterable, Hashable, Sendable {
    case install, move, removal, repair
}

/// What the customer is served with (the regulation's work order).
public enum Service: String, CaseIterable, Hashable, Sendable {
    case broadband, phone, iptv
}

/// Customer tier: households (`diamond` … `basic`) and government/enterprise (`1A` … `5B`).
public enum CustomerTier: String, CaseIterable, Hashable, Sendable {
    case diamond, gold, silver, basic
    case tier1A = "1A"
    case tier2A = "2A"
    case tier3A = "3A"
    case tier4A = "4A"
    case tier5A = "5A"
    case tier1B = "1B"
    case tier2B = "2B"
    case tier3B = "3B"
    case tier4B = "4B"
    case tier5B = "5B"
}
