namespace Mae.Cluster.Inference.Hub;

/// <summary>
/// An exclusive lock on one cache folder, held while downloading into it, so two processes (say, two silos on one
/// machine asked for the same model) never write the same partial file. It is an OS file lock (FileShare.None),
/// which the OS releases if the holder dies; the lock file itself stays, since deleting it would race.
/// </summary>
internal sealed class CacheLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly FileStream handle;

    private CacheLock(FileStream handle) => this.handle = handle;

    /// <param name="onWaiting">Called once if another holder makes this call wait.</param>
    public static async Task<CacheLock> AcquireAsync(string lockPath, Action onWaiting, CancellationToken cancellationToken)
    {
        var toldWaiting = false;
        while (true)
        {
            try
            {
                return new CacheLock(new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
            {
                if (!toldWaiting)
                {
                    onWaiting();
                    toldWaiting = true;
                }

                // Polling, because no portable API waits on another process's file lock.
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => handle.Dispose();
}
