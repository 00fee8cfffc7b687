import ArgumentParser
import Claims

/// `kvlab claims check --format text|json|junit`.
extension ClaimReportFormat: ExpressibleByArgument {}
