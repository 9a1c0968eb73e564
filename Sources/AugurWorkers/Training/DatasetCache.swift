import AugurTraining
import Synchronization

/// Datasets by their `dataset:` string, loaded once and shared by every trial of a runner.
final class DatasetCache: Sendable {
    private let loaded = Mutex<[String: Dataset]>([:])

    /// The dataset `reference` names (``DatasetCatalog/load(_:)``), from the cache after the first load.
    ///
    /// Loading holds the lock, so trials starting together load a file once; a failed load is not cached.
    func load(_ reference: String) throws(DatasetError) -> Dataset {
        try loaded.withLock { (datasets: inout [String: Dataset]) throws(DatasetError) -> Dataset in
            if let dataset = datasets[reference] { return dataset }
            let dataset = try DatasetCatalog.load(reference)
            datasets[reference] = dataset
            return dataset
        }
    }
}
