import ArgumentParser
import DispatchOperations
import Foundation

struct Roads: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a road network into PostgreSQL for the pgrouting travel model.",
        subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load an OpenStreetMap extract's roads (osm2pgrouting), all or nothing.",
            discussion: """
                Needs a PostgreSQL database whose server has PostGIS and pgRouting (Debian: postgis, \
                postgresql-15-pgrouting) and the tools osmium-tool and osm2pgrouting on this machine. The \
                extensions are created when missing. osm2pgrouting loads into a scratch schema; one \
                transaction then replaces the previous network with the part a car can both reach and \
                leave, so a failure leaves the previous network as it was. Days whose travel.model is \
                pgrouting then build their matrix on it (`dispatch travel build --date D`).

                Example:
                  dispatch roads import Helsinki.osm.pbf --database postgresql://dispatch@db/dispatch
                """)

        @Argument(help: ArgumentHelp("An OpenStreetMap extract, FILE.osm.pbf or FILE.osm.", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp("osm2pgrouting's configuration: which roads and their speeds.", valueName: "file"))
        var config = RoadTools().configuration

        @OptionGroup var options: OperationOptions

        func run() async throws {
            try await reporting {
                try await options.withOperations { operations in
                    let started = Date()
                    let summary = try await operations.importRoads(file: file, tools: RoadTools(configuration: config)) { step in
                        FileHandle.standardError.write(Data("  \(step)\n".utf8))
                    }
                    print(
                        String(
                            format: "roads of %@: %d segments, %d junctions (%d left out: not reachable both ways), "
                                + "south %.4f west %.4f north %.4f east %.4f, %.1f s",
                            file, summary.edges, summary.vertices, summary.verticesDropped,
                            summary.south, summary.west, summary.north, summary.east, Date().timeIntervalSince(started)))
                }
            }
        }
    }
}
