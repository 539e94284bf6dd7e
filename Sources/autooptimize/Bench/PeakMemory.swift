import Foundation

/// A process's peak resident set (`VmHWM` of `/proc/<pid>/status`), in MB to one decimal; 0 when it cannot be read.
func peakResidentMegabytes(of pid: String = "self") -> Double {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return ((Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024 * 10).rounded() / 10
}
