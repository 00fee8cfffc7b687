import Foundation
import Testing

@testable import Claims

/// The shipped claims compiled into kvlab are exactly the repository's `queries/claims/*.sql` files.
struct ShippedClaimsTests {
    static let claimsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("queries/claims")

    @Test func everyClaimFileIsEmbeddedWithIdenticalBytes() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.claimsDirectory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == ShippedClaims.files.map(\.name).sorted())
        for file in ShippedClaims.files {
            let bytes = Array(try Data(contentsOf: Self.claimsDirectory.appendingPathComponent(file.name)))
            #expect(bytes == file.bytes, "\(file.name) differs from its embedded copy; rebuild")
        }
    }

    @Test func everyShippedClaimDeclaresCoverageAndParses() throws {
        let claims = try ShippedClaims.all()
        #expect(claims.count >= 7)
        for claim in claims {
            #expect(claim.coverage != nil, "\(claim.name) has no coverage query")
            #expect(claim.coverageMin >= 1, "\(claim.name): an empty database must be inconclusive")
            #expect(!claim.description.isEmpty)
            #expect(claim.source == "shipped:\(claim.name).sql")
        }
        #expect(claims.filter { $0.name.hasPrefix("sanity-") }.count >= 3)
    }

    @Test func loaderSelectsShippedClaimsByNameAndRepositoryFilesByPath() throws {
        let byName = try ClaimLoader.load(["qkqv-worse-kl", "kl-ratio-2.25.sql"])
        #expect(byName.map(\.name) == ["qkqv-worse-kl", "kl-ratio-2.25"])
        let directory = try ClaimLoader.load([Self.claimsDirectory.path])
        #expect(directory.count == ShippedClaims.files.count)
        #expect(Set(directory.map(\.fileHash)) == Set(try ShippedClaims.all().map(\.fileHash)))
        #expect(throws: ClaimError.self) { try ClaimLoader.load(["/nonexistent/claim.sql"]) }
        #expect(throws: ClaimError.self) { try ClaimLoader.load(["qkqv-worse-kl", Self.claimsDirectory.path]) }
    }
}
