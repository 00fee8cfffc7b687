import Foundation
import GRDB
import Quantization
import Testing

@testable import ExperimentStore

/// Opens a plain connection without kvlab's functions or configuration (as the `sqlite3` shell would).
func plainQueue(_ path: String) throws -> DatabaseQueue {
    try DatabaseQueue(path: path)
}
