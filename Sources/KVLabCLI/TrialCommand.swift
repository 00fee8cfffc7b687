import ArgumentParser

/// `kvlab trial`: placeholder until the engine lands.
struct TrialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trial", abstract: "Compute one trial.")
    func run() throws {}
}
