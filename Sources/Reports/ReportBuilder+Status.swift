import ExperimentStore

extension ReportBuilder {
    /// Sweeps with their runs by state, all runs by state and engine version, the writing processes
    /// (kvlab and engine versions) and the first failed runs' errors.
    mutating func statusSection() -> String {
        var out = ""
        do {
            let sweeps = try query(
                """
                SELECT s.name, count(r.id) AS runs, coalesce(sum(r.state = 'done'), 0) AS done,
                    coalesce(sum(r.state = 'running'), 0) AS running, coalesce(sum(r.state = 'pending'), 0) AS pending,
                    coalesce(sum(r.state = 'failed'), 0) AS failed, s.spec_hash, s.updated_at
                FROM sweeps AS s
                LEFT JOIN sweep_runs AS sr ON sr.sweep_id = s.id
                LEFT JOIN runs AS r ON r.id = sr.run_id
                GROUP BY s.id ORDER BY s.name
                """)
            if sweeps.rows.isEmpty {
                out += missingNote("no sweep recorded in the database (run `kvlab run SPEC`)")
            } else {
                let rows = sweeps.rows.map { r -> [String] in
                    let updated = Self.double(r[7]).map(Markup.timestamp) ?? ""
                    return (0..<6).map { Self.text(r[$0]) } + [String(Self.text(r[6]).prefix(12)), updated]
                }
                out += "<h3>Sweeps</h3>"
                out += Self.table(
                    ["sweep", "runs", "done", "running", "pending", "failed", "spec hash", "updated"], rows)
                for r in sweeps.rows where Self.integer(r[2]) ?? 0 < Self.integer(r[1]) ?? 0 {
                    out += "<p class=\"note\">Sweep \(Markup.escape(Self.text(r[0]))) is partial: "
                    out += "\(Self.text(r[2])) of \(Self.text(r[1])) runs done.</p>"
                }
            }
            let engines = try query(
                """
                SELECT engine_version, count(*), sum(state = 'done'), sum(state = 'running'), sum(state = 'pending'),
                    sum(state = 'failed'), (SELECT count(*) FROM trials AS t JOIN runs AS q ON q.id = t.run_id
                        WHERE q.engine_version = runs.engine_version)
                FROM runs GROUP BY engine_version ORDER BY engine_version
                """)
            if engines.rows.isEmpty {
                out += missingNote("no runs in the database")
            } else {
                out += "<h3>All runs by engine version</h3>"
                out += Self.table(
                    ["engine version", "runs", "done", "running", "pending", "failed", "trials stored"],
                    engines.rows.map { $0.map(Self.text) })
            }
            let failed = try query(
                "SELECT id, coalesce(error, '') FROM runs WHERE state = 'failed' ORDER BY id LIMIT 5")
            if !failed.rows.isEmpty {
                out += "<p class=\"note\">First failed runs:</p>"
                out += Self.table(["run", "error"], failed.rows.map { $0.map(Self.text) })
            }
            let provenance = try query(
                """
                SELECT kvlab_version, engine_version, swift_version, os || '/' || arch, coalesce(git_commit, ''),
                    count(*), min(started_at), max(started_at)
                FROM provenance GROUP BY 1, 2, 3, 4, 5 ORDER BY min(started_at)
                """)
            if provenance.rows.isEmpty {
                out += missingNote("no provenance recorded (no process has written results)")
            } else {
                out += "<h3>Provenance (processes that wrote to the database)</h3>"
                let rows = provenance.rows.map { r -> [String] in
                    (0..<6).map { Self.text(r[$0]) } + [6, 7].map { Self.double(r[$0]).map(Markup.timestamp) ?? "" }
                }
                out += Self.table(
                    ["kvlab", "engine", "swift", "os/arch", "git commit", "processes", "first", "last"], rows)
            }
        } catch {
            out += missingNote("the sweep status could not be read: \(error)")
        }
        return Self.section(id: "status", title: "Sweeps, status and provenance", out)
    }
}
