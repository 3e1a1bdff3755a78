import Foundation

/// Files under this target's `Fixtures/` folder (copied into the test bundle).
enum OptimFixture {
    static func url(_ path: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(path)
    }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: url(path))) as! [String: Any]
    }
}
