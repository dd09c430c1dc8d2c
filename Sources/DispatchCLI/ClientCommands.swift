import ArgumentParser
import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore

struct Clients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Integration clients (the order system, the call centre, an event consumer) and their API tokens.",
        discussion: """
            A client is a name and the tokens issued to it; each token carries scopes, and opens the \
            /v1/orders and /v1/events routes they name and nothing else (docs/integration.md):
              orders:read   read an order: its state, planned visit and history
              orders:write  create, change and cancel orders (and read them)
              booking       ask for slot offers and book them (and read the orders)
              events:read   read the event feed
            """,
        subcommands: [Token.self, List.self])

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new token for a client (alone on standard output), or revoke the client's tokens.",
            discussion: """
                Tokens are 256 random bits, stored only as a SHA-256 hash: a lost token cannot be shown again, \
                only replaced. Requests are logged with the client's name, never the token.

                  dispatch clients token order-system --scope orders:write
                  dispatch clients token call-centre --scope booking,orders:read
                  dispatch clients token call-centre --revoke
                """)

        @Argument(help: "The client's name (letters, digits, '-', '_', '.'): it names the client in logs and events.")
        var name: String

        @Option(help: "The token's scopes, comma-separated: orders:read, orders:write, booking, events:read.")
        var scope: String?

        @Flag(help: "Revoke every token of this client instead.")
        var revoke = false

        @OptionGroup var options: OperationOptions

        func validate() throws {
            if revoke, scope != nil { throw ValidationError("--revoke takes no --scope: it revokes every token of the client") }
            if !revoke, scope == nil {
                throw ValidationError("give the token's scopes: --scope orders:read,orders:write,booking,events:read (any of them)")
            }
            if let scope {
                do {
                    _ = try ClientScope.parse(scope)
                } catch let error as StoreError {
                    throw ValidationError("--scope: \(error.message)")
                }
            }
        }

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    if revoke {
                        let count = try await operations.revokeTokens(.client, for: name)
                        Failure.printError("dispatch: revoked \(plural(count, "client token")) of \(name)")
                    } else {
                        print(try await operations.issueClientToken(name, scopes: try ClientScope.parse(scope ?? "")))
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the clients' tokens: id, client, scopes, when issued and revoked (never a secret).")

        @Option(help: "table for people, json for scripts.")
        var format: OutputFormat = .table

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let tokens = try await operations.clientTokens()
                    let zone = ServiceTimeZone.utc
                    switch format {
                    case .json:
                        print(
                            JSONOutput.render(
                                tokens.map { token -> JSONValue in
                                    [
                                        "id": token.id.json, "client": token.subject.json,
                                        "scopes": token.scopes.map(\.rawValue).sorted().json,
                                        "created_at": zone.rfc3339(token.createdAt).json,
                                        "revoked_at": token.revokedAt.map(zone.rfc3339).json,
                                    ]
                                }))
                    case .table where tokens.isEmpty:
                        print("No client tokens yet: dispatch clients token NAME --scope …")
                    case .table:
                        let rows = tokens.map { token in
                            [
                                token.id, token.subject, ClientScope.text(token.scopes), zone.rfc3339(token.createdAt),
                                token.revokedAt.map(zone.rfc3339) ?? "",
                            ]
                        }
                        print(TextTable(header: ["TOKEN", "CLIENT", "SCOPES", "ISSUED", "REVOKED"], rows: rows).render())
                    }
                }
            }
        }
    }
}
