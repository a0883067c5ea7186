namespace Mae.Cluster.Grains.Workers;

/// <summary>Creates the executor of one device (e.g. "cpu", "cuda:0"); each worker owns one for its lifetime.</summary>
public interface IShardExecutorFactory
{
    IShardExecutor Create(string device);
}
