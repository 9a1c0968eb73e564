import AugurCore
import Testing

@Suite struct BearerTokenTests {
    @Test func comparisonLooksAtWholeTokens() {
        func equal(_ a: String, _ b: String) -> Bool { BearerToken(a).matches(Array(b.utf8)) }
        #expect(equal("abc", "abc"))
        #expect(!equal("abc", "abd"))
        #expect(!equal("abc", "abcd"))
        #expect(!equal("abcd", "abc"))
        #expect(!equal("a", ""))
        #expect(equal("", ""))
        #expect(equal("  abc\n", "abc"), "white space around the secret is not part of it")
    }

    @Test func theBearerSchemeIsReadCaseInsensitively() {
        let credentials = { (header: String) in BearerToken.credentials(ofAuthorization: header).map { String(decoding: $0, as: UTF8.self) } }
        #expect(credentials("Bearer abc") == "abc")
        #expect(credentials("bearer abc") == "abc")
        #expect(credentials("BeArEr  abc") == "abc")
        #expect(credentials("Bearer ") == "")
        #expect(credentials("Bearerabc") == nil)
        #expect(credentials("Bearer") == nil)
        #expect(credentials("Basic abc") == nil)
        #expect(credentials("Bearer\tabc") == nil)
    }
}
