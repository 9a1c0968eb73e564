import AugurCore

/// What happens during a run, as ``StudyRunner`` reports it: the executable draws progress from these (a status line
/// on a terminal, a line per trial elsewhere); the run loop itself writes nothing to the terminal.
public enum RunEvent: Sendable {
    /// A trial was handed to this run and its runner started it.
    case trialStarted(Trial)
    /// A trial ended and its end was recorded: `trial` is the stored trial, in its final state.
    case trialEnded(Trial)
    /// A trial went back to the study without an end (the run was interrupted, or its end could not be recorded); it
    /// runs again later, here or elsewhere.
    case trialReturned(Trial)
}
