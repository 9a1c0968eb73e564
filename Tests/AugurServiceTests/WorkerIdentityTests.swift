import AugurService
import Foundation
import Testing

@Suite struct WorkerIdentityTests {
    @Test func parsesHostPidAndNonce() throws {
        let identity = try #require(WorkerIdentity("box:123:ab.2"))
        #expect(identity.host == "box")
        #expect(identity.processID == 123)
        #expect(identity.nonce == "ab.2")
        #expect(identity.description == "box:123:ab.2")
        #expect(WorkerIdentity("rpc-client-7") == nil)
    }

    @Test func onlyALocalProcessThatIsGoneIsDead() {
        let me = WorkerIdentity.currentProcess()
        #expect(!WorkerIdentity.isDeadLocalProcess(me.description))
        #expect(!WorkerIdentity.isDeadLocalProcess("other-host:999999:x"))
        // pid_max on Linux is at most 2^22, so this pid cannot exist.
        #expect(WorkerIdentity.isDeadLocalProcess("\(me.host):\(Int32.max - 1):x"))
        #expect(!WorkerIdentity.isDeadLocalProcess("\(me.host):1:x"))
    }
}
