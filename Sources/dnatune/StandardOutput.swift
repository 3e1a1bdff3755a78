import Foundation

/// Writes progress to standard output without ever failing the process: after an SSH
/// session drops, writes to the dead terminal fail (EIO), and a closed pipe fails with EPIPE;
/// a training run must carry on either way, so such errors are ignored.
enum StandardOutput {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
