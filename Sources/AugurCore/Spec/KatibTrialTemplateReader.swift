import Foundation

/// Reads a Katib `trialTemplate` into a command trial: the primary container's `command` + `args` become the argv,
/// its `env` and `workingDir` carry over, and `${trialParameters.NAME}` references stay in place for the runner to
/// substitute through `CommandTrial.parameterReferences`.
struct KatibTrialTemplateReader {
    var reader: SpecReader

    private static let usedContainerFields: Set<String> = ["name", "command", "args", "env", "workingDir"]

    /// - Parameter namespace: the Experiment's `metadata.namespace`, for `${trialSpec.Namespace}` (`default` when
    ///   it has none, as `kubectl` would place it).
    mutating func read(_ node: SpecNode, parameterNames: Set<String>, namespace: String?) -> CommandTrial? {
        let ignoredReason = " is ignored: Augur runs each trial as a local process and judges it by its exit status."
        guard let fields = reader.fields(of: node, known: ["primaryContainerName", "primaryPodLabels", "trialParameters",
                                                           "trialSpec", "configMap"],
                                         ignored: [
                                             "retain": "`retain` is ignored: Augur keeps no Kubernetes resources to clean up.",
                                             "successCondition": "`successCondition`" + ignoredReason,
                                             "failureCondition": "`failureCondition`" + ignoredReason,
                                         ], what: "`trialTemplate`")
        else { return nil }
        let errorsBefore = reader.errors.count
        if let configMap = fields.keyNode("configMap") {
            reader.error("Augur cannot read trial templates from a Kubernetes ConfigMap; paste the template into the "
                + "Experiment under `trialTemplate.trialSpec`.", at: configMap)
            return nil
        }
        var references: [String: String] = [:]
        var declared: Set<String> = []
        if let node = fields["trialParameters"] {
            let metadata = TrialMetadata(trialSpec: fields["trialSpec"], namespace: namespace ?? "default")
            (references, declared) = readTrialParameters(node, parameterNames: parameterNames, metadata: metadata)
        }
        var primaryName: String?
        if let node = fields["primaryContainerName"] {
            primaryName = reader.string(node, what: "`primaryContainerName`")
        }
        var podLabels: [String: String]?
        if let node = fields["primaryPodLabels"], let labels = reader.userFields(node, what: "`primaryPodLabels`") {
            var read: [String: String] = [:]
            for key in labels.keys {
                if let valueNode = labels[key], let value = reader.string(valueNode, what: "label `\(key)`") { read[key] = value }
            }
            podLabels = read
        }
        guard let specNode = reader.required("trialSpec", in: fields, hint: "give the Job (or other resource) each trial "
            + "runs; Augur runs its primary container's command locally.") else { return nil }
        let primary = Primary(name: primaryName, nameNode: fields["primaryContainerName"], podLabels: podLabels,
                              podLabelsNode: fields.keyNode("primaryPodLabels"))
        guard var trial = readTrialSpec(specNode, primary: primary, declared: declared) else { return nil }
        trial.parameterReferences = references
        return reader.errors.count == errorsBefore ? trial : nil
    }

    /// The references that name a search parameter, and every trial parameter's name (valid or not), so that a
    /// bad `reference` is not reported again at each use of its name.
    private mutating func readTrialParameters(_ node: SpecNode, parameterNames: Set<String>,
                                              metadata: TrialMetadata) -> ([String: String], Set<String>) {
        guard let elements = reader.list(node, what: "`trialParameters`") else { return ([:], []) }
        var references: [String: String] = [:]
        var declared: Set<String> = []
        for element in elements {
            guard let fields = reader.fields(of: element, known: ["name", "reference", "description"], what: "a trial parameter"),
                  let nameNode = reader.required("name", in: fields, hint: "name it as the template refers to it, e.g. "
                      + "`name: learningRate` for `${trialParameters.learningRate}`."),
                  let name = reader.string(nameNode, what: "`name`"),
                  let referenceNode = reader.required("reference", in: fields, hint: "name the search parameter it stands "
                      + "for, e.g. `reference: lr`."),
                  let reference = reader.string(referenceNode, what: "`reference`")
            else { continue }
            if declared.insert(name).inserted == false {
                reader.error("trial parameter `\(name)` is defined twice; give each its own name.", at: nameNode)
                continue
            }
            if parameterNames.contains(reference) {
                references[name] = TrialParameterReference.parameter(reference).encoded
            } else if reference.hasPrefix("${trialSpec.") {
                switch metadata.resolve(reference) {
                case .success(let resolved): references[name] = resolved.encoded
                case .failure(let problem): reader.error(problem.message, at: referenceNode)
                }
            } else {
                var message = "`reference: \(reference)` names no search parameter"
                if let suggestion = closestName(to: reference, among: Array(parameterNames)) {
                    message += "; did you mean `\(suggestion)`?"
                } else {
                    message += "; it must be one of: " + parameterNames.sorted().map { "`\($0)`" }.joined(separator: ", ") + "."
                }
                reader.error(message, at: referenceNode)
            }
        }
        return (references, declared)
    }

