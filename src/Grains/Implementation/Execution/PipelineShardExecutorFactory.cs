using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Inference.Simulation;
using Mae.Cluster.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// One <see cref="PipelineShardExecutor"/> per device, sharing this silo's model cache: the model on <c>cpu</c> and
/// <c>cuda:N</c>, a simulated device on <c>sim:RATE</c> where <see cref="WorkerOptions.AllowSimulatedDevices"/> is set.
/// </summary>
public sealed class PipelineShardExecutorFactory(
    IOptions<InferenceOptions> options, ModelResolver models, ILoggerFactory loggers, StorageOptions? storage = null, IOptions<WorkerOptions>? workers = null)
    : IShardExecutorFactory
{
    public IShardExecutor Create(string device)
    {
        var logger = loggers.CreateLogger<PipelineShardExecutor>();
        IShardEngines engines;
        if (SimulatedDevice.TryParse(device, out var simulated))
        {
            // Checked at start-up too (MaeSiloHosting); here so that no other way of making workers can slip one in.
            if (workers?.Value.AllowSimulatedDevices != true)
            {
                throw new InvalidOperationException(WorkerOptions.SimulatedDeviceRefusal(device));
            }
            engines = new SimulatedEngines(simulated, options.Value, models);
        }
        else
        {
            engines = new ModelEngines(ExecutionDevice.Parse(device), options.Value, models, logger);
        }
        return new PipelineShardExecutor(engines, storage, logger);
    }
}
