import Yams

/// A YAML node together with the field path that leads to it (`parameters[2].max`), so that every problem found in
/// it can name both the place in the file and the field.
struct SpecNode {
    let node: Node
    let path: String

    init(_ node: Node, path: String) {
        self.node = node
        self.path = path
    }

    var mark: Mark? { node.mark }

    /// The path of the member `key` of this mapping.
    func path(of key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// The path of element `index` of this list.
    func path(at index: Int) -> String {
        "\(path)[\(index)]"
    }

    /// The member `key` of this mapping, with its path; `nil` when this is no mapping or has no such member.
    func child(_ key: String) -> SpecNode? {
        guard let value = node.mapping?[key] else { return nil }
        return SpecNode(value, path: path(of: key))
    }

    /// The elements of the list under `key`, with their paths; empty when there is none.
    func children(_ key: String) -> [SpecNode] {
        guard let list = child(key), case .sequence(let sequence) = list.node else { return [] }
        return sequence.enumerated().map { SpecNode($1, path: list.path(at: $0)) }
    }

    /// The string members of the mapping under `key` (Kubernetes labels); members that are not text are left out.
    func stringMap(_ key: String) -> [String: String] {
        var map: [String: String] = [:]
        for (name, value) in child(key)?.node.mapping ?? [:] {
            if let name = name.scalar?.string, let value = value.scalar?.string { map[name] = value }
        }
        return map
    }

    /// A scalar written as `~`, `null` or nothing at all.
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The scalar's text, or `nil` for a mapping or list.
    var scalarText: String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    /// How the node reads in a message: "a mapping", "a list", "`abc`".
    var summary: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull { return "nothing" }
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(37)) + "..." : scalar.string
            return "`\(text)`"
        }
    }
}

/// The members of a YAML mapping, each with its key's node (for problems about the key itself).
struct SpecFields {
    /// The mapping these fields belong to.
    let owner: SpecNode
    private let members: [String: (key: SpecNode, value: SpecNode)]
    /// Keys, in file order.
    let keys: [String]

    init(owner: SpecNode, members: [(key: String, keyNode: SpecNode, value: SpecNode)]) {
        self.owner = owner
        var table: [String: (key: SpecNode, value: SpecNode)] = [:]
        var keys: [String] = []
        for member in members where table[member.key] == nil {
            table[member.key] = (member.keyNode, member.value)
            keys.append(member.key)
        }
        self.members = table
        self.keys = keys
    }

    /// The value of `key`, or `nil` when it is absent or written as null.
    subscript(key: String) -> SpecNode? {
        guard let value = members[key]?.value, value.isNull == false else { return nil }
        return value
    }

    /// Whether `key` is present, even with a null value.
    func contains(_ key: String) -> Bool {
        members[key] != nil
    }

    /// The node of `key` itself (for "this field is not allowed here" problems).
    func keyNode(_ key: String) -> SpecNode? {
        members[key]?.key
    }

    /// The value of `key`, null included.
    func rawValue(_ key: String) -> SpecNode? {
        members[key]?.value
    }
}