    /// How the template names its primary container: Katib's `primaryContainerName`, and `primaryPodLabels`, which
    /// pick the pod (an Argo step, a Tekton task) when a resource runs several.
    struct Primary {
        var name: String?
        var nameNode: SpecNode?
        var podLabels: [String: String]?
        var podLabelsNode: SpecNode?
    }

    /// A container a trial resource would run: where it is written, the name its pod gives it, the labels of that
    /// pod (for the kinds whose pods `primaryPodLabels` selects), and the pod spec it belongs to (`nil` when the
    /// resource has no pod template, as a TrainJob's trainer).
    struct Candidate {
        var container: SpecNode
        var name: String?
        var podLabels: [String: String]?
        var pod: SpecNode?
    }

    /// The resource kinds whose containers are not in pod templates, and how their command's own variables look.
    enum ResourceKind {
        case pods, argoWorkflow, tektonPipelineRun, tektonTaskRun, trainJob

        init(kind: String) {
            switch kind {
            case "Workflow": self = .argoWorkflow
            case "PipelineRun": self = .tektonPipelineRun
            case "TaskRun": self = .tektonTaskRun
            case "TrainJob": self = .trainJob
            default: self = .pods
            }
        }

        /// The resource's own variables (`{{inputs.parameters.x}}`, `$(params.x)`), filled in by its controller from
        /// other steps or tasks Augur does not run.
        var variablePattern: String? {
            switch self {
            case .argoWorkflow: #"\{\{[^}]*\}\}"#
            case .tektonPipelineRun, .tektonTaskRun: #"\$\([^)]*\)"#
            case .pods, .trainJob: nil
            }
        }

        var variableOwner: String {
            switch self {
            case .argoWorkflow: "an Argo workflow variable, which Argo fills in from the workflow's inputs and other steps"
            default: "a Tekton variable, which Tekton fills in from the pipeline's params and other tasks' results"
            }
        }
    }

    private mutating func readTrialSpec(_ node: SpecNode, primary: Primary, declared: Set<String>) -> CommandTrial? {
        guard let fields = reader.userFields(node, what: "`trialSpec`") else { return nil }
        let kind = fields["kind"].flatMap { reader.string($0, what: "`kind`") } ?? "Job"
        var resource = ResourceKind(kind: kind)
        var candidates = Self.podSpecs(in: node).flatMap { pod in
            containers(of: pod).map { Candidate(container: $0.node, name: $0.name, pod: pod) }
        }
        if candidates.isEmpty {
            candidates = Self.resourceContainers(of: resource, in: node)
        } else {
            resource = .pods
        }
        guard candidates.isEmpty == false else {
            reader.error("found no containers in this `\(kind)`; Augur runs the primary container's `command` and "
                + "finds it in a pod template (a Job's `spec.template.spec.containers`, the replicas of a TFJob, "
                + "PyTorchJob, …), an Argo Workflow's `spec.templates[].container`, a Tekton PipelineRun's "
                + "`spec.pipelineSpec.tasks[].taskSpec.steps` or a TrainJob's `spec.trainer`; write the trial's "
                + "command in one of those.", at: node)
            return nil
        }
        guard let chosen = choose(among: candidates, primary: primary, resource: resource, kind: kind, at: node) else {
            return nil
        }
        if let labelsNode = primary.podLabelsNode, resource == .pods || resource == .trainJob {
            reader.warning("`primaryPodLabels` is ignored: Augur runs each trial as a local process and judges it by "
                + "its exit status.", at: labelsNode)
        }
        if kind != "Job" {
            reader.warning("Augur runs the primary container of this `\(kind)` as one local process per trial; its "
                + "other replicas, steps and Kubernetes settings are ignored.", at: fields["kind"] ?? node)
        }
        return readContainer(chosen.container, pod: chosen.pod, trialSpec: fields, declared: declared, resource: resource)
    }

