import AugurCore
import Foundation

/// The checkpoint directories of a population-based-training study's trials: each trial has its own,
/// `<run directory>/trials/<id>/checkpoint`, which holds a copy of its parent's when the trial starts (as Katib's PBT
/// service copies the parent's folder on its shared volume) and whatever the trial leaves there when it ends.
///
/// Several machines working on one study hand checkpoints over only when they share the run directory (a network
/// file system, as Katib needs a ReadWriteMany volume); a trial whose parent's checkpoint is not there starts from an
/// empty directory, and the runner logs it.
public enum CheckpointHandOver {
    /// The checkpoint directory of trial `id` under `runDirectory`.
    public static func directory(ofTrial id: Int, in runDirectory: String) -> String {
        URL(fileURLWithPath: runDirectory).appendingPathComponent("trials").appendingPathComponent(String(id))
            .appendingPathComponent("checkpoint").path
    }

    /// Makes trial `id`'s checkpoint directory afresh (an earlier attempt's files are removed) and copies its parent's
    /// checkpoint directory into it. Returns the directory, and whether the parent's checkpoint was there to copy.
    public static func prepare(trial id: Int, parent: Int?, in runDirectory: String) throws(WorkerError) -> (directory: String, copied: Bool) {
        let directory = directory(ofTrial: id, in: runDirectory)
        let files = FileManager.default
        do {
            if files.fileExists(atPath: directory) { try files.removeItem(atPath: directory) }
            try files.createDirectory(atPath: (directory as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw .filesystem(path: directory, message: error.localizedDescription)
        }
        var isDirectory: ObjCBool = false
        if let parent, parent != id {
            let source = Self.directory(ofTrial: parent, in: runDirectory)
            if files.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue {
                do {
                    try files.copyItem(atPath: source, toPath: directory)
                    return (directory, true)
                } catch {
                    throw .filesystem(path: directory, message: "cannot copy the checkpoint of trial \(parent) from \(source): "
                        + error.localizedDescription)
                }
            }
        }
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .filesystem(path: directory, message: error.localizedDescription)
        }
        return (directory, false)
    }

    /// `text` with the path a Katib trial names as its checkpoint directory (`suggestion_trial_dir`, with or without
    /// its trailing slash) replaced by the trial's own directory: Katib mounts the trial's directory at that path, a
    /// local run cannot, so it rewrites the command instead.
    public static func rewrite(_ text: String, checkpointPath: String, to directory: String) -> String {
        var path = checkpointPath
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard !path.isEmpty, text.contains(path) else { return text }
        return text.replacingOccurrences(of: path, with: directory)
    }
}
