import Foundation
import GRDB
import KVLabTestSupport
import Testing

@testable import ExperimentStore

/// kvlab's SQL functions, on every connection of a store.
struct SQLFunctionTests {
    @Test func aggregates() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let result = try store.execute(
            sql: """
                WITH v(x) AS (VALUES (1), (2.0), (3), (4), (NULL), ('text'))
                SELECT stddev(x), variance(x), median(x), percentile(x, 25), percentile(x, 100), percentile(x, 0)
                FROM v
                """)
        let row = result.rows[0]
        #expect(row[0] == .real((5.0 / 3).squareRoot()))
        #expect(row[1] == .real(5.0 / 3))
        #expect(row[2] == .real(2.5))
        #expect(row[3] == .real(1.75))
        #expect(row[4] == .real(4))
        #expect(row[5] == .real(1))
        let single = try store.execute(sql: "SELECT stddev(x), median(x) FROM (SELECT 7 AS x)")
        #expect(single.rows[0] == [.null, .real(7)])
        let empty = try store.execute(
            sql: "SELECT stddev(x), median(x), percentile(x, 50) FROM (SELECT 1 AS x) WHERE 0")
        #expect(empty.rows[0] == [.null, .null, .null])
        #expect(throws: StoreError.self) { try store.execute(sql: "SELECT percentile(x, 101) FROM (SELECT 1 AS x)") }
    }

    @Test func scalars() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let row = try store.execute(
            sql: """
                SELECT normal_cdf(0), normal_quantile(0.975), t_cdf(0, 5), t_quantile(0.975, 9), t_quantile(0.5, -1),
                    normal_cdf(NULL), t_quantile(2, 3)
                """
        ).rows[0]
        #expect(row[0] == .real(0.5))
        guard case .real(let z) = row[1], case .real(let t) = row[3] else {
            Issue.record("expected numbers, got \(row)")
            return
        }
        #expect(abs(z - 1.959963984540054) < 1e-13)
        #expect(row[2] == .real(0.5))
        #expect(abs(t - 2.262157162798205) < 1e-12)
        #expect(row[4] == .null)
        #expect(row[5] == .null)
        #expect(row[6] == .null)
    }

    @Test func functionsExistOnWriterAndReaders() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        #expect(try store.pool.write { db in try Double.fetchOne(db, sql: "SELECT median(1)") } == 1)
        #expect(try store.pool.read { db in try Double.fetchOne(db, sql: "SELECT t_quantile(0.5, 3)") } == 0)
        let reader = try Store(path: dir.path(), mode: .readOnly)
        #expect(try reader.read { db in try Double.fetchOne(db, sql: "SELECT variance(2)") } == nil)
    }

    @Test func percentileReference() {
        var values = [15.0, 20, 35, 40, 50]
        #expect(SQLFunctions.percentile(&values, 40) == 29)
        var one = [3.0]
        #expect(SQLFunctions.percentile(&one, 99) == 3)
        var none: [Double] = []
        #expect(SQLFunctions.percentile(&none, 50) == nil)
    }
}