    /// The primary container, chosen as Katib's trial controller would: the pods `primaryPodLabels` selects (for
    /// kinds that run several pods), then the container named `primaryContainerName`.
    private mutating func choose(among all: [Candidate], primary: Primary, resource: ResourceKind, kind: String,
                                 at node: SpecNode) -> Candidate? {
        var candidates = all
        if let labels = primary.podLabels, resource == .argoWorkflow || resource == .tektonPipelineRun {
            candidates = all.filter { candidate in
                labels.allSatisfy { candidate.podLabels?[$0.key] == $0.value }
            }
            if candidates.isEmpty {
                let written = labels.sorted { $0.key < $1.key }.map { "`\($0.key): \($0.value)`" }.joined(separator: ", ")
                let hint = resource == .argoWorkflow
                    ? "add them to the `metadata.labels` of the template that trains"
                    : "name the training task in `tekton.dev/pipelineTask`"
                reader.error("no pod of this `\(kind)` has the labels \(written) of `primaryPodLabels`; \(hint).",
                             at: primary.podLabelsNode ?? node)
                return nil
            }
        }
        if let name = primary.name {
            let named = candidates.filter { $0.name == name }
            // The replicas of a TFJob, PyTorchJob, … repeat one container name; Katib's `primaryPodLabels` picks a
            // replica's pod, and all replicas run the same command, so the first (usually the master) is the one.
            if let first = named.first, named.count == 1 || resource == .pods { return first }
            var names: [String] = []
            for candidate in candidates {
                if let candidateName = candidate.name, names.contains(candidateName) == false { names.append(candidateName) }
            }
            let listed = names.map { "`\($0)`" }.joined(separator: ", ")
            if named.isEmpty {
                var message = "no container is named `\(name)`; the template's containers are \(listed)"
                switch resource {
                case .argoWorkflow: message += " (Argo names a template's container `main`)"
                case .tektonPipelineRun, .tektonTaskRun: message += " (Tekton names a step's container `step-` and the step's name)"
                case .trainJob: message += " (Kubeflow Trainer names the trainer's container `node`)"
                case .pods: break
                }
                reader.error(message + ".", at: primary.nameNode ?? node)
            } else {
                let hint = resource == .argoWorkflow || resource == .tektonPipelineRun
                    ? "set `primaryPodLabels` to the labels of the one that trains" : "give each container its own name"
                reader.error("\(named.count) containers of this `\(kind)` are named `\(name)`; \(hint).",
                             at: primary.nameNode ?? node)
            }
            return nil
        }
        if candidates.count == 1, let only = candidates.first { return only }
        reader.error("`primaryContainerName` is missing and the template has \(candidates.count) containers; "
            + "name the one whose command runs the trial.", at: node)
        return nil
    }

