import Foundation

/// `metrics.jsonl`: one JSON object per event, with an `"event"` field naming its kind.
/// Non-finite numbers (a diverged loss) are written as the strings "NaN", "Infinity" or
/// "-Infinity", since JSON has no such numbers.
extension TrainingEvent {
    /// The event as one line of JSON (no trailing newline), keys sorted.
    public var jsonLine: String { JSONLine.encode(jsonObject) }

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
        case let .baseline(b):
            var o: [String: Any] = ["event": "baseline", "features": b.features, "c": num(b.c), "metric": b.metric,
                                    "validation": b.validation.mapValues(num), "test": b.test.mapValues(num),
                                    "seconds": num(b.seconds), "time": num(b.wallTime)]
            if let e = b.error { o["error"] = e }
            return o
        case let .test(step, metrics, network, t):
            var o: [String: Any] = ["event": "test", "step": step, "metrics": metrics.mapValues(num), "time": num(t)]
            if let network { o["network"] = network.mapValues(num) }
            return o
        case let .advice(step, text, t):
            return ["event": "advice", "step": step, "text": text, "time": num(t)]
        case let .finished(step, reason, t):
            var o: [String: Any] = ["event": "finished", "step": step, "reason": reason.code,
                                    "message": reason.message, "time": num(t)]
            if case let .diverged(_, lr) = reason { o["learning_rate"] = num(lr) }
            if case let .timeLimit(minutes) = reason { o["max_minutes"] = num(minutes) }
            if case let .failed(error) = reason { o["error"] = error }
            return o
        }
    }

    /// Parses one line of `metrics.jsonl`; nil for a blank line, an error for anything else
    /// that is not a known event.
    public init?(jsonLine line: String) throws {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        guard let o = try JSONLine.parse(trimmed) as? [String: Any], let kind = o["event"] as? String
        else { throw EventDecodingError("not a JSON object with an \"event\" field") }
        func int(_ k: String) throws -> Int {
            guard let v = o[k] as? Int else { throw EventDecodingError("\(kind): missing integer \"\(k)\"") }
            return v
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
                            trainSamples: try int("train_samples"), resumedFrom: o["resumed_from"] as? Int,
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
                best: o["best"].flatMap(parseNum), bestStep: o["best_step"] as? Int,
                evaluationsWithoutImprovement: try int("evaluations_without_improvement"), patience: try int("patience"),
                wallTime: t))
        case "checkpoint":
            self = .checkpoint(step: try int("step"), kind: o["kind"] as? String ?? "", path: o["path"] as? String ?? "", wallTime: t)
        case "lr_changed":
            self = .learningRateChanged(step: try int("step"), from: try dbl("from"), to: try dbl("to"), wallTime: t)
        case "paused": self = .paused(step: try int("step"), wallTime: t)
        case "resumed": self = .resumed(step: try int("step"), wallTime: t)
        case "baseline":
            self = .baseline(BaselineRecord(
                features: o["features"] as? String ?? "", c: o["c"].flatMap(parseNum) ?? .nan, metric: o["metric"] as? String ?? "",
                validation: try metrics("validation"), test: try metrics("test"), seconds: o["seconds"].flatMap(parseNum) ?? 0,
                error: o["error"] as? String, wallTime: t))
        case "test":
            self = .test(step: try int("step"), metrics: try metrics("metrics"), network: o["network"] == nil ? nil : try metrics("network"),
                         wallTime: t)
        case "advice": self = .advice(step: try int("step"), text: o["text"] as? String ?? "", wallTime: t)
        case "finished":
            let reason: FinishReason
            switch o["reason"] as? String ?? "" {
            case "completed": reason = .completed
            case "early_stopped": reason = .earlyStopped
            case "stopped": reason = .stoppedByUser
            case "terminated": reason = .terminated
            case "time_limit": reason = .timeLimit(minutes: o["max_minutes"].flatMap(parseNum) ?? .nan)
            case "diverged": reason = .diverged(step: try int("step"), learningRate: o["learning_rate"].flatMap(parseNum) ?? .nan)
            default: reason = .failed(o["error"] as? String ?? o["message"] as? String ?? "unknown")
            }
            self = .finished(step: try int("step"), reason: reason, wallTime: t)
        default:
            throw EventDecodingError("unknown event \"\(kind)\"")
        }
    }
}

