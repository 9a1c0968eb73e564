/// How much of a study's history `StudyStore.assignTrials` loads for the planner.
public enum HistoryScope: Sendable, Hashable {
    /// No trials, only counts (random and quasi-random search).
    case countsOnly
    /// Every trial's parameters and state, without measurements (grid search).
    case parameters
    /// Every trial with its final measurement (model-based designers).
    case finalMeasurements
}