    /// The containers of the resources that have no pod template, named as their controllers name them in the pod.
    static func resourceContainers(of resource: ResourceKind, in node: SpecNode) -> [Candidate] {
        let spec = node.child("spec")
        switch resource {
        case .pods:
            return []
        case .argoWorkflow:
            // Each template with a `container` (or `script`) runs a pod whose container Argo names `main`; the
            // template's `metadata.labels` are the pod's.
            return (spec?.children("templates") ?? []).compactMap { template in
                guard let container = template.child("container") ?? template.child("script") else { return nil }
                return Candidate(container: container, name: "main", podLabels: template.child("metadata")?.stringMap("labels") ?? [:],
                                 pod: template)
            }
        case .tektonPipelineRun:
            // Each task runs a pod labelled `tekton.dev/pipelineTask: <task>`; a step's container is `step-<step>`.
            return (spec?.child("pipelineSpec")?.children("tasks") ?? []).flatMap { task -> [Candidate] in
                guard let taskSpec = task.child("taskSpec") else { return [] }
                var labels = taskSpec.child("metadata")?.stringMap("labels") ?? [:]
                if let name = task.node.mapping?["name"]?.scalar?.string { labels["tekton.dev/pipelineTask"] = name }
                return tektonSteps(of: taskSpec, labels: labels)
            }
        case .tektonTaskRun:
            guard let taskSpec = spec?.child("taskSpec") else { return [] }
            return tektonSteps(of: taskSpec, labels: [:])
        case .trainJob:
            // Kubeflow Trainer runs `spec.trainer` in the container it names `node` (without a `command`, the
            // runtime's image entrypoint, which `readContainer` refuses by name).
            guard let trainer = spec?.child("trainer"), trainer.node.mapping != nil else { return [] }
            return [Candidate(container: trainer, name: "node", podLabels: nil, pod: nil)]
        }
    }

    private static func tektonSteps(of taskSpec: SpecNode, labels: [String: String]) -> [Candidate] {
        taskSpec.children("steps").map { step in
            let name = step.node.mapping?["name"]?.scalar?.string
            return Candidate(container: step, name: name.map { "step-" + $0 }, podLabels: labels, pod: nil)
        }
    }

    private mutating func readContainer(_ node: SpecNode, pod: SpecNode?, trialSpec: SpecFields,
                                        declared: Set<String>, resource: ResourceKind) -> CommandTrial? {
        guard let container = reader.userFields(node, what: "a container") else { return nil }
        let errorsBefore = reader.errors.count
        if let source = container.keyNode("source") {
            reader.error("Augur cannot run an Argo `script` template (its `source` is written to a file in the pod); "
                + "make the training step a `container` template whose `command` runs the program.", at: source)
            return nil
        }
        let ignored = container.keys.filter { Self.usedContainerFields.contains($0) == false }
        if ignored.isEmpty == false {
            reader.warning("Augur runs the container's command on this machine; "
                + ignored.map { "`\($0)`" }.joined(separator: ", ") + (ignored.count == 1 ? " is" : " are") + " ignored.",
                at: node)
        }
        var referencing: [(String, SpecNode)] = []
        var argv: [String] = []
        if let commandNode = reader.required("command", in: container, hint: "Augur cannot run an image's entrypoint; "
            + "write the program and its arguments as `command` (and `args`)."),
            let command = reader.stringList(commandNode, what: "`command`") {
            argv += command.map(\.0)
            referencing += command
        }
        if let argsNode = container["args"], let args = reader.stringList(argsNode, what: "`args`") {
            argv += args.map(\.0)
            referencing += args
        }
        var environment: [String: String] = [:]
        if let envNode = container["env"], let entries = reader.list(envNode, what: "`env`") {
            for entry in entries {
                guard let fields = reader.fields(of: entry, known: ["name", "value", "valueFrom"], what: "an environment variable"),
                      let nameNode = reader.required("name", in: fields, hint: "name the variable."),
                      let name = reader.string(nameNode, what: "`name`")
                else { continue }
                if let valueFrom = fields.keyNode("valueFrom") {
                    reader.warning("`valueFrom` reads Kubernetes secrets or fields, which Augur does not have; `\(name)` "
                        + "is not set. Give it a `value` instead.", at: valueFrom)
                    continue
                }
                let value = fields["value"].flatMap { reader.string($0, what: "the value of `\(name)`") } ?? ""
                environment[name] = value
                if let valueNode = fields["value"] { referencing.append((value, valueNode)) }
            }
        }
        var workingDirectory: String?
        if let node = container["workingDir"], let path = reader.string(node, what: "`workingDir`") {
            workingDirectory = reader.absolutePath(path)
            referencing.append((path, node))
        }
        let timeout = readTimeout(pod: pod, trialSpec: trialSpec)
        if let pod, resource == .pods { warnAboutPod(pod, chosen: node) }
        if let pattern = resource.variablePattern {
            checkResourceVariables(referencing, pattern: pattern, owner: resource.variableOwner)
        }

        SpecRules.checkReferences(in: referencing, prefix: "trialParameters", known: declared,
                                  what: "trial parameter (list it under `trialTemplate.trialParameters`)", &reader)
        let used = Set(referencing.flatMap { SpecRules.references(in: $0.0, prefix: "trialParameters") })
        for name in declared.sorted() where used.contains(name) == false {
            reader.warning("trial parameter `\(name)` is never used as `${trialParameters.\(name)}` in the container's "
                + "command, args, env or workingDir.", at: node)
        }
        guard reader.errors.count == errorsBefore else { return nil }
        return CommandTrial(argv: argv, environment: environment, workingDirectory: workingDirectory,
                            timeoutSeconds: timeout)
    }

