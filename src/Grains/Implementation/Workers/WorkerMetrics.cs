using System.Diagnostics.Metrics;

namespace Mae.Cluster.Grains.Workers;

/// <summary>
/// What this silo's shard workers did, as <see cref="System.Diagnostics.Metrics"/> instruments on the meter
/// <c>Mae.Cluster.Workers</c> (read with dotnet-counters or any OpenTelemetry exporter), tagged by device.
/// </summary>
public sealed class WorkerMetrics
{
    public const string MeterName = "Mae.Cluster.Workers";

    private readonly Counter<long> _shards;
    private readonly Counter<long> _images;
    private readonly Counter<long> _inputBytes;
    private readonly Histogram<double> _shardSeconds;

    public WorkerMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _shards = meter.CreateCounter<long>("mae.worker.shards", "{shard}", "Shards finished on a device, by outcome: completed, failed or abandoned.");
        _images = meter.CreateCounter<long>("mae.worker.images", "{image}", "Images of completed shards, by outcome: embedded or failed.");
        _inputBytes = meter.CreateCounter<long>("mae.worker.input_bytes", "By", "Input bytes read by completed shards.");
        _shardSeconds = meter.CreateHistogram<double>("mae.worker.shard.duration", "s", "Wall time of one shard on a device, from start to outcome.");
    }

    public void Completed(string device, ShardResult result, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(result);
        var deviceTag = new KeyValuePair<string, object?>("device", device);
        _shards.Add(1, deviceTag, new("outcome", "completed"));
        _images.Add(result.Images, deviceTag, new("outcome", "embedded"));
        _images.Add(result.FailedImages, deviceTag, new("outcome", "failed"));
        _inputBytes.Add(result.InputBytes, deviceTag);
        _shardSeconds.Record(elapsed.TotalSeconds, deviceTag);
    }

    public void Failed(string device, TimeSpan elapsed)
    {
        _shards.Add(1, new("device", device), new("outcome", "failed"));
        _shardSeconds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("device", device));
    }

    public void Abandoned(string device) => _shards.Add(1, new("device", device), new("outcome", "abandoned"));
}