/// A compact JSON writer with sorted keys whose numbers round-trip exactly: doubles are written
/// in Swift's shortest round-trip form (Foundation's writer drops the last digits on Linux,
/// which would make a resumed run's curve differ from the uninterrupted one in the log).
enum JSONLine {
    static func encode(_ value: Any) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    static func write(_ value: Any, into out: inout String) {
        switch value {
        case let v as String: writeString(v, into: &out)
        case let v as Bool: out += v ? "true" : "false"
        case let v as Int: out += String(v)
        case let v as Double:
            if v.isFinite {
                out += v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
            } else {
                writeString(v.isNaN ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"), into: &out)
            }
        case let v as [String: Any]:
            out += "{"
            for (i, key) in v.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(v[key]!, into: &out)
            }
            out += "}"
        case let v as [Any]:
            out += "["
            for (i, e) in v.enumerated() {
                if i > 0 { out += "," }
                write(e, into: &out)
            }
            out += "]"
        default:
            out += "null"
        }
    }

    /// Parses one JSON value. Numbers without a fraction or exponent become `Int`, others
    /// `Double` through Swift's exact parser; objects `[String: Any]`, arrays `[Any]`.
    static func parse(_ text: String) throws -> Any {
        var p = Parser(bytes: Array(text.utf8))
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.bytes.count else { throw EventDecodingError("trailing characters at offset \(p.i)") }
        return v
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func value() throws -> Any {
            skipSpace()
            guard i < bytes.count else { throw EventDecodingError("unexpected end of line") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var o: [String: Any] = [:]
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return o }
                while true {
                    skipSpace()
                    let key = try string()
                    skipSpace()
                    try expect(":")
                    o[key] = try value()
                    skipSpace()
                    if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    try expect("}")
                    return o
                }
            case UInt8(ascii: "["):
                i += 1
                var a: [Any] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return a }
                while true {
                    a.append(try value())
                    skipSpace()
                    if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    try expect("]")
                    return a
                }
            case UInt8(ascii: "\""): return try string()
            case UInt8(ascii: "t"): try literal("true"); return true
            case UInt8(ascii: "f"): try literal("false"); return false
            case UInt8(ascii: "n"): try literal("null"); return NSNull()
            default: return try number()
            }
        }

        mutating func expect(_ c: Character) throws {
            guard i < bytes.count, bytes[i] == c.asciiValue! else { throw EventDecodingError("expected '\(c)' at offset \(i)") }
            i += 1
        }

        mutating func literal(_ word: String) throws {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else {
                throw EventDecodingError("invalid literal at offset \(i)")
            }
            i += w.count
        }

        mutating func number() throws -> Any {
            let start = i
            var integral = true
            while i < bytes.count, let c = Optional(bytes[i]),
                  (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".")
                    || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { integral = false }
                i += 1
            }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            if integral, let v = Int(text) { return v }
            guard let v = Double(text) else { throw EventDecodingError("invalid number '\(text)' at offset \(start)") }
            return v
        }

        mutating func string() throws -> String {
            try expect("\"")
            var out = [UInt8]()
            while i < bytes.count {
                let c = bytes[i]
                i += 1
                if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                if c != UInt8(ascii: "\\") { out.append(c); continue }
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
                        throw EventDecodingError("invalid \\u escape at offset \(i)")
                    }
                    i += 4
                    out.append(contentsOf: Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
                default: out.append(e)
                }
            }
            throw EventDecodingError("unterminated string")
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        out += JSONText.quoted(s)
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
    if let n = any as? Double { return n }
    if let n = any as? Int { return Double(n) }
    switch any as? String {
    case "NaN": return .nan
    case "Infinity": return .infinity
    case "-Infinity": return -.infinity
    default: return nil
    }
}
