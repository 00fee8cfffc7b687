import KVLabCLI

/// Entry point: runs the kvlab command line.
@main
enum Main {
    static func main() async {
        await KVLab.runMain()
    }
}
