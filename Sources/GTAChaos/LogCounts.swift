import Foundation

/// What the processes' logs say about the library's own errors (for diagnosis, not accounting).
struct LogCounts {
    var statusWriteErrors = 0
    var statusWriteRetries = 0
    var claimErrors = 0
    var rescues = 0
    var givenUp = 0

    init(dir: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        for name in names where name.hasSuffix(".log") && (name.hasPrefix("worker-") || name.hasPrefix("producer-")) {
            guard let data = FileManager.default.contents(atPath: dir + "/" + name) else { continue }
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                if line.contains("final status write failed, retrying") {
                    statusWriteRetries += 1
                } else if line.contains("final status write failed") || line.contains("final status not written") {
                    statusWriteErrors += 1
                }
                if line.contains("claiming tasks failed"), !line.contains("retrying soon") { claimErrors += 1 }
                if line.contains("task lost its worker") { rescues += 1 }
                if line.contains("task given up") { givenUp += 1 }
            }
        }
    }
}
