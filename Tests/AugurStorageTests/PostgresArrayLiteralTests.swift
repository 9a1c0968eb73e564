@testable import AugurStorage
import Testing

/// The array literals the PostgreSQL store sends as `$n::text[]` / `$n::integer[]` parameters (no server needed).
struct PostgresArrayLiteralTests {
    @Test func quotesEveryElementAndEscapesBackslashesAndQuotes() {
        #expect(PostgresStoreSession.arrayLiteral([String]()) == "{}")
        #expect(PostgresStoreSession.arrayLiteral(["a", ""]) == #"{"a",""}"#)
        #expect(PostgresStoreSession.arrayLiteral([#"{"opt":"a\"b"}"#, #"c:\dir"#, "é,}"]) == #"{"{\"opt\":\"a\\\"b\"}","c:\\dir","é,}"}"#)
        #expect(PostgresStoreSession.arrayLiteral([3, -1, 42]) == "{3,-1,42}")
    }

    @Test func writesAMissingValueAsNullAndTheTextNullQuoted() {
        #expect(PostgresStoreSession.arrayLiteral([nil, "NULL", "1.5"] as [String?]) == #"{NULL,"NULL","1.5"}"#)
        #expect(PostgresStoreSession.arrayLiteral([String?]()) == "{}")
    }
}
