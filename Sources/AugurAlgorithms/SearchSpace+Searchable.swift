import AugurCore

extension SearchSpace {
    /// Checks what every designer relies on, by the spec's own rules (`SpecValidator`): at least one parameter,
    /// unique names, finite bounds with `min < max`, positive steps, positive bounds on log scale, non-empty lists.
    /// A spec that came through a reader or the service has passed them already; designers check again so that a
    /// hand-built `StudySpec` cannot crash them.
    func checkSearchable() throws(DesignerError) {
        guard !parameters.isEmpty else { throw .emptySearchSpace }
        guard let problem = SpecValidator.problems(of: self).first else { return }
        let index = problem.field.dropFirst("parameters[".count).prefix { $0.isNumber }
        let name = Int(index).flatMap { parameters.indices.contains($0) ? parameters[$0].name : nil } ?? problem.field
        let reason = problem.message.hasSuffix(".") ? String(problem.message.dropLast()) : problem.message
        throw .invalidParameter(name: name, reason: reason)
    }
}
