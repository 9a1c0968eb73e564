import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
import Foundation
import Testing

@Suite struct WorkerIdentityTests {
    @Test func parsesHostPidNamespaceAndInstance() throws {
        let identity = try #require(WorkerIdentity("box:123:0011223344556677:ab.2"))
        #expect(identity.host == "box")
        #expect(identity.processID == 123)
        #expect(identity.namespace == "0011223344556677")
        #expect(identity.instance == "ab.2")
        #expect(identity.description == "box:123:0011223344556677:ab.2")
        #expect(identity.displayName == "box:123")
        #expect(WorkerIdentity("rpc-client-7") == nil)
        #expect(WorkerIdentity("box:123:ab") == nil)
    }

    @Test func eachProcessIdentityHasItsOwnRandomInstance() {
        let one = WorkerIdentity.currentProcess()
        let other = WorkerIdentity.currentProcess()
        #expect(one.host == other.host && one.processID == other.processID && one.namespace == other.namespace)
        #expect(one.instance != other.instance)
        #expect(one.instance.count == 32)
        #expect(one.slot(0) != other.slot(0))
        #expect(one.slot(0).description != one.slot(1).description)
    }

    @Test func onlyALocalProcessThatIsGoneIsDead() {
        let me = WorkerIdentity.currentProcess()
        #expect(!me.namespace.isEmpty)
        #expect(!WorkerIdentity.isDeadLocalProcess(me.description))
        #expect(!WorkerIdentity.isDeadLocalProcess("other-host:999999:\(me.namespace):x"))
        // pid_max on Linux is at most 2^22, so this pid cannot exist.
        #expect(WorkerIdentity.isDeadLocalProcess("\(me.host):\(Int32.max - 1):\(me.namespace):x"))
        #expect(!WorkerIdentity.isDeadLocalProcess("\(me.host):1:\(me.namespace):x"))
    }

    /// A worker in another container on this host (same host name, its own PID namespace) has a pid that means
    /// nothing here: it is never taken for a dead local process.
    @Test func aPidFromAnotherNamespaceIsNeverDeclaredDead() {
        let me = WorkerIdentity.currentProcess()
        #expect(!WorkerIdentity.isDeadLocalProcess("\(me.host):\(Int32.max - 1):0123456789abcdef:x"))
        #expect(!WorkerIdentity.isDeadLocalProcess("\(me.host):\(Int32.max - 1)::x"))
        // The old form, without a namespace.
        #expect(!WorkerIdentity.isDeadLocalProcess("\(me.host):\(Int32.max - 1):x"))
    }

    /// Two workers with the same host name and pid hold their own trials: neither takes the other's, and both keep
    /// running theirs. Either they share this PID namespace (and the pid is alive here), or each has its own, as pid 1
    /// in two containers on one host does (and the pid does not exist here).
    @Test(arguments: [false, true]) func workersWithTheSameHostAndPidDoNotShareTrials(inOtherContainers: Bool) async throws {
        let service = StudyService(store: InMemoryStudyStore(), designers: { _ in CountingDesigner(limit: .max) }, leaseDuration: 60)
        _ = try await service.createStudy(StudySpec(
            name: "twins", searchSpace: SearchSpace([.integer("x", min: 0, max: 100)]),
            objective: Objective(metric: "loss", goal: .minimize), budget: Budget(maxTrials: 8, parallelTrials: 4)))
        let here = WorkerIdentity.currentProcess()
        let pid = inOtherContainers ? Int32.max - 1 : getpid()
        let first = WorkerIdentity(host: here.host, processID: pid, namespace: inOtherContainers ? "00000000000000aa" : here.namespace,
                                   instance: "first")
        let second = WorkerIdentity(host: here.host, processID: pid, namespace: inOtherContainers ? "00000000000000bb" : here.namespace,
                                    instance: "second")
        let firstTrials = try await service.suggestTrials(study: "twins", client: first.description, count: 2)
        let secondTrials = try await service.suggestTrials(study: "twins", client: second.description, count: 2)
        #expect(firstTrials.count == 2 && secondTrials.count == 2)
        #expect(Set(firstTrials.map(\.id)).isDisjoint(with: secondTrials.map(\.id)))
        // Asking again, each gets back its own trials, not the other's.
        #expect(try await service.suggestTrials(study: "twins", client: first.description, count: 2).map(\.id) == firstTrials.map(\.id))
        #expect(try await service.suggestTrials(study: "twins", client: second.description, count: 2).map(\.id) == secondTrials.map(\.id))
        let active = try await service.trials(study: "twins", query: TrialQuery(states: [.active]))
        #expect(active.count == 4)
        #expect(active.allSatisfy { $0.retryCount == 0 })
    }
}