    /// One error, at the first place, for the variables of an Argo workflow or Tekton pipeline in the command:
    /// their controller would fill them in from steps Augur does not run.
    private mutating func checkResourceVariables(_ texts: [(String, SpecNode)], pattern: String, owner: String) {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return }
        var found: [String] = []
        var first: SpecNode?
        for (text, node) in texts {
            for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let range = Range(match.range, in: text) else { continue }
                if found.contains(String(text[range])) == false { found.append(String(text[range])) }
                if first == nil { first = node }
            }
        }
        guard let first else { return }
        let listed = found.map { "`\($0)`" }.joined(separator: ", ")
        reader.error("\(listed) \(found.count == 1 ? "is" : "are each") \(owner); Augur runs only the primary container, "
            + "so write \(found.count == 1 ? "its value" : "their values") here instead, or a `${trialParameters.NAME}` "
            + "reference for a searched parameter.", at: first)
    }

    /// `activeDeadlineSeconds` of the pod or of a Job becomes the trial's timeout.
    private mutating func readTimeout(pod: SpecNode?, trialSpec: SpecFields) -> Double? {
        var candidates: [SpecNode] = []
        if let pod, case .mapping(let mapping) = pod.node, let deadline = mapping["activeDeadlineSeconds"] {
            candidates.append(SpecNode(deadline, path: pod.path(of: "activeDeadlineSeconds")))
        }
        if let jobSpec = trialSpec["spec"], case .mapping(let mapping) = jobSpec.node, let deadline = mapping["activeDeadlineSeconds"] {
            candidates.append(SpecNode(deadline, path: jobSpec.path(of: "activeDeadlineSeconds")))
        }
        var timeout: Double?
        for node in candidates {
            if let seconds = reader.integer(node, what: "`activeDeadlineSeconds`", atLeast: 1) {
                timeout = min(timeout ?? Double(seconds), Double(seconds))
            }
        }
        return timeout
    }

    private mutating func warnAboutPod(_ pod: SpecNode, chosen: SpecNode) {
        guard case .mapping(let mapping) = pod.node else { return }
        let ignored = mapping.keys.compactMap(\.scalar?.string).filter { ["containers", "activeDeadlineSeconds"].contains($0) == false }
        let others = containers(of: pod).filter { $0.node.path != chosen.path }.map { "`\($0.name ?? "unnamed")`" }
        var parts: [String] = []
        if ignored.isEmpty == false {
            parts.append((ignored.count == 1 ? "the pod field " : "the pod fields ") + ignored.map { "`\($0)`" }.joined(separator: ", "))
        }
        if others.isEmpty == false {
            parts.append((others.count == 1 ? "the other container " : "the other containers ") + others.joined(separator: ", "))
        }
        guard parts.isEmpty == false else { return }
        let verb = ignored.count + others.count == 1 ? "is" : "are"
        reader.warning("Augur runs only the primary container's command, so \(parts.joined(separator: " and ")) "
            + "\(verb) ignored.", at: pod)
    }

    private func containers(of pod: SpecNode) -> [(node: SpecNode, name: String?)] {
        guard case .mapping(let mapping) = pod.node, case .sequence(let list)? = mapping["containers"] else { return [] }
        let listPath = pod.path(of: "containers")
        return list.enumerated().map { index, container in
            (SpecNode(container, path: "\(listPath)[\(index)]"), container.mapping?["name"]?.scalar?.string)
        }
    }

    /// Every mapping with a `containers` list: the pod templates of a Job (`spec.template.spec`) or of the
    /// replicas of a TFJob, PyTorchJob, ….
    static func podSpecs(in node: SpecNode) -> [SpecNode] {
        switch node.node {
        case .mapping(let mapping):
            if case .sequence? = mapping["containers"] { return [node] }
            return mapping.flatMap { key, value in
                podSpecs(in: SpecNode(value, path: node.path(of: key.scalar?.string ?? "")))
            }
        case .sequence(let sequence):
            return sequence.enumerated().flatMap { podSpecs(in: SpecNode($1, path: node.path(at: $0))) }
        case .scalar, .alias:
            return []
        }
    }
}

