using Mae.Cluster.Grains.Workers;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>Stands in for the inference pipeline: waits, fails or succeeds as the job's behaviour says, and writes a marker.</summary>
internal sealed class FakeShardExecutor(FakeWork work, string silo) : IShardExecutor
{
    public async Task<ShardResult> ExecuteAsync(ShardWork shardWork, CancellationToken cancellationToken)
    {
        var behaviour = work.BehaviourOf(shardWork.JobId);
        work.RecordAttempt(shardWork.JobId, shardWork.Shard);
        if (behaviour.Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }
        if (behaviour.Delay > TimeSpan.Zero)
        {
            await Task.Delay(behaviour.Delay, cancellationToken);
        }
        if (behaviour.FailingShards.Contains(shardWork.Shard))
        {
            throw new InvalidDataException($"Shard {shardWork.Shard} is corrupt (attempt {shardWork.Attempt}).");
        }
        if (behaviour.WriteMarkers)
        {
            // Like a real shard's output: a deterministic path, written whole, overwritten with identical content on a repeat.
            var folder = work.MarkerFolder(shardWork.JobId);
            Directory.CreateDirectory(folder);
            var temp = Path.Combine(folder, $"{Guid.NewGuid():N}.tmp");
            await File.WriteAllTextAsync(temp, shardWork.Shard.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            File.Move(temp, Path.Combine(folder, FakeWork.MarkerName(shardWork.Shard)), overwrite: true);
        }
        work.Record(shardWork.JobId, shardWork.Shard, silo);
        return new ShardResult(behaviour.ImagesPerShard, behaviour.FailedImagesPerShard, 1000);
    }
}

internal sealed class FakeShardExecutorFactory(FakeWork work, string silo) : IShardExecutorFactory
{
    public IShardExecutor Create(string device) => new FakeShardExecutor(work, silo);
}
