import Testing

@testable import Models

@Suite struct ModelsModuleTests {
    @Test func moduleLinks() {
        #expect(String(describing: Models.self) == "Models")
    }
}