/// The Kubernetes metadata a Katib trial template may refer to as `${trialSpec.…}`, with the meaning Augur gives it
/// on this machine (docs/spec.md, "Trial metadata").
struct TrialMetadata {
    var namespace: String
    var kind: String?
    var apiVersion: String?
    var labels: [String: String] = [:]
    var annotations: [String: String] = [:]

    /// A reference that cannot be resolved, with the message for its author.
    struct Problem: Error {
        var message: String
    }

    init(trialSpec: SpecNode?, namespace: String) {
        self.namespace = namespace
        guard let mapping = trialSpec?.node.mapping else { return }
        kind = mapping["kind"]?.scalar?.string
        apiVersion = mapping["apiVersion"]?.scalar?.string
        guard let metadata = mapping["metadata"]?.mapping else { return }
        for (key, target) in [("labels", \TrialMetadata.labels), ("annotations", \TrialMetadata.annotations)] {
            guard let entries = metadata[key]?.mapping else { continue }
            for (name, value) in entries {
                if let name = name.scalar?.string, let value = value.scalar?.string { self[keyPath: target][name] = value }
            }
        }
    }

    /// What `reference` (`${trialSpec.Name}`, `${trialSpec.Labels[key]}`, …) stands for, as Katib's trial
    /// controller reads it: `${trialSpec.KEY}` or `${trialSpec.KEY[INDEX]}` for labels and annotations.
    func resolve(_ reference: String) -> Result<TrialParameterReference, Problem> {
        let keys = "`Name`, `Namespace`, `Kind`, `APIVersion`, `Labels[key]` and `Annotations[key]`"
        guard reference.hasPrefix("${trialSpec."), reference.hasSuffix("}") else {
            return .failure(Problem(message: "`\(reference)` is not a trial metadata reference; write "
                + "`${trialSpec.KEY}` with KEY one of \(keys)."))
        }
        let inner = String(reference.dropFirst("${trialSpec.".count).dropLast())
        var key = inner
        var index: String?
        if let open = inner.firstIndex(of: "["), inner.hasSuffix("]") {
            key = String(inner[..<open])
            index = String(inner[inner.index(after: open)..<inner.index(before: inner.endIndex)])
        }
        switch (key, index) {
        case ("Name", nil):
            return .success(.trialName)
        case ("Namespace", nil):
            return .success(.text(namespace))
        case ("Kind", nil):
            guard let kind else { return .failure(Problem(message: "`\(reference)` refers to the trial template's "
                + "`kind`, which is not written; add `kind:` to `trialSpec`.")) }
            return .success(.text(kind))
        case ("APIVersion", nil):
            guard let apiVersion else { return .failure(Problem(message: "`\(reference)` refers to the trial "
                + "template's `apiVersion`, which is not written; add `apiVersion:` to `trialSpec`.")) }
            return .success(.text(apiVersion))
        case ("Labels", let index?), ("Annotations", let index?):
            let isLabel = key == "Labels"
            let entries = isLabel ? labels : annotations
            guard let value = entries[index] else {
                let field = isLabel ? "labels" : "annotations"
                return .failure(Problem(message: "`\(reference)` refers to the \(isLabel ? "label" : "annotation") "
                    + "`\(index)`, which `trialSpec.metadata.\(field)` does not have; add it there (Katib would fail "
                    + "each trial on it)."))
            }
            return .success(.text(value))
        default:
            return .failure(Problem(message: "`\(reference)` is not trial metadata Katib knows; use \(keys)."))
        }
    }
}
