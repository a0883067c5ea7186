using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Mae.Cluster.Grains.Tests.Infrastructure;
using Mae.Cluster.Grains.Workers;

namespace Mae.Cluster.Grains.Tests.Workers;

/// <summary>The workers' counters, as a metrics listener (dotnet-counters, OpenTelemetry) sees them while a job runs.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WorkerMetricsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task WorkersCountShardsImagesAndFailuresPerDevice()
    {
        using var listener = new TotalsListener();
        var jobId = ClusterFixture.NewJobId("metrics");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { ImagesPerShard = 10, FailedImagesPerShard = 1, FailingShards = new HashSet<int> { 4 } });

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(60) with { MaxShardAttempts = 2 });
        await fixture.WaitForStateAsync(jobId, JobState.Completed);

        // Other collections' clusters share this process and its listener, so their shards may add to the totals.
        Assert.True(listener.Total("mae.worker.shards", "completed") >= 59, listener.ToString());
        Assert.True(listener.Total("mae.worker.shards", "failed") >= 2, listener.ToString());
        Assert.True(listener.Total("mae.worker.images", "embedded") >= 59 * 10, listener.ToString());
        Assert.True(listener.Total("mae.worker.images", "failed") >= 59, listener.ToString());
        Assert.Contains("device0", listener.Devices);
        Assert.Contains("device1", listener.Devices);
    }

    private sealed class TotalsListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<(string Instrument, string? Outcome), long> _totals = new();

        public ConcurrentDictionary<string, bool> DeviceSet { get; } = new();

        public IEnumerable<string> Devices => DeviceSet.Keys;

        public TotalsListener()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == WorkerMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                string? outcome = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == "outcome")
                    {
                        outcome = tag.Value as string;
                    }
                    else if (tag.Key == "device" && tag.Value is string device)
                    {
                        DeviceSet[device] = true;
                    }
                }
                _totals.AddOrUpdate((instrument.Name, outcome), value, (_, total) => total + value);
            });
            _listener.Start();
        }

        public long Total(string instrument, string outcome) => _totals.GetValueOrDefault((instrument, outcome));

        public override string ToString() => string.Join(", ", _totals.Select(t => $"{t.Key.Instrument}[{t.Key.Outcome}]={t.Value}"));

        public void Dispose() => _listener.Dispose();
    }
}
