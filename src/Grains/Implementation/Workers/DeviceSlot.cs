namespace Mae.Cluster.Grains.Workers;

/// <summary>One shard's hold on a slot of its device (<see cref="WorkerOptions.ShardsInFlight"/>), given back once, whichever way its run ends.</summary>
internal sealed class DeviceSlot(SemaphoreSlim slots)
{
    private int _freed;

    public void Free()
    {
        if (Interlocked.Exchange(ref _freed, 1) == 0)
        {
            slots.Release();
        }
    }
}
