using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mae.Cluster.Grains.Execution;

/// <summary>One <see cref="PipelineShardExecutor"/> per device, sharing this silo's model cache.</summary>
public sealed class PipelineShardExecutorFactory(IOptions<InferenceOptions> options, ModelResolver models, ILoggerFactory loggers, StorageOptions? storage = null)
    : IShardExecutorFactory
{
    public IShardExecutor Create(string device) =>
        new PipelineShardExecutor(device, options.Value, models, storage, loggers.CreateLogger<PipelineShardExecutor>());
}
