import ExperimentStore
import Foundation
import Quantization

extension BenchmarkSuite {
    /// `x` rounded to `digits` decimals, as text.
    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "\(x)" }
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let v = (x * p).rounded() / p
        return digits == 0 ? String(Int(v)) : "\(v)"
    }

    /// A rate or duration for the table: `1.37 M`, `12.3 k`, `250`, `3.14`, `12.5 m`.
    static func humane(_ x: Double) -> String {
        if !x.isFinite { return "\(x)" }
        if x >= 1e6 { return fixed(x / 1e6, 2) + " M" }
        if x >= 1e4 { return fixed(x / 1e3, 1) + " k" }
        if x >= 100 { return fixed(x, 0) }
        if x >= 1 { return fixed(x, 2) }
        return fixed(x * 1000, 1) + " m"
    }

    /// The machine and build the figures were measured on, as (key, value) pairs.
    var machine: [(String, String)] {
        let info = ProcessInfo.processInfo
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }.map {
                String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces)
            }
            ?? "unknown"
        #if DEBUG
            let build = "debug (numbers are not meaningful; use -c release)"
        #else
            let build = "release"
        #endif
        return [
            ("cpu", cpu), ("cores", "\(info.activeProcessorCount)"),
            ("swift", Provenance.current(kvlabVersion: "").swiftVersion),
            ("kvlab", kvlabVersion), ("engine", "\(Engine.version)"), ("build", build),
            ("kernels", KernelPath.current.rawValue),
            ("repetitions", "\(repetitions)"), ("jobs", "\(jobs)"),
        ]
    }

    /// The machine, then the figures as a Markdown table, then the notes (`kvlab bench --format table`).
    public func table() -> String {
        var lines = machine.map { "\($0.0): \($0.1)" }
        lines.append("")
        lines.append("section | benchmark | median | min | max | unit")
        lines.append("--- | --- | ---: | ---: | ---: | ---")
        for f in figures {
            lines.append(
                "\(f.section) | \(f.name) | \(Self.humane(f.median)) | \(Self.humane(f.min)) | \(Self.humane(f.max)) | \(f.unit)"
            )
        }
        lines.append("")
        lines += notes
        return lines.joined(separator: "\n")
    }

    /// `{"machine": {…}, "figures": [{section, name, unit, median, min, max, repetitions}…], "notes": […]}`
    /// (`kvlab bench --format json`).
    public func json() -> JSONValue {
        .object([
            ("machine", .object(machine.map { ($0.0, .string($0.1)) })),
            (
                "figures",
                .array(
                    figures.map { f in
                        .object([
                            ("section", .string(f.section)), ("name", .string(f.name)), ("unit", .string(f.unit)),
                            ("median", .double(f.median)), ("min", .double(f.min)), ("max", .double(f.max)),
                            ("repetitions", .int(f.repetitions)),
                        ])
                    })
            ),
            ("notes", .array(notes.map { .string($0) })),
        ])
    }
}
