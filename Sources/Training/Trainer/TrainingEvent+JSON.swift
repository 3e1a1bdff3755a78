import Foundation

/// `metrics.jsonl`: one JSON object per event, with an `"event"` field naming its kind.
/// Non-finite numbers (a diverged loss) are written as the strings "NaN", "Infinity" or
/// "-Infinity", since JSON has no such numbers.
extension TrainingEvent {
    /// The event as one line of JSON (no trailing newline), keys sorted.
    public var jsonLine: String {
        let object = jsonObject
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Foundation.Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    var jsonObject: [String: Any] {
        switch self {
        case let .started(total, perEpoch, samples, resumedFrom, t):
            var o: [String: Any] = ["event": "started", "total_steps": total, "steps_per_epoch": perEpoch,
                                    "train_samples": samples, "time": t]
            if let resumedFrom { o["resumed_from"] = resumedFrom }
            return o
        case let .step(s):
            return ["event": "step", "step": s.step, "epoch": num(s.epoch), "loss": num(s.loss),
                    "learning_rate": num(s.learningRate), "grad_norm": num(s.gradNorm),
                    "samples_per_second": num(s.samplesPerSecond), "time": num(s.wallTime)]
        case let .evaluation(step, epoch, metrics, t):
            return ["event": "eval", "step": step, "epoch": num(epoch), "metrics": metrics.mapValues(num), "time": num(t)]
        case let .earlyStopping(e):
            var o: [String: Any] = ["event": "early_stopping", "step": e.step, "metric": e.metric,
                                    "greater_is_better": e.greaterIsBetter, "patience": e.patience,
                                    "evaluations_without_improvement": e.evaluationsWithoutImprovement,
                                    "time": num(e.wallTime)]
            if let b = e.best { o["best"] = num(b) }
            if let b = e.bestStep { o["best_step"] = b }
            return o
        case let .checkpoint(step, kind, path, t):
            return ["event": "checkpoint", "step": step, "kind": kind, "path": path, "time": num(t)]
        case let .learningRateChanged(step, from, to, t):
            return ["event": "lr_changed", "step": step, "from": num(from), "to": num(to), "time": num(t)]
        case let .paused(step, t):
            return ["event": "paused", "step": step, "time": num(t)]
        case let .resumed(step, t):
            return ["event": "resumed", "step": step, "time": num(t)]
        case let .test(step, metrics, t):
            return ["event": "test", "step": step, "metrics": metrics.mapValues(num), "time": num(t)]
        case let .finished(step, reason, t):
            var o: [String: Any] = ["event": "finished", "step": step, "reason": reason.code,
                                    "message": reason.message, "time": num(t)]
            if case let .diverged(_, lr) = reason { o["learning_rate"] = num(lr) }
            if case let .failed(error) = reason { o["error"] = error }
            return o
        }
    }

    /// Parses one line of `metrics.jsonl`; nil for a blank line, an error for anything else
    /// that is not a known event.
    public init?(jsonLine line: String) throws {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        guard let o = try JSONSerialization.jsonObject(with: Foundation.Data(trimmed.utf8)) as? [String: Any],
              let kind = o["event"] as? String
        else { throw EventDecodingError("not a JSON object with an \"event\" field") }
        func int(_ k: String) throws -> Int {
            guard let v = o[k] as? NSNumber else { throw EventDecodingError("\(kind): missing integer \"\(k)\"") }
            return v.intValue
        }
        func dbl(_ k: String) throws -> Double {
            guard let v = o[k].flatMap(parseNum) else { throw EventDecodingError("\(kind): missing number \"\(k)\"") }
            return v
        }
        func metrics(_ k: String) throws -> [String: Double] {
            guard let m = o[k] as? [String: Any] else { throw EventDecodingError("\(kind): missing \"\(k)\"") }
            return m.compactMapValues(parseNum)
        }
        let t = (o["time"].flatMap(parseNum)) ?? 0
        switch kind {
        case "started":
            self = .started(totalSteps: try int("total_steps"), stepsPerEpoch: try int("steps_per_epoch"),
                            trainSamples: try int("train_samples"), resumedFrom: (o["resumed_from"] as? NSNumber)?.intValue,
                            wallTime: t)
        case "step":
            self = .step(StepRecord(step: try int("step"), epoch: try dbl("epoch"), loss: try dbl("loss"),
                                    learningRate: try dbl("learning_rate"), gradNorm: try dbl("grad_norm"),
                                    samplesPerSecond: try dbl("samples_per_second"), wallTime: t))
        case "eval":
            self = .evaluation(step: try int("step"), epoch: try dbl("epoch"), metrics: try metrics("metrics"), wallTime: t)
        case "early_stopping":
            self = .earlyStopping(EarlyStoppingRecord(
                step: try int("step"), metric: o["metric"] as? String ?? "", greaterIsBetter: o["greater_is_better"] as? Bool ?? false,
                best: o["best"].flatMap(parseNum), bestStep: (o["best_step"] as? NSNumber)?.intValue,
                evaluationsWithoutImprovement: try int("evaluations_without_improvement"), patience: try int("patience"),
                wallTime: t))
        case "checkpoint":
            self = .checkpoint(step: try int("step"), kind: o["kind"] as? String ?? "", path: o["path"] as? String ?? "", wallTime: t)
        case "lr_changed":
            self = .learningRateChanged(step: try int("step"), from: try dbl("from"), to: try dbl("to"), wallTime: t)
        case "paused": self = .paused(step: try int("step"), wallTime: t)
        case "resumed": self = .resumed(step: try int("step"), wallTime: t)
        case "test": self = .test(step: try int("step"), metrics: try metrics("metrics"), wallTime: t)
        case "finished":
            let reason: FinishReason
            switch o["reason"] as? String ?? "" {
            case "completed": reason = .completed
            case "early_stopped": reason = .earlyStopped
            case "stopped": reason = .stoppedByUser
            case "diverged": reason = .diverged(step: try int("step"), learningRate: o["learning_rate"].flatMap(parseNum) ?? .nan)
            default: reason = .failed(o["error"] as? String ?? o["message"] as? String ?? "unknown")
            }
            self = .finished(step: try int("step"), reason: reason, wallTime: t)
        default:
            throw EventDecodingError("unknown event \"\(kind)\"")
        }
    }
}

/// A line of `metrics.jsonl` that is not a valid event.
public struct EventDecodingError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

private func num(_ v: Double) -> Any {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
    return v
}

private func parseNum(_ any: Any) -> Double? {
    if let n = any as? NSNumber { return n.doubleValue }
    switch any as? String {
    case "NaN": return .nan
    case "Infinity": return .infinity
    case "-Infinity": return -.infinity
    default: return nil
    }
}
