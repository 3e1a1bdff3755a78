import Foundation
import Training

/// OpenBLAS picks its kernels once, when the library loads, from the CPU model it recognises. A
/// build older than the CPU (Debian 12's 0.3.21 on an Emerald Rapids Xeon) falls back to its
/// SSE3 "Prescott" kernels and multiplies matrices five times slower than it could. The only
/// way to choose is the environment at load time, so dnatune then starts itself again, once,
/// with `OPENBLAS_CORETYPE` naming the kernels this CPU runs (`BLAS.betterCoreType`). A user's
/// own `OPENBLAS_CORETYPE` is left alone.
enum OpenBLASCore {
    /// Set in the restarted process to the kernel OpenBLAS chose on its own (for `dnatune doctor`).
    static let fallbackVariable = "DNATUNE_OPENBLAS_FALLBACK"

    /// Replaces this process with a fresh start of the same command when OpenBLAS fell back to
    /// kernels below this CPU's; returns when it did not (or when starting again failed).
    static func restartIfFallback() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, environment[fallbackVariable] == nil,
              let better = BLAS.betterCoreType else { return }
        setenv(fallbackVariable, BLAS.coreName, 1)
        setenv("OPENBLAS_CORETYPE", better, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Still here: the restart failed. Go on with OpenBLAS's own choice; children start clean.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(fallbackVariable)
    }

    /// What `dnatune doctor` says about the choice, when dnatune made it.
    static var note: String? {
        guard let original = ProcessInfo.processInfo.environment[fallbackVariable] else { return nil }
        return "\(BLAS.coreName), chosen by dnatune: OpenBLAS alone took this CPU for \(original)"
    }
}
