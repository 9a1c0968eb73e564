import Foundation

/// Collects a trial's metrics from the TensorFlow event files under a directory, the way Katib's `TensorFlowEvent`
/// collector (`pkg/metricscollector/v1beta1/tfevent-metricscollector/tfevent_loader.py`) does once the trial's
/// process has ended.
///
/// Katib's matching rule is kept, quirks included:
/// - every regular file under the directory (recursively) whose name contains `tfevents` is read;
/// - a metric `NAME` takes the value of every summary whose tag *starts with* `NAME` (`accuracy` also takes
///   `accuracy_top5`);
/// - a metric `DIR/NAME` (e.g. `train/accuracy`, for a log directory with `train` and `test` runs) takes the
///   values of tags starting with `NAME` in files whose directory path ends with `DIR`.
///
/// Each matching value is one observation at its event's step. Observations are ordered by the events' wall time
/// (files in path order, records in file order among equal times), so that `latest` means the last written.
public struct TensorFlowEventCollector: Sendable {
    private let metricNames: [String]

    public init(metricNames: [String]) {
        self.metricNames = metricNames
    }

    /// The event files under `directory` and when each was last modified, taken before a trial starts so that
    /// files an earlier attempt left, and this one does not write, are not read again.
    public static func snapshot(of directory: String) -> [String: Date] {
        var snapshot: [String: Date] = [:]
        for file in (try? eventFiles(in: directory)) ?? [] { snapshot[file.path] = file.modified }
        return snapshot
    }

    /// The observations in the event files under `directory`, skipping the files that are in `unchanged` with
    /// the same modification date.
    ///
    /// - Throws: `TensorFlowEventError` when an event file is damaged or cut off, or cannot be read. A directory
    ///   that does not exist gives no observations (the trial wrote none).
    public func observations(inDirectory directory: String, skippingUnchanged unchanged: [String: Date] = [:])
        throws(TensorFlowEventError) -> [MetricObservation] {
        var matched: [(wallTime: Double, observation: MetricObservation)] = []
        for (file, modified) in try Self.eventFiles(in: directory) where unchanged[file] == nil || unchanged[file] != modified {
            let fileDirectory = (file as NSString).deletingLastPathComponent
            for scalar in try TensorFlowEventFile.scalars(atPath: file) {
                for name in metricNames where Self.matches(tag: scalar.tag, metric: name, fileDirectory: fileDirectory) {
                    matched.append((scalar.wallTime, MetricObservation(metrics: [name: scalar.value], step: scalar.step)))
                }
            }
        }
        return matched.enumerated()
            .sorted { ($0.element.wallTime, $0.offset) < ($1.element.wallTime, $1.offset) }
            .map(\.element.observation)
    }

    /// Katib's `_should_consider(tag, metric_name, tfefile)`.
    static func matches(tag: String, metric: String, fileDirectory: String) -> Bool {
        guard let slash = metric.lastIndex(of: "/") else { return tag.hasPrefix(metric) }
        let directory = String(metric[..<slash])
        let name = String(metric[metric.index(after: slash)...])
        return tag.hasPrefix(name) && fileDirectory.hasSuffix(directory)
    }

    /// The event files under `directory` with their modification dates, sorted by path.
    static func eventFiles(in directory: String) throws(TensorFlowEventError) -> [(path: String, modified: Date?)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else {
            throw .unreadable(path: directory, message: "it is a file, not the directory the event files are written to")
        }
        guard let walker = FileManager.default.enumerator(atPath: directory) else {
            throw .unreadable(path: directory, message: "the directory cannot be listed")
        }
        var files: [(path: String, modified: Date?)] = []
        while let relative = walker.nextObject() as? String {
            guard (relative as NSString).lastPathComponent.contains("tfevents") else { continue }
            let path = (directory as NSString).appendingPathComponent(relative)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            files.append((path, attributes[.modificationDate] as? Date))
        }
        return files.sorted { $0.path < $1.path }
    }
}
