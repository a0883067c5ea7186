namespace Mae.Cluster.Inference.Simulation;

/// <summary>
/// The clock of one simulated device, shared by every shard running on it: work is booked back to back at
/// <c>1 / rate</c> seconds an image on a monotonic clock, and each caller waits until its booking ends. Bookings are
/// absolute times, so a late wake-up does not push later work back (no drift), and an idle device banks no time (a
/// booking never starts before now).
/// </summary>
public sealed class DevicePace(int imagesPerSecond, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _sync = new();
    private long _freeAt; // timestamp at which the device has finished everything booked so far

    public int ImagesPerSecond { get; } = imagesPerSecond > 0 ? imagesPerSecond : throw new ArgumentOutOfRangeException(nameof(imagesPerSecond));

    /// <summary>Books <paramref name="images"/> images of device time and waits until they are done.</summary>
    public async Task RunAsync(int images, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(images);
        long doneAt;
        lock (_sync)
        {
            var start = Math.Max(_freeAt, _time.GetTimestamp());
            doneAt = start + (long)Math.Ceiling(images * (double)_time.TimestampFrequency / ImagesPerSecond);
            _freeAt = doneAt;
        }
        var wait = _time.GetElapsedTime(_time.GetTimestamp(), doneAt);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
