using Orleans.Runtime;
using Orleans.Storage;

namespace Mae.Cluster.Bench.Coordinator;

/// <summary>
/// For coordinator benchmarks: passes every call to the real grain storage (memory, Azure Blob, …) and tallies each
/// write — and its size as the storage serializer encodes it, which is what the store receives — per state name.
/// The inner provider is registered under its own name, so it keeps its own silo lifecycle (e.g. creating the
/// blob container); this decorator has none.
/// </summary>
public sealed class CountingGrainStorage(IGrainStorage inner, IGrainStorageSerializer serializer, GrainStorageWriteTally tally) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        // Measured before the write: the grain may change its state again as soon as the write completes.
        var bytes = serializer.Serialize(grainState.State).ToMemory().Length;
        await inner.WriteStateAsync(stateName, grainId, grainState).ConfigureAwait(false);
        tally.Add(stateName, bytes);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}
