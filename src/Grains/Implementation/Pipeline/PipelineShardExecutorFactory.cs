using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mae.Cluster.Grains.Pipeline;

public sealed class PipelineShardExecutorFactory(IOptions<InferenceOptions> options, ILoggerFactory loggers, StorageOptions? storage = null) : IShardExecutorFactory
{
    public IShardExecutor Create(string device) =>
        new PipelineShardExecutor(device, options.Value, storage, loggers.CreateLogger<PipelineShardExecutor>());
}
